// Goal: the engine decides real signed envelopes: a deal closes end to end,
// and forged, tampered, replayed or wrongly authorized envelopes are refused
// with a reason and change nothing.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "protocol/negotiation_wire.h"
#include "tests/negotiation/fixture.h"

namespace pactum::protocol {
namespace {

using negtest::kDay;
using negtest::kT0;
using E = NegEvent;
using S = NegState;

crypto::SecretKey seeded(std::uint8_t tag) {
  PACTUM_ASSERT(crypto::init().has_value());  // Idempotent; libsodium must start first.
  std::array<std::uint8_t, 32> seed{};
  seed.fill(tag);
  return *crypto::SecretKey::from_seed(seed);
}

struct Party {
  crypto::SecretKey org;
  crypto::SecretKey agent;
  Mandate mandate;
  Bytes mandate_envelope;
  std::uint64_t seq = 0;
};

struct WireWorld {
  Party buyer{seeded(1), seeded(2), {}, {}};
  Party seller{seeded(3), seeded(4), {}, {}};
  crypto::SecretKey approver = seeded(5);
  std::optional<NegotiationEngine> engine;
  MandateBook book;
  crypto::Digest id{};
  crypto::Digest head{};
  std::int64_t now = kT0;
  std::uint32_t round = 1;

  WireWorld() {
    init(buyer, Role::kBuyer, seller.org.public_key());
    init(seller, Role::kSeller, buyer.org.public_key());
    std::string text = negtest::policy_text(seller.org.public_key());
    std::string from = crypto::public_key_to_text(negtest::kApprover);
    text.replace(text.find(from), from.size(), crypto::public_key_to_text(approver.public_key()));
    engine.emplace(buyer.org.public_key(), *load_policy(text));
    id = negtest::digest_of("wire-negotiation");
    std::fill(id.begin() + 16, id.end(), 0);  // Ids are 16 bytes on the wire.
  }
  void init(Party& p, Role role, const crypto::PublicKey& counterparty) {
    p.mandate = negtest::mandate(p.org.public_key(), p.agent.public_key(), role, counterparty);
    p.mandate_envelope = *build_mandate(p.mandate, p.org, 1, kT0 - kDay);
    auto opened = open_envelope(p.mandate_envelope);
    p.mandate.id = opened->info.message_hash;
  }
  MessageSpec spec(E kind, const Party& from, std::int64_t price, std::int64_t qty = 100) {
    MessageSpec s;
    s.kind = kind;
    s.negotiation_id = id;
    s.prev_hash = head;
    s.round = round;
    s.mandate_id = from.mandate.id;
    s.mandate_envelope = from.seq == 0 ? &from.mandate_envelope : nullptr;
    s.buyer_org = buyer.org.public_key();
    s.seller_org = seller.org.public_key();
    s.offer = Offer{"widget", "EUR", price, qty, price * qty};
    s.expires_ms = kT0 + kDay;
    if (const Negotiation* n = engine->find(id)) s.terms_hash = n->offer_terms_hash;
    return s;
  }
  Bytes build(const MessageSpec& s, Party& from) {
    now += 1000;
    return *build_negotiation_message(s, from.agent, ++from.seq, now);
  }
  Decision decide(const Bytes& wire) {
    Decision d = decide_envelope(*engine, book, wire, now);
    if (d.outcome == Outcome::kApplied) {
      head = open_envelope(wire)->info.message_hash;
      ++round;
    }
    return d;
  }
};

TEST(Wire, DealClosesEndToEndFromSignedEnvelopes) {
  WireWorld w;
  Decision d = w.decide(w.build(w.spec(E::kPropose, w.buyer, 900), w.buyer));
  ASSERT_EQ(d.outcome, Outcome::kApplied) << d.rule << ": " << d.values;
  EXPECT_EQ(w.engine->budget().reservation(w.id), 90'000);
  d = w.decide(w.build(w.spec(E::kCounter, w.seller, 1200), w.seller));
  ASSERT_EQ(d.outcome, Outcome::kApplied) << d.rule << ": " << d.values;
  d = w.decide(w.build(w.spec(E::kCounter, w.buyer, 990), w.buyer));
  ASSERT_EQ(d.outcome, Outcome::kApplied) << d.rule << ": " << d.values;
  Bytes accept = w.build(w.spec(E::kAccept, w.seller, 0), w.seller);
  d = w.decide(accept);
  ASSERT_EQ(d.outcome, Outcome::kApplied) << d.rule << ": " << d.values;
  EXPECT_EQ(d.state, S::kAccepted);
  EXPECT_EQ(w.book.size(), 2u);
  // A replay of the accept is a duplicate.
  EXPECT_EQ(decide_envelope(*w.engine, w.book, accept, w.now).outcome, Outcome::kDuplicate);
}

TEST(Wire, TermsFiguresAreExact) {
  WireWorld w;
  Bytes p = w.build(w.spec(E::kPropose, w.buyer, 1234, 7), w.buyer);
  auto in = open_negotiation_message(p, *w.engine, w.book);
  ASSERT_TRUE(in) << in.error().to_string();
  EXPECT_EQ(in->msg.offer.product, "widget");
  EXPECT_EQ(in->msg.offer.unit_price_minor, 1234);
  EXPECT_EQ(in->msg.offer.quantity, 7);
  EXPECT_EQ(in->msg.offer.total_minor, 8638);
  EXPECT_EQ(in->msg.counterparty_org, w.seller.org.public_key());
  EXPECT_EQ(in->msg.sender_role, Role::kBuyer);
  EXPECT_EQ(in->msg.deadline_ms, kT0 + kDay);
}

TEST(Wire, MandateMustBeSignedByItsOrgRoot) {
  WireWorld w;
  w.buyer.mandate_envelope = *build_mandate(w.buyer.mandate, w.buyer.agent, 1, kT0);  // Self-issued.
  w.buyer.mandate.id = open_envelope(w.buyer.mandate_envelope)->info.message_hash;
  Decision d = w.decide(w.build(w.spec(E::kPropose, w.buyer, 900), w.buyer));
  EXPECT_EQ(d.outcome, Outcome::kRefused);
  EXPECT_EQ(d.code, Errc::kMandateScope);
  EXPECT_EQ(d.rule, "envelope");
  EXPECT_EQ(w.engine->size(), 0u);
}

TEST(Wire, AgentSigningOutsideItsMandateIsRefused) {
  WireWorld w;
  MessageSpec s = w.spec(E::kPropose, w.buyer, 900);
  Bytes b = *build_negotiation_message(s, w.seller.agent, 1, w.now + 1);  // Wrong agent key.
  Decision d = w.decide(b);
  EXPECT_EQ(d.rule, "mandate.agent");
  EXPECT_EQ(w.engine->size(), 0u);
}

TEST(Wire, EscalationApprovedBySignedApproval) {
  WireWorld w;
  Decision d = w.decide(w.build(w.spec(E::kPropose, w.buyer, 900, 600), w.buyer));
  ASSERT_EQ(d.outcome, Outcome::kEscalated) << d.rule;
  const Negotiation* n = w.engine->find(w.id);
  MessageSpec a = w.spec(E::kApprove, w.buyer, 0);
  a.prev_hash = n->pending->hash;
  a.terms_hash = n->pending->terms_hash;
  Bytes forged = *build_negotiation_message(a, w.buyer.agent, 9, w.now + 1);  // Agent approving itself.
  d = decide_envelope(*w.engine, w.book, forged, w.now + 1);
  EXPECT_EQ(d.rule, "policy.approvers");
  Bytes ok = *build_negotiation_message(a, w.approver, 1, w.now + 2);
  d = decide_envelope(*w.engine, w.book, ok, w.now + 2);
  EXPECT_EQ(d.outcome, Outcome::kApplied) << d.rule << ": " << d.values;
  EXPECT_EQ(d.state, S::kProposed);
}

TEST(Wire, KillSwitchAndRevocationEnvelopes) {
  WireWorld w;
  EnvelopeBuilder b;
  auto k = b.payload().initKillSwitch();
  k.setAction(wire::KillSwitchAction::ENGAGE);
  k.getScope().setOrganization(as_data(w.buyer.org.public_key()));
  k.setEffectiveMs(kT0);
  Bytes kb = *b.seal(w.buyer.org, 7, kT0);
  auto opened = open_envelope(kb);
  ASSERT_TRUE(opened);
  auto cmd = kill_from_envelope(*opened);
  ASSERT_TRUE(cmd);
  EXPECT_TRUE(cmd->engage);
  EXPECT_EQ(cmd->scope, KillScope::kOrganization);
  EXPECT_EQ(w.engine->on_kill_switch(*cmd).outcome, Outcome::kApplied);
  Decision d = w.decide(w.build(w.spec(E::kPropose, w.buyer, 900), w.buyer));
  EXPECT_EQ(d.code, Errc::kKillSwitch);

  EnvelopeBuilder r;
  auto rev = r.payload().initRevocation();
  rev.setOrgRootKey(as_data(w.buyer.org.public_key()));
  rev.getTarget().setMandateId(as_data(w.buyer.mandate.id));
  rev.setReason(wire::RevocationReason::RETIRED);
  auto ro = open_envelope(*r.seal(w.seller.org, 1, kT0));  // Signed by the wrong org.
  ASSERT_TRUE(ro);
  auto rc = revocation_from_envelope(*ro);
  ASSERT_FALSE(rc);
  EXPECT_EQ(rc.error().code, Errc::kMandateScope);
}

// Any single flipped byte in a valid envelope is refused and changes nothing.
RC_GTEST_PROP(WireProperty, TamperedEnvelopesAreRefused, ()) {
  static WireWorld w;
  static const Bytes valid = w.build(w.spec(E::kPropose, w.buyer, 900), w.buyer);
  Bytes t = valid;
  std::size_t at = *rc::gen::inRange<std::size_t>(0, t.size());
  std::uint8_t mask = *rc::gen::inRange<int>(1, 256);
  t[at] ^= mask;
  Decision d = decide_envelope(*w.engine, w.book, t, w.now);
  RC_ASSERT(d.outcome == Outcome::kRefused);
  RC_ASSERT(!d.rule.empty());
  RC_ASSERT(w.engine->size() == 0u);
}

}  // namespace
}  // namespace pactum::protocol
