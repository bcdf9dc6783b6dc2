// `pactum simulate`: an in-process federation of K organizations and M
// agents negotiating through the real negotiation engine (one engine per
// organization, every message a signed envelope decided by the sender's
// node and then the receiver's), with the strategies of protocol/strategy.h
// and reservation prices drawn from a seeded generator. Measures are
// explained in docs/simulate.md.
//
// Reproducible: every figure in SimResult except `wall_seconds` is a
// function of SimConfig alone (integer math, seeded std::mt19937_64 whose
// sequence the C++ standard fixes, no floating point); the same seed gives
// the same output. Not thread-safe; one simulation per thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/base.h"

namespace pactum::tools {

// Bounds on a simulation's size: each deal costs a few dozen Ed25519
// signatures and verifications (~60 us each), so 100k deals is minutes.
inline constexpr std::uint32_t kSimOrgsMax = 64;
inline constexpr std::uint32_t kSimAgentsMax = 4096;
inline constexpr std::uint32_t kSimDealsMax = 100'000;

struct SimConfig {
  std::uint64_t seed = 1;
  std::uint32_t orgs = 3;       // K >= 2.
  std::uint32_t agents = 12;    // M >= 2; each org gets buyers and sellers round-robin.
  std::uint32_t deals = 200;
};

// The figures of one run. Ratios are parts per million (integers).
struct SimResult {
  std::uint32_t deals = 0;
  std::uint32_t agreed = 0;
  std::uint32_t no_agreement = 0;      // Rounds or deadline ran out, or a side rejected.
  std::uint32_t refused = 0;           // Ended by a guardrail refusal.
  std::uint32_t denied = 0;            // An approver denied an escalated offer.
  std::uint32_t escalations = 0;
  std::uint32_t approvals = 0;
  std::map<std::string, std::uint32_t> guardrail_hits;  // Rule -> refusals by the sender's own node.
  std::uint32_t counterparty_refusals = 0;              // Refused by the receiving node (should be 0).
  std::uint64_t messages = 0;          // Envelopes decided by both nodes.
  std::uint32_t rounds_median = 0;     // Messages per agreed negotiation.
  std::uint64_t rounds_mean_milli = 0;
  std::int64_t time_median_ms = 0;     // Simulated, propose to accept.
  std::int64_t discount_mean_ppm = 0;  // (list - price) / list over agreed deals.
  std::uint32_t zopa_deals = 0;        // Deals whose reservation prices overlap.
  std::uint32_t zopa_missed = 0;       // Of which not agreed: off the Pareto frontier.
  std::int64_t surplus_lost_ppm = 0;   // Surplus of missed ZOPA deals / surplus of all ZOPA deals.
  std::uint32_t irrational = 0;        // Agreements outside a party's reservation (must be 0).
  std::int64_t nash_distance_mean_ppm = 0;  // |price - Nash price| / ZOPA width, agreed deals.
  std::int64_t buyer_share_mean_ppm = 0;    // Buyer's share of the surplus, agreed deals.
  std::map<std::string, std::uint32_t> agreed_by_pair;  // "boulware/linear" (buyer/seller) -> agreements.
  double wall_seconds = 0;             // Wall clock: the only figure not reproducible.
};

// Errors: kInvalidArgument for sizes out of range; kInternal if a step the
// simulation relies on fails (a bug).
Result<SimResult> run_simulation(const SimConfig& config);

// The deterministic part as text (one figure a line) and as JSON. With
// `timing`, the wall-clock throughput is appended (not reproducible).
std::string simulation_text(const SimConfig& c, const SimResult& r, bool timing);
std::string simulation_json(const SimConfig& c, const SimResult& r, bool timing);

}  // namespace pactum::tools
