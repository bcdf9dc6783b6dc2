// Goal: pin the transition table and show every per-message protocol rule
// (links, turns, time, rounds, size, accept terms) refuses with its typed reason.
#include <gtest/gtest.h>

#include "protocol/negotiation_limits.h"
#include "tests/negotiation/fixture.h"

namespace pactum::protocol {
namespace {

using negtest::Chain;
using S = NegState;
using E = NegEvent;

// The table as docs/negotiation.md prints it; changing the code's table
// without this (and the docs) fails here.
const Transition kExpected[] = {
    {S::kInit, E::kPropose, S::kProposed},       {S::kProposed, E::kCounter, S::kCountered},
    {S::kProposed, E::kAccept, S::kAccepted},    {S::kProposed, E::kReject, S::kRejected},
    {S::kProposed, E::kWithdraw, S::kWithdrawn}, {S::kProposed, E::kEscalate, S::kEscalated},
    {S::kProposed, E::kExpire, S::kExpired},     {S::kProposed, E::kFail, S::kFailed},
    {S::kCountered, E::kCounter, S::kCountered}, {S::kCountered, E::kAccept, S::kAccepted},
    {S::kCountered, E::kReject, S::kRejected},   {S::kCountered, E::kWithdraw, S::kWithdrawn},
    {S::kCountered, E::kEscalate, S::kEscalated}, {S::kCountered, E::kExpire, S::kExpired},
    {S::kCountered, E::kFail, S::kFailed},       {S::kInit, E::kEscalate, S::kEscalated},
    {S::kEscalated, E::kApprove, S::kEscalated}, {S::kEscalated, E::kDeny, S::kRejected},
    {S::kEscalated, E::kWithdraw, S::kWithdrawn}, {S::kEscalated, E::kExpire, S::kExpired},
    {S::kEscalated, E::kFail, S::kFailed},       {S::kAccepted, E::kCommit, S::kCommitted},
    {S::kAccepted, E::kFail, S::kFailed},
};

TEST(TransitionTable, MatchesTheDocumentedTable) {
  auto table = transition_table();
  ASSERT_EQ(table.size(), std::size(kExpected));
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(table[i].from, kExpected[i].from) << i;
    EXPECT_EQ(table[i].event, kExpected[i].event) << i;
    EXPECT_EQ(table[i].to, kExpected[i].to) << i;
  }
}

TEST(TransitionTable, EveryStateEventPairIsListedAtMostOnce) {
  for (int s = 0; s <= 9; ++s) {
    for (int e = 0; e <= 10; ++e) {
      int hits = 0;
      for (const Transition& t : transition_table()) {
        hits += (t.from == static_cast<S>(s) && t.event == static_cast<E>(e)) ? 1 : 0;
      }
      EXPECT_LE(hits, 1) << state_name(static_cast<S>(s)) << " " << event_name(static_cast<E>(e));
    }
  }
}

// A negotiation in state `s` whose head is a seller offer, and a buyer
// message of kind `e` correctly linked to it.
struct Fixture {
  Negotiation n;
  NegMessage m;
};
Fixture in_state(S s, E e) {
  Chain c("table");
  NegMessage offer = c.make(E::kPropose, Role::kSeller, 1000);
  Fixture out;
  out.n.state = s;
  out.n.deadline_ms = negtest::kT0 + negtest::kDay;
  out.n.rounds = 1;
  out.n.offer_by = Role::kSeller;
  out.n.offer_terms_hash = offer.terms_hash;
  out.n.offer = offer.offer;
  if (s != S::kInit) {
    out.n.transcript.push_back({offer.hash, offer.prev_hash, E::kPropose, Role::kSeller, offer.signer,
                                offer.terms_hash, offer.timestamp_ms});
    c.link(offer);
  }
  out.m = c.make(e, Role::kBuyer, 1000);
  return out;
}

TEST(Machine, EveryMessageEventInEveryStateFollowsTheTable) {
  for (int s = 0; s <= 9; ++s) {
    for (E e : {E::kPropose, E::kCounter, E::kAccept, E::kReject, E::kWithdraw}) {
      Fixture x = in_state(static_cast<S>(s), e);
      MachineVerdict v = check_message(x.n, x.m, x.m.timestamp_ms, 6);
      auto want = transition(x.n.state, e);
      std::string where = std::string(state_name(x.n.state)) + " + " + std::string(event_name(e));
      EXPECT_FALSE(v.duplicate) << where;
      if (want) {
        EXPECT_FALSE(v.refusal.has_value()) << where << ": " << v.refusal->rule;
        EXPECT_EQ(v.next, *want) << where;
      } else {
        ASSERT_TRUE(v.refusal.has_value()) << where;
        // A second Propose links to the zero hash, which the transcript has
        // already used: the hash-link rule refuses it before the table does.
        Errc expect = (is_terminal(x.n.state) || x.n.state == S::kAccepted) ? Errc::kNegotiationClosed
                      : e == E::kPropose                                    ? Errc::kStaleMessage
                                                                            : Errc::kIllegalTransition;
        EXPECT_EQ(v.refusal->code, expect) << where;
      }
    }
  }
}

TEST(Machine, DuplicateIsRecognizedEvenAfterClose) {
  Fixture x = in_state(S::kProposed, E::kReject);
  apply_message(x.n, x.m, S::kRejected, true);
  MachineVerdict v = check_message(x.n, x.m, x.m.timestamp_ms, 6);
  EXPECT_TRUE(v.duplicate);
  EXPECT_EQ(v.next, S::kRejected);
}

TEST(Machine, OutOfTurnCounterIsRefused) {
  Fixture x = in_state(S::kProposed, E::kCounter);
  x.m.sender_role = Role::kSeller;  // The seller answering its own offer.
  MachineVerdict v = check_message(x.n, x.m, x.m.timestamp_ms, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->code, Errc::kOutOfTurn);
  EXPECT_EQ(v.refusal->rule, "turn");
}

TEST(Machine, LinkRulesGiveStaleConflictingAndUnlinked) {
  Chain c("links");
  Negotiation n;
  NegMessage p = c.make(E::kPropose, Role::kBuyer, 900);
  apply_message(n, p, S::kProposed, true);
  c.link(p);
  NegMessage k = c.make(E::kCounter, Role::kSeller, 1200);
  apply_message(n, k, S::kCountered, false);
  c.link(k);
  NegMessage k2 = c.make(E::kCounter, Role::kBuyer, 950);
  apply_message(n, k2, S::kCountered, true);

  // The seller answers its own, now outdated, counter: stale.
  NegMessage stale = c.make(E::kAccept, Role::kBuyer, 1200);
  stale.sender_role = Role::kSeller;
  stale.prev_hash = p.hash;  // Replies to the propose, whose successor the seller signed.
  auto v = check_message(n, stale, stale.timestamp_ms, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->code, Errc::kConflictingMessage);

  NegMessage old_reply = c.make(E::kCounter, Role::kBuyer, 960);
  old_reply.prev_hash = p.hash;  // The buyer replies to its own propose: seller signed next.
  v = check_message(n, old_reply, old_reply.timestamp_ms, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->code, Errc::kStaleMessage);

  NegMessage unlinked = c.make(E::kCounter, Role::kSeller, 1100);
  unlinked.prev_hash = negtest::digest_of("nowhere");
  v = check_message(n, unlinked, unlinked.timestamp_ms, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->code, Errc::kUnlinkedMessage);
  EXPECT_EQ(v.refusal->rule, "link.unknown");
}

TEST(Machine, TimeRules) {
  Fixture x = in_state(S::kProposed, E::kCounter);
  // Future-dated beyond the skew.
  auto v = check_message(x.n, x.m, x.m.timestamp_ms - kClockSkewMaxMs - 1, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->code, Errc::kFutureMessage);
  // Within the skew is fine.
  v = check_message(x.n, x.m, x.m.timestamp_ms - kClockSkewMaxMs, 6);
  EXPECT_FALSE(v.refusal);
  // Signed before the previous message.
  NegMessage back = x.m;
  back.timestamp_ms = x.n.transcript.back().timestamp_ms - 1;
  v = check_message(x.n, back, x.m.timestamp_ms, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->rule, "time.backwards");
  // At the deadline: by the signed time and by the caller's now.
  NegMessage late = x.m;
  late.timestamp_ms = x.n.deadline_ms;
  v = check_message(x.n, late, late.timestamp_ms, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->code, Errc::kDeadlinePassed);
  v = check_message(x.n, x.m, x.n.deadline_ms, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->code, Errc::kDeadlinePassed);
}

TEST(Machine, RoundsSizeAndAcceptTerms) {
  Fixture x = in_state(S::kCountered, E::kCounter);
  x.n.rounds = 6;
  auto v = check_message(x.n, x.m, x.m.timestamp_ms, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->code, Errc::kTooManyRounds);
  EXPECT_EQ(v.refusal->values, "round 7 > max 6");

  Fixture y = in_state(S::kProposed, E::kCounter);
  y.m.size_bytes = kNegotiationMessageBytesMax + 1;
  v = check_message(y.n, y.m, y.m.timestamp_ms, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->code, Errc::kMessageTooLarge);
  y.m.size_bytes = kNegotiationMessageBytesMax;
  EXPECT_FALSE(check_message(y.n, y.m, y.m.timestamp_ms, 6).refusal);

  Fixture z = in_state(S::kProposed, E::kAccept);
  z.m.terms_hash = negtest::digest_of("other terms");
  v = check_message(z.n, z.m, z.m.timestamp_ms, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->code, Errc::kConflictingMessage);
  EXPECT_EQ(v.refusal->rule, "accept.terms_hash");
}

TEST(Machine, ProposeNeedsADeadlineAfterItsTimestamp) {
  Fixture x = in_state(S::kInit, E::kPropose);
  x.m.deadline_ms = x.m.timestamp_ms;
  auto v = check_message(x.n, x.m, x.m.timestamp_ms, 6);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->code, Errc::kDeadlinePassed);
}

}  // namespace
}  // namespace pactum::protocol
