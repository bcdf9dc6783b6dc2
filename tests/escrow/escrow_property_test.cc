// Goal: over thousands of generated event logs, including forged signers,
// replayed ids, conflicting ids and out-of-order timestamps, a refused event
// changes nothing, only authorized signers move money, the escrow conserves
// money, and replaying the accepted log reproduces the same state exactly.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "escrow/escrow.h"
#include "tests/escrow/escrow_fixtures.h"

namespace pactum::escrow {
namespace {

using namespace testing;  // NOLINT: test fixtures.

constexpr std::int64_t kT0 = 1'700'000'000'000;

std::string preimage_of(std::size_t i) { return "preimage-" + std::to_string(i); }

EscrowTerms gen_terms() {
  const auto n = *rc::gen::inRange<std::size_t>(1, 6);
  std::vector<Milestone> ms;
  for (std::size_t i = 0; i < n; ++i) {
    auto kind = static_cast<ConditionKind>(*rc::gen::inRange(0, 4));
    bool big = *rc::gen::inRange(0, 10) == 0;
    std::int64_t amount = big ? *rc::gen::inRange<std::int64_t>(1, kAmountMax / 8)
                              : *rc::gen::inRange<std::int64_t>(1, 1'000'000);
    Milestone m = milestone("INV-" + std::to_string(i), amount, kind);
    m.deadline_ms = kT0 + 1000 * static_cast<std::int64_t>(i + 1);
    if (kind != ConditionKind::kDeadline) m.deadline_ms = 0;
    if (kind == ConditionKind::kHashlock) m.hashlock = test_sha256(as_bytes(preimage_of(i)));
    ms.push_back(m);
  }
  return terms(ms);
}

PartyKey gen_signer() {
  switch (*rc::gen::inRange(0, 8)) {
    case 0: return kBuyer;
    case 1: return kSeller;
    case 2: return kArbiter;
    case 3: return approver(0);
    case 4: return approver(1);
    case 5: return approver(2);
    case 6: return kStranger;
    default: return *rc::gen::element(kBuyer, kSeller);
  }
}

// The signer most likely to be authorized for `kind`, so logs make progress.
PartyKey likely_signer(EventKind kind) {
  switch (kind) {
    case EventKind::kFund:
    case EventKind::kAcceptDelivery: return kBuyer;
    case EventKind::kApprove: return approver(static_cast<std::uint8_t>(*rc::gen::inRange(0, 3)));
    case EventKind::kRevealPreimage:
    case EventKind::kOpenDispute: return *rc::gen::element(kBuyer, kSeller);
    case EventKind::kClaimAfterDeadline:
    case EventKind::kRefund: return kSeller;
    case EventKind::kRuling: return kArbiter;
  }
  return kStranger;
}

EscrowEvent gen_event(const EscrowTerms& t, std::uint64_t serial, std::int64_t& clock) {
  EscrowEvent e;
  e.contract_id = *rc::gen::inRange(0, 40) == 0 ? contract(0xC1) : contract();
  for (std::size_t i = 0; i < 8; ++i) e.id[i] = static_cast<std::uint8_t>(serial >> (8 * i));
  // Mostly forward in time; sometimes backwards (out of order).
  clock += *rc::gen::inRange<std::int64_t>(-1500, 2500);
  e.timestamp_ms = clock;
  e.kind = static_cast<EventKind>(*rc::gen::inRange(0, 8));
  e.signer = *rc::gen::inRange(0, 4) == 0 ? gen_signer() : likely_signer(e.kind);
  const auto n = static_cast<std::uint32_t>(t.milestones.size());
  switch (e.kind) {
    case EventKind::kFund:
      e.amount = *rc::gen::inRange(0, 5) == 0 ? *rc::gen::inRange<std::int64_t>(1, 2'000'000)
                                              : total_amount(t);
      break;
    case EventKind::kAcceptDelivery:
    case EventKind::kApprove:
    case EventKind::kClaimAfterDeadline:
      e.milestone = *rc::gen::inRange<std::uint32_t>(0, n + 1);
      break;
    case EventKind::kRevealPreimage:
      e.milestone = *rc::gen::inRange<std::uint32_t>(0, n + 1);
      e.preimage = to_bytes(preimage_of(*rc::gen::inRange<std::size_t>(0, n + 1)));
      break;
    case EventKind::kOpenDispute:
      e.reason = "dispute";
      break;
    case EventKind::kRuling:
      if (*rc::gen::arbitrary<bool>()) {
        e.split = SplitKind::kBasisPoints;
        e.seller_bps = *rc::gen::inRange<std::uint32_t>(0, kBasisPointsOne + 2);
      } else if (*rc::gen::inRange(0, 4) == 0) {
        e.seller_amount = *rc::gen::inRange<std::int64_t>(0, 1'000'000);
        e.buyer_amount = *rc::gen::inRange<std::int64_t>(0, 1'000'000);
      } else {
        // Sums to the total: valid when nothing was released before the dispute.
        e.seller_amount = *rc::gen::inRange<std::int64_t>(0, total_amount(t) + 1);
        e.buyer_amount = total_amount(t) - e.seller_amount;
      }
      break;
    case EventKind::kRefund:
      break;
  }
  return e;
}

// A log of fresh events with replays (same event again) and conflicts (a
// known id with other content) mixed in.
std::vector<EscrowEvent> gen_log(const EscrowTerms& t) {
  std::vector<EscrowEvent> log;
  const auto n = *rc::gen::inRange<std::size_t>(0, 80);
  std::int64_t clock = kT0;
  if (*rc::gen::inRange(0, 5) != 0) {  // Usually a correct funding first, so logs get far.
    EscrowEvent f = gen_event(t, 1'000'000, clock);
    f = EscrowEvent{.contract_id = contract(), .id = f.id, .timestamp_ms = clock, .signer = kBuyer,
                    .kind = EventKind::kFund, .amount = total_amount(t)};
    log.push_back(f);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const int pick = *rc::gen::inRange(0, 10);
    if (pick == 0 && !log.empty()) {
      log.push_back(log[*rc::gen::inRange<std::size_t>(0, log.size())]);
    } else if (pick == 1 && !log.empty()) {
      EscrowEvent c = log[*rc::gen::inRange<std::size_t>(0, log.size())];
      c.timestamp_ms += 1;
      log.push_back(c);
    } else {
      log.push_back(gen_event(t, i + 1, clock));
    }
  }
  return log;
}

bool authorized(const EscrowTerms& t, const EscrowEvent& e) {
  switch (e.kind) {
    case EventKind::kFund:
    case EventKind::kAcceptDelivery: return e.signer == t.buyer;
    case EventKind::kApprove:
      return std::find(t.approvers.begin(), t.approvers.end(), e.signer) != t.approvers.end();
    case EventKind::kRevealPreimage:
    case EventKind::kOpenDispute: return e.signer == t.buyer || e.signer == t.seller;
    case EventKind::kClaimAfterDeadline:
    case EventKind::kRefund: return e.signer == t.seller;
    case EventKind::kRuling: return e.signer == t.arbiter;
  }
  return false;
}

struct Run {
  Escrow escrow;
  std::vector<EscrowEvent> accepted;
};

Run run(const EscrowTerms& t, const std::vector<EscrowEvent>& log) {
  Run r{open_escrow(t), {}};
  for (const EscrowEvent& e : log) {
    const Escrow before = r.escrow;
    auto out = r.escrow.apply(e);
    if (!out) {
      RC_ASSERT(r.escrow == before);  // A refused event changes nothing.
      continue;
    }
    if (*out == ApplyOutcome::kDuplicate) {
      RC_ASSERT(r.escrow == before);
      continue;
    }
    RC_ASSERT(authorized(t, e));  // Forged signers never move the escrow.
    RC_ASSERT(e.contract_id == contract());
    RC_ASSERT(e.timestamp_ms >= before.last_timestamp_ms());
    r.accepted.push_back(e);
  }
  return r;
}

RC_GTEST_PROP(EscrowProperty, RefusalsChangeNothingAndMoneyIsConserved, ()) {
  const EscrowTerms t = gen_terms();
  const Run r = run(t, gen_log(t));
  const Ledger& l = r.escrow.ledger();
  const std::int64_t in = l.account(AccountId::kBuyerFunding).debits_posted;
  const std::int64_t paid = l.account(AccountId::kSellerPayout).credits_posted;
  const std::int64_t back = l.account(AccountId::kBuyerRefund).credits_posted;
  RC_ASSERT(in == 0 || in == total_amount(t));
  RC_ASSERT(in == paid + back + l.totals().pending);
  RC_ASSERT(l.totals().held == l.totals().posted + l.totals().voided + l.totals().pending);
  if (is_closed(r.escrow.status())) RC_ASSERT(in == paid + back);
  for (std::size_t i = 0; i < t.milestones.size(); ++i) {
    const MilestoneState& m = r.escrow.milestones()[i];
    RC_ASSERT(m.released + m.refunded <= t.milestones[i].amount);
  }
  RC_TAG(status_name(r.escrow.status()));
}

RC_GTEST_PROP(EscrowProperty, ReplayingTheAcceptedLogGivesTheSameState, ()) {
  const EscrowTerms t = gen_terms();
  const std::vector<EscrowEvent> log = gen_log(t);
  const Run first = run(t, log);
  // The full log again, from scratch: deterministic.
  const Run again = run(t, log);
  RC_ASSERT(first.escrow == again.escrow);
  // Only the accepted events, from scratch: the same state.
  const Run replay = run(t, first.accepted);
  RC_ASSERT(replay.accepted.size() == first.accepted.size());
  RC_ASSERT(replay.escrow == first.escrow);
  // The whole log once more on the final state: every applied event is a
  // duplicate, every other one is refused or still applies nowhere new.
  Escrow e = first.escrow;
  for (const EscrowEvent& ev : first.accepted) {
    auto out = e.apply(ev);
    RC_ASSERT(out.has_value());
    RC_ASSERT(*out == ApplyOutcome::kDuplicate);
  }
  RC_ASSERT(e == first.escrow);
}

RC_GTEST_PROP(EscrowProperty, HonestLogsAlwaysClose, ()) {
  // Fund, then release each milestone by its own condition, or dispute and rule.
  const EscrowTerms t = gen_terms();
  Escrow e = open_escrow(t);
  EventMaker m;
  RC_ASSERT(e.apply(m.fund(total_amount(t))).has_value());
  const bool dispute = *rc::gen::arbitrary<bool>();
  for (std::uint32_t i = 0; i < t.milestones.size() && !dispute; ++i) {
    const Milestone& ms = t.milestones[i];
    // After every deadline, and non-decreasing.
    const std::int64_t at = kT0 + 100'000 + i;
    switch (ms.condition) {
      case ConditionKind::kAcceptance:
        RC_ASSERT(e.apply(m.on(EventKind::kAcceptDelivery, i, kBuyer, at)).has_value());
        break;
      case ConditionKind::kDeadline:
        RC_ASSERT(e.apply(m.on(EventKind::kClaimAfterDeadline, i, kSeller, at)).has_value());
        break;
      case ConditionKind::kApprovals:
        RC_ASSERT(e.apply(m.on(EventKind::kApprove, i, approver(0), at)).has_value());
        RC_ASSERT(e.apply(m.on(EventKind::kApprove, i, approver(1), at)).has_value());
        break;
      case ConditionKind::kHashlock: {
        EscrowEvent r = m.reveal(i, preimage_of(i));
        r.timestamp_ms = at;
        RC_ASSERT(at >= ms.deadline_ms);
        RC_ASSERT(e.apply(r).has_value());
        break;
      }
    }
  }
  if (dispute) {
    RC_ASSERT(e.apply(m.make(EventKind::kOpenDispute, kBuyer, kT0 + 2)).has_value());
    const std::int64_t total = total_amount(t);
    const std::int64_t seller = *rc::gen::inRange<std::int64_t>(0, total + 1);
    EscrowEvent ruling = m.exact_ruling(seller, total - seller);
    ruling.timestamp_ms = kT0 + 3;
    RC_ASSERT(e.apply(ruling).has_value());
    RC_ASSERT(e.ledger().account(AccountId::kSellerPayout).credits_posted == seller);
    RC_ASSERT(e.status() == Status::kResolved);
  } else {
    RC_ASSERT(e.status() == Status::kReleased);
    RC_ASSERT(e.ledger().account(AccountId::kSellerPayout).credits_posted == total_amount(t));
  }
}

}  // namespace
}  // namespace pactum::escrow
