// Goal: the outbox keeps queued payloads, sequence numbers, stream id and
// dedupe marks across reopen exactly; admission accepts exactly a partner's
// valid NodeCertificate for the TLS key and names the reason for every refusal.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "node/net/admission.h"
#include "node/net/outbox.h"
#include "protocol/protocol.h"
#include "tests/node_net/net_fixture.h"

namespace pactum::node::net {
namespace {

using testing::Org;
using testing::TempDir;
using testing::key_of;

TEST(Outbox, AppendsAcksAndReopens) {
  TempDir dir;
  const OrgKey a = key_of(1), b = key_of(2);
  std::uint64_t stream = 0;
  {
    auto box = Outbox::open(dir.path());
    ASSERT_TRUE(box.has_value()) << box.error().to_string();
    stream = (*box)->stream_id();
    EXPECT_NE(stream, 0u);
    auto seqs = (*box)->append({{a, as_bytes("a1")}, {b, as_bytes("b1")}, {a, as_bytes("a2")},
                                {a, as_bytes("a3")}});
    ASSERT_TRUE(seqs.has_value());
    EXPECT_EQ(*seqs, (std::vector<std::uint64_t>{1, 1, 2, 3}));
    ASSERT_TRUE((*box)->ack(a, 2).has_value());
    ASSERT_TRUE((*box)->set_inbound({{b, {77, 5}}}).has_value());
  }
  auto box = Outbox::open(dir.path());
  ASSERT_TRUE(box.has_value());
  EXPECT_EQ((*box)->stream_id(), stream);
  auto left = (*box)->load(a);
  ASSERT_TRUE(left.has_value());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].seq, 3u);
  EXPECT_EQ((*left)[0].payload, to_bytes("a3"));
  auto lb = (*box)->load(b);
  ASSERT_EQ(lb->size(), 1u);
  EXPECT_EQ((*lb)[0].payload, to_bytes("b1"));
  // Sequence numbers continue after everything was acknowledged and reopened.
  ASSERT_TRUE((*box)->ack(a, 3).has_value());
  EXPECT_TRUE((*box)->load(a)->empty());
  auto more = (*box)->append({{a, as_bytes("a4")}});
  EXPECT_EQ(more->front(), 4u);
  auto mark = (*box)->inbound(b);
  EXPECT_EQ(mark->stream_id, 77u);
  EXPECT_EQ(mark->seq, 5u);
  EXPECT_EQ((*box)->inbound(a)->seq, 0u);
  // An ack beyond the last seq removes only this peer's entries.
  ASSERT_TRUE((*box)->ack(a, 1000).has_value());
  EXPECT_EQ((*box)->load(b)->size(), 1u);
}

// Writes made inside in_one_commit share its transaction: all are stored
// when the body succeeds, none when it fails part-way.
TEST(Outbox, OneCommitStoresAllOrNothing) {
  TempDir dir;
  const OrgKey a = key_of(1), b = key_of(2);
  auto box = Outbox::open(dir.path());
  ASSERT_TRUE(box.has_value()) << box.error().to_string();
  Outbox& o = **box;
  auto failed = o.in_one_commit([&]() -> Result<void> {
    PACTUM_CHECK(o.append({{a, as_bytes("lost")}}));
    PACTUM_CHECK(o.set_inbound({{b, {9, 9}}}));
    return Fail(Errc::kIo, "failed part-way (test)");
  });
  EXPECT_FALSE(failed.has_value());
  EXPECT_TRUE(o.load(a)->empty());
  EXPECT_EQ(*o.next_seq(a), 1u);
  EXPECT_EQ(o.inbound(b)->seq, 0u);
  auto stored = o.in_one_commit([&]() -> Result<void> {
    PACTUM_TRY(auto first, o.append({{a, as_bytes("a1")}, {a, as_bytes("a2")}}));
    EXPECT_EQ(first, (std::vector<std::uint64_t>{1, 2}));
    PACTUM_CHECK(o.ack(a, 1));  // Sees the appends of the same commit.
    PACTUM_TRY(auto second, o.append({{a, as_bytes("a3")}}));
    EXPECT_EQ(second.front(), 3u);
    return o.set_inbound({{b, {7, 4}}});
  });
  ASSERT_TRUE(stored.has_value()) << stored.error().to_string();
  auto left = o.load(a);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].payload, to_bytes("a2"));
  EXPECT_EQ((*left)[1].payload, to_bytes("a3"));
  EXPECT_EQ(o.inbound(b)->seq, 4u);
}

// Payloads go to the peer before their append commits, so an outbox that
// did not close cleanly (its process died) opens with a new stream id: the
// peer starts a new dedupe window instead of dropping reused seqs. A clean
// close keeps the id.
TEST(Outbox, NewStreamAfterACrashNotAfterACleanClose) {
  TempDir dir;
  const OrgKey a = key_of(1);
  std::uint64_t clean = 0;
  {
    auto box = Outbox::open(dir.path());
    ASSERT_TRUE(box.has_value()) << box.error().to_string();
    clean = (*box)->stream_id();
    ASSERT_TRUE((*box)->append({{a, as_bytes("a1")}}).has_value());
  }
  {
    auto box = Outbox::open(dir.path());
    ASSERT_TRUE(box.has_value());
    EXPECT_EQ((*box)->stream_id(), clean);
  }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto box = Outbox::open(dir.path());
    const bool ok = box.has_value() && (*box)->append({{a, as_bytes("a2")}}).has_value();
    ::_exit(ok ? 0 : 1);  // No destructor runs: as if the process were killed.
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto box = Outbox::open(dir.path());
  ASSERT_TRUE(box.has_value());
  EXPECT_NE((*box)->stream_id(), clean);
  auto left = (*box)->load(a);  // What committed before the crash is kept, seqs continue.
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[1].seq, 2u);
  EXPECT_EQ(*(*box)->next_seq(a), 3u);
}

TEST(Outbox, NewDirectoryNewStream) {
  TempDir d1, d2;
  auto b1 = Outbox::open(d1.path());
  auto b2 = Outbox::open(d2.path());
  ASSERT_TRUE(b1 && b2);
  EXPECT_NE((*b1)->stream_id(), (*b2)->stream_id());
}

class Admission : public ::testing::Test {
 protected:
  Org partner = testing::make_org("partner");
  Org stranger = testing::make_org("stranger");
  std::vector<OrgKey> partners{partner.key()};
  std::int64_t now = testing::wall_ms();
};

TEST_F(Admission, AdmitsAPartnersValidCertificate) {
  auto r = admit_peer(partner.node_certificate, partner.node.public_key(), partners, now);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->org_root, partner.key());
  EXPECT_EQ(r->node_key, partner.node.public_key());
}

TEST_F(Admission, RefusesUnknownOrg) {
  auto r = admit_peer(stranger.node_certificate, stranger.node.public_key(), partners, now);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, CloseReason::kUnknownOrg);
}

TEST_F(Admission, RefusesCertificateNotSignedByItsOrgRoot) {
  // The stranger signs a certificate claiming to be the partner's node.
  Bytes forged = testing::node_certificate(stranger.root, partner.key(), stranger.node.public_key(),
                                           stranger.tls_cert, now - 1000, now + 1000);
  auto r = admit_peer(forged, stranger.node.public_key(), partners, now);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, CloseReason::kBadCertificate);
}

TEST_F(Admission, RefusesAnyFlippedByte) {
  for (std::size_t i = 0; i < partner.node_certificate.size(); ++i) {
    Bytes bad = partner.node_certificate;
    bad[i] ^= 0x01;
    auto r = admit_peer(bad, partner.node.public_key(), partners, now);
    EXPECT_FALSE(r.has_value()) << "byte " << i;
  }
}

TEST_F(Admission, RefusesOutsideValidityWindowExactly) {
  Bytes cert = testing::node_certificate(partner.root, partner.key(), partner.node.public_key(),
                                         partner.tls_cert, 1000, 2000);
  const auto key = partner.node.public_key();
  EXPECT_EQ(admit_peer(cert, key, partners, 999).error().reason, CloseReason::kCertificateExpired);
  EXPECT_TRUE(admit_peer(cert, key, partners, 1000).has_value());
  EXPECT_TRUE(admit_peer(cert, key, partners, 1999).has_value());
  EXPECT_EQ(admit_peer(cert, key, partners, 2000).error().reason, CloseReason::kCertificateExpired);
}

TEST_F(Admission, RefusesTlsKeyMismatch) {
  auto r = admit_peer(partner.node_certificate, stranger.node.public_key(), partners, now);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, CloseReason::kKeyMismatch);
  // The embedded TLS certificate carries another key.
  Bytes cert = testing::node_certificate(partner.root, partner.key(), partner.node.public_key(),
                                         stranger.tls_cert, now - 1000, now + 1000);
  auto r2 = admit_peer(cert, partner.node.public_key(), partners, now);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().reason, CloseReason::kKeyMismatch);
}

TEST_F(Admission, RefusesOtherKindsAndJunk) {
  protocol::EnvelopeBuilder b;
  auto org = b.payload().initOrgCertificate();
  org.setOrgRootKey(protocol::as_data(partner.key()));
  org.setOrgName("Partner");
  Bytes wrong_kind = *b.seal(partner.root, 1, now);
  EXPECT_EQ(admit_peer(wrong_kind, partner.node.public_key(), partners, now).error().reason,
            CloseReason::kBadCertificate);
  EXPECT_EQ(admit_peer(Bytes{}, partner.node.public_key(), partners, now).error().reason,
            CloseReason::kBadCertificate);
  EXPECT_EQ(admit_peer(Bytes(20'000, 0), partner.node.public_key(), partners, now).error().reason,
            CloseReason::kBadCertificate);
}

TEST_F(Admission, OwnCertificateCheckedAtStart) {
  EXPECT_TRUE(check_own_certificate(partner.node_certificate, partner.node.public_key(),
                                    partner.key(), now)
                  .has_value());
  auto r = check_own_certificate(partner.node_certificate, stranger.node.public_key(),
                                 partner.key(), now);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kBadConfig);
}

}  // namespace
}  // namespace pactum::node::net
