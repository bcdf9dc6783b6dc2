// node/net internal: reconnection delays. Pure, so tests pin it exactly.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace pactum::node::net {

// Exponential backoff with "equal jitter": the ceiling doubles per failed
// attempt from `min` up to `max`, and the delay is uniform in
// [ceiling/2, ceiling] as picked by `random` (any 64-bit value), so peers that
// lost each other at the same moment do not redial in lockstep.
// REQUIRES: 0 < min <= max.
inline std::chrono::milliseconds backoff_delay(std::uint32_t attempt, std::chrono::milliseconds min,
                                               std::chrono::milliseconds max,
                                               std::uint64_t random) {
  // 2^20 x min exceeds any sane max; stop doubling there so the shift cannot overflow.
  constexpr std::uint32_t kDoublingsMax = 20;
  const auto lo = static_cast<std::uint64_t>(min.count());
  const auto hi = static_cast<std::uint64_t>(max.count());
  const std::uint64_t ceiling = std::min(hi, lo << std::min(attempt, kDoublingsMax));
  const std::uint64_t half = ceiling / 2;
  const std::uint64_t delay = half + random % (ceiling - half + 1);
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

}  // namespace pactum::node::net
