// Agent strategies for simulation and the demo: the time-dependent
// concession tactics of Faratin, Sierra and Jennings (1998) and a relative
// tit-for-tat responder. They only decide offers; the engine still checks
// every offer against mandate and policy.
//
// All arithmetic is integer: time and the concession curve are fixed point
// in parts per billion (kPpbOne), prices are minor units. Formulas in
// docs/negotiation.md, "Strategies". Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "protocol/negotiation_types.h"

namespace pactum::protocol {

inline constexpr std::int64_t kPpbOne = 1'000'000'000;  // Fixed-point 1.0.
// beta = beta_num / beta_den; both small so the root search stays exact and cheap.
inline constexpr std::uint32_t kBetaPartMax = 16;

// beta < 1: Boulware (holds firm, concedes late); beta = 1: Linear;
// beta > 1: Conceder (concedes early).
struct Beta {
  std::uint32_t num = 1;
  std::uint32_t den = 1;
};
inline constexpr Beta kBoulware{1, 5};
inline constexpr Beta kLinear{1, 1};
inline constexpr Beta kConceder{5, 1};

struct TimeStrategy {
  Role role = Role::kBuyer;
  // The range of prices this agent will ever offer. The reservation price is
  // max_minor for a buyer (never pays more) and min_minor for a seller.
  std::int64_t min_minor = 0;
  std::int64_t max_minor = 0;
  std::int64_t k_ppb = 0;     // Initial concession alpha(0), in [0, kPpbOne].
  Beta beta = kLinear;
};

// kInvalidArgument unless 0 <= min <= max, 0 <= k <= kPpbOne and
// 1 <= beta parts <= kBetaPartMax.
Result<void> validate(const TimeStrategy& s);

// (x / kPpbOne)^(num/den) * kPpbOne, rounded down; x in [0, kPpbOne].
std::int64_t pow_ratio_ppb(std::int64_t x_ppb, std::uint32_t num, std::uint32_t den);

// alpha(t) = k + (1 - k) * (t / T)^(1 / beta), in ppb; t clamped to [0, T].
// REQUIRES: validate(s), deadline_ms > 0.
std::int64_t alpha_ppb(const TimeStrategy& s, std::int64_t t_ms, std::int64_t deadline_ms);

// The offer at time t (ms since the negotiation started), T = deadline_ms:
//   seller: min + (1 - alpha(t)) * (max - min), rounded up (in its favor)
//   buyer:  min + alpha(t) * (max - min),       rounded down (in its favor)
// REQUIRES: validate(s), deadline_ms > 0.
std::int64_t time_offer(const TimeStrategy& s, std::int64_t t_ms, std::int64_t deadline_ms);

// Relative tit-for-tat (Faratin et al., delta = 1): imitate the opponent's
// last concession as a ratio of prices,
//   next = our_last * opp_older / opp_newer,
// rounded in our favor and clamped to [min, max] of `s`. kInvalidArgument
// when a price is not positive.
Result<std::int64_t> tit_for_tat_offer(const TimeStrategy& s, std::int64_t our_last_minor,
                                       std::int64_t opp_older_minor, std::int64_t opp_newer_minor);

// Accept when the opponent's price is at least as good for us as the offer
// we would make next (the AC_next acceptance condition).
bool should_accept(Role role, std::int64_t their_price_minor, std::int64_t our_next_minor);

}  // namespace pactum::protocol
