// crypto: the one public header of pactum's cryptography.
//
// Ed25519 keys and signatures (libsodium), SHA-256, key ids, base64, key files
// encrypted at rest (Argon2id + XChaCha20-Poly1305), Ed25519 X.509
// certificates and TLS 1.3 contexts (OpenSSL).
//
// Signing rule: every pactum signature is over `domain || 0x00 || message`,
// with one domain constant per message kind (see protocol/domains.h), so a
// signature can never be replayed as another kind. `sign_raw`/`verify_raw`
// exist only for the two standards outside tools verify as-is: C2SP signed
// notes and X.509.
//
// Thread-safety: free functions are thread-safe. A SecretKey may be used from
// several threads for signing (const); moving it is not thread-safe.
// init() must be called once before anything else (main() does it).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/base.h"

namespace pactum::crypto {

inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSeedBytes = 32;
inline constexpr std::size_t kSignatureBytes = 64;
inline constexpr std::size_t kSha256Bytes = 32;
inline constexpr std::size_t kNonceBytes = 16;  // Random nonce in every signed message.

using PublicKey = std::array<std::uint8_t, kPublicKeyBytes>;
using Signature = std::array<std::uint8_t, kSignatureBytes>;
using Digest = std::array<std::uint8_t, kSha256Bytes>;
using Nonce = std::array<std::uint8_t, kNonceBytes>;

// Initializes libsodium and OpenSSL. Returns an error if libsodium cannot start.
Result<void> init();

// ---- randomness (never used by the deterministic core) ----
void random_bytes(MutableByteSpan out);
Nonce random_nonce();

// ---- SHA-256 ----
Digest sha256(ByteSpan data);
// Incremental SHA-256. Value type; not thread-safe.
class Sha256 {
 public:
  Sha256();
  Sha256& update(ByteSpan data);
  Digest finish();  // REQUIRES: called once.

 private:
  alignas(16) std::array<std::uint8_t, 112> state_{};  // Backend context, opaque.
};

// ---- Ed25519 ----

// A secret signing key. Resource type: move-only; the 64-byte libsodium secret
// key lives in sodium_malloc memory (guarded, locked) and is wiped on destruction.
class SecretKey {
 public:
  static SecretKey generate();
  // From a 32-byte RFC 8032 seed. Error kBadKey on a wrong length.
  static Result<SecretKey> from_seed(ByteSpan seed);

  SecretKey(SecretKey&&) noexcept;
  SecretKey& operator=(SecretKey&&) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  const PublicKey& public_key() const { return public_key_; }
  // The 32-byte seed, for writing key files only.
  ByteSpan seed() const;

  // Signature over domain || 0x00 || message. REQUIRES: domain non-empty, no NUL.
  Signature sign(std::string_view domain, ByteSpan message) const;
  // Signature over message exactly (C2SP signed notes, X.509 only).
  Signature sign_raw(ByteSpan message) const;

 private:
  SecretKey() = default;
  std::uint8_t* sk_ = nullptr;  // sodium_malloc'd, 64 bytes; owned.
  PublicKey public_key_{};
};

// Ok if `sig` is a valid signature by `key` over domain || 0x00 || message,
// else kBadSignature (also for non-canonical or small-order keys).
Result<void> verify(const PublicKey& key, std::string_view domain, ByteSpan message,
                    const Signature& sig);
Result<void> verify_raw(const PublicKey& key, ByteSpan message, const Signature& sig);

// ---- ids and text forms ----

// Key id: the first 8 bytes of SHA-256("pactum-key-id" || 0x00 || key), hex. For display.
std::string key_id(const PublicKey& key);
// Fingerprint for humans comparing keys by voice or eye: "SHA256:" + base64 of SHA-256(key).
std::string fingerprint(const PublicKey& key);

std::string base64_encode(ByteSpan data);             // RFC 4648 with padding.
Result<Bytes> base64_decode(std::string_view text);   // Strict: kBadEncoding on error.
std::string public_key_to_text(const PublicKey& key); // base64 of the 32 bytes.
Result<PublicKey> public_key_from_text(std::string_view text);
Result<Bytes> hex_decode(std::string_view text);

// ---- key files ----
// Format (docs/formats.md): magic "PACTUMK1", version, KDF params, salt,
// XChaCha20-Poly1305 nonce, sealed seed. Written with mode 0600.

inline constexpr std::string_view kPassphraseEnv = "PACTUM_PASSPHRASE";

// passphrase std::nullopt writes an unencrypted key file (--no-passphrase).
Result<void> write_key_file(const std::string& path, const SecretKey& key,
                            std::optional<std::string_view> passphrase);
// kBadPassphrase on a wrong passphrase, kCorruptKeyFile on a truncated or
// corrupt file, kIo when it cannot be read.
Result<SecretKey> read_key_file(const std::string& path,
                                std::optional<std::string_view> passphrase);
// True if the file at path is encrypted (needs a passphrase).
Result<bool> key_file_encrypted(const std::string& path);

// ---- X.509 and TLS (OpenSSL) ----

// A DER-encoded X.509 certificate.
struct X509Der {
  Bytes der;
};

// An Ed25519 X.509 certificate for `subject_key`, issued (signed) by
// `issuer_key` (the organization root; pass the same key for a self-signed
// root CA certificate). Validity in seconds since the Unix epoch.
Result<X509Der> make_certificate(const SecretKey& issuer_key, std::string_view issuer_name,
                                 const PublicKey& subject_key, std::string_view subject_name,
                                 bool is_ca, std::int64_t not_before_s, std::int64_t not_after_s);
std::string certificate_to_pem(const X509Der& cert);
Result<X509Der> certificate_from_pem(std::string_view pem);
// The Ed25519 public key inside a certificate.
Result<PublicKey> certificate_public_key(const X509Der& cert);

// Owner of an OpenSSL SSL_CTX configured for TLS 1.3 only with mutual
// authentication. Resource type: move-only.
class TlsContext {
 public:
  enum class Role { kServer, kClient };
  // Decides whether a peer whose leaf certificate carries `key` is admitted.
  using PeerCheck = std::function<bool(const PublicKey& key)>;

  static Result<TlsContext> create(Role role, const SecretKey& node_key, const X509Der& cert,
                                   PeerCheck accept_peer);
  TlsContext(TlsContext&&) noexcept;
  TlsContext& operator=(TlsContext&&) noexcept;
  ~TlsContext();

  void* native_handle() const { return ctx_; }  // SSL_CTX*, borrowed.

 private:
  TlsContext() = default;
  void* ctx_ = nullptr;
  std::unique_ptr<PeerCheck> check_;  // Referenced from the SSL_CTX ex_data.
};

}  // namespace pactum::crypto
