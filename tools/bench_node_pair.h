// `pactum bench node`'s world: two complete pactumd nodes (node::daemon::Daemon:
// the real node core, LMDB ledger with group commit, durable transport outbox
// and mutual TLS on loopback, agent API and metrics idle) in one process, each
// on its own io thread like two processes, and a driver thread playing the
// buyer's and the seller's agents. Internal to tools/.
//
// A deal: the buyer agent proposes, the seller agent counters, the buyer
// agent accepts; it is done once both nodes report "peer-anchored" (the
// other's anchor receipt verified) and "agreed" (settled, receipts exchanged,
// digests equal). A round is one agent message from its submission to its
// own node until the other node has it durably (its state notice).
//
// Thread-safety: start/run_*/stop from one thread (the bench's).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/base.h"

namespace pactum::tools {

// Ed25519 and sync calls counted per thread group (bench_node.cc interposes
// libsodium's and libc's entry points).
struct OpCounts {
  std::atomic<std::uint64_t> sign{0}, verify{0}, sync{0};
};
enum class CountGroup : std::uint8_t { kOther = 0, kBuyerNode = 1, kSellerNode = 2, kAgents = 3 };
inline constexpr std::size_t kCountGroups = 4;
// The counters and the calling thread's group (default kOther).
OpCounts& op_counts(CountGroup group);
void set_thread_count_group(CountGroup group);

// Where a round's time goes, from stamps the nodes' cores take: the
// submission waiting for its node's io thread; its node's ledger append
// (group commit); the relay (outbox commit, TLS, the peer's io queue); the
// peer's ledger append until the peer reports the new state.
enum class RoundStage : std::uint8_t { kQueue = 0, kOwnCommit = 1, kRelay = 2, kPeerCommit = 3 };
inline constexpr std::size_t kRoundStages = 4;

struct PhaseResult {
  std::uint64_t deals = 0;            // Completed in the phase.
  std::uint64_t finished = 0;         // Completed in the phase or the drain after it.
  double seconds = 0;
  std::vector<double> round_us;       // Every round of the phase's completed deals.
  // Per round with every stamp, in the order of round_us's stamped rounds: each stage's time.
  std::vector<std::array<double, kRoundStages>> stage_us;
  std::vector<double> deal_us;        // Propose submitted -> done on both nodes.
  std::uint64_t failures = 0;         // Refused agent submissions.
  std::string first_failure;
};

class NodePair {
 public:
  // Keys, certificates, policies, mandates; starts both daemons under `dir`
  // and waits until they are connected. Errors name the step.
  static Result<std::unique_ptr<NodePair>> start(const std::string& dir);
  ~NodePair();

  // Keeps `in_flight` deals open at all times for `seconds`.
  PhaseResult run_closed(std::size_t in_flight, double seconds);
  // Starts deals at `deals_per_s` for `seconds` (at most in_flight_max open).
  PhaseResult run_paced(double deals_per_s, double seconds, std::size_t in_flight_max);
  // Shuts both daemons down (drain) and joins their threads. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit NodePair(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pactum::tools
