// Goal: real TLS 1.3 handshakes over a memory BIO pair admit a peer exactly
// when its key is pinned, in both directions, and refuse peers without a
// certificate or speaking TLS 1.2.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <ctime>

#include "crypto/openssl_util.h"
#include "tests/crypto/test_env.h"

namespace pactum::crypto {
namespace {

constexpr std::int64_t kYear = 365 * 24 * 3600;
constexpr int kHandshakeStepsMax = 64;  // A TLS 1.3 handshake needs a handful.

struct Node {
  explicit Node(const SecretKey& root, const char* name)
      : cert(*make_certificate(root, "Acme Root", key.public_key(), name, false,
                               std::time(nullptr) - 3600, std::time(nullptr) + kYear)) {}
  SecretKey key = SecretKey::generate();
  X509Der cert;
};

TlsContext::PeerCheck pin(const PublicKey& allowed) {
  return [allowed](const PublicKey& k) { return k == allowed; };
}

using SslPtr = OpensslPtr<SSL, SSL_free>;

struct Outcome {
  bool server_ok = false;
  bool client_ok = false;  // Handshake done and application data flowed both ways.
  std::optional<PublicKey> server_saw;
  std::optional<PublicKey> client_saw;
};

// Steps one side; false once it failed for good.
bool step(SSL* ssl, bool* done) {
  if (*done) return true;
  const int r = SSL_do_handshake(ssl);
  if (r == 1) {
    *done = true;
    return true;
  }
  const int err = SSL_get_error(ssl, r);
  return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
}

Outcome handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx) {
  SslPtr s(SSL_new(server_ctx));
  SslPtr c(SSL_new(client_ctx));
  BIO* bs = nullptr;
  BIO* bc = nullptr;
  PACTUM_ASSERT(BIO_new_bio_pair(&bs, 0, &bc, 0) == 1);
  SSL_set_bio(s.get(), bs, bs);  // Each SSL now owns its end.
  SSL_set_bio(c.get(), bc, bc);
  SSL_set_accept_state(s.get());
  SSL_set_connect_state(c.get());
  bool s_done = false, c_done = false, s_alive = true, c_alive = true;
  for (int i = 0; i < kHandshakeStepsMax && (s_alive || c_alive) && !(s_done && c_done); ++i) {
    if (c_alive) c_alive = step(c.get(), &c_done);
    if (s_alive) s_alive = step(s.get(), &s_done);
  }
  Outcome out;
  // In TLS 1.3 the client finishes first; the server's verdict on the client
  // certificate arrives with the first read, so exchange data both ways.
  char buf[4] = {};
  if (s_done && c_done && SSL_write(c.get(), "ping", 4) == 4 && SSL_read(s.get(), buf, 4) == 4 &&
      SSL_write(s.get(), "pong", 4) == 4 && SSL_read(c.get(), buf, 4) == 4) {
    out.client_ok = std::string_view(buf, 4) == "pong";
    EXPECT_STREQ(SSL_get_version(c.get()), "TLSv1.3");
  }
  out.server_ok = s_done;
  if (s_done) {
    if (auto k = peer_public_key(s.get())) out.server_saw = *k;
  }
  if (c_done) {
    if (auto k = peer_public_key(c.get())) out.client_saw = *k;
  }
  ERR_clear_error();
  return out;
}

class Tls : public ::testing::Test {
 protected:
  SecretKey root_ = SecretKey::generate();
  Node a_{root_, "node-a"};
  Node b_{root_, "node-b"};
  Node stranger_{root_, "node-c"};

  TlsContext server(const Node& n, TlsContext::PeerCheck check) {
    return std::move(
        *TlsContext::create(TlsContext::Role::kServer, n.key, n.cert, std::move(check)));
  }
  TlsContext client(const Node& n, TlsContext::PeerCheck check) {
    return std::move(
        *TlsContext::create(TlsContext::Role::kClient, n.key, n.cert, std::move(check)));
  }
  static SSL_CTX* raw(const TlsContext& t) { return static_cast<SSL_CTX*>(t.native_handle()); }
};

TEST_F(Tls, PinnedPeersConnectAndSeeEachOthersKeys) {
  TlsContext s = server(a_, pin(b_.key.public_key()));
  TlsContext c = client(b_, pin(a_.key.public_key()));
  Outcome o = handshake(raw(s), raw(c));
  EXPECT_TRUE(o.server_ok);
  EXPECT_TRUE(o.client_ok);
  EXPECT_EQ(o.server_saw, b_.key.public_key());
  EXPECT_EQ(o.client_saw, a_.key.public_key());
}

TEST_F(Tls, ServerRefusesClientWhoseKeyIsNotPinned) {
  TlsContext s = server(a_, pin(b_.key.public_key()));
  TlsContext c = client(stranger_, pin(a_.key.public_key()));
  Outcome o = handshake(raw(s), raw(c));
  EXPECT_FALSE(o.server_ok);
  EXPECT_FALSE(o.client_ok);
}

TEST_F(Tls, ClientRefusesServerWhoseKeyIsNotPinned) {
  TlsContext s = server(a_, pin(b_.key.public_key()));
  TlsContext c = client(b_, pin(stranger_.key.public_key()));
  Outcome o = handshake(raw(s), raw(c));
  EXPECT_FALSE(o.client_ok);
  EXPECT_FALSE(o.server_ok);
}

TEST_F(Tls, ServerRefusesClientWithoutCertificate) {
  TlsContext s = server(a_, [](const PublicKey&) { return true; });
  SslCtxPtr bare(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_set_min_proto_version(bare.get(), TLS1_3_VERSION);
  SSL_CTX_set_verify(bare.get(), SSL_VERIFY_NONE, nullptr);
  Outcome o = handshake(raw(s), bare.get());
  EXPECT_FALSE(o.server_ok);
  EXPECT_FALSE(o.client_ok);
}

TEST_F(Tls, ServerRefusesTls12Client) {
  TlsContext s = server(a_, [](const PublicKey&) { return true; });
  TlsContext c = client(b_, [](const PublicKey&) { return true; });
  SSL_CTX* old = raw(c);
  ASSERT_EQ(SSL_CTX_set_min_proto_version(old, TLS1_2_VERSION), 1);
  ASSERT_EQ(SSL_CTX_set_max_proto_version(old, TLS1_2_VERSION), 1);
  Outcome o = handshake(raw(s), old);
  EXPECT_FALSE(o.server_ok);
  EXPECT_FALSE(o.client_ok);
}

// Pinning is by key alone: a pinned key is admitted even with a certificate
// no root signed, and a throwing check refuses instead of crashing.
TEST_F(Tls, PinningIgnoresTheChainAndThrowingChecksRefuse) {
  SecretKey lone = SecretKey::generate();
  X509Der self = *make_certificate(lone, "lone", lone.public_key(), "lone", false,
                                   std::time(nullptr) - 60, std::time(nullptr) + kYear);
  TlsContext s = server(a_, pin(lone.public_key()));
  TlsContext c = std::move(
      *TlsContext::create(TlsContext::Role::kClient, lone, self, pin(a_.key.public_key())));
  EXPECT_TRUE(handshake(raw(s), raw(c)).client_ok);
  TlsContext thrower =
      server(a_, [](const PublicKey&) -> bool { throw std::runtime_error("boom"); });
  EXPECT_FALSE(handshake(raw(thrower), raw(c)).server_ok);
}

TEST_F(Tls, MovedContextKeepsItsCheck) {
  TlsContext s = server(a_, pin(b_.key.public_key()));
  TlsContext moved = std::move(s);
  TlsContext c = client(b_, pin(a_.key.public_key()));
  TlsContext c2 = client(stranger_, pin(a_.key.public_key()));
  c2 = std::move(c);
  EXPECT_TRUE(handshake(raw(moved), raw(c2)).client_ok);
}

TEST_F(Tls, CreateRefusesMismatchedOrBadCertificates) {
  Result<TlsContext> wrong =
      TlsContext::create(TlsContext::Role::kServer, a_.key, b_.cert, pin(b_.key.public_key()));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::kBadCertificate);
  Result<TlsContext> garbage = TlsContext::create(TlsContext::Role::kClient, a_.key,
                                                  X509Der{Bytes(5, 1)}, pin(b_.key.public_key()));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, Errc::kBadCertificate);
  Result<TlsContext> no_check =
      TlsContext::create(TlsContext::Role::kClient, a_.key, a_.cert, nullptr);
  ASSERT_FALSE(no_check);
  EXPECT_EQ(no_check.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace pactum::crypto
