// Goal: pin the contract-anchor entry format (docs/node.md): its fields, its
// canonical bytes and its entry id, so no library or code change alters them
// silently. The harness is seeded, so the whole deal is byte-for-byte fixed.
#include "node/core/limits.h"
#include "node/core/node_core.capnp.h"
#include "tests/node_core/deal_script.h"

namespace pactum::node::coretest {
namespace {

TEST(NodeGolden, ContractAnchorEntry) {
  Cluster c(7);
  c.add("buyer", {"seller"});
  c.add("seller", {"buyer"});
  c.start();
  c.tick(kT0);
  c.run();
  Agent alice = testing::make_agent("alice", "buyer", Role::kBuyer, {c.org("seller")}, kT0);
  Agent bob = testing::make_agent("bob", "seller", Role::kSeller, {c.org("buyer")}, kT0);
  Script s(alice, bob, "golden");
  Bytes propose = s.propose(1000, 10, kT0 + 1000);
  ASSERT_TRUE(c.submit("buyer", propose).ok);
  c.run();
  Bytes accept = s.accept(Role::kSeller, kT0 + 2000);
  ASSERT_TRUE(c.submit("seller", accept).ok);
  c.run();
  const testing::FakeLedger::Stored* anchor = nullptr;
  for (const auto& e : c.node("seller").ledger.entries()) {
    if (e.kind == static_cast<std::uint16_t>(ledger::EntryKind::kContractAnchor)) anchor = &e;
  }
  ASSERT_NE(anchor, nullptr);
  // Entry id: SHA-256("pactum/v1/node/anchor-id" || 0x00 || terms hash).
  EXPECT_EQ(anchor->id, protocol::domain_hash(kAnchorIdDomain, s.table_terms));
  auto decoded = protocol::decode<wire::node::ContractAnchor>(anchor->payload);
  ASSERT_TRUE(decoded.has_value());
  auto a = decoded->root();
  EXPECT_EQ(to_hex(protocol::as_span(a.getContractId())), to_hex(ByteSpan(s.id.data(), 16)));
  EXPECT_EQ(to_hex(protocol::as_span(a.getNegotiationId())), to_hex(ByteSpan(s.id.data(), 16)));
  EXPECT_EQ(to_hex(protocol::as_span(a.getTermsHash())), to_hex(s.table_terms));
  ASSERT_TRUE(protocol::terms_hash(a.getTerms()).has_value());
  EXPECT_EQ(*protocol::terms_hash(a.getTerms()), s.table_terms);
  ASSERT_EQ(a.getTranscript().size(), 2u);
  EXPECT_EQ(to_hex(protocol::as_span(a.getTranscript()[0])), to_hex(testing::ids_of(propose).message_hash));
  EXPECT_EQ(to_hex(protocol::as_span(a.getTranscript()[1])), to_hex(testing::ids_of(accept).message_hash));
  EXPECT_EQ(to_hex(protocol::as_span(a.getBuyerOrg())), to_hex(c.org("buyer")));
  EXPECT_EQ(to_hex(protocol::as_span(a.getSellerOrg())), to_hex(c.org("seller")));
  // Both nodes anchor the very same bytes.
  bool same_on_buyer = false;
  for (const auto& e : c.node("buyer").ledger.entries()) same_on_buyer |= e.payload == anchor->payload;
  EXPECT_TRUE(same_on_buyer);
  // Golden: the canonical payload's length and SHA-256.
  EXPECT_EQ(anchor->payload.size(), 592u);
  EXPECT_EQ(to_hex(crypto::sha256(anchor->payload)), "9e3db332f6d09242e6829dc6b6e1ed71b4741b843cf1e10761b93c32ac76097c");
}

}  // namespace
}  // namespace pactum::node::coretest
