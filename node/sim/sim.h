// node/sim: the deterministic simulation of a pactum federation (issue 9).
//
// run_simulation() drives N NodeCores (the sans-I/O core of node/core) in one
// process with a seeded network and clock: packets are lost (a loss cuts the
// link, which reconnects later, as TCP would), duplicated, reordered and
// delayed; partitions cut pairs of nodes and heal; nodes crash and restart,
// losing exactly the ledger appends that were not yet durable (the core is
// rebuilt with restore() from the durable entries); a node's disk fills up
// for a while (its appends fail). Buyer and seller agents negotiate many deals
// meanwhile. After every step the invariants of docs/RELIABILITY.md are
// checked; after the fault phase the world heals and runs to quiescence and
// the end-state invariants are checked.
//
// Everything -- faults, delays, agent choices, nonces, the clock -- derives
// from the seed, so one seed always produces the same trace digest (a hash of
// every delivered event and every effect) and a failure replays exactly.
//
// Errors: a violated invariant is not an error of the call but its result:
// SimReport::ok is false and SimReport::failure names the seed, the step and
// the invariant. Thread-compatible: separate runs may go on separate threads.
#pragma once

#include <cstdint>
#include <string>

#include "crypto/crypto.h"

namespace pactum::node::sim {

struct SimConfig {
  std::uint64_t seed = 1;
  std::uint64_t steps = 3'000;        // Steps of the fault phase.
  std::uint32_t buyers = 2;           // Buyer organizations (each partners every seller).
  std::uint32_t sellers = 2;
  std::uint32_t max_deals = 400;      // Deals the agents start at most.
  // Fault rates, in per-mille per step or per packet. Zero disables the kind.
  std::uint32_t loss_permille = 20;          // Per packet: dropped, link cut.
  std::uint32_t duplicate_permille = 50;     // Per packet: delivered twice.
  std::uint32_t max_delay_ms = 200;          // Per packet delay is uniform in [1, max]: reorders.
  std::uint32_t partition_permille = 3;      // Per step: cut a buyer-seller pair for a while.
  std::uint32_t crash_permille = 3;          // Per step: crash a node (restart later).
  std::uint32_t disk_full_permille = 2;      // Per step: a node's appends fail for a while.
  bool check_every_step = true;              // Per-step invariants (the end check always runs).
  bool verbose = false;                      // Progress on stderr every 1000 steps.
};

// Test-only fault injection: a deliberately broken world, to prove that the
// checker catches the violation it is meant to catch.
enum class InjectedBug {
  kNone,
  kDropDurableEntry,    // At step `bug_step`, a node's ledger silently loses its last durable entry.
  kTamperDurableEntry,  // At step `bug_step`, a byte of a node's first durable entry flips.
};

struct SimHooks {
  InjectedBug bug = InjectedBug::kNone;
  std::uint64_t bug_step = 0;
};

struct SimReport {
  bool ok = true;
  std::string failure;                 // "seed S step N: invariant: detail" when !ok.
  std::uint64_t failed_step = 0;
  crypto::Digest trace{};              // Digest of the whole run; equal seeds give equal traces.
  std::uint64_t steps = 0;             // Including the healing phase.
  std::uint64_t deals_started = 0, contracts = 0;   // Contracts: pairs committed on both sides.
  std::uint64_t packets_delivered = 0, packets_lost = 0, packets_duplicated = 0;
  std::uint64_t partitions = 0, crashes = 0, disk_full_periods = 0, appends_failed = 0;
  std::uint64_t refusals = 0;          // Agent submissions the nodes refused.
  std::uint64_t ledger_entries = 0;    // Over all nodes, at the end.
  std::uint64_t invariant_checks = 0;
};

SimReport run_simulation(const SimConfig& config, const SimHooks& hooks = {});

// One line per report: seed, outcome, counts, trace digest (hex).
std::string describe(const SimConfig& config, const SimReport& report);

}  // namespace pactum::node::sim
