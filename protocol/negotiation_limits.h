// Limits of the negotiation engine, mandates and guardrail policies. Each
// constant says why it has its value; relations between them are asserted.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pactum::protocol {

// A negotiation message is a few hundred bytes of terms; 64 KiB leaves room
// for long line-item lists while bounding what one peer can make us hash.
inline constexpr std::size_t kNegotiationMessageBytesMax = 64 * 1024;
// Hard ceiling on rounds whatever a policy says: a transcript is stored and
// shipped in every evidence bundle, so it must stay small.
inline constexpr std::uint32_t kNegotiationRoundsMax = 256;
// Transcript entries: every round is one offer, plus accept/reject/withdraw
// and one approval per escalation.
inline constexpr std::size_t kTranscriptEntriesMax = 2 * kNegotiationRoundsMax + 8;
// Signed timestamps may run ahead of the deciding node's clock by this much
// (NTP-synchronized hosts); more is refused as a future-dated message.
inline constexpr std::int64_t kClockSkewMaxMs = 30'000;
// A Propose with offerExpiresMs = 0 gets this deadline: a day is long
// enough for a person to approve an escalation, short enough that stalled
// negotiations release their budget reservations.
inline constexpr std::int64_t kDefaultNegotiationDeadlineMs = 24LL * 3600 * 1000;
// Parts per million: the unit of discounts and concessions (1e6 = 100%).
inline constexpr std::int64_t kPpmOne = 1'000'000;

// Policy file bounds: a policy is written by a person, so these only stop
// absurd files from using unbounded memory.
inline constexpr std::size_t kPolicyFileBytesMax = 1024 * 1024;
inline constexpr std::size_t kPolicyProductsMax = 10'000;
inline constexpr std::size_t kPolicyCounterpartiesMax = 10'000;
inline constexpr std::size_t kPolicyApproversMax = 64;
inline constexpr std::size_t kProductNameBytesMax = 128;

// Mandate bounds, for the same reason.
inline constexpr std::size_t kMandateProductsMax = 10'000;
inline constexpr std::size_t kMandateCounterpartiesMax = 10'000;

// Open negotiations one engine tracks at once; beyond it new proposals are
// refused (retry later) instead of growing memory without bound.
inline constexpr std::size_t kOpenNegotiationsMax = 1'000'000;

static_assert(kTranscriptEntriesMax > 2 * kNegotiationRoundsMax);
static_assert(kPolicyApproversMax >= 1);

}  // namespace pactum::protocol
