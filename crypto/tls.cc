// crypto: TLS 1.3 contexts with mutual authentication by pinned Ed25519 keys.
//
// Policy: TLS 1.3 only; both sides present a certificate and require one from
// the peer; the chain is not built against any trust store: the verify
// callback admits the peer exactly when its leaf certificate's Ed25519 key
// passes the PeerCheck. TLS 1.3's CertificateVerify proves the peer holds the
// matching private key. No session tickets and no session cache: resumption
// would skip the check, and a key may be unpinned between connections.
#include <utility>

#include "crypto/openssl_util.h"

namespace pactum::crypto {
namespace {

void free_peer_check(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/,
                     long /*argl*/, void* /*argp*/) {
  delete static_cast<TlsContext::PeerCheck*>(ptr);
}

// OpenSSL's ex_data index registry is process-wide by design; our slot is
// allocated once (thread-safe static initialization) and owns its PeerCheck.
int peer_check_index() {
  static const int kIndex =
      SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_peer_check);
  return kIndex;
}

bool admit(const TlsContext::PeerCheck& check, const PublicKey& key) {
  // An exception must not unwind through OpenSSL's C frames; a throwing check
  // refuses the peer.
  try {
    return check(key);
  } catch (...) {
    return false;
  }
}

int verify_callback(int /*preverify_ok: chain errors are ignored by policy*/,
                    X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (ssl == nullptr || leaf == nullptr) return 0;
  auto* check = static_cast<const TlsContext::PeerCheck*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), peer_check_index()));
  Result<PublicKey> key = x509_ed25519_key(leaf);
  if (check == nullptr || !key || !admit(*check, *key)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  X509_STORE_CTX_set_error(store, X509_V_OK);
  return 1;
}

Result<void> configure(SSL_CTX* ctx, const SecretKey& node_key, const X509Der& cert) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return Fail(Errc::kTls, "cannot restrict to TLS 1.3: " + openssl_error());
  }
  PACTUM_TRY(X509Ptr x509, parse_der(cert.der));
  PACTUM_TRY(PublicKey cert_key, x509_ed25519_key(x509.get()));
  if (cert_key != node_key.public_key()) {
    return Fail(Errc::kBadCertificate, "certificate is for key " + key_id(cert_key) +
                                           ", node key is " + key_id(node_key.public_key()));
  }
  PACTUM_TRY(EvpPkeyPtr pkey, evp_private_key(node_key));
  if (SSL_CTX_use_certificate(ctx, x509.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, pkey.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return Fail(Errc::kTls, "cannot load node key and certificate: " + openssl_error());
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &verify_callback);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  if (SSL_CTX_set_num_tickets(ctx, 0) != 1)
    return Fail(Errc::kTls, "SSL_CTX_set_num_tickets: " + openssl_error());
  return Ok();
}

}  // namespace

Result<TlsContext> TlsContext::create(Role role, const SecretKey& node_key, const X509Der& cert,
                                      PeerCheck accept_peer) {
  if (!accept_peer) return Fail(Errc::kInvalidArgument, "TlsContext needs a PeerCheck");
  const int index = peer_check_index();
  if (index < 0) return Fail(Errc::kTls, "SSL_CTX_get_ex_new_index: " + openssl_error());
  SslCtxPtr ctx(SSL_CTX_new(role == Role::kServer ? TLS_server_method() : TLS_client_method()));
  if (!ctx) return Fail(Errc::kTls, "SSL_CTX_new: " + openssl_error());
  PACTUM_CHECK(configure(ctx.get(), node_key, cert));
  auto check = std::make_unique<PeerCheck>(std::move(accept_peer));
  if (SSL_CTX_set_ex_data(ctx.get(), index, check.get()) != 1) {
    return Fail(Errc::kTls, "SSL_CTX_set_ex_data: " + openssl_error());
  }
  (void)check.release();  // Owned by the SSL_CTX now; free_peer_check deletes it.
  TlsContext out;
  out.ctx_ = ctx.release();
  return out;
}

TlsContext::TlsContext(TlsContext&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}

TlsContext& TlsContext::operator=(TlsContext&& other) noexcept {
  std::swap(ctx_, other.ctx_);
  return *this;
}

TlsContext::~TlsContext() { SSL_CTX_free(static_cast<SSL_CTX*>(ctx_)); }

Result<PublicKey> peer_public_key(const void* ssl) {
  PACTUM_ASSERT(ssl != nullptr);
  X509* cert = SSL_get0_peer_certificate(static_cast<const SSL*>(ssl));
  if (cert == nullptr) return Fail(Errc::kPeerNotPinned, "peer sent no certificate");
  return x509_ed25519_key(cert);
}

}  // namespace pactum::crypto
