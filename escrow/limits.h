// escrow/limits.h: every bound of the escrow core, each with its reason.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pactum::escrow {

// Milestones per contract: a longer schedule is a billing plan, not an escrow;
// the bound keeps the transfer list and the state digest small.
inline constexpr std::size_t kMilestonesMax = 64;
// Named approvers: approvals are tracked as one bit per approver in a uint32.
inline constexpr std::size_t kApproversMax = 32;
// Applied events per escrow: bounds the idempotency set carried in the state.
inline constexpr std::size_t kEventsMax = 4096;
// Hashlock preimage length: 32 random bytes is the norm; 256 leaves room for
// structured secrets without letting an event carry bulk data.
inline constexpr std::size_t kPreimageBytesMax = 256;
// Invoice id length: settlement ids are short; longer text is a bug or an attack.
inline constexpr std::size_t kInvoiceIdBytesMax = 128;
// Dispute reason length: a sentence for people; evidence travels elsewhere.
inline constexpr std::size_t kReasonBytesMax = 1024;
// Largest amount of one escrow in minor units: 10^18, the settlement money
// range, so sums of a few amounts cannot overflow int64 before checks fail.
inline constexpr std::int64_t kAmountMax = 1'000'000'000'000'000'000;
// One whole in basis points (a ruling's seller share).
inline constexpr std::uint32_t kBasisPointsOne = 10'000;
// Transfers one escrow can ever hold: one funding transfer, one pending hold,
// one post and one void per milestone, and one refund transfer per closing
// event (at most one, since closing is terminal) plus slack for one refund
// per milestone.
inline constexpr std::size_t kTransfersMax = 2 + 4 * kMilestonesMax;

static_assert(kApproversMax <= 32, "approvals are a uint32 bit set");
static_assert(kAmountMax < INT64_MAX / 4, "a few amounts must sum without overflow");
static_assert(kTransfersMax < UINT32_MAX, "transfer ids are uint32");

}  // namespace pactum::escrow
