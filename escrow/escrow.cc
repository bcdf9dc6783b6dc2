// The escrow state machine: which signed event may do what, and when.
//
// apply() snapshots the mutable state, lets one handler change it, and puts
// the snapshot back if the handler fails, so a refused event changes nothing
// even when it fails halfway.
#include <algorithm>
#include <bit>
#include <string>

#include "escrow/escrow.h"

namespace pactum::escrow {
namespace {

std::string idx(std::uint32_t i) { return std::to_string(i); }

bool is_zero(const PartyKey& k) {
  return std::all_of(k.begin(), k.end(), [](std::uint8_t b) { return b == 0; });
}

// Fields a kind does not use must stay at their defaults, so one meaning has
// one encoding and the wire mapping round-trips exactly.
Result<void> check_shape(const EscrowEvent& e) {
  const bool fund = e.kind == EventKind::kFund;
  const bool ruling = e.kind == EventKind::kRuling;
  const bool per_milestone = e.kind == EventKind::kAcceptDelivery || e.kind == EventKind::kApprove ||
                             e.kind == EventKind::kRevealPreimage ||
                             e.kind == EventKind::kClaimAfterDeadline;
  if (is_zero(e.signer)) return Fail(Errc::kEscrowBadEvent, "signer key is all zero");
  if (!fund && e.amount != 0) return Fail(Errc::kEscrowBadEvent, "amount set on a non-funding event");
  if (!per_milestone && e.milestone != 0)
    return Fail(Errc::kEscrowBadEvent, "milestone set on an event that names none");
  if ((e.kind == EventKind::kRevealPreimage) != !e.preimage.empty())
    return Fail(Errc::kEscrowBadEvent, "preimage must be set exactly on a reveal");
  if (e.preimage.size() > kPreimageBytesMax)
    return Fail(Errc::kEscrowBadEvent, "preimage longer than kPreimageBytesMax");
  if (e.kind != EventKind::kOpenDispute && !e.reason.empty())
    return Fail(Errc::kEscrowBadEvent, "reason set on a non-dispute event");
  if (e.reason.size() > kReasonBytesMax)
    return Fail(Errc::kEscrowBadEvent, "reason longer than kReasonBytesMax");
  bool split_set = e.split != SplitKind::kExact || e.seller_amount != 0 || e.buyer_amount != 0 ||
                   e.seller_bps != 0;
  if (!ruling && split_set) return Fail(Errc::kEscrowBadEvent, "split set on a non-ruling event");
  if (ruling && e.split == SplitKind::kExact && e.seller_bps != 0)
    return Fail(Errc::kEscrowBadEvent, "exact ruling carries basis points");
  if (ruling && e.split == SplitKind::kBasisPoints && (e.seller_amount != 0 || e.buyer_amount != 0))
    return Fail(Errc::kEscrowBadEvent, "basis-point ruling carries amounts");
  return Ok();
}

Result<void> unauthorized(std::string_view what) {
  return Fail(Errc::kEscrowUnauthorized, "signer is not " + std::string(what));
}

Result<void> illegal(std::string_view what, Status s) {
  return Fail(Errc::kEscrowIllegalTransition,
              std::string(what) + " not allowed in " + std::string(status_name(s)));
}

bool releasing(Status s) { return s == Status::kFunded || s == Status::kPartiallyReleased; }

}  // namespace

Result<Escrow> Escrow::open(const ContractId& contract_id, EscrowTerms terms, Sha256Fn sha256) {
  PACTUM_ASSERT(sha256 != nullptr);
  PACTUM_CHECK(validate_terms(terms));
  Escrow e;
  e.contract_id_ = contract_id;
  e.milestones_.resize(terms.milestones.size());
  e.terms_ = std::move(terms);
  e.sha256_ = sha256;
  e.check_invariants();
  return e;
}

Result<ApplyOutcome> Escrow::apply(const EscrowEvent& e) {
  if (e.contract_id != contract_id_)
    return Fail(Errc::kEscrowWrongContract, "event names another contract");
  if (auto it = applied_.find(e.id); it != applied_.end()) {
    if (it->second == e) return ApplyOutcome::kDuplicate;
    return Fail(Errc::kEscrowConflictingEvent, "event id reused with different content");
  }
  if (applied_.size() >= kEventsMax) return Fail(Errc::kLimitExceeded, "kEventsMax events applied");
  if (e.timestamp_ms < last_timestamp_ms_)
    return Fail(Errc::kEscrowStaleEvent, "timestamp " + std::to_string(e.timestamp_ms) +
                                             " before last applied " +
                                             std::to_string(last_timestamp_ms_));
  PACTUM_CHECK(check_shape(e));

  const Status saved_status = status_;
  Ledger saved_ledger = ledger_;
  std::vector<MilestoneState> saved_milestones = milestones_;
  if (auto r = dispatch(e); !r) {
    status_ = saved_status;
    ledger_ = std::move(saved_ledger);
    milestones_ = std::move(saved_milestones);
    return Fail(std::move(r).error());
  }
  applied_.emplace(e.id, e);
  last_timestamp_ms_ = e.timestamp_ms;
  check_invariants();
  return ApplyOutcome::kApplied;
}

Result<void> Escrow::dispatch(const EscrowEvent& e) {
  switch (e.kind) {
    case EventKind::kFund: return fund(e);
    case EventKind::kAcceptDelivery: return accept(e);
    case EventKind::kApprove: return approve(e);
    case EventKind::kRevealPreimage: return reveal(e);
    case EventKind::kClaimAfterDeadline: return claim(e);
    case EventKind::kOpenDispute: return dispute(e);
    case EventKind::kRuling: return ruling(e);
    case EventKind::kRefund: return refund(e);
  }
  return Fail(Errc::kEscrowBadEvent, "unknown event kind");
}

Result<void> Escrow::fund(const EscrowEvent& e) {
  if (e.signer != terms_.buyer) return unauthorized("the buyer");
  if (status_ != Status::kAwaitingFunding) return illegal("funding", status_);
  const std::int64_t total = total_amount(terms_);
  if (e.amount < total)
    return Fail(Errc::kEscrowInsufficient, "funding " + std::to_string(e.amount) + " " +
                                               terms_.currency + " below the total " +
                                               std::to_string(total));
  if (e.amount > total)
    return Fail(Errc::kEscrowBadEvent, "funding " + std::to_string(e.amount) +
                                           " exceeds the total " + std::to_string(total));
  // One linked batch: the deposit and one hold per milestone, all or none.
  std::vector<TransferRequest> batch;
  batch.push_back({.kind = TransferKind::kSinglePhase, .debit = AccountId::kBuyerFunding,
                   .credit = AccountId::kHold, .amount = total});
  for (const Milestone& m : terms_.milestones) {
    batch.push_back({.kind = TransferKind::kPending, .debit = AccountId::kHold,
                     .credit = AccountId::kSellerPayout, .amount = m.amount});
  }
  PACTUM_TRY(auto ids, ledger_.apply_linked(batch));
  PACTUM_ASSERT(ids.size() == milestones_.size() + 1);
  for (std::size_t i = 0; i < milestones_.size(); ++i) {
    milestones_[i].status = MilestoneStatus::kHeld;
    milestones_[i].pending_transfer = ids[i + 1];
  }
  status_ = Status::kFunded;
  return Ok();
}

Result<void> Escrow::require_releasable(const EscrowEvent& e, ConditionKind kind) const {
  if (!releasing(status_)) return illegal("a release", status_);
  if (e.milestone >= milestones_.size())
    return Fail(Errc::kEscrowUnknownMilestone, "milestone " + idx(e.milestone) + " of " +
                                                   std::to_string(milestones_.size()));
  if (milestones_[e.milestone].status != MilestoneStatus::kHeld)
    return Fail(Errc::kEscrowIllegalTransition, "milestone " + idx(e.milestone) + " already closed");
  if (terms_.milestones[e.milestone].condition != kind)
    return Fail(Errc::kEscrowConditionUnmet,
                "milestone " + idx(e.milestone) + " is not released by this kind of event");
  return Ok();
}

Result<void> Escrow::release_milestone(std::uint32_t index) {
  MilestoneState& m = milestones_[index];
  const std::int64_t amount = terms_.milestones[index].amount;
  PACTUM_CHECK(ledger_
                   .apply_linked({{.kind = TransferKind::kPost, .amount = amount,
                                   .pending_id = m.pending_transfer}})
                   .map([](auto&&) {}));
  m.status = MilestoneStatus::kReleased;
  m.released = amount;
  update_release_status();
  return Ok();
}

void Escrow::update_release_status() {
  bool all = std::all_of(milestones_.begin(), milestones_.end(),
                         [](const MilestoneState& m) { return m.status == MilestoneStatus::kReleased; });
  status_ = all ? Status::kReleased : Status::kPartiallyReleased;
}

Result<void> Escrow::accept(const EscrowEvent& e) {
  if (e.signer != terms_.buyer) return unauthorized("the buyer");
  PACTUM_CHECK(require_releasable(e, ConditionKind::kAcceptance));
  return release_milestone(e.milestone);
}

Result<void> Escrow::approve(const EscrowEvent& e) {
  auto it = std::find(terms_.approvers.begin(), terms_.approvers.end(), e.signer);
  if (it == terms_.approvers.end()) return unauthorized("a named approver");
  PACTUM_CHECK(require_releasable(e, ConditionKind::kApprovals));
  const auto bit = std::uint32_t{1} << static_cast<std::uint32_t>(it - terms_.approvers.begin());
  MilestoneState& m = milestones_[e.milestone];
  if (m.approvals & bit)
    return Fail(Errc::kEscrowIllegalTransition,
                "approver already approved milestone " + idx(e.milestone));
  m.approvals |= bit;
  if (static_cast<std::uint32_t>(std::popcount(m.approvals)) < terms_.approvals_required) return Ok();
  return release_milestone(e.milestone);
}

Result<void> Escrow::reveal(const EscrowEvent& e) {
  if (e.signer != terms_.buyer && e.signer != terms_.seller) return unauthorized("buyer or seller");
  PACTUM_CHECK(require_releasable(e, ConditionKind::kHashlock));
  if (sha256_(e.preimage) != terms_.milestones[e.milestone].hashlock)
    return Fail(Errc::kEscrowConditionUnmet,
                "preimage does not hash to milestone " + idx(e.milestone) + "'s hashlock");
  return release_milestone(e.milestone);
}

Result<void> Escrow::claim(const EscrowEvent& e) {
  if (e.signer != terms_.seller) return unauthorized("the seller");
  PACTUM_CHECK(require_releasable(e, ConditionKind::kDeadline));
  const std::int64_t deadline = terms_.milestones[e.milestone].deadline_ms;
  if (e.timestamp_ms < deadline)
    return Fail(Errc::kEscrowConditionUnmet, "claim at " + std::to_string(e.timestamp_ms) +
                                                 " before the deadline " + std::to_string(deadline));
  return release_milestone(e.milestone);
}

Result<void> Escrow::dispute(const EscrowEvent& e) {
  if (e.signer != terms_.buyer && e.signer != terms_.seller) return unauthorized("buyer or seller");
  if (!releasing(status_)) return illegal("a dispute", status_);
  // "Funds release after the deadline unless a dispute was opened": a
  // dispute must come before the deadline of every milestone still held.
  for (std::size_t i = 0; i < milestones_.size(); ++i) {
    const Milestone& m = terms_.milestones[i];
    if (milestones_[i].status == MilestoneStatus::kHeld && m.condition == ConditionKind::kDeadline &&
        e.timestamp_ms >= m.deadline_ms)
      return Fail(Errc::kEscrowConditionUnmet,
                  "dispute at " + std::to_string(e.timestamp_ms) + " after milestone " +
                      std::to_string(i) + "'s deadline " + std::to_string(m.deadline_ms));
  }
  status_ = Status::kDisputed;
  return Ok();
}

Result<void> Escrow::ruling(const EscrowEvent& e) {
  if (e.signer != terms_.arbiter) return unauthorized("the arbiter");
  if (status_ != Status::kDisputed) return illegal("a ruling", status_);
  const std::int64_t held = ledger_.totals().pending;
  std::int64_t seller_share = 0;
  switch (e.split) {
    case SplitKind::kExact: {
      if (e.seller_amount < 0 || e.buyer_amount < 0)
        return Fail(Errc::kEscrowBadEvent, "ruling amounts must not be negative");
      PACTUM_TRY(auto sum, checked_add(e.seller_amount, e.buyer_amount));
      if (sum != held)
        return Fail(Errc::kEscrowBadEvent, "ruling splits " + std::to_string(sum) + " but " +
                                               std::to_string(held) + " is held");
      seller_share = e.seller_amount;
      break;
    }
    case SplitKind::kBasisPoints: {
      if (e.seller_bps > kBasisPointsOne)
        return Fail(Errc::kEscrowBadEvent, "seller share " + std::to_string(e.seller_bps) +
                                               " bps exceeds 10000");
      // Exact in 128 bits; rounds down, so the odd minor unit goes to the buyer.
      Int128 share = Int128{held} * e.seller_bps / kBasisPointsOne;
      seller_share = static_cast<std::int64_t>(share);
      break;
    }
  }
  return settle_remaining(seller_share, Status::kResolved);
}

Result<void> Escrow::refund(const EscrowEvent& e) {
  if (e.signer != terms_.seller) return unauthorized("the seller");
  if (!releasing(status_) && status_ != Status::kDisputed) return illegal("a refund", status_);
  return settle_remaining(0, Status::kRefunded);
}

// Posts `seller_share` of what is held to the seller, milestone by milestone
// in schedule order (the last one reached may be posted in part), voids the
// rest and moves it hold -> refund: one linked batch.
Result<void> Escrow::settle_remaining(std::int64_t seller_share, Status closing) {
  PACTUM_ASSERT(seller_share >= 0 && seller_share <= ledger_.totals().pending);
  std::vector<TransferRequest> batch;
  std::int64_t left = seller_share;
  std::int64_t to_buyer = 0;
  for (std::size_t i = 0; i < milestones_.size(); ++i) {
    MilestoneState& m = milestones_[i];
    if (m.status != MilestoneStatus::kHeld) continue;
    const std::int64_t amount = terms_.milestones[i].amount;
    const std::int64_t give = std::min(left, amount);
    left -= give;
    to_buyer += amount - give;
    if (give > 0) {
      batch.push_back({.kind = TransferKind::kPost, .amount = give, .pending_id = m.pending_transfer});
    } else {
      batch.push_back({.kind = TransferKind::kVoid, .pending_id = m.pending_transfer});
    }
    m.released = give;
    m.refunded = amount - give;
    m.status = give == amount ? MilestoneStatus::kReleased
               : give == 0    ? MilestoneStatus::kRefunded
                              : MilestoneStatus::kSplit;
  }
  PACTUM_ASSERT(left == 0);
  if (to_buyer > 0) {
    batch.push_back({.kind = TransferKind::kSinglePhase, .debit = AccountId::kHold,
                     .credit = AccountId::kBuyerRefund, .amount = to_buyer});
  }
  PACTUM_CHECK(ledger_.apply_linked(batch).map([](auto&&) {}));
  status_ = closing;
  return Ok();
}

std::vector<EventId> Escrow::applied_event_ids() const {
  std::vector<EventId> out;
  out.reserve(applied_.size());
  for (const auto& [id, e] : applied_) out.push_back(id);
  return out;
}

bool operator==(const Escrow& a, const Escrow& b) {
  return a.contract_id_ == b.contract_id_ && a.terms_ == b.terms_ && a.status_ == b.status_ &&
         a.ledger_ == b.ledger_ && a.milestones_ == b.milestones_ && a.applied_ == b.applied_ &&
         a.last_timestamp_ms_ == b.last_timestamp_ms_;
}

}  // namespace pactum::escrow
