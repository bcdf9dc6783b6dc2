// Goal: the engine applies mandates, guardrails, budgets, escalation and the
// kill switch exactly: each rule fires with its name and values, refused
// messages change nothing, and only matching signed terms reach ACCEPTED.
#include <gtest/gtest.h>

#include "tests/negotiation/fixture.h"

namespace pactum::protocol {
namespace {

using namespace negtest;  // NOLINT: test fixture names.
using E = NegEvent;
using S = NegState;

struct EngineTest : ::testing::Test {
  NegotiationEngine engine{kOrgA, policy_for(kOrgB)};  // The buyer's node.
  Mandate ma = mandate(kOrgA, kAgentA, Role::kBuyer, kOrgB);
  Mandate mb = mandate(kOrgB, kAgentB, Role::kSeller, kOrgA);
  Chain c{"t"};

  Decision send(const NegMessage& m) {
    Decision d = engine.on_message(m, m.sender_role == Role::kBuyer ? ma : mb, m.timestamp_ms);
    if (d.outcome == Outcome::kApplied) c.link(m);
    return d;
  }
  Decision ours(E kind, std::int64_t price, std::int64_t qty = 100) { return send(c.make(kind, Role::kBuyer, price, qty)); }
  Decision theirs(E kind, std::int64_t price, std::int64_t qty = 100) { return send(c.make(kind, Role::kSeller, price, qty)); }
  BudgetTotals totals() const { return engine.budget().totals(BudgetKey{ma.id, 0}); }
  void expect_refused(const Decision& d, Errc code, const std::string& rule) {
    EXPECT_EQ(d.outcome, Outcome::kRefused) << rule;
    EXPECT_EQ(d.code, code) << d.rule << ": " << d.values;
    EXPECT_EQ(d.rule, rule) << d.values;
    EXPECT_EQ(d.policy_hash, engine.policy_hash());
  }
};

TEST_F(EngineTest, HappyPathReachesCommittedAndCommitsTheBudget) {
  EXPECT_EQ(ours(E::kPropose, 900).state, S::kProposed);
  EXPECT_EQ(totals().reserved_minor, 90'000);
  EXPECT_EQ(theirs(E::kCounter, 1200).state, S::kCountered);
  EXPECT_EQ(ours(E::kCounter, 990).state, S::kCountered);
  EXPECT_EQ(totals().reserved_minor, 99'000);
  Decision d = theirs(E::kAccept, 990);
  EXPECT_EQ(d.outcome, Outcome::kApplied);
  EXPECT_EQ(d.state, S::kAccepted);
  EXPECT_EQ(d.policy_hash, policy_hash(engine.policy()));
  const Negotiation* n = engine.find(c.id);
  ASSERT_NE(n, nullptr);
  ASSERT_EQ(n->transcript.size(), 4u);
  // Both parties signed the same terms hash: our counter and their accept.
  EXPECT_EQ(n->transcript[2].terms_hash, n->transcript[3].terms_hash);
  EXPECT_NE(n->transcript[2].sender, n->transcript[3].sender);
  EXPECT_EQ(engine.on_anchored(c.id).state, S::kCommitted);
  EXPECT_EQ(totals().reserved_minor, 0);
  EXPECT_EQ(totals().committed_minor, 99'000);
  EXPECT_EQ(engine.budget().exposure(kOrgB), 99'000);
}

TEST_F(EngineTest, DuplicatesAreIgnoredAndRefusalsChangeNothing) {
  NegMessage p = c.make(E::kPropose, Role::kBuyer, 900);
  ASSERT_EQ(send(p).outcome, Outcome::kApplied);
  EXPECT_EQ(engine.on_message(p, ma, p.timestamp_ms).outcome, Outcome::kDuplicate);
  NegMessage bad = c.make(E::kCounter, Role::kSeller, 1200);
  bad.prev_hash = digest_of("elsewhere");
  expect_refused(send(bad), Errc::kUnlinkedMessage, "link.unknown");
  const Negotiation* n = engine.find(c.id);
  EXPECT_EQ(n->transcript.size(), 1u);
  EXPECT_EQ(n->state, S::kProposed);
  EXPECT_EQ(totals().reserved_minor, 90'000);
}

TEST_F(EngineTest, AcceptOfDifferentTermsIsRefused) {
  ours(E::kPropose, 900);
  NegMessage a = c.make(E::kAccept, Role::kSeller, 950);  // Other terms than on the table.
  expect_refused(send(a), Errc::kConflictingMessage, "accept.terms_hash");
  EXPECT_EQ(engine.find(c.id)->state, S::kProposed);
}

TEST_F(EngineTest, PolicyRulesFireForOurOffers) {
  expect_refused(ours(E::kPropose, 799), Errc::kPolicyViolation, "policy.price_floor");
  EXPECT_EQ(engine.find(c.id), nullptr);  // Nothing was created.
  expect_refused(ours(E::kPropose, 1501), Errc::kPolicyViolation, "policy.price_ceiling");
  ASSERT_EQ(ours(E::kPropose, 900).outcome, Outcome::kApplied);
  theirs(E::kCounter, 1200);
  Decision d = ours(E::kCounter, 991);  // 10% of 900 is 90.
  expect_refused(d, Errc::kPolicyViolation, "policy.max_concession_per_round");
  EXPECT_EQ(d.values, "price 900 -> 991 concedes more than 100000 ppm");
  EXPECT_EQ(ours(E::kCounter, 990).outcome, Outcome::kApplied);
  theirs(E::kCounter, 1150);
  // Accepting their 1150 from our 990 is a 16% jump: refused, counter instead.
  expect_refused(ours(E::kAccept, 1150), Errc::kPolicyViolation, "policy.max_concession_per_round");
}

TEST_F(EngineTest, CounterpartyNotAllowedIsRefused) {
  NegotiationEngine other{kOrgA, policy_for(kStranger)};
  NegMessage p = c.make(E::kPropose, Role::kBuyer, 900);
  Decision d = other.on_message(p, ma, p.timestamp_ms);
  EXPECT_EQ(d.rule, "policy.allowed_counterparties");
  NegMessage q = c.make(E::kPropose, Role::kSeller, 1200);  // Incoming from org B.
  d = other.on_message(q, mb, q.timestamp_ms);
  EXPECT_EQ(d.rule, "policy.allowed_counterparties");
}

TEST_F(EngineTest, MandateRulesFire) {
  struct Case {
    std::function<void(Mandate&, NegMessage&)> edit;
    Errc code;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {[](Mandate& m, NegMessage&) { m.org_key = kStranger; }, Errc::kMandateScope, "mandate.org"},
      {[](Mandate&, NegMessage& x) { x.signer = kStranger; }, Errc::kMandateScope, "mandate.agent"},
      {[](Mandate& m, NegMessage&) { m.role = Role::kSeller; }, Errc::kMandateScope, "mandate.role"},
      {[](Mandate& m, NegMessage& x) { m.valid_until_ms = x.timestamp_ms; }, Errc::kMandateExpired, "mandate.validity"},
      {[](Mandate& m, NegMessage& x) { m.valid_from_ms = x.timestamp_ms + 1; }, Errc::kMandateExpired, "mandate.validity"},
      {[](Mandate& m, NegMessage&) { m.counterparties = {kStranger}; }, Errc::kMandateScope, "mandate.counterparties"},
      {[](Mandate& m, NegMessage&) { m.products = {"gadget"}; }, Errc::kMandateScope, "mandate.products"},
      {[](Mandate& m, NegMessage&) { m.currency = "USD"; }, Errc::kMandateScope, "mandate.currency"},
      {[](Mandate& m, NegMessage&) { m.per_contract_limit_minor = 89'999; }, Errc::kMandateScope,
       "mandate.per_contract_limit"},
      {[](Mandate& m, NegMessage&) { m.period_ms = 0; }, Errc::kMandateScope, "mandate.structure"},
  };
  int i = 0;
  for (const Case& k : cases) {
    Mandate m = ma;
    Chain ch("mandate-case-" + std::to_string(i++));
    NegMessage p = ch.make(E::kPropose, Role::kBuyer, 900);
    k.edit(m, p);
    Decision d = engine.on_message(p, m, p.timestamp_ms);
    expect_refused(d, k.code, k.rule);
  }
  EXPECT_EQ(engine.size(), 0u);
}

TEST_F(EngineTest, RevokedMandateCannotOfferButMayWithdraw) {
  ours(E::kPropose, 900);
  theirs(E::kCounter, 1200);
  EXPECT_EQ(engine.on_revocation({kStranger, false, ma.id, {}}).outcome, Outcome::kApplied);
  EXPECT_EQ(ours(E::kCounter, 950).outcome, Outcome::kApplied);  // A stranger cannot revoke A's mandate.
  theirs(E::kCounter, 1150);
  ASSERT_EQ(engine.on_revocation({kOrgA, false, ma.id, {}}).outcome, Outcome::kApplied);
  expect_refused(ours(E::kCounter, 1000), Errc::kMandateRevoked, "mandate.revoked");
  EXPECT_EQ(ours(E::kWithdraw, 0).state, S::kWithdrawn);
  EXPECT_EQ(totals().reserved_minor, 0);
}

TEST_F(EngineTest, RevokedAgentKeyCoversEveryMandate) {
  ASSERT_EQ(engine.on_revocation({kOrgA, true, {}, kAgentA}).outcome, Outcome::kApplied);
  expect_refused(ours(E::kPropose, 900), Errc::kMandateRevoked, "mandate.revoked");
}

TEST_F(EngineTest, EscalationWaitsForAnApprover) {
  // 600 x 900 = 540,000 > policy threshold 500,000 (the mandate's is 800,000).
  Decision d = ours(E::kPropose, 900, 600);
  EXPECT_EQ(d.outcome, Outcome::kEscalated);
  EXPECT_EQ(d.state, S::kEscalated);
  EXPECT_EQ(d.code, Errc::kNeedsApproval);
  EXPECT_EQ(d.rule, "policy.approval_threshold");
  EXPECT_EQ(d.values, "total 540000 > threshold 500000");
  EXPECT_EQ(totals().reserved_minor, 540'000);  // Held while waiting.
  const Negotiation* n = engine.find(c.id);
  ASSERT_TRUE(n->pending);
  NegMessage approval = c.make(E::kApprove, Role::kBuyer, 0);
  approval.prev_hash = n->pending->hash;
  approval.terms_hash = n->pending->terms_hash;
  approval.signer = kStranger;
  expect_refused(engine.on_approval(approval, approval.timestamp_ms), Errc::kPolicyViolation, "policy.approvers");
  approval.signer = kApprover;
  approval.terms_hash = digest_of("other");
  expect_refused(engine.on_approval(approval, approval.timestamp_ms), Errc::kConflictingMessage,
                 "approval.terms_hash");
  approval.terms_hash = n->pending->terms_hash;
  NegMessage pending = *n->pending;
  d = engine.on_approval(approval, approval.timestamp_ms);
  EXPECT_EQ(d.outcome, Outcome::kApplied);
  EXPECT_EQ(d.state, S::kProposed);
  EXPECT_EQ(engine.on_approval(approval, approval.timestamp_ms).outcome, Outcome::kDuplicate);
  EXPECT_EQ(n->transcript.size(), 1u);
  EXPECT_EQ(n->head(), pending.hash);
  EXPECT_EQ(n->approvals.size(), 1u);
  c.link(pending);
  EXPECT_EQ(theirs(E::kAccept, 900, 600).state, S::kAccepted);
}

TEST_F(EngineTest, DenialRejectsAndReleases) {
  ASSERT_EQ(ours(E::kPropose, 900, 600).outcome, Outcome::kEscalated);
  const Negotiation* n = engine.find(c.id);
  NegMessage deny = c.make(E::kDeny, Role::kBuyer, 0);
  deny.signer = kApprover;
  deny.prev_hash = n->pending->hash;
  deny.terms_hash = n->pending->terms_hash;
  EXPECT_EQ(engine.on_approval(deny, deny.timestamp_ms).state, S::kRejected);
  EXPECT_EQ(totals().reserved_minor, 0);
}

TEST_F(EngineTest, KillSwitchStopsProgressUntilLifted) {
  ours(E::kPropose, 900);
  KillCommand k{true, KillScope::kOrganization, kOrgA, kOrgA, digest_of("k1"), kT0};
  EXPECT_EQ(engine.on_kill_switch(k).outcome, Outcome::kApplied);
  EXPECT_EQ(engine.on_kill_switch(k).outcome, Outcome::kDuplicate);
  expect_refused(theirs(E::kCounter, 1000), Errc::kKillSwitch, "kill_switch");
  Chain other{"other"};
  NegMessage p = other.make(E::kPropose, Role::kBuyer, 900);
  expect_refused(engine.on_message(p, ma, p.timestamp_ms), Errc::kKillSwitch, "kill_switch");
  KillCommand bad{false, KillScope::kOrganization, kOrgA, kStranger, digest_of("k2"), kT0 + 1};
  expect_refused(engine.on_kill_switch(bad), Errc::kPolicyViolation, "kill_switch.signer");
  KillCommand lift{false, KillScope::kOrganization, kOrgA, kApprover, digest_of("k3"), kT0 + 5};
  EXPECT_EQ(engine.on_kill_switch(lift).outcome, Outcome::kApplied);
  // A replayed older engage cannot undo the newer lift.
  KillCommand old{true, KillScope::kOrganization, kOrgA, kOrgA, digest_of("k0"), kT0 - 1};
  expect_refused(engine.on_kill_switch(old), Errc::kStaleMessage, "kill_switch.order");
  EXPECT_EQ(theirs(E::kCounter, 1000).state, S::kCountered);
}

// Both nodes must hold the same contracts: the counterparty's accept of the
// offer we signed before the switch, and the anchoring of an accepted
// negotiation, complete under the switch; our own new commitments do not.
TEST_F(EngineTest, KillSwitchStillCompletesOffersAlreadySigned) {
  ours(E::kPropose, 900);
  Chain other{"other"};
  NegMessage p = other.make(E::kPropose, Role::kSeller, 1000);
  ASSERT_EQ(engine.on_message(p, mb, p.timestamp_ms).outcome, Outcome::kApplied);
  other.link(p);
  KillCommand k{true, KillScope::kOrganization, kOrgA, kOrgA, digest_of("k1"), kT0};
  ASSERT_EQ(engine.on_kill_switch(k).outcome, Outcome::kApplied);
  // Our accept of their offer would be a new signature of ours: refused.
  NegMessage ours_accept = other.make(E::kAccept, Role::kBuyer, 1000);
  expect_refused(engine.on_message(ours_accept, ma, ours_accept.timestamp_ms), Errc::kKillSwitch, "kill_switch");
  // Their accept of our standing offer completes it, and it anchors.
  EXPECT_EQ(theirs(E::kAccept, 900).state, S::kAccepted);
  EXPECT_EQ(engine.on_anchored(c.id).state, S::kCommitted);
}

TEST_F(EngineTest, KillSwitchByMandateAndNegotiationScope) {
  ours(E::kPropose, 900);
  ASSERT_EQ(engine.on_kill_switch({true, KillScope::kMandate, ma.id, kOrgA, digest_of("m"), kT0}).outcome,
            Outcome::kApplied);
  expect_refused(theirs(E::kCounter, 1200), Errc::kKillSwitch, "kill_switch");
  ASSERT_EQ(engine.on_kill_switch({false, KillScope::kMandate, ma.id, kOrgA, digest_of("m2"), kT0 + 1}).outcome,
            Outcome::kApplied);
  ASSERT_EQ(engine.on_kill_switch({true, KillScope::kNegotiation, c.id, kOrgA, digest_of("n"), kT0}).outcome,
            Outcome::kApplied);
  expect_refused(theirs(E::kCounter, 1200), Errc::kKillSwitch, "kill_switch");
  EXPECT_EQ(theirs(E::kReject, 0).state, S::kRejected);  // Ending is always allowed.
}

TEST_F(EngineTest, BudgetAcrossConcurrentNegotiations) {
  // Cumulative limit 1,500,000; each contract 450,000 (under every threshold).
  std::vector<Chain> chains;
  for (int i = 0; i < 4; ++i) chains.emplace_back("n" + std::to_string(i));
  int applied = 0;
  for (Chain& ch : chains) {
    NegMessage p = ch.make(E::kPropose, Role::kBuyer, 1000, 450);
    Decision d = engine.on_message(p, ma, p.timestamp_ms);
    if (d.outcome == Outcome::kApplied) ++applied;
    else expect_refused(d, Errc::kBudgetExceeded, "mandate.cumulative_limit");
  }
  EXPECT_EQ(applied, 3);
  EXPECT_EQ(totals().reserved_minor, 1'350'000);
}

TEST_F(EngineTest, ExposurePerCounterpartyFromPolicy) {
  ma.cumulative_limit_minor = 10'000'000;
  ma.per_contract_limit_minor = 10'000'000;
  ma.approval_threshold_minor = 10'000'000;
  NegotiationEngine e{kOrgA, *load_policy(policy_text(kOrgB).replace(
                                  policy_text(kOrgB).find("approval_threshold_minor = 500000"), 33,
                                  "approval_threshold_minor = 9000000"))};
  int applied = 0;
  for (int i = 0; i < 5; ++i) {
    Chain ch("x" + std::to_string(i));
    NegMessage p = ch.make(E::kPropose, Role::kBuyer, 1000, 450);
    Decision d = e.on_message(p, ma, p.timestamp_ms);
    if (d.outcome == Outcome::kApplied) ++applied;
    else EXPECT_EQ(d.rule, "policy.max_open_exposure");
  }
  EXPECT_EQ(applied, 4);  // 4 x 450,000 <= 2,000,000 < 5 x 450,000.
}

TEST_F(EngineTest, ExpireAndFail) {
  ours(E::kPropose, 900);
  expect_refused(engine.expire(c.id, kT0 + 10), Errc::kInvalidArgument, "time.not_expired");
  EXPECT_EQ(engine.expire(c.id, kT0 + kDay).state, S::kExpired);
  EXPECT_EQ(totals().reserved_minor, 0);
  expect_refused(theirs(E::kCounter, 1000), Errc::kNegotiationClosed, "state.closed");
  expect_refused(engine.on_failed(c.id, "x"), Errc::kIllegalTransition, "transition");
  expect_refused(engine.on_anchored(digest_of("none")), Errc::kNotFound, "negotiation.unknown");
}

TEST_F(EngineTest, RoundsLimitFromPolicyAndMandate) {
  ma.max_rounds = 3;
  ours(E::kPropose, 900);
  theirs(E::kCounter, 1200);
  ours(E::kCounter, 950);
  expect_refused(theirs(E::kCounter, 1100), Errc::kTooManyRounds, "rounds.max");
}

// A contract id is held from its propose: a second negotiation cannot reuse
// it while the first is open (both could be accepted) or once it is
// accepted; an unaccepted end frees it.
TEST_F(EngineTest, OneNegotiationPerContractId) {
  ours(E::kPropose, 900);
  Chain twin("twin");
  twin.contract_id = c.contract_id;
  NegMessage p = twin.make(E::kPropose, Role::kSeller, 1000);
  expect_refused(engine.on_message(p, mb, p.timestamp_ms), Errc::kConflictingMessage, "terms.contract_id");
  EXPECT_EQ(engine.find(twin.id), nullptr);
  EXPECT_EQ(theirs(E::kReject, 0).state, S::kRejected);
  ASSERT_EQ(engine.on_message(p, mb, p.timestamp_ms).state, S::kProposed);  // Freed by the reject.
  twin.link(p);
  NegMessage a = twin.make(E::kAccept, Role::kBuyer, 1000);
  ASSERT_EQ(engine.on_message(a, ma, a.timestamp_ms).state, S::kAccepted);
  Chain late("late");
  late.contract_id = c.contract_id;
  NegMessage q = late.make(E::kPropose, Role::kBuyer, 900);
  Decision d = engine.on_message(q, ma, q.timestamp_ms);
  expect_refused(d, Errc::kConflictingMessage, "terms.contract_id");
  EXPECT_NE(d.values.find("exists"), std::string::npos) << d.values;
}

TEST_F(EngineTest, SidesMustMatch) {
  ours(E::kPropose, 900);
  NegMessage m = c.make(E::kCounter, Role::kSeller, 1200);
  m.sender_org = kStranger;
  Mandate ms = mb;
  ms.org_key = kStranger;
  expect_refused(engine.on_message(m, ms, m.timestamp_ms), Errc::kMandateScope, "negotiation.parties");
}

}  // namespace
}  // namespace pactum::protocol
