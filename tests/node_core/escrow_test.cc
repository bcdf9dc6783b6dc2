// Goal: an escrowed contract is funded and released through both nodes with
// equal escrow digests, and wrong escrow events are refused with typed codes.
#include "protocol/escrow_codec.h"
#include "tests/node_core/deal_script.h"

namespace pactum::node::coretest {
namespace {

escrow::EscrowEvent event(const Script& s, const Agent& by, escrow::EventKind kind, std::int64_t ts, std::uint8_t tag) {
  escrow::EscrowEvent e;
  std::copy_n(s.id.begin(), 16, e.contract_id.begin());
  e.id.fill(tag);
  e.timestamp_ms = ts;
  e.signer = by.key().public_key();
  e.kind = kind;
  return e;
}

Bytes sealed(const Agent& by, const escrow::EscrowEvent& e, const Script& s) {
  auto b = protocol::seal_escrow_event(by.key(), e.id[0], e, s.table_terms);
  EXPECT_TRUE(b.has_value());
  return *b;
}

TEST(EscrowFlow, FundedAndReleasedWithEqualDigestsOnBothNodes) {
  Cluster c;
  c.add("buyer", {"seller"});
  c.add("seller", {"buyer"});
  c.start();
  c.tick(kT0);
  c.run();
  Agent alice = testing::make_agent("alice", "buyer", Role::kBuyer, {c.org("seller")}, kT0);
  Agent bob = testing::make_agent("bob", "seller", Role::kSeller, {c.org("buyer")}, kT0);
  Script s(alice, bob, "escrow");
  s.extras.escrow = true;
  s.extras.escrow_buyer = alice.key().public_key();
  s.extras.escrow_seller = bob.key().public_key();
  s.extras.arbiter = testing::public_from_name("arbiter");
  ASSERT_TRUE(c.submit("buyer", s.propose(1000, 10, kT0 + 1000)).ok);
  c.run();
  ASSERT_TRUE(c.submit("seller", s.accept(Role::kSeller, kT0 + 2000)).ok);
  c.run();
  for (const char* n : {"buyer", "seller"}) {
    auto v = c.node(n).core->contracts();
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].escrow_state, "AWAITING_FUNDING") << n;
    EXPECT_EQ(v[0].settlement_status, "agreed") << n;
  }
  // One hold per monthly invoice: 3 x 10,000 minor units.
  auto fund = event(s, alice, escrow::EventKind::kFund, kT0 + 3000, 1);
  fund.amount = 29'999;
  auto r = c.submit("buyer", sealed(alice, fund, s));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, "escrow_insufficient");
  auto by_seller = event(s, bob, escrow::EventKind::kFund, kT0 + 3000, 2);
  by_seller.amount = 30'000;
  r = c.submit("seller", sealed(bob, by_seller, s));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, "escrow_unauthorized");
  fund = event(s, alice, escrow::EventKind::kFund, kT0 + 3000, 3);
  fund.amount = 30'000;
  r = c.submit("buyer", sealed(alice, fund, s));
  EXPECT_TRUE(r.ok) << r.code << " " << r.detail;
  c.run();
  EXPECT_EQ(c.node("seller").core->contracts()[0].escrow_state, "FUNDED");
  // The buyer accepts delivery of each milestone, alternately through either node.
  for (std::uint32_t m = 0; m < 3; ++m) {
    auto accept = event(s, alice, escrow::EventKind::kAcceptDelivery, kT0 + 4000 + m, static_cast<std::uint8_t>(10 + m));
    accept.milestone = m;
    r = c.submit(m % 2 == 0 ? "buyer" : "seller", sealed(alice, accept, s));
    EXPECT_TRUE(r.ok) << m << " " << r.code << " " << r.detail;
    c.run();
  }
  auto b = c.node("buyer").core->contracts()[0];
  auto sv = c.node("seller").core->contracts()[0];
  EXPECT_EQ(b.escrow_state, "RELEASED");
  EXPECT_EQ(sv.escrow_state, "RELEASED");
  EXPECT_EQ(b.escrow_digest, sv.escrow_digest);
  EXPECT_NE(b.escrow_digest, crypto::Digest{});
  EXPECT_EQ(ledger_count(c.node("buyer"), ledger::EntryKind::kEscrowEvent), 4u);
  EXPECT_EQ(ledger_count(c.node("seller"), ledger::EntryKind::kEscrowEvent), 4u);
  // A replayed event is a duplicate; a restart rebuilds the same escrow.
  r = c.submit("seller", sealed(alice, fund, s));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.detail, "duplicate");
  c.crash_and_restart("seller");
  c.run();
  EXPECT_EQ(c.node("seller").core->contracts()[0].escrow_digest, b.escrow_digest);
  EXPECT_EQ(ledger_count(c.node("seller"), ledger::EntryKind::kEscrowEvent), 4u);
  EXPECT_TRUE(c.node("buyer").alarms.empty());
  EXPECT_TRUE(c.node("seller").alarms.empty());
}

}  // namespace
}  // namespace pactum::node::coretest
