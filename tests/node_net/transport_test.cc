// Goal: real transports on loopback exchange payloads both ways exactly once
// and in order, refuse non-partners at the handshake, survive hostile frames,
// restarts and a hung peer, as transport.h promises.
#include <gtest/gtest.h>

#include "node/net/frame.h"
#include "node/net/limits.h"
#include "tests/node_net/net_fixture.h"

namespace pactum::node::net {
namespace {

using namespace std::chrono_literals;
using testing::Host;
using testing::Org;
using testing::peer;
using testing::TempDir;

constexpr auto kWait = 10s;

Bytes payload(const std::string& tag, std::size_t i, std::size_t size = 0) {
  Bytes b = to_bytes(tag + "#" + std::to_string(i));
  if (b.size() < size) b.resize(size, static_cast<std::uint8_t>(i));
  return b;
}

// Every payload from `from` arrived once, in order.
void expect_exactly(Host& host, const Org& from, const std::string& tag, std::size_t n) {
  auto got = host.received_from(from.key());
  ASSERT_EQ(got.size(), n);
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(got[i].payload, payload(tag, i)) << i;
}

TEST(Transport, TwoNodesExchangeBothWaysExactlyOnceInOrder) {
  auto orgs = testing::make_orgs(2);
  TempDir d0, d1;
  Host b(orgs[1], d1.path(), {peer(orgs[0])});
  ASSERT_TRUE(b.start().has_value());
  Host a(orgs[0], d0.path(), {peer(orgs[1], b.port())});
  ASSERT_TRUE(a.start().has_value());
  constexpr std::size_t kN = 200;
  for (std::size_t i = 0; i < kN; ++i) {
    ASSERT_TRUE(a.send(orgs[1].key(), payload("a", i, i * 13)).has_value());
    ASSERT_TRUE(b.send(orgs[0].key(), payload("b", i, i * 7)).has_value());
  }
  ASSERT_TRUE(b.wait([&] { return b.count_from(orgs[0].key()) >= kN; }, kWait));
  ASSERT_TRUE(a.wait([&] { return a.count_from(orgs[1].key()) >= kN; }, kWait));
  // Acks drain both outboxes.
  ASSERT_TRUE(a.wait([&] { return a.peer_stats(orgs[1].key()).queued_frames == 0; }, kWait));
  ASSERT_TRUE(b.wait([&] { return b.peer_stats(orgs[0].key()).queued_frames == 0; }, kWait));
  auto from_a = b.received_from(orgs[0].key());
  ASSERT_EQ(from_a.size(), kN);
  for (std::size_t i = 0; i < kN; ++i) EXPECT_EQ(from_a[i].payload, payload("a", i, i * 13));
  auto got = a.received_from(orgs[1].key());
  ASSERT_EQ(got.size(), kN);
  for (std::size_t i = 0; i < kN; ++i) EXPECT_EQ(got[i].payload, payload("b", i, i * 7));
  auto sa = a.peer_stats(orgs[1].key());
  EXPECT_EQ(sa.state, PeerState::kConnected);
  EXPECT_EQ(sa.delivered, kN);
  EXPECT_EQ(sa.duplicates, 0u);
  EXPECT_EQ(sa.connects, 1u);
}

TEST(Transport, ThreeNodesFullMesh) {
  auto orgs = testing::make_orgs(3);
  TempDir d0, d1, d2;
  Host c(orgs[2], d2.path(), {peer(orgs[0]), peer(orgs[1])});
  ASSERT_TRUE(c.start().has_value());
  Host b(orgs[1], d1.path(), {peer(orgs[0]), peer(orgs[2], c.port())});
  ASSERT_TRUE(b.start().has_value());
  Host a(orgs[0], d0.path(), {peer(orgs[1], b.port()), peer(orgs[2], c.port())});
  ASSERT_TRUE(a.start().has_value());
  std::vector<Host*> hosts{&a, &b, &c};
  constexpr std::size_t kN = 50;
  for (std::size_t i = 0; i < kN; ++i) {
    for (std::size_t s = 0; s < 3; ++s) {
      for (std::size_t r = 0; r < 3; ++r) {
        if (s == r) continue;
        ASSERT_TRUE(hosts[s]->send(orgs[r].key(), payload(orgs[s].name + ">" + orgs[r].name, i)));
      }
    }
  }
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t s = 0; s < 3; ++s) {
      if (s == r) continue;
      ASSERT_TRUE(hosts[r]->wait([&] { return hosts[r]->count_from(orgs[s].key()) >= kN; }, kWait));
    }
  }
  std::this_thread::sleep_for(100ms);  // Any duplicate would land now.
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t s = 0; s < 3; ++s) {
      if (s != r) expect_exactly(*hosts[r], orgs[s], orgs[s].name + ">" + orgs[r].name, kN);
    }
  }
}

// An org that is not a partner, with a key smaller than `than` (so it dials).
Org stranger_smaller_than(const Org& than) {
  for (;;) {
    Org o = testing::make_org("stranger");
    if (o.key() < than.key()) return o;
  }
}

TEST(Transport, UnknownOrgRefusedAtHandshakeBothDirections) {
  auto orgs = testing::make_orgs(1);
  Org stranger = stranger_smaller_than(orgs[0]);
  TempDir d0, ds;
  Host a(orgs[0], d0.path(), {});  // No partners at all: the stranger is unknown.
  ASSERT_TRUE(a.start().has_value());
  Host s(stranger, ds.path(), {peer(orgs[0], a.port())});  // It trusts A and dials.
  ASSERT_TRUE(s.start().has_value());
  ASSERT_TRUE(s.send(orgs[0].key(), to_bytes("let me in")).has_value());
  ASSERT_TRUE(a.wait([&] { return a.stats().refused >= 2; }, kWait));  // It keeps retrying.
  bool typed = false;
  for (const auto& c : a.closed()) typed = typed || c.reason == CloseReason::kUnknownOrg;
  EXPECT_TRUE(typed);
  EXPECT_NE(s.peer_stats(orgs[0].key()).state, PeerState::kConnected);
  EXPECT_EQ(s.peer_stats(orgs[0].key()).queued_frames, 1u);
  EXPECT_EQ(a.count_from(stranger.key()), 0u);
  for (auto st : s.states_of(orgs[0].key())) EXPECT_NE(st, PeerState::kConnected);

  // The other direction: A trusts the stranger's org but not vice versa; A
  // dials a node whose Hello A accepts, but the stranger refuses A's Hello.
  Org big = testing::make_org("big");
  while (big.key() < orgs[0].key()) big = testing::make_org("big");
  TempDir db, d2;
  Host listener(big, db.path(), {});  // Trusts nobody.
  ASSERT_TRUE(listener.start().has_value());
  Host dialer(orgs[0], d2.path(), {peer(big, listener.port())});
  ASSERT_TRUE(dialer.start().has_value());
  ASSERT_TRUE(listener.wait([&] { return listener.stats().refused >= 1; }, kWait));
  EXPECT_NE(dialer.peer_stats(big.key()).state, PeerState::kConnected);
}

// A partner's raw client that completed the handshake with `a`.
std::unique_ptr<testing::RawClient> admitted_raw(const Org& who, Host& a) {
  auto raw = std::make_unique<testing::RawClient>(who, a.port());
  EXPECT_TRUE(raw->connected());
  raw->write(*encode_hello(who.node_certificate, {}, 99));
  auto hello = raw->read_frame(5s);  // A answers with its own Hello once it admits us.
  EXPECT_TRUE(hello.has_value());
  return raw;
}

TEST(Transport, HostileFramesCloseOnlyThatConnection) {
  auto orgs = testing::make_orgs(3);  // orgs[0] plays the raw hostile partner.
  TempDir d1, d2;
  TransportLimits limits = testing::test_limits();
  limits.frames_burst = 50;
  limits.frames_per_second = 10;
  Host c(orgs[2], d2.path(), {peer(orgs[1])});  // The healthy peer; A (smaller key) dials it.
  ASSERT_TRUE(c.start().has_value());
  Host a2(orgs[1], d1.path(), {peer(orgs[0]), peer(orgs[2], c.port())}, limits);
  ASSERT_TRUE(a2.start().has_value());

  auto exchange = [&](const std::string& tag, std::size_t n) {
    const std::size_t before = c.count_from(orgs[1].key());
    for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(a2.send(orgs[2].key(), payload(tag, i)));
    ASSERT_TRUE(c.wait([&] { return c.count_from(orgs[1].key()) >= before + n; }, kWait));
  };
  exchange("warmup", 5);

  struct Case {
    std::string name;
    Bytes bytes;
    CloseReason reason;
  };
  Bytes hb = *encode_heartbeat(1);
  Bytes noncanonical = hb;
  noncanonical.insert(noncanonical.end(), 8, 0);
  noncanonical[3] = static_cast<std::uint8_t>(noncanonical[3] + 8);
  std::vector<Case> cases{
      {"oversized length", Bytes{0x7f, 0xff, 0xff, 0xff}, CloseReason::kFrameTooLarge},
      {"garbage", Bytes{0, 0, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
       CloseReason::kBadFrame},
      {"non-canonical", noncanonical, CloseReason::kBadFrame},
      {"second hello", *encode_hello(orgs[0].node_certificate, {}, 99), CloseReason::kBadFrame},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    const std::size_t closes_before = a2.closed().size();
    auto raw = admitted_raw(orgs[0], a2);
    raw->write(k.bytes);
    EXPECT_TRUE(raw->wait_closed(5s));
    ASSERT_TRUE(a2.wait([&] { return a2.closed().size() > closes_before; }, kWait));
    EXPECT_EQ(a2.closed().back().reason, k.reason) << a2.closed().back().detail;
    exchange(k.name, 5);  // C is unaffected.
    EXPECT_EQ(a2.peer_stats(orgs[2].key()).connects, 1u);
  }
  // Garbage instead of a Hello is refused at the handshake.
  testing::RawClient raw(orgs[0], a2.port());
  ASSERT_TRUE(raw.connected());
  raw.write(Bytes{0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_TRUE(raw.wait_closed(5s));
  ASSERT_TRUE(a2.wait([&] { return a2.closed().back().reason == CloseReason::kBadHello; }, kWait));
  exchange("after", 5);
}

// A partner sending faster than frames_per_second is slowed down, not cut
// off: reads pause while its token bucket refills, every payload arrives in
// order, the connection stays up, and the pacing shows in the time taken.
TEST(Transport, APeerPastTheFrameRateIsPacedNotDisconnected) {
  auto orgs = testing::make_orgs(2);
  TempDir d;
  TransportLimits limits = testing::test_limits();
  limits.frames_burst = 20;
  limits.frames_per_second = 200;
  Host a(orgs[1], d.path(), {peer(orgs[0])}, limits);
  ASSERT_TRUE(a.start().has_value());
  auto raw = admitted_raw(orgs[0], a);  // Its Hello took one token.
  constexpr std::size_t kFrames = 100;
  Bytes storm;
  for (std::size_t i = 0; i < kFrames; ++i) append(storm, *encode_deliver(i + 1, payload("paced", i)));
  const auto start = std::chrono::steady_clock::now();
  raw->write(storm);
  ASSERT_TRUE(a.wait([&] { return a.count_from(orgs[0].key()) >= kFrames; }, kWait));
  const auto took = std::chrono::steady_clock::now() - start;
  // 19 frames ride the burst; the other 81 wait for 200 tokens a second.
  EXPECT_GE(took, std::chrono::milliseconds((kFrames - 19) * 1000 / 200));
  auto got = a.received_from(orgs[0].key());
  ASSERT_EQ(got.size(), kFrames);
  for (std::size_t i = 0; i < kFrames; ++i) EXPECT_EQ(got[i].payload, payload("paced", i));
  EXPECT_GT(a.peer_stats(orgs[0].key()).rate_pauses, 0u);
  EXPECT_EQ(a.peer_stats(orgs[0].key()).connects, 1u);
  EXPECT_TRUE(a.closed().empty());
  EXPECT_EQ(a.stats().closed_bad_frame, 0u);
}

TEST(Transport, QueuedMessagesSurviveRestartAndArriveExactlyOnce) {
  auto orgs = testing::make_orgs(2);
  TempDir d0, d1;
  std::uint16_t port = 0;
  {
    Host b(orgs[1], d1.path(), {peer(orgs[0])});
    ASSERT_TRUE(b.start().has_value());
    port = b.port();
    Host a(orgs[0], d0.path(), {peer(orgs[1], port)});
    ASSERT_TRUE(a.start().has_value());
    ASSERT_TRUE(a.send(orgs[1].key(), payload("m", 0)).has_value());
    ASSERT_TRUE(b.wait([&] { return b.count_from(orgs[0].key()) == 1; }, kWait));
    b.stop();  // B goes down; A queues.
    for (std::size_t i = 1; i <= 50; ++i) ASSERT_TRUE(a.send(orgs[1].key(), payload("m", i)));
    EXPECT_EQ(a.peer_stats(orgs[1].key()).queued_frames, 50u);
    a.stop();  // A restarts too, with 50 undelivered payloads in its outbox.
  }
  Host a(orgs[0], d0.path(), {peer(orgs[1], port)});
  ASSERT_TRUE(a.start().has_value());
  EXPECT_EQ(a.peer_stats(orgs[1].key()).queued_frames, 50u);
  Host b(orgs[1], d1.path(), {peer(orgs[0])}, testing::test_limits(), port);
  ASSERT_TRUE(b.start().has_value());
  ASSERT_TRUE(b.wait([&] { return b.count_from(orgs[0].key()) >= 50; }, kWait));
  ASSERT_TRUE(a.wait([&] { return a.peer_stats(orgs[1].key()).queued_frames == 0; }, kWait));
  std::this_thread::sleep_for(200ms);
  auto got = b.received_from(orgs[0].key());
  ASSERT_EQ(got.size(), 50u);  // Payload 0 was deduped by the persisted mark.
  for (std::size_t i = 0; i < 50; ++i) EXPECT_EQ(got[i].payload, payload("m", i + 1));
  EXPECT_EQ(b.peer_stats(orgs[0].key()).delivered, 50u);
}

TEST(Transport, DuplicatesAfterRestartAreDroppedByPersistedMarks) {
  // A delivers, then restarts before its acks reach the outbox (flush is
  // lazy), so it re-sends what B already has: B must not deliver it again.
  auto orgs = testing::make_orgs(2);
  TempDir d0, d1;
  Host b(orgs[1], d1.path(), {peer(orgs[0])});
  ASSERT_TRUE(b.start().has_value());
  std::vector<std::pair<OrgKey, Bytes>> batch;
  for (std::size_t i = 0; i < 100; ++i) batch.emplace_back(orgs[1].key(), payload("d", i));
  for (int round = 0; round < 3; ++round) {
    Host a(orgs[0], d0.path(), {peer(orgs[1], b.port())});
    ASSERT_TRUE(a.start().has_value());
    if (round == 0) {
      ASSERT_TRUE(a.send_many(batch).has_value());
    }
    ASSERT_TRUE(b.wait([&] { return b.count_from(orgs[0].key()) >= 100; }, kWait));
    std::this_thread::sleep_for(50ms);
  }
  expect_exactly(b, orgs[0], "d", 100);
}

TEST(Transport, HungPeerDoesNotStallAnother) {
  auto orgs = testing::make_orgs(3);  // A = orgs[0] dials the hung B and the healthy C.
  TempDir d0, d1, d2;
  TransportLimits limits = testing::test_limits();
  limits.queued_bytes_max = 24 << 20;
  limits.idle_timeout = 20s;  // Keep the hung connection open for the whole test.
  Host b(orgs[1], d1.path(), {peer(orgs[0])}, limits);
  ASSERT_TRUE(b.start().has_value());
  Host c(orgs[2], d2.path(), {peer(orgs[0])}, limits);
  ASSERT_TRUE(c.start().has_value());
  Host a(orgs[0], d0.path(), {peer(orgs[1], b.port()), peer(orgs[2], c.port())}, limits);
  ASSERT_TRUE(a.start().has_value());
  ASSERT_TRUE(a.wait([&] {
    return a.peer_stats(orgs[1].key()).state == PeerState::kConnected &&
           a.peer_stats(orgs[2].key()).state == PeerState::kConnected;
  }, kWait));
  b.freeze();  // B stops reading: its socket buffers fill, then A's write to it stalls.
  const Bytes big(1 << 20, 0xB1);
  std::size_t accepted = 0;
  Result<std::uint64_t> r = std::uint64_t{0};
  for (int i = 0; i < 40 && r; ++i) {
    r = a.send(orgs[1].key(), big);
    if (r) ++accepted;
  }
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kPeerOverloaded);
  EXPECT_EQ(accepted, 24u);  // Exactly queued_bytes_max of unacknowledged payload.
  // Meanwhile C exchanges with A both ways.
  for (std::size_t i = 0; i < 100; ++i) {
    ASSERT_TRUE(a.send(orgs[2].key(), payload("c", i)));
    ASSERT_TRUE(c.send(orgs[0].key(), payload("r", i)));
  }
  ASSERT_TRUE(c.wait([&] { return c.count_from(orgs[0].key()) >= 100; }, kWait));
  ASSERT_TRUE(a.wait([&] { return a.count_from(orgs[2].key()) >= 100; }, kWait));
  expect_exactly(c, orgs[0], "c", 100);
  EXPECT_EQ(b.count_from(orgs[0].key()), 0u);
}

TEST(Transport, ReconnectsAfterPeerRestart) {
  auto orgs = testing::make_orgs(2);
  TempDir d0, d1;
  auto b = std::make_unique<Host>(orgs[1], d1.path(), std::vector<PeerConfig>{peer(orgs[0])});
  ASSERT_TRUE(b->start().has_value());
  const std::uint16_t port = b->port();
  Host a(orgs[0], d0.path(), {peer(orgs[1], port)});
  ASSERT_TRUE(a.start().has_value());
  ASSERT_TRUE(a.send(orgs[1].key(), payload("x", 0)).has_value());
  ASSERT_TRUE(b->wait([&] { return b->count_from(orgs[0].key()) == 1; }, kWait));
  b.reset();  // B goes away.
  ASSERT_TRUE(a.wait([&] { return a.peer_stats(orgs[1].key()).state != PeerState::kConnected; }, kWait));
  for (std::size_t i = 1; i <= 10; ++i) ASSERT_TRUE(a.send(orgs[1].key(), payload("x", i)));
  std::this_thread::sleep_for(300ms);  // A fails to dial and backs off meanwhile.
  auto states = a.states_of(orgs[1].key());
  EXPECT_NE(std::find(states.begin(), states.end(), PeerState::kBackoff), states.end());
  b = std::make_unique<Host>(orgs[1], d1.path(), std::vector<PeerConfig>{peer(orgs[0])},
                             testing::test_limits(), port);
  ASSERT_TRUE(b->start().has_value());
  ASSERT_TRUE(b->wait([&] { return b->count_from(orgs[0].key()) >= 10; }, kWait));
  ASSERT_TRUE(b->send(orgs[0].key(), to_bytes("back")).has_value());
  ASSERT_TRUE(a.wait([&] { return a.count_from(orgs[1].key()) == 1; }, kWait));
  auto got = b->received_from(orgs[0].key());
  ASSERT_EQ(got.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(got[i].payload, payload("x", i + 1));
  EXPECT_EQ(a.peer_stats(orgs[1].key()).connects, 2u);
}

TEST(Transport, RefusesBadInputToSendAndStart) {
  auto orgs = testing::make_orgs(2);
  TempDir d0;
  Host a(orgs[0], d0.path(), {peer(orgs[1])});
  ASSERT_TRUE(a.start().has_value());
  EXPECT_EQ(a.send(orgs[0].key(), to_bytes("self")).error().code, Errc::kNotFound);
  EXPECT_EQ(a.send(orgs[1].key(), Bytes(kPayloadBytesMax + 1)).error().code,
            Errc::kMessageTooLarge);
  // A node certificate that is not ours is a configuration error at start.
  TempDir d1;
  Org impostor = testing::make_org("impostor");
  impostor.node_certificate = orgs[1].node_certificate;
  Host bad(impostor, d1.path(), {});
  auto started = bad.start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, Errc::kBadConfig);
}

}  // namespace
}  // namespace pactum::node::net
