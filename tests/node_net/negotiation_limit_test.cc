// Goal: the per-peer limit on open negotiations (transport.h): a Propose from
// a peer at the limit is refused with a typed reason that the peer's
// transport reports, while that peer's other payloads and every other peer
// flow on; and the node core's count (NodeCore::open_negotiations) is exact
// as negotiations open, repeat, are accepted and rejected.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "node/core/testing/testing.h"
#include "node/net/admission.h"
#include "protocol/envelope.h"
#include "tests/node_net/net_fixture.h"

namespace pactum::node::net {
namespace {

using namespace std::chrono_literals;
using testing::Host;
using testing::peer;
using testing::TempDir;

constexpr auto kWait = 10s;

crypto::Digest neg_id(std::uint8_t n) {
  crypto::Digest id{};
  id[0] = n;
  id[15] = 0xA5;  // Ids are 16 bytes on the wire; the rest stays zero.
  return id;
}

// A Propose envelope for negotiation `n` (signed; terms left empty: the
// transport reads only the kind and the id).
Bytes propose(const crypto::SecretKey& agent, std::uint8_t n, std::uint64_t sequence) {
  protocol::EnvelopeBuilder b;
  auto p = b.payload().initPropose();
  crypto::Digest id = neg_id(n);
  p.initContext().setNegotiationId(capnp::Data::Reader(id.data(), 16));
  auto sealed = b.seal(agent, sequence, 1000);
  PACTUM_ASSERT(sealed.has_value());
  return std::move(*sealed);
}

TEST(NegotiationLimit, ProposedNegotiationPeeksOnlyProposes) {
  crypto::SecretKey agent = crypto::SecretKey::generate();
  auto id = proposed_negotiation(propose(agent, 7, 1));
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, neg_id(7));
  // A Counter is not a Propose; garbage and a truncated Propose are nothing.
  protocol::EnvelopeBuilder b;
  b.payload().initCounter().initContext().setNegotiationId(capnp::Data::Reader(neg_id(7).data(), 16));
  auto counter = b.seal(agent, 2, 1000);
  ASSERT_TRUE(counter.has_value());
  EXPECT_FALSE(proposed_negotiation(*counter).has_value());
  EXPECT_FALSE(proposed_negotiation(to_bytes("not an envelope")).has_value());
  Bytes cut = propose(agent, 7, 3);
  cut.resize(cut.size() / 2);
  EXPECT_FALSE(proposed_negotiation(cut).has_value());
  EXPECT_FALSE(proposed_negotiation({}).has_value());
}

// Counts like the core: each distinct proposed id is open until closed.
struct FakeCount {
  std::mutex mu;
  std::map<OrgKey, std::set<crypto::Digest>> open;
  std::size_t count(const OrgKey& peer_key, const crypto::Digest& except) {
    std::lock_guard lock(mu);
    std::size_t n = 0;
    for (const auto& id : open[peer_key]) n += id != except ? 1 : 0;
    return n;
  }
  void add(const OrgKey& peer_key, const Bytes& payload) {
    auto id = proposed_negotiation(payload);
    std::lock_guard lock(mu);
    if (id) open[peer_key].insert(*id);
  }
  void close(const OrgKey& peer_key, std::uint8_t n) {
    std::lock_guard lock(mu);
    open[peer_key].erase(neg_id(n));
  }
};

TEST(NegotiationLimit, PeerAtLimitIsRefusedTypedOthersFlow) {
  auto orgs = testing::make_orgs(3);  // 0 dials 1 and 2; 1 dials 2.
  const auto& seller = orgs[2];       // Holds the limit.
  const auto& hostile = orgs[0];
  const auto& good = orgs[1];
  TempDir ds, dh, dg;
  auto limits = testing::test_limits();
  limits.open_negotiations_max = 3;
  FakeCount fake;
  Host s(seller, ds.path(), {peer(hostile), peer(good)}, limits);
  s.open_negotiations = [&](const OrgKey& p, const crypto::Digest& id) { return fake.count(p, id); };
  ASSERT_TRUE(s.start().has_value());
  Host g(good, dg.path(), {peer(hostile), peer(seller, s.port())});
  ASSERT_TRUE(g.start().has_value());
  Host h(hostile, dh.path(), {peer(good, g.port()), peer(seller, s.port())});
  ASSERT_TRUE(h.start().has_value());

  crypto::SecretKey agent_h = crypto::SecretKey::generate(), agent_g = crypto::SecretKey::generate();
  // The hostile peer opens 5 negotiations, then sends a non-propose and a
  // propose re-sent for negotiation 1 (already open: never refused).
  std::vector<Bytes> from_h;
  for (std::uint8_t n = 1; n <= 5; ++n) from_h.push_back(propose(agent_h, n, n));
  from_h.push_back(to_bytes("a counter, say"));
  from_h.push_back(propose(agent_h, 1, 9));
  // One at a time, so the fake core has counted each delivered propose
  // before the next arrives (as the real core has: on_message is synchronous).
  std::size_t delivered = 0, refusals = 0;
  for (std::size_t i = 0; i < from_h.size(); ++i) {
    ASSERT_TRUE(h.send(seller.key(), from_h[i]).has_value());
    if (i == 3 || i == 4) {
      ++refusals;
      ASSERT_TRUE(h.wait([&] { return h.refused().size() >= refusals; }, kWait)) << i;
      continue;
    }
    ++delivered;
    ASSERT_TRUE(s.wait([&] { return s.count_from(hostile.key()) >= delivered; }, kWait)) << i;
    fake.add(hostile.key(), from_h[i]);
  }
  ASSERT_TRUE(h.wait([&] { return h.refused().size() >= 2; }, kWait));
  auto refused = h.refused();
  ASSERT_EQ(refused.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(refused[i].peer, seller.key());
    EXPECT_EQ(refused[i].seq, 4 + i);
    EXPECT_EQ(refused[i].payload, from_h[3 + i]);
    EXPECT_EQ(refused[i].reason, PayloadRefusal::kOpenNegotiationsLimit);
    EXPECT_EQ(refused[i].detail, "3 open negotiations with us, limit 3; finish or withdraw one first");
  }
  auto got = s.received_from(hostile.key());
  ASSERT_EQ(got.size(), 5u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(got[i].payload, from_h[i]);
  EXPECT_EQ(got[3].payload, from_h[5]);
  EXPECT_EQ(got[4].payload, from_h[6]);

  // Another peer's proposes are not affected by the hostile one's count.
  for (std::uint8_t n = 1; n <= 3; ++n) ASSERT_TRUE(g.send(seller.key(), propose(agent_g, n, n)).has_value());
  ASSERT_TRUE(s.wait([&] { return s.count_from(good.key()) == 3; }, kWait));
  EXPECT_TRUE(g.refused().empty());

  // Refused payloads are acknowledged like any other: the outbox drains.
  ASSERT_TRUE(h.wait([&] { return h.peer_stats(seller.key()).queued_frames == 0; }, kWait));
  EXPECT_EQ(s.peer_stats(hostile.key()).refused_in, 2u);
  EXPECT_EQ(h.peer_stats(seller.key()).refused_out, 2u);
  EXPECT_EQ(s.peer_stats(hostile.key()).delivered, 5u);
  EXPECT_EQ(s.peer_stats(good.key()).refused_in, 0u);
  // No connection was closed for it.
  for (const auto& c : s.closed()) EXPECT_NE(c.peer, hostile.key()) << close_reason_name(c.reason);

  // Once one negotiation ends, the peer may open another.
  fake.close(hostile.key(), 2);
  Bytes sixth = propose(agent_h, 6, 10);
  ASSERT_TRUE(h.send(seller.key(), sixth).has_value());
  ASSERT_TRUE(s.wait([&] { return s.count_from(hostile.key()) == 6; }, kWait));
  EXPECT_EQ(s.received_from(hostile.key()).back().payload, sixth);
  EXPECT_EQ(h.refused().size(), 2u);
}

TEST(NegotiationLimit, LimitZeroOrNoCounterMeansNoLimit) {
  auto orgs = testing::make_orgs(2);
  TempDir d0, d1;
  auto limits = testing::test_limits();
  limits.open_negotiations_max = 0;
  Host s(orgs[1], d1.path(), {peer(orgs[0])}, limits);
  s.open_negotiations = [](const OrgKey&, const crypto::Digest&) { return std::size_t{1'000'000}; };
  ASSERT_TRUE(s.start().has_value());
  Host h(orgs[0], d0.path(), {peer(orgs[1], s.port())});
  ASSERT_TRUE(h.start().has_value());
  crypto::SecretKey agent = crypto::SecretKey::generate();
  for (std::uint8_t n = 1; n <= 4; ++n) ASSERT_TRUE(h.send(orgs[1].key(), propose(agent, n, n)).has_value());
  ASSERT_TRUE(s.wait([&] { return s.count_from(orgs[0].key()) == 4; }, kWait));
  EXPECT_TRUE(h.refused().empty());
}

TEST(NegotiationLimit, ConfigAboveMaximumIsRefused) {
  auto orgs = testing::make_orgs(1);
  TempDir d;
  auto limits = testing::test_limits();
  limits.open_negotiations_max = kOpenNegotiationsPerPeerMax + 1;
  Host s(orgs[0], d.path(), {}, limits);
  auto r = s.start();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kBadConfig);
}

// The node core's count, driven through the in-memory harness: two buyers
// propose to one seller; the seller counts per buyer, except the id asked
// about, and forgets negotiations once accepted or rejected.
TEST(NegotiationLimit, CoreCountsOpenNegotiationsPerPeer) {
  using node::testing::Cluster;
  Cluster c;
  c.add("seller", {"buyer1", "buyer2"});
  c.add("buyer1", {"seller"});
  c.add("buyer2", {"seller"});
  c.start();
  const std::int64_t t0 = 1'767'225'600'000;
  c.tick(t0);
  auto b1 = node::testing::make_agent("b1", "buyer1", protocol::Role::kBuyer, {c.org("seller")}, t0);
  auto b2 = node::testing::make_agent("b2", "buyer2", protocol::Role::kBuyer, {c.org("seller")}, t0);
  auto s1 = node::testing::make_agent("s1", "seller", protocol::Role::kSeller,
                                      {c.org("buyer1"), c.org("buyer2")}, t0);
  struct Opened {
    crypto::Digest id{};
    crypto::Digest head{}, terms{};
  };
  auto open = [&](node::testing::Agent& a, const std::string& node_name, std::uint8_t n, bool first) {
    protocol::MessageSpec s;
    s.kind = protocol::NegEvent::kPropose;
    s.negotiation_id = neg_id(n);
    s.round = 1;
    s.buyer_org = a.org;
    s.seller_org = c.org("seller");
    s.offer = protocol::Offer{"widget", "EUR", 1000, 3, 3000};
    s.expires_ms = t0 + 86'400'000;
    Bytes m = node::testing::agent_message(a, s, first, t0);
    EXPECT_TRUE(c.submit(node_name, m).ok);
    auto ids = node::testing::ids_of(m);
    return Opened{s.negotiation_id, ids.message_hash, ids.terms_hash};
  };
  std::vector<Opened> by1;
  for (std::uint8_t n = 1; n <= 3; ++n) by1.push_back(open(b1, "buyer1", n, n == 1));
  Opened by2 = open(b2, "buyer2", 10, true);
  c.run();
  NodeCore& seller = *c.node("seller").core;
  EXPECT_EQ(seller.open_negotiations(c.org("buyer1"), {}), 3u);
  EXPECT_EQ(seller.open_negotiations(c.org("buyer1"), neg_id(2)), 2u);
  EXPECT_EQ(seller.open_negotiations(c.org("buyer1"), neg_id(10)), 3u);
  EXPECT_EQ(seller.open_negotiations(c.org("buyer2"), {}), 1u);
  EXPECT_EQ(seller.open_negotiations(c.org("seller"), {}), 0u);
  // The buyer's node counts the same negotiations from its side.
  EXPECT_EQ(c.node("buyer1").core->open_negotiations(c.org("seller"), {}), 3u);

  // The seller accepts negotiation 1 and rejects negotiation 3.
  auto answer = [&](const Opened& o, protocol::NegEvent kind, bool first) {
    protocol::MessageSpec s;
    s.kind = kind;
    s.negotiation_id = o.id;
    s.prev_hash = o.head;
    s.round = 2;
    s.buyer_org = b1.org;
    s.seller_org = c.org("seller");
    s.terms_hash = o.terms;
    Bytes m = node::testing::agent_message(s1, s, first, t0 + 1000);
    auto r = c.submit("seller", m);
    EXPECT_TRUE(r.ok) << r.code << ": " << r.detail;
  };
  answer(by1[0], protocol::NegEvent::kAccept, true);
  answer(by1[2], protocol::NegEvent::kReject, false);
  c.run();
  EXPECT_EQ(seller.open_negotiations(c.org("buyer1"), {}), 1u);
  EXPECT_EQ(seller.open_negotiations(c.org("buyer1"), neg_id(2)), 0u);
  EXPECT_EQ(seller.open_negotiations(c.org("buyer2"), {}), 1u);
  EXPECT_EQ(c.node("buyer1").core->open_negotiations(c.org("seller"), {}), 1u);
  (void)by2;
}

}  // namespace
}  // namespace pactum::node::net
