// The escrow's balanced-books ledger: accounts and two-phase transfers.
//
// A batch is applied to a copy and committed only when every transfer in it
// succeeded, which is what makes linked transfers atomic.
#include <string>

#include "escrow/escrow.h"

namespace pactum::escrow {
namespace {

std::string amount_text(std::int64_t v) { return std::to_string(v); }

// Debits of an account: pending plus posted. Fields are bounded by
// kAmountMax-sized sums, so this cannot overflow (asserted by the caller's
// invariants, which keep every field in [0, 4 * kAmountMax]).
std::int64_t debits(const Account& a) { return a.debits_pending + a.debits_posted; }
std::int64_t credits(const Account& a) { return a.credits_pending + a.credits_posted; }

}  // namespace

Result<std::vector<std::uint32_t>> Ledger::apply_linked(const std::vector<TransferRequest>& batch) {
  Ledger next = *this;
  std::vector<std::uint32_t> ids;
  ids.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto id = next.apply_one(batch[i]);
    if (!id) {
      Error e = std::move(id).error();
      e.detail = "linked transfer " + std::to_string(i) + " of " + std::to_string(batch.size()) +
                 " failed, none applied: " + e.detail;
      return Fail(std::move(e));
    }
    ids.push_back(*id);
  }
  next.check_invariants();
  *this = std::move(next);
  return ids;
}

Result<std::uint32_t> Ledger::apply_one(const TransferRequest& r) {
  if (transfers_.size() >= kTransfersMax)
    return Fail(Errc::kLimitExceeded, "escrow ledger holds kTransfersMax transfers");
  const auto id = static_cast<std::uint32_t>(transfers_.size());
  Transfer t{.id = id, .kind = r.kind, .debit = r.debit, .credit = r.credit, .amount = r.amount};
  switch (r.kind) {
    case TransferKind::kSinglePhase:
    case TransferKind::kPending: {
      if (r.amount <= 0 || r.amount > kAmountMax)
        return Fail(Errc::kEscrowBadEvent, "transfer amount " + amount_text(r.amount) +
                                               " outside (0, kAmountMax]");
      if (r.debit == r.credit) return Fail(Errc::kEscrowBadEvent, "transfer debits and credits one account");
      bool pending = r.kind == TransferKind::kPending;
      Account& d = acct(r.debit);
      Account& c = acct(r.credit);
      PACTUM_TRY(auto dv, checked_add(pending ? d.debits_pending : d.debits_posted, r.amount));
      PACTUM_TRY(auto cv, checked_add(pending ? c.credits_pending : c.credits_posted, r.amount));
      (pending ? d.debits_pending : d.debits_posted) = dv;
      (pending ? c.credits_pending : c.credits_posted) = cv;
      if (pending) {
        t.status = PendingStatus::kPending;
        PACTUM_TRY(totals_.held, checked_add(totals_.held, r.amount));
        totals_.pending += r.amount;
      }
      transfers_.push_back(t);
      break;
    }
    case TransferKind::kPost:
    case TransferKind::kVoid: {
      if (r.pending_id >= transfers_.size() || transfers_[r.pending_id].kind != TransferKind::kPending)
        return Fail(Errc::kNotFound, "transfer " + std::to_string(r.pending_id) + " is not pending");
      Transfer& p = transfers_[r.pending_id];
      if (p.status != PendingStatus::kPending)
        return Fail(Errc::kEscrowIllegalTransition,
                    "pending transfer " + std::to_string(p.id) + " already resolved");
      bool is_post = r.kind == TransferKind::kPost;
      std::int64_t posted = is_post ? r.amount : 0;
      if (is_post && (posted <= 0 || posted > p.amount))
        return Fail(Errc::kEscrowBadEvent, "post amount " + amount_text(posted) + " outside (0, " +
                                               amount_text(p.amount) + "]");
      Account& d = acct(p.debit);
      Account& c = acct(p.credit);
      d.debits_pending -= p.amount;
      c.credits_pending -= p.amount;
      d.debits_posted += posted;
      c.credits_posted += posted;
      p.status = is_post ? PendingStatus::kPosted : PendingStatus::kVoided;
      totals_.pending -= p.amount;
      totals_.posted += posted;
      totals_.voided += p.amount - posted;
      t.debit = p.debit;
      t.credit = p.credit;
      t.amount = is_post ? posted : p.amount;
      t.pending_id = p.id;
      // Copied: push_back may reallocate the list `p` points into.
      const Transfer pending = p;
      transfers_.push_back(t);
      // A partial post restores the remainder: record it as a void so the
      // transfer list alone accounts for every minor unit.
      if (is_post && posted < pending.amount) {
        if (transfers_.size() >= kTransfersMax)
          return Fail(Errc::kLimitExceeded, "escrow ledger holds kTransfersMax transfers");
        transfers_.push_back(Transfer{.id = id + 1, .kind = TransferKind::kVoid,
                                      .debit = pending.debit, .credit = pending.credit,
                                      .amount = pending.amount - posted, .pending_id = pending.id});
      }
      break;
    }
  }
  PACTUM_CHECK(check_balance_rules());
  return id;
}

Result<void> Ledger::check_balance_rules() const {
  const Account& funding = account(AccountId::kBuyerFunding);
  if (credits(funding) > funding.debits_posted)
    return Fail(Errc::kEscrowInsufficient, "buyer funding credits exceed its debits");
  for (AccountId id : {AccountId::kHold, AccountId::kSellerPayout, AccountId::kBuyerRefund}) {
    const Account& a = account(id);
    if (debits(a) > a.credits_posted)
      return Fail(Errc::kEscrowInsufficient,
                  "account " + std::to_string(static_cast<int>(id)) + " would owe " +
                      amount_text(debits(a)) + " against " + amount_text(a.credits_posted) +
                      " posted credits");
  }
  return Ok();
}

void Ledger::check_invariants() const {
  // Recompute everything from the transfer list and compare.
  std::array<Account, kAccountCount> acc{};
  HoldTotals t;
  // Minor units resolved (posted + voided) per pending transfer: nothing
  // resolves twice, and a resolved transfer resolves its whole amount.
  std::vector<std::int64_t> resolved(transfers_.size(), 0);
  for (std::size_t i = 0; i < transfers_.size(); ++i) {
    const Transfer& x = transfers_[i];
    PACTUM_ASSERT(x.id == i);
    PACTUM_ASSERT(x.amount > 0 && x.amount <= kAmountMax);
    PACTUM_ASSERT(x.debit != x.credit);
    Account& d = acc[static_cast<std::size_t>(x.debit)];
    Account& c = acc[static_cast<std::size_t>(x.credit)];
    switch (x.kind) {
      case TransferKind::kSinglePhase:
        PACTUM_ASSERT(x.status == PendingStatus::kNotPending);
        d.debits_posted += x.amount;
        c.credits_posted += x.amount;
        break;
      case TransferKind::kPending:
        PACTUM_ASSERT(x.status != PendingStatus::kNotPending);
        t.held += x.amount;
        if (x.status == PendingStatus::kPending) {
          t.pending += x.amount;
          d.debits_pending += x.amount;
          c.credits_pending += x.amount;
        }
        break;
      case TransferKind::kPost:
        PACTUM_ASSERT(x.pending_id < i);
        PACTUM_ASSERT(transfers_[x.pending_id].status == PendingStatus::kPosted);
        t.posted += x.amount;
        resolved[x.pending_id] += x.amount;
        d.debits_posted += x.amount;
        c.credits_posted += x.amount;
        break;
      case TransferKind::kVoid:
        PACTUM_ASSERT(x.pending_id < i);
        PACTUM_ASSERT(transfers_[x.pending_id].status != PendingStatus::kPending);
        t.voided += x.amount;
        resolved[x.pending_id] += x.amount;
        break;
    }
  }
  for (const Transfer& x : transfers_) {
    if (x.kind != TransferKind::kPending) continue;
    bool open = x.status == PendingStatus::kPending;
    PACTUM_ASSERT(resolved[x.id] == (open ? 0 : x.amount));
  }
  PACTUM_ASSERT(t == totals_);
  PACTUM_ASSERT(acc == accounts_);
  PACTUM_ASSERT(totals_.held == totals_.posted + totals_.voided + totals_.pending);
  std::int64_t all_debits = 0;
  std::int64_t all_credits = 0;
  for (const Account& a : accounts_) {
    PACTUM_ASSERT(a.debits_pending >= 0 && a.debits_posted >= 0);
    PACTUM_ASSERT(a.credits_pending >= 0 && a.credits_posted >= 0);
    all_debits += debits(a);
    all_credits += credits(a);
  }
  // Double entry: every transfer debits one account and credits another.
  PACTUM_ASSERT(all_debits == all_credits);
  PACTUM_ASSERT(check_balance_rules().has_value());
}

}  // namespace pactum::escrow
