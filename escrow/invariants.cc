// Escrow invariants, asserted after every applied event in every build.
#include <bit>

#include "escrow/escrow.h"

namespace pactum::escrow {

void Escrow::check_invariants() const {
  ledger_.check_invariants();
  PACTUM_ASSERT(milestones_.size() == terms_.milestones.size());
  const HoldTotals& t = ledger_.totals();
  const Account& funding = ledger_.account(AccountId::kBuyerFunding);
  const Account& hold = ledger_.account(AccountId::kHold);
  const Account& payout = ledger_.account(AccountId::kSellerPayout);
  const Account& refund = ledger_.account(AccountId::kBuyerRefund);

  std::int64_t released = 0;
  std::int64_t refunded = 0;
  std::int64_t held = 0;
  for (std::size_t i = 0; i < milestones_.size(); ++i) {
    const MilestoneState& m = milestones_[i];
    const std::int64_t amount = terms_.milestones[i].amount;
    PACTUM_ASSERT(m.released >= 0 && m.refunded >= 0);
    PACTUM_ASSERT(static_cast<std::size_t>(std::popcount(m.approvals)) <= terms_.approvers.size());
    PACTUM_ASSERT((m.status == MilestoneStatus::kUnfunded) == (status_ == Status::kAwaitingFunding));
    switch (m.status) {
      case MilestoneStatus::kUnfunded:
        PACTUM_ASSERT(m.released == 0 && m.refunded == 0);
        break;
      case MilestoneStatus::kHeld: {
        PACTUM_ASSERT(m.released == 0 && m.refunded == 0);
        const Transfer& p = ledger_.transfers().at(m.pending_transfer);
        PACTUM_ASSERT(p.kind == TransferKind::kPending && p.status == PendingStatus::kPending);
        PACTUM_ASSERT(p.amount == amount);
        held += amount;
        break;
      }
      case MilestoneStatus::kReleased:
        PACTUM_ASSERT(m.released == amount && m.refunded == 0);
        break;
      case MilestoneStatus::kRefunded:
        PACTUM_ASSERT(m.released == 0 && m.refunded == amount);
        break;
      case MilestoneStatus::kSplit:
        PACTUM_ASSERT(m.released > 0 && m.refunded > 0 && m.released + m.refunded == amount);
        break;
    }
    released += m.released;
    refunded += m.refunded;
  }
  // Nothing released twice: the seller received exactly what milestones released.
  PACTUM_ASSERT(released == t.posted && released == payout.credits_posted);
  PACTUM_ASSERT(refunded == t.voided && refunded == refund.credits_posted);
  PACTUM_ASSERT(held == t.pending);
  PACTUM_ASSERT(t.held == t.posted + t.voided + t.pending);

  // Conservation: what came in is paid out, refunded, or still in the hold.
  const std::int64_t in = funding.debits_posted;
  const std::int64_t in_hold = hold.credits_posted - hold.debits_posted;
  PACTUM_ASSERT(in_hold >= 0);
  PACTUM_ASSERT(in == payout.credits_posted + refund.credits_posted + in_hold);
  PACTUM_ASSERT(in_hold == t.pending);
  if (status_ == Status::kAwaitingFunding) {
    PACTUM_ASSERT(ledger_.transfers().empty() && in == 0);
  } else {
    PACTUM_ASSERT(in == total_amount(terms_) && t.held == in);
  }
  // At close, money in equals money out and nothing is left pending.
  if (is_closed(status_)) {
    PACTUM_ASSERT(t.pending == 0 && in_hold == 0);
    PACTUM_ASSERT(in == payout.credits_posted + refund.credits_posted);
  }
  if (status_ == Status::kReleased) PACTUM_ASSERT(t.posted == in);
  PACTUM_ASSERT(applied_.size() <= kEventsMax);
}

}  // namespace pactum::escrow
