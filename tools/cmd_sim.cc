// pactum sim: the deterministic federation simulation of node/sim in long
// mode. Runs seeds [seed, seed + seeds) with the given fault-phase steps and
// prints one line per seed; exits 1 after the first seed that violates an
// invariant (its line names the seed and the step; `--seed S --seeds 1`
// replays it exactly, with the same trace digest).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "node/sim/sim.h"
#include "tools/cli.h"

namespace pactum::tools {

void add_sim_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("sim", "Deterministic simulation of a federation under seeded faults");
  struct Options {
    std::uint64_t seed = 1, seeds = 1, steps = 3'000;
    std::uint32_t buyers = 2, sellers = 2, deals = 400;
    bool heavy = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--seed", o->seed, "First seed")->capture_default_str();
  cmd->add_option("--seeds", o->seeds, "Number of consecutive seeds")->capture_default_str();
  cmd->add_option("--steps", o->steps, "Fault-phase steps per seed (healing follows)")->capture_default_str();
  cmd->add_option("--buyers", o->buyers, "Buyer organizations")->capture_default_str()->check(CLI::Range(1, 8));
  cmd->add_option("--sellers", o->sellers, "Seller organizations")->capture_default_str()->check(CLI::Range(1, 8));
  cmd->add_option("--deals", o->deals, "Deals started at most per seed")->capture_default_str();
  cmd->add_flag("--heavy", o->heavy, "Ten times the default fault rates");
  cmd->callback(command([o]() -> Result<void> {
    std::uint64_t contracts = 0, crashes = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t k = 0; k < o->seeds; ++k) {
      node::sim::SimConfig c;
      c.seed = o->seed + k;
      c.steps = o->steps;
      c.buyers = o->buyers;
      c.sellers = o->sellers;
      c.max_deals = o->deals;
      if (o->heavy) {
        c.loss_permille = 150;
        c.duplicate_permille = 200;
        c.crash_permille = 15;
        c.partition_permille = 15;
        c.disk_full_permille = 10;
        c.max_delay_ms = 1'000;
      }
      node::sim::SimReport r = node::sim::run_simulation(c);
      std::printf("%s\n", node::sim::describe(c, r).c_str());
      std::fflush(stdout);
      if (!r.ok) return Fail(Errc::kInternal, "invariant violated: " + r.failure);
      contracts += r.contracts;
      crashes += r.crashes;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%llu seeds ok: %llu contracts on both sides, %llu crashes, %.1f s\n",
                static_cast<unsigned long long>(o->seeds), static_cast<unsigned long long>(contracts),
                static_cast<unsigned long long>(crashes), s);
    return Ok();
  }));
}

}  // namespace pactum::tools
