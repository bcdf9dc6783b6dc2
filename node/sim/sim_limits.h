// node/sim limits: the shape of the simulated world's time and faults.
#pragma once

#include <cstdint>

namespace pactum::node::sim {

// Simulated clock start: 2026-01-01T00:00:00Z, inside the test agents' mandates.
inline constexpr std::int64_t kStartMs = 1'767'225'600'000;
// Offers expire a day after the start; a run stays well inside it.
inline constexpr std::int64_t kOfferLifetimeMs = 86'400'000;
// A step advances the clock by 1..kStepMaxMs (so 3000 steps are ~30 s of sim time).
inline constexpr std::uint64_t kStepMaxMs = 20;
// A cut link reconnects within this long (transport backoff).
inline constexpr std::uint64_t kReconnectMaxMs = 500;
// A crashed node restarts within this long.
inline constexpr std::uint64_t kRestartMaxMs = 2'000;
// A full disk stays full for up to this long: longer than several group
// commits, so the core's bounded retries run out and its alarm path is used.
inline constexpr std::uint64_t kDiskFullMaxMs = 1'500;
// A partition lasts up to this long.
inline constexpr std::uint64_t kPartitionMaxMs = 3'000;
// Per step and node, the chance (per mille) of a group commit under faults.
inline constexpr std::uint32_t kSyncPermille = 300;
// After the fault phase: steps allowed to reach quiescence, and how many
// consecutive idle steps count as quiescent.
inline constexpr std::uint64_t kHealStepsMax = 20'000;
inline constexpr std::uint64_t kQuietSteps = 50;
// An agent gives a deal up after this many refused submissions.
inline constexpr std::uint32_t kRefusalsPerDealMax = 8;

}  // namespace pactum::node::sim
