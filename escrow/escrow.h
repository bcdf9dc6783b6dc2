// escrow: one contract's escrow as balanced-books (debit = credit), two-phase holds, driven by
// signed events (DESIGN.md, data flow step 6). Public header of escrow/.
//
// Model (after TigerBeetle's accounts and two-phase transfers):
// - Four accounts per contract: buyer funding (where the buyer's money comes
//   from), escrow hold, seller payout, buyer refund. Each keeps
//   debits_pending, debits_posted, credits_pending, credits_posted.
// - Funding is one single-phase transfer funding -> hold plus one pending
//   transfer hold -> payout per milestone, linked: all apply or none.
// - A release posts a milestone's pending transfer (all, or part of it in a
//   ruling); the rest is voided and moved hold -> refund.
// - Release conditions per milestone: buyer's acceptance, a deadline after
//   which the seller may claim unless a dispute is open, M-of-N approvals by
//   named keys, a SHA-256 hashlock opened by its preimage. A dispute freezes
//   the escrow until the arbiter's ruling splits what is still held.
//
// Signatures: the core never sees one. The caller (protocol/escrow_codec.h)
// verifies the event's signature by `signer` first; the core decides whether
// that signer is authorized for the event (buyer, seller, arbiter, approver).
// SHA-256 for hashlocks is supplied by the caller as a function pointer
// (crypto::sha256 fits), because the core may depend only on base/ and
// settlement/; the core itself hashes the preimage, so a hashlock opens only
// on a preimage it has checked, never on a digest someone else computed.
//
// Determinism: no clock (time is the event's signed timestamp), no
// randomness, no I/O, no floating point. The same event log gives the same
// state, byte for byte, on every node.
//
// Thread-safety: Escrow is a value type; const methods may run concurrently,
// apply() needs exclusive access.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/base.h"
#include "escrow/limits.h"

namespace pactum::settlement {
struct EscrowInstruction;  // settlement/settlement.h
}  // namespace pactum::settlement

namespace pactum::escrow {

using PartyKey = std::array<std::uint8_t, 32>;     // Ed25519 public key.
using Sha256Digest = std::array<std::uint8_t, 32>;
using ContractId = std::array<std::uint8_t, 16>;     // The contract's 16-byte id.
using EventId = std::array<std::uint8_t, 16>;       // The signed envelope's random nonce.
// SHA-256 of `data`. Must be pure; crypto::sha256 is one.
using Sha256Fn = Sha256Digest (*)(ByteSpan data);

// ---- terms ----

// Persisted (wire and digest): never renumber.
enum class ConditionKind : std::uint8_t {
  kAcceptance = 0,  // The buyer signs acceptance of delivery.
  kDeadline = 1,    // After deadline_ms the seller may claim, unless disputed.
  kApprovals = 2,   // approvals_required of the named approvers sign.
  kHashlock = 3,    // Someone reveals x with SHA-256(x) == hashlock.
};

struct Milestone {
  std::string invoice_id;       // The settlement invoice this milestone pays.
  std::int64_t amount = 0;      // Minor units of the escrow currency, > 0.
  ConditionKind condition = ConditionKind::kAcceptance;
  std::int64_t deadline_ms = 0; // kDeadline only: Unix ms of the signed timestamp.
  Sha256Digest hashlock{};      // kHashlock only.
  friend bool operator==(const Milestone&, const Milestone&) = default;
};

struct EscrowTerms {
  std::string currency;               // ISO 4217 alphabetic code, e.g. "EUR".
  PartyKey buyer{};
  PartyKey seller{};
  PartyKey arbiter{};                 // Rules disputes; required.
  std::vector<PartyKey> approvers;    // Named keys for kApprovals milestones.
  std::uint32_t approvals_required = 0;
  std::vector<Milestone> milestones;  // In schedule order; at least one.
  friend bool operator==(const EscrowTerms&, const EscrowTerms&) = default;
};

// Sum of the milestone amounts. REQUIRES: validate_terms(terms) succeeded.
std::int64_t total_amount(const EscrowTerms& terms);
// Ok if the terms are well formed: 1..kMilestonesMax milestones with amounts
// in (0, kAmountMax] summing to at most kAmountMax, unique non-empty invoice
// ids, a three-letter upper-case currency, distinct buyer, seller and arbiter,
// distinct approvers (at most kApproversMax) and 1 <= M <= N when any
// milestone needs approvals. Error kEscrowBadTerms naming the first problem.
Result<void> validate_terms(const EscrowTerms& terms);

// Milestones for the escrow instructions settlement produced, in order: each
// pays its instruction's reference (the invoice) the instruction's amount.
// `condition` applies to every milestone; for kDeadline the deadline is the
// instruction's release_on day at 00:00 UTC; hashlock digests are left for
// the caller to set. Errors: kEscrowBadTerms (no instructions, more than
// kMilestonesMax, an amount outside (0, kAmountMax]), kOverflow.
Result<std::vector<Milestone>> milestones_from_settlement(
    const std::vector<settlement::EscrowInstruction>& instructions, ConditionKind condition);

// ---- events ----

// Persisted: never renumber.
enum class EventKind : std::uint8_t {
  kFund = 0,                // Buyer deposits exactly the total amount.
  kAcceptDelivery = 1,      // Buyer accepts milestone `milestone`.
  kApprove = 2,             // An approver approves milestone `milestone`.
  kRevealPreimage = 3,      // Buyer or seller reveals `preimage` for `milestone`.
  kClaimAfterDeadline = 4,  // Seller claims `milestone` after its deadline.
  kOpenDispute = 5,         // Buyer or seller freezes the escrow.
  kRuling = 6,              // Arbiter splits what is held between seller and buyer.
  kRefund = 7,              // Seller returns everything still held to the buyer.
};

// Persisted: never renumber.
enum class SplitKind : std::uint8_t {
  kExact = 0,        // seller_amount + buyer_amount == held amount, exactly.
  kBasisPoints = 1,  // Seller gets floor(held * seller_bps / 10000), buyer the rest.
};

// One escrow event whose signature by `signer` the caller has verified.
struct EscrowEvent {
  ContractId contract_id{};
  EventId id{};
  std::int64_t timestamp_ms = 0;  // Signed time; non-decreasing along the log.
  PartyKey signer{};
  EventKind kind = EventKind::kFund;
  std::int64_t amount = 0;        // kFund.
  std::uint32_t milestone = 0;    // kAcceptDelivery, kApprove, kRevealPreimage, kClaimAfterDeadline.
  Bytes preimage;                 // kRevealPreimage.
  std::string reason;             // kOpenDispute.
  SplitKind split = SplitKind::kExact;  // kRuling.
  std::int64_t seller_amount = 0;       // kRuling, kExact.
  std::int64_t buyer_amount = 0;        // kRuling, kExact.
  std::uint32_t seller_bps = 0;         // kRuling, kBasisPoints.
  friend bool operator==(const EscrowEvent&, const EscrowEvent&) = default;
};

// ---- state ----

// Persisted: never renumber.
enum class Status : std::uint8_t {
  kAwaitingFunding = 0,
  kFunded = 1,
  kPartiallyReleased = 2,
  kReleased = 3,
  kRefunded = 4,
  kDisputed = 5,
  kResolved = 6,
};
std::string_view status_name(Status s);
// Released, refunded and resolved escrows accept no further event.
bool is_closed(Status s);

// Persisted: never renumber. Also the index into EscrowLedger accounts.
enum class AccountId : std::uint8_t { kBuyerFunding = 0, kHold = 1, kSellerPayout = 2, kBuyerRefund = 3 };
inline constexpr std::size_t kAccountCount = 4;

struct Account {
  std::int64_t debits_pending = 0;
  std::int64_t debits_posted = 0;
  std::int64_t credits_pending = 0;
  std::int64_t credits_posted = 0;
  friend bool operator==(const Account&, const Account&) = default;
};

// Persisted: never renumber.
enum class TransferKind : std::uint8_t { kSinglePhase = 0, kPending = 1, kPost = 2, kVoid = 3 };
// Persisted: never renumber. Only kPending transfers leave kNotPending.
enum class PendingStatus : std::uint8_t { kNotPending = 0, kPending = 1, kPosted = 2, kVoided = 3 };

struct Transfer {
  std::uint32_t id = 0;          // Index in the ledger's transfer list.
  TransferKind kind = TransferKind::kSinglePhase;
  AccountId debit = AccountId::kBuyerFunding;
  AccountId credit = AccountId::kHold;
  std::int64_t amount = 0;
  std::uint32_t pending_id = 0;  // kPost, kVoid: the pending transfer resolved.
  PendingStatus status = PendingStatus::kNotPending;  // kPending transfers only.
  friend bool operator==(const Transfer&, const Transfer&) = default;
};

// A transfer to create. kSinglePhase and kPending use debit, credit, amount;
// kPost uses pending_id and amount in (0, pending amount] (a partial post
// also records a kVoid of the remainder, so every minor unit is visible in
// the transfer list); kVoid uses pending_id only.
struct TransferRequest {
  TransferKind kind = TransferKind::kSinglePhase;
  AccountId debit = AccountId::kBuyerFunding;
  AccountId credit = AccountId::kHold;
  std::int64_t amount = 0;
  std::uint32_t pending_id = 0;
};

// Totals over pending transfers: held == posted + voided + pending always.
struct HoldTotals {
  std::int64_t held = 0;     // Sum of all pending-transfer amounts ever created.
  std::int64_t posted = 0;   // Of which posted to the seller.
  std::int64_t voided = 0;   // Of which voided (returned to the hold).
  std::int64_t pending = 0;  // Of which still pending.
  friend bool operator==(const HoldTotals&, const HoldTotals&) = default;
};

// The balanced-books ledger of one escrow: four accounts and an append-only
// transfer list. Account rules (TigerBeetle's balance flags): buyer funding
// is the source, its credits never exceed its debits; every other account's
// debits (pending + posted) never exceed its posted credits. Value type.
class Ledger {
 public:
  // Creates every request in order, or none: on any error the ledger is
  // unchanged (linked transfers). Returns the ids of the created transfers.
  // Errors: kEscrowInsufficient (a balance rule would break), kNotFound
  // (pending_id is not a pending transfer), kEscrowIllegalTransition (already
  // posted or voided), kEscrowBadEvent (amount <= 0 or above the pending
  // amount, debit == credit), kLimitExceeded (kTransfersMax), kOverflow.
  Result<std::vector<std::uint32_t>> apply_linked(const std::vector<TransferRequest>& batch);

  const std::array<Account, kAccountCount>& accounts() const { return accounts_; }
  const Account& account(AccountId id) const { return accounts_[static_cast<std::size_t>(id)]; }
  const std::vector<Transfer>& transfers() const { return transfers_; }
  const HoldTotals& totals() const { return totals_; }
  // Asserts the balanced-books (debit = credit) identities, the balance rules, no negative
  // field, and that the totals equal what the transfer list says.
  void check_invariants() const;

  friend bool operator==(const Ledger&, const Ledger&) = default;

 private:
  Result<std::uint32_t> apply_one(const TransferRequest& r);
  Result<void> check_balance_rules() const;
  Account& acct(AccountId id) { return accounts_[static_cast<std::size_t>(id)]; }

  std::array<Account, kAccountCount> accounts_{};
  std::vector<Transfer> transfers_;
  HoldTotals totals_;
};

// Persisted: never renumber.
enum class MilestoneStatus : std::uint8_t { kUnfunded = 0, kHeld = 1, kReleased = 2, kRefunded = 3, kSplit = 4 };

struct MilestoneState {
  MilestoneStatus status = MilestoneStatus::kUnfunded;
  std::uint32_t approvals = 0;        // Bit i: approvers[i] approved.
  std::uint32_t pending_transfer = 0; // Its pending transfer id once funded.
  std::int64_t released = 0;          // Minor units posted to the seller.
  std::int64_t refunded = 0;          // Minor units voided back to the buyer.
  friend bool operator==(const MilestoneState&, const MilestoneState&) = default;
};

enum class ApplyOutcome : std::uint8_t { kApplied, kDuplicate };

// One contract's escrow. Value type (copyable; see thread-safety above).
class Escrow {
 public:
  // An escrow in kAwaitingFunding for `terms`. sha256 opens hashlocks.
  // Error kEscrowBadTerms when validate_terms fails.
  // REQUIRES: sha256 != nullptr.
  static Result<Escrow> open(const ContractId& contract_id, EscrowTerms terms, Sha256Fn sha256);

  // Applies one event whose signature by event.signer is already verified.
  // On success the event is recorded and kApplied returned; the same event
  // (same id, same content) again returns kDuplicate and changes nothing.
  // On error nothing changes; the codes:
  //   kEscrowWrongContract     event for another contract
  //   kEscrowConflictingEvent  a known event id with different content
  //   kEscrowStaleEvent        timestamp before the last applied event's
  //   kEscrowUnauthorized      signer may not sign this kind of event
  //   kEscrowIllegalTransition event not allowed in the current status
  //   kEscrowUnknownMilestone  milestone index out of range
  //   kEscrowInsufficient      funding amount differs from the total
  //   kEscrowConditionUnmet    the release condition does not hold
  //   kEscrowBadEvent          malformed fields (sizes, split amounts)
  //   kLimitExceeded           kEventsMax events already applied
  // Invariants are asserted after every applied event (PACTUM_ASSERT).
  Result<ApplyOutcome> apply(const EscrowEvent& event);

  const ContractId& contract_id() const { return contract_id_; }
  const EscrowTerms& terms() const { return terms_; }
  Status status() const { return status_; }
  const Ledger& ledger() const { return ledger_; }
  const std::vector<MilestoneState>& milestones() const { return milestones_; }
  // Applied event ids in ascending byte order (the idempotency set).
  std::vector<EventId> applied_event_ids() const;
  std::int64_t last_timestamp_ms() const { return last_timestamp_ms_; }

  // Asserts every invariant (also done after each apply): the balanced-books
  // identities, held == posted + voided + pending, no negative balance, and
  // at close money in == money out. Aborts on a broken invariant.
  void check_invariants() const;

  friend bool operator==(const Escrow& a, const Escrow& b);

 private:
  Escrow() = default;
  Result<void> dispatch(const EscrowEvent& e);
  Result<void> fund(const EscrowEvent& e);
  Result<void> accept(const EscrowEvent& e);
  Result<void> approve(const EscrowEvent& e);
  Result<void> reveal(const EscrowEvent& e);
  Result<void> claim(const EscrowEvent& e);
  Result<void> dispute(const EscrowEvent& e);
  Result<void> ruling(const EscrowEvent& e);
  Result<void> refund(const EscrowEvent& e);
  Result<void> require_releasable(const EscrowEvent& e, ConditionKind kind) const;
  Result<void> release_milestone(std::uint32_t index);
  Result<void> settle_remaining(std::int64_t seller_share, Status closing);
  void update_release_status();

  ContractId contract_id_{};
  EscrowTerms terms_;
  Sha256Fn sha256_ = nullptr;
  Status status_ = Status::kAwaitingFunding;
  Ledger ledger_;
  std::vector<MilestoneState> milestones_;
  std::map<EventId, EscrowEvent> applied_;  // Ordered: iteration is deterministic.
  std::int64_t last_timestamp_ms_ = INT64_MIN;
};

}  // namespace pactum::escrow
