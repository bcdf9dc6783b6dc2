// Goal: mid-term amendments across two nodes (DESIGN.md data flow step 7):
// negotiated like a deal, naming the version in force; anchored, settled and
// receipted on both nodes with the proration deltas computed identically;
// stale, concurrent, foreign and malformed amendments refused on both sides.
#include "tests/node_core/deal_script.h"

namespace pactum::node::coretest {
namespace {

// 2026 days since 1970-01-01: the contract runs Jan..Mar 2026 (monthly).
constexpr std::int32_t kFeb8 = 20'492;   // 21 of February's 28 days left.
constexpr std::int32_t kFeb22 = 20'506;  // 7 of 28 left.
constexpr std::int32_t kMar1 = 20'513;

class AmendmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c.add("buyer", {"seller"});
    c.add("seller", {"buyer"});
    c.start();
    c.tick(kT0);
    c.run();
  }
  void ok(const AgentReply& r) { EXPECT_TRUE(r.ok) << r.code << " " << r.detail; }

  // A base deal: 10.00 EUR x 10 seats a month, Jan..Mar 2026.
  Script base_deal() {
    Script s(alice, bob, "base");
    ok(c.submit("buyer", s.propose(1000, 10, kT0 + 1000)));
    c.run();
    ok(c.submit("seller", s.accept(Role::kSeller, kT0 + 2000)));
    c.run();
    return s;
  }
  // An amendment negotiation of `base`'s contract version `in_force`.
  Script amendment(const std::string& name, const Script& first, const crypto::Digest& in_force, std::int32_t day) {
    Script s(alice, bob, name);
    s.amends = protocol::AmendmentRef{first.id, in_force, day};
    return s;
  }
  const ContractView* view(const std::string& node, const crypto::Digest& neg) {
    views[node] = c.node(node).core->contracts();
    return contract_of(views[node], neg);
  }

  Cluster c;
  Agent alice = testing::make_agent("alice", "buyer", Role::kBuyer, {testing::public_from_name("org:seller")}, kT0);
  Agent bob = testing::make_agent("bob", "seller", Role::kSeller, {testing::public_from_name("org:buyer")}, kT0);
  std::map<std::string, std::vector<ContractView>> views;
};

TEST_F(AmendmentTest, QuantityChangeThenUpgradeSettleIdenticallyOnBothNodes) {
  Script base = base_deal();
  // Version 1: 15 seats from Feb 8: 5 seats x 10.00 x 21/28 = 37.50 prorated.
  Script more = amendment("more-seats", base, base.table_terms, kFeb8);
  ok(c.submit("buyer", more.propose(1000, 15, kT0 + 3000)));
  c.run();
  ok(c.submit("seller", more.accept(Role::kSeller, kT0 + 4000)));
  c.run();
  // Version 2, proposed by the seller: 12.00 from Feb 22: credit 15 x 10.00 x
  // 7/28 = 37.50, charge 15 x 12.00 x 7/28 = 45.00.
  Script price = amendment("price", base, more.table_terms, kFeb22);
  ok(c.submit("seller", price.next(NegEvent::kPropose, Role::kSeller, 1200, 15, kT0 + 5000)));
  c.run();
  ok(c.submit("buyer", price.accept(Role::kBuyer, kT0 + 6000)));
  c.run();

  for (const std::string node : {"buyer", "seller"}) {
    const ContractView* v0 = view(node, base.id);
    ASSERT_NE(v0, nullptr) << node;
    EXPECT_EQ(v0->invoiced_total_minor, 3 * 10000) << node;  // The base version alone.
    const ContractView* v1 = contract_of(views[node], more.id);
    const ContractView* v2 = contract_of(views[node], price.id);
    ASSERT_NE(v1, nullptr) << node;
    ASSERT_NE(v2, nullptr) << node;
    // Jan 100.00 + Feb 100.00 + 37.50 + Mar 15 x 10.00.
    EXPECT_EQ(v1->invoiced_total_minor, 10000 + 10000 + 3750 + 15000) << node;
    // Jan 100.00 + Feb 100.00 + 37.50 + (45.00 - 37.50) + Mar 15 x 12.00.
    EXPECT_EQ(v2->invoiced_total_minor, 10000 + 10000 + 3750 + 750 + 18000) << node;
    for (const ContractView* v : {v0, v1, v2}) {
      EXPECT_EQ(v->settlement_status, "agreed") << node;
      EXPECT_TRUE(v->peer_anchored) << node;
      EXPECT_EQ(v->settlement_digest, v->peer_settlement_digest) << node;
    }
  }
  EXPECT_EQ(contract_of(views["buyer"], price.id)->settlement_digest,
            contract_of(views["seller"], price.id)->settlement_digest);
  EXPECT_EQ(ledger_count(c.node("buyer"), ledger::EntryKind::kContractAnchor), 3u);
  EXPECT_EQ(count_alarms(c.node("buyer"), "settlement-divergence"), 0u);

  // A restart rebuilds the chain from the ledger: same contracts, same digests.
  const crypto::Digest before = contract_of(views["seller"], price.id)->settlement_digest;
  c.crash_and_restart("seller");
  c.run();
  const ContractView* again = view("seller", price.id);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->settlement_digest, before);
  EXPECT_EQ(again->invoiced_total_minor, 42500);
  // And the next amendment must still name version 2.
  Script stale = amendment("stale-after-restart", base, more.table_terms, kMar1);
  auto r = c.submit("seller", stale.next(NegEvent::kPropose, Role::kSeller, 1300, 15, kT0 + 7000));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, "stale_message") << r.detail;
}

TEST_F(AmendmentTest, CancellationEndsServiceWithProratedRefund) {
  Script base = base_deal();
  // Cancel from Feb 22 with a prorated refund of 10 x 10.00 x 7/28 = 25.00.
  Script cancel = amendment("cancel", base, base.table_terms, kFeb22);
  cancel.amends->cancel_refund_prorated = true;
  cancel.extras.end_day = kFeb22;
  ok(c.submit("buyer", cancel.propose(1000, 10, kT0 + 3000)));
  c.run();
  ok(c.submit("seller", cancel.accept(Role::kSeller, kT0 + 4000)));
  c.run();
  for (const std::string node : {"buyer", "seller"}) {
    const ContractView* v = view(node, cancel.id);
    ASSERT_NE(v, nullptr) << node;
    EXPECT_EQ(v->invoiced_total_minor, 10000 + 10000 - 2500) << node;  // No March invoice.
    EXPECT_EQ(v->settlement_status, "agreed") << node;
  }
}

TEST_F(AmendmentTest, RefusesStaleConcurrentForeignAndOverreachingAmendments) {
  Script base = base_deal();
  // An unknown contract.
  Script ghost(alice, bob, "ghost");
  ghost.amends = protocol::AmendmentRef{crypto::sha256(as_bytes("no such contract")), base.table_terms, kFeb8};
  std::fill(ghost.amends->base_contract_id.begin() + 16, ghost.amends->base_contract_id.end(), 0);
  auto r = c.submit("buyer", ghost.propose(1000, 12, kT0 + 3000));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, "unlinked_message") << r.detail;
  // Anything but price, quantity or a cancelling endDay: here the term's start.
  Script reach = amendment("reach", base, base.table_terms, kFeb8);
  reach.extras.start_day = kFeb8;
  r = c.submit("buyer", reach.propose(1000, 12, kT0 + 3000));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("amendment.other_terms"), std::string::npos) << r.detail;
  // Effective after the term.
  Script late = amendment("late", base, base.table_terms, 20'600);
  r = c.submit("buyer", late.propose(1000, 12, kT0 + 3000));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, "bad_date") << r.detail;
  // One amendment open at a time: the seller's own attempt is refused at its
  // node while the buyer's is open there.
  Script first = amendment("first", base, base.table_terms, kFeb8);
  ok(c.submit("buyer", first.propose(1000, 12, kT0 + 3000)));
  c.run();
  Script second = amendment("second", base, base.table_terms, kFeb8);
  r = c.submit("seller", second.next(NegEvent::kPropose, Role::kSeller, 1100, 10, kT0 + 3500));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, "conflicting_message") << r.detail;
  EXPECT_NE(r.detail.find("amendment.in_progress"), std::string::npos) << r.detail;
  // Once the first is rejected, the contract can be amended again.
  ok(c.submit("seller", first.next(NegEvent::kReject, Role::kSeller, 0, 0, kT0 + 4000)));
  c.run();
  Script third = amendment("third", base, base.table_terms, kFeb8);
  ok(c.submit("buyer", third.propose(1000, 12, kT0 + 5000)));
  c.run();
  ok(c.submit("seller", third.accept(Role::kSeller, kT0 + 6000)));
  c.run();
  const ContractView* v = view("seller", third.id);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->settlement_status, "agreed");
  // 2 more seats from Feb 8: 2 x 10.00 x 21/28 = 15.00; March 12 seats.
  EXPECT_EQ(v->invoiced_total_minor, 10000 + 10000 + 1500 + 12000);
  // The base version is no longer in force.
  Script stale = amendment("stale", base, base.table_terms, kMar1);
  r = c.submit("buyer", stale.propose(1000, 14, kT0 + 7000));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, "stale_message") << r.detail;
  // A partner's message naming a stale version is refused there too.
  EXPECT_EQ(c.node("seller").core->contracts().size(), 2u);
}

// Both sides propose an amendment of the same version before either hears of
// the other's: each node refuses the partner's, so neither can be accepted
// and the nodes never hold different versions in force.
TEST_F(AmendmentTest, CrossingAmendmentsAreRefusedByEachOtherNode) {
  Script base = base_deal();
  Script mine = amendment("buyer-side", base, base.table_terms, kFeb8);
  Script theirs = amendment("seller-side", base, base.table_terms, kFeb8);
  ok(c.submit("buyer", mine.propose(1000, 12, kT0 + 3000)));
  ok(c.submit("seller", theirs.next(NegEvent::kPropose, Role::kSeller, 1100, 10, kT0 + 3000)));
  c.run();
  auto refused = [&](const std::string& node, const crypto::Digest& neg) {
    for (const auto& n : c.node(node).notices) {
      if (n.negotiation_id == neg && n.type == "refused" && n.detail.find("amendment.in_progress") != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(refused("seller", mine.id));
  EXPECT_TRUE(refused("buyer", theirs.id));
  // Each sending node hears why, signed by the refusing node, and tells its agent.
  auto told = [&](const std::string& node, const crypto::Digest& neg) {
    for (const auto& n : c.node(node).notices) {
      if (n.negotiation_id == neg && n.type == "peer-refused" &&
          n.detail.find("conflicting_message: amendment.in_progress") != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(told("buyer", mine.id));
  EXPECT_TRUE(told("seller", theirs.id));
  auto r = c.submit("seller", mine.accept(Role::kSeller, kT0 + 4000));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, "unlinked_message") << r.detail;
  c.run();
  EXPECT_EQ(view("buyer", mine.id), nullptr);
  EXPECT_EQ(view("seller", theirs.id), nullptr);
}

}  // namespace
}  // namespace pactum::node::coretest
