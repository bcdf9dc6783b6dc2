// Goal: every release condition, refusal reason and ledger rule of the escrow
// core, with the exact amounts of the worked examples in docs/escrow.md.
#include <gtest/gtest.h>

#include "escrow/escrow.h"
#include "settlement/settlement.h"
#include "tests/escrow/escrow_fixtures.h"

namespace pactum::escrow {
namespace {

using namespace testing;  // NOLINT: test fixtures.

void expect_code(const Result<ApplyOutcome>& r, Errc code) {
  ASSERT_FALSE(r.has_value()) << "expected " << errc_name(code);
  EXPECT_EQ(r.error().code, code) << r.error().to_string();
}

// Applies an event that must succeed.
void ok(Escrow& e, const EscrowEvent& ev) {
  auto r = e.apply(ev);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(*r, ApplyOutcome::kApplied);
}

// Applies an event that must be refused with `code` and change nothing.
void refused(Escrow& e, const EscrowEvent& ev, Errc code) {
  const Escrow before = e;
  expect_code(e.apply(ev), code);
  EXPECT_TRUE(e == before) << "a refused event changed the escrow";
}

std::int64_t payout(const Escrow& e) { return e.ledger().account(AccountId::kSellerPayout).credits_posted; }
std::int64_t refunded(const Escrow& e) { return e.ledger().account(AccountId::kBuyerRefund).credits_posted; }

// Worked example 1 (docs): acceptance of delivery releases 1,200.00 EUR.
TEST(EscrowConditions, AcceptanceReleasesOnBuyerSignature) {
  Escrow e = open_escrow(terms({milestone("INV-1", 120000, ConditionKind::kAcceptance)}));
  EventMaker m;
  EXPECT_EQ(e.status(), Status::kAwaitingFunding);
  ok(e, m.fund(120000));
  EXPECT_EQ(e.status(), Status::kFunded);
  const Account& hold = e.ledger().account(AccountId::kHold);
  EXPECT_EQ(hold.credits_posted, 120000);
  EXPECT_EQ(hold.debits_pending, 120000);
  EXPECT_EQ(e.ledger().account(AccountId::kSellerPayout).credits_pending, 120000);
  refused(e, m.on(EventKind::kAcceptDelivery, 0, kSeller), Errc::kEscrowUnauthorized);
  refused(e, m.on(EventKind::kAcceptDelivery, 1, kBuyer), Errc::kEscrowUnknownMilestone);
  ok(e, m.on(EventKind::kAcceptDelivery, 0, kBuyer));
  EXPECT_EQ(e.status(), Status::kReleased);
  EXPECT_EQ(payout(e), 120000);
  EXPECT_EQ(refunded(e), 0);
  EXPECT_EQ(e.ledger().totals(), (HoldTotals{.held = 120000, .posted = 120000, .voided = 0, .pending = 0}));
  refused(e, m.on(EventKind::kAcceptDelivery, 0, kBuyer), Errc::kEscrowIllegalTransition);
}

// Worked example 2 (docs): 500.00 EUR released by the seller at the deadline.
TEST(EscrowConditions, DeadlineReleasesAtDeadlineNotBefore) {
  constexpr std::int64_t kDeadline = 1'704'067'200'000;  // 2024-01-01T00:00:00Z
  Milestone ms = milestone("INV-7", 50000, ConditionKind::kDeadline);
  ms.deadline_ms = kDeadline;
  Escrow e = open_escrow(terms({ms}));
  EventMaker m;
  ok(e, m.fund(50000));
  refused(e, m.on(EventKind::kClaimAfterDeadline, 0, kSeller, kDeadline - 1), Errc::kEscrowConditionUnmet);
  refused(e, m.on(EventKind::kClaimAfterDeadline, 0, kBuyer, kDeadline), Errc::kEscrowUnauthorized);
  refused(e, m.on(EventKind::kAcceptDelivery, 0, kBuyer, kDeadline), Errc::kEscrowConditionUnmet);
  Escrow disputed_too_late = e;
  refused(disputed_too_late, m.make(EventKind::kOpenDispute, kBuyer, kDeadline), Errc::kEscrowConditionUnmet);
  ok(e, m.on(EventKind::kClaimAfterDeadline, 0, kSeller, kDeadline));
  EXPECT_EQ(e.status(), Status::kReleased);
  EXPECT_EQ(payout(e), 50000);
}

TEST(EscrowConditions, DisputeBeforeDeadlineBlocksTheClaim) {
  constexpr std::int64_t kDeadline = 1'704'067'200'000;
  Milestone ms = milestone("INV-7", 50000, ConditionKind::kDeadline);
  ms.deadline_ms = kDeadline;
  Escrow e = open_escrow(terms({ms}));
  EventMaker m;
  ok(e, m.fund(50000));
  EscrowEvent d = m.make(EventKind::kOpenDispute, kBuyer, kDeadline - 1);
  d.reason = "goods not delivered";
  ok(e, d);
  EXPECT_EQ(e.status(), Status::kDisputed);
  refused(e, m.on(EventKind::kClaimAfterDeadline, 0, kSeller, kDeadline + 1), Errc::kEscrowIllegalTransition);
  refused(e, m.make(EventKind::kOpenDispute, kSeller, kDeadline + 2), Errc::kEscrowIllegalTransition);
}

// Worked example 3 (docs): 2-of-3 approvals release 750.00 EUR.
TEST(EscrowConditions, ApprovalsReleaseAtTheMthDistinctApprover) {
  Escrow e = open_escrow(terms({milestone("INV-3", 75000, ConditionKind::kApprovals)}));
  EventMaker m;
  ok(e, m.fund(75000));
  ok(e, m.on(EventKind::kApprove, 0, approver(0)));
  EXPECT_EQ(e.status(), Status::kFunded);
  EXPECT_EQ(e.milestones()[0].approvals, 0b001u);
  EXPECT_EQ(payout(e), 0);
  refused(e, m.on(EventKind::kApprove, 0, approver(0)), Errc::kEscrowIllegalTransition);
  refused(e, m.on(EventKind::kApprove, 0, kBuyer), Errc::kEscrowUnauthorized);
  refused(e, m.on(EventKind::kApprove, 0, kStranger), Errc::kEscrowUnauthorized);
  ok(e, m.on(EventKind::kApprove, 0, approver(2)));
  EXPECT_EQ(e.milestones()[0].approvals, 0b101u);
  EXPECT_EQ(e.status(), Status::kReleased);
  EXPECT_EQ(payout(e), 75000);
  refused(e, m.on(EventKind::kApprove, 0, approver(1)), Errc::kEscrowIllegalTransition);
}

// Worked example 4 (docs): a hashlock opened by its preimage releases 99.99 EUR.
TEST(EscrowConditions, HashlockOpensOnlyWithThePreimage) {
  Milestone ms = milestone("INV-9", 9999, ConditionKind::kHashlock);
  ms.hashlock = test_sha256(as_bytes("delivery-receipt-42"));
  EXPECT_EQ(to_hex(ms.hashlock).size(), 64u);
  Escrow e = open_escrow(terms({ms}));
  EventMaker m;
  ok(e, m.fund(9999));
  refused(e, m.reveal(0, "delivery-receipt-41"), Errc::kEscrowConditionUnmet);
  refused(e, m.reveal(0, "delivery-receipt-42", kStranger), Errc::kEscrowUnauthorized);
  refused(e, m.reveal(0, std::string(kPreimageBytesMax + 1, 'x')), Errc::kEscrowBadEvent);
  ok(e, m.reveal(0, "delivery-receipt-42", kBuyer));
  EXPECT_EQ(e.status(), Status::kReleased);
  EXPECT_EQ(payout(e), 9999);
}

// Worked example 5 (docs): the arbiter splits 1,000.00 EUR into 450.00 / 550.00.
TEST(EscrowConditions, ExactRulingPostsInScheduleOrderAndRefundsTheRest) {
  Escrow e = open_escrow(terms({milestone("INV-1", 30000, ConditionKind::kAcceptance),
                                milestone("INV-2", 70000, ConditionKind::kAcceptance)}));
  EventMaker m;
  ok(e, m.fund(100000));
  refused(e, m.exact_ruling(45000, 55000), Errc::kEscrowIllegalTransition);
  refused(e, m.make(EventKind::kOpenDispute, kArbiter), Errc::kEscrowUnauthorized);
  ok(e, m.make(EventKind::kOpenDispute, kBuyer));
  refused(e, m.exact_ruling(45000, 55000, kBuyer), Errc::kEscrowUnauthorized);
  refused(e, m.exact_ruling(45000, 54999), Errc::kEscrowBadEvent);
  refused(e, m.exact_ruling(-1, 100001), Errc::kEscrowBadEvent);
  refused(e, m.on(EventKind::kAcceptDelivery, 0, kBuyer), Errc::kEscrowIllegalTransition);
  ok(e, m.exact_ruling(45000, 55000));
  EXPECT_EQ(e.status(), Status::kResolved);
  EXPECT_EQ(payout(e), 45000);
  EXPECT_EQ(refunded(e), 55000);
  EXPECT_EQ(e.milestones()[0].status, MilestoneStatus::kReleased);
  EXPECT_EQ(e.milestones()[1].status, MilestoneStatus::kSplit);
  EXPECT_EQ(e.milestones()[1].released, 15000);
  EXPECT_EQ(e.milestones()[1].refunded, 55000);
  EXPECT_EQ(e.ledger().totals(), (HoldTotals{.held = 100000, .posted = 45000, .voided = 55000, .pending = 0}));
  // Transfers: deposit, 2 pending, post 30000, post 15000 + void 55000, refund 55000.
  ASSERT_EQ(e.ledger().transfers().size(), 7u);
  EXPECT_EQ(e.ledger().transfers()[5].kind, TransferKind::kVoid);
  EXPECT_EQ(e.ledger().transfers()[5].amount, 55000);
  EXPECT_EQ(e.ledger().transfers()[6].credit, AccountId::kBuyerRefund);
}

struct BpsCase {
  std::int64_t held;
  std::uint32_t bps;
  std::int64_t seller;
  std::int64_t buyer;
};

TEST(EscrowConditions, BasisPointRulingRoundsTheSellerDown) {
  const BpsCase cases[] = {
      {100000, 3333, 33330, 66670}, {10001, 5000, 5000, 5001}, {1, 9999, 0, 1},
      {1, 10000, 1, 0},             {999, 0, 0, 999},          {kAmountMax, 1, kAmountMax / 10000, kAmountMax - kAmountMax / 10000},
  };
  for (const BpsCase& c : cases) {
    Escrow e = open_escrow(terms({milestone("INV-1", c.held, ConditionKind::kAcceptance)}));
    EventMaker m;
    ok(e, m.fund(c.held));
    ok(e, m.make(EventKind::kOpenDispute, kSeller));
    refused(e, m.bps_ruling(10001), Errc::kEscrowBadEvent);
    ok(e, m.bps_ruling(c.bps));
    EXPECT_EQ(payout(e), c.seller) << c.held << " at " << c.bps << " bps";
    EXPECT_EQ(refunded(e), c.buyer) << c.held << " at " << c.bps << " bps";
    EXPECT_EQ(e.status(), Status::kResolved);
  }
}

// Worked example 6 (docs): a three-invoice schedule, partly released, rest refunded.
TEST(EscrowSchedule, MilestonesReleaseIndependentlyThenSellerRefundsTheRest) {
  Milestone hl = milestone("INV-2025-003", 25000, ConditionKind::kHashlock);
  hl.hashlock = test_sha256(as_bytes("s3cret"));
  Escrow e = open_escrow(terms({milestone("INV-2025-001", 10000, ConditionKind::kAcceptance),
                                milestone("INV-2025-002", 15000, ConditionKind::kAcceptance), hl}));
  EventMaker m;
  refused(e, m.fund(49999), Errc::kEscrowInsufficient);
  refused(e, m.fund(50001), Errc::kEscrowBadEvent);
  refused(e, m.fund(50000, kSeller), Errc::kEscrowUnauthorized);
  ok(e, m.fund(50000));
  refused(e, m.fund(50000), Errc::kEscrowIllegalTransition);
  ok(e, m.on(EventKind::kAcceptDelivery, 1, kBuyer));
  EXPECT_EQ(e.status(), Status::kPartiallyReleased);
  EXPECT_EQ(payout(e), 15000);
  refused(e, m.make(EventKind::kRefund, kBuyer), Errc::kEscrowUnauthorized);
  ok(e, m.make(EventKind::kRefund, kSeller));
  EXPECT_EQ(e.status(), Status::kRefunded);
  EXPECT_EQ(payout(e), 15000);
  EXPECT_EQ(refunded(e), 35000);
  refused(e, m.reveal(2, "s3cret"), Errc::kEscrowIllegalTransition);
}

TEST(EscrowEvents, DuplicatesAreIdempotentAndConflictsRefused) {
  Escrow e = open_escrow(terms({milestone("INV-1", 100, ConditionKind::kAcceptance)}));
  EventMaker m;
  EscrowEvent f = m.fund(100);
  ok(e, f);
  const Escrow after = e;
  auto again = e.apply(f);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, ApplyOutcome::kDuplicate);
  EXPECT_TRUE(e == after);
  EscrowEvent forged = f;
  forged.amount = 99;
  refused(e, forged, Errc::kEscrowConflictingEvent);
  EscrowEvent other = m.on(EventKind::kAcceptDelivery, 0, kBuyer);
  other.contract_id = contract(0xC1);
  refused(e, other, Errc::kEscrowWrongContract);
  EscrowEvent stale = m.on(EventKind::kAcceptDelivery, 0, kBuyer, f.timestamp_ms - 1);
  refused(e, stale, Errc::kEscrowStaleEvent);
  EXPECT_EQ(e.applied_event_ids().size(), 1u);
}

TEST(EscrowEvents, FieldsOfOtherKindsMustBeEmpty) {
  Escrow e = open_escrow(terms({milestone("INV-1", 100, ConditionKind::kAcceptance)}));
  EventMaker m;
  EscrowEvent a = m.fund(100);
  a.milestone = 1;
  refused(e, a, Errc::kEscrowBadEvent);
  EscrowEvent b = m.fund(100);
  b.reason = "x";
  refused(e, b, Errc::kEscrowBadEvent);
  EscrowEvent c = m.fund(100);
  c.seller_bps = 1;
  refused(e, c, Errc::kEscrowBadEvent);
  EscrowEvent d = m.fund(100);
  d.signer = PartyKey{};
  refused(e, d, Errc::kEscrowBadEvent);
  EscrowEvent r = m.make(EventKind::kRevealPreimage, kSeller);
  refused(e, r, Errc::kEscrowBadEvent);  // A reveal needs a preimage.
  EscrowEvent x = m.exact_ruling(1, 2);
  x.seller_bps = 5;
  refused(e, x, Errc::kEscrowBadEvent);
}

TEST(EscrowTerms, ValidationRejectsEachMalformedTerm) {
  auto base = [] { return terms({milestone("INV-1", 100, ConditionKind::kApprovals)}); };
  EXPECT_TRUE(validate_terms(base()).has_value());
  std::vector<std::pair<std::string, EscrowTerms>> bad;
  { EscrowTerms t = base(); t.currency = "eur"; bad.emplace_back("lower-case currency", t); }
  { EscrowTerms t = base(); t.currency = "EURO"; bad.emplace_back("4-letter currency", t); }
  { EscrowTerms t = base(); t.seller = t.buyer; bad.emplace_back("buyer is seller", t); }
  { EscrowTerms t = base(); t.arbiter = PartyKey{}; bad.emplace_back("no arbiter", t); }
  { EscrowTerms t = base(); t.approvers.push_back(t.approvers[0]); bad.emplace_back("approver twice", t); }
  { EscrowTerms t = base(); t.approvals_required = 0; bad.emplace_back("M = 0", t); }
  { EscrowTerms t = base(); t.approvals_required = 4; bad.emplace_back("M > N", t); }
  { EscrowTerms t = base(); t.milestones.clear(); bad.emplace_back("no milestones", t); }
  { EscrowTerms t = base(); t.milestones[0].amount = 0; bad.emplace_back("zero amount", t); }
  { EscrowTerms t = base(); t.milestones[0].amount = kAmountMax + 1; bad.emplace_back("amount > max", t); }
  { EscrowTerms t = base(); t.milestones.push_back(t.milestones[0]); bad.emplace_back("invoice twice", t); }
  { EscrowTerms t = base(); t.milestones[0].invoice_id = ""; bad.emplace_back("empty invoice", t); }
  { EscrowTerms t = base(); t.milestones[0].condition = ConditionKind::kDeadline; bad.emplace_back("no deadline, approvers unused", t); }
  {
    EscrowTerms t = base();
    t.milestones = {milestone("A", kAmountMax, ConditionKind::kApprovals), milestone("B", 1, ConditionKind::kApprovals)};
    bad.emplace_back("total > max", t);
  }
  {
    EscrowTerms t = base();
    t.milestones.clear();
    for (std::size_t i = 0; i <= kMilestonesMax; ++i)
      t.milestones.push_back(milestone("I" + std::to_string(i), 1, ConditionKind::kApprovals));
    bad.emplace_back("too many milestones", t);
  }
  for (const auto& [why, t] : bad) {
    auto r = validate_terms(t);
    ASSERT_FALSE(r.has_value()) << why;
    EXPECT_EQ(r.error().code, Errc::kEscrowBadTerms) << why;
    EXPECT_FALSE(Escrow::open(contract(), t, &test_sha256).has_value()) << why;
  }
}

TEST(EscrowLedger, LinkedBatchAppliesAllOrNothing) {
  Ledger l;
  auto r = l.apply_linked({{.kind = TransferKind::kSinglePhase, .debit = AccountId::kBuyerFunding,
                            .credit = AccountId::kHold, .amount = 100},
                           {.kind = TransferKind::kPending, .debit = AccountId::kHold,
                            .credit = AccountId::kSellerPayout, .amount = 101}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kEscrowInsufficient);
  EXPECT_TRUE(l == Ledger{});
  auto ids = l.apply_linked({{.kind = TransferKind::kSinglePhase, .debit = AccountId::kBuyerFunding,
                              .credit = AccountId::kHold, .amount = 100},
                             {.kind = TransferKind::kPending, .debit = AccountId::kHold,
                              .credit = AccountId::kSellerPayout, .amount = 100}});
  ASSERT_TRUE(ids.has_value());
  EXPECT_EQ(*ids, (std::vector<std::uint32_t>{0, 1}));
  const Ledger funded = l;
  auto over = l.apply_linked({{.kind = TransferKind::kPost, .amount = 101, .pending_id = 1}});
  EXPECT_EQ(over.error().code, Errc::kEscrowBadEvent);
  auto not_pending = l.apply_linked({{.kind = TransferKind::kVoid, .pending_id = 0}});
  EXPECT_EQ(not_pending.error().code, Errc::kNotFound);
  auto twice = l.apply_linked({{.kind = TransferKind::kPost, .amount = 40, .pending_id = 1},
                               {.kind = TransferKind::kVoid, .pending_id = 1}});
  EXPECT_EQ(twice.error().code, Errc::kEscrowIllegalTransition);
  EXPECT_TRUE(l == funded);
  ASSERT_TRUE(l.apply_linked({{.kind = TransferKind::kPost, .amount = 40, .pending_id = 1}}).has_value());
  EXPECT_EQ(l.totals(), (HoldTotals{.held = 100, .posted = 40, .voided = 60, .pending = 0}));
  EXPECT_EQ(l.account(AccountId::kHold).debits_posted, 40);
  EXPECT_EQ(l.account(AccountId::kHold).debits_pending, 0);
  EXPECT_EQ(l.account(AccountId::kSellerPayout).credits_posted, 40);
  ASSERT_EQ(l.transfers().size(), 4u);
  EXPECT_EQ(l.transfers()[3].kind, TransferKind::kVoid);
  EXPECT_EQ(l.transfers()[3].amount, 60);
  auto overdraw = l.apply_linked({{.kind = TransferKind::kSinglePhase, .debit = AccountId::kHold,
                                   .credit = AccountId::kBuyerRefund, .amount = 61}});
  EXPECT_EQ(overdraw.error().code, Errc::kEscrowInsufficient);
  auto self = l.apply_linked({{.kind = TransferKind::kSinglePhase, .debit = AccountId::kHold,
                               .credit = AccountId::kHold, .amount = 1}});
  EXPECT_EQ(self.error().code, Errc::kEscrowBadEvent);
}

TEST(EscrowSchedule, MilestonesFollowSettlementInstructions) {
  using namespace std::chrono;
  std::vector<settlement::EscrowInstruction> in = {
      {.reference = "invoice 1", .amount_minor = 119000, .hold_from = 2024y / January / 1,
       .release_on = 2024y / February / 1},
      {.reference = "invoice 2", .amount_minor = 59500, .hold_from = 2024y / February / 1,
       .release_on = 2024y / March / 1}};
  auto ms = milestones_from_settlement(in, ConditionKind::kDeadline);
  ASSERT_TRUE(ms.has_value()) << ms.error().to_string();
  ASSERT_EQ(ms->size(), 2u);
  EXPECT_EQ((*ms)[0].invoice_id, "invoice 1");
  EXPECT_EQ((*ms)[0].amount, 119000);
  EXPECT_EQ((*ms)[0].deadline_ms, 1'706'745'600'000);  // 2024-02-01T00:00:00Z
  EXPECT_EQ((*ms)[1].deadline_ms, 1'709'251'200'000);  // 2024-03-01T00:00:00Z
  EXPECT_TRUE(validate_terms(terms(*ms)).has_value());
  in[1].amount_minor = 0;
  EXPECT_EQ(milestones_from_settlement(in, ConditionKind::kAcceptance).error().code, Errc::kEscrowBadTerms);
  EXPECT_EQ(milestones_from_settlement({}, ConditionKind::kAcceptance).error().code, Errc::kEscrowBadTerms);
}

TEST(EscrowStatus, NamesAndClosedStates) {
  EXPECT_EQ(status_name(Status::kPartiallyReleased), "PARTIALLY_RELEASED");
  EXPECT_TRUE(is_closed(Status::kResolved));
  EXPECT_TRUE(is_closed(Status::kRefunded));
  EXPECT_FALSE(is_closed(Status::kDisputed));
  EXPECT_EQ(errc_name(Errc::kEscrowStaleEvent), "escrow_stale_event");
}

}  // namespace
}  // namespace pactum::escrow
