// crypto: the one public header of pactum's cryptography.
//
// Ed25519 keys and signatures (libsodium), SHA-256, key ids, base64, key files
// encrypted at rest (Argon2id + XChaCha20-Poly1305), Ed25519 X.509
// certificates and TLS 1.3 contexts (OpenSSL).
//
// Signing rule: every pactum signature is over `domain || 0x00 || message`,
// with one domain constant per message kind (see protocol/domains.h), so a
// signature can never be replayed as another kind. `sign_raw`/`verify_raw`
// exist for the two standards outside tools verify as-is (C2SP signed notes
// and X.509). A DomainMessage holds `domain || 0x00 || message` built once,
// for checking several signatures over one message (an envelope and its
// countersignatures) and hashing it without another copy.
//
// Thread-safety: free functions are thread-safe. A SecretKey may be used from
// several threads for signing (const); moving it is not thread-safe.
// init() must be called once before anything else (main() does it); calling it
// again is harmless.
//
// Cost: each SecretKey holds a few guarded pages (sodium_malloc), so hold keys
// by the dozen, not by the ten thousand.
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
  // Backend context (OpenSSL SHA256_CTX, the faster backend measured here; see
  // docs/crypto.md), opaque. crypto/random_hash.cc static_asserts it fits.
  alignas(16) std::array<std::uint8_t, 112> state_{};
  bool finished_ = false;
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

// domain || 0x00 || head || rest in one contiguous buffer (libsodium signs
// one span), on the stack up to kStackBytes. The domain must be non-empty,
// at most kDomainBytesMax bytes, without NUL (asserted: domains are constants).
class DomainMessage {
 public:
  static constexpr std::size_t kStackBytes = 8 * 1024;  // Every negotiation message (a few KiB).
  DomainMessage(std::string_view domain, ByteSpan head, ByteSpan rest = {});
  DomainMessage(const DomainMessage&) = delete;
  DomainMessage& operator=(const DomainMessage&) = delete;
  ByteSpan signed_bytes() const { return {data_, size_}; }             // What a signature covers.
  ByteSpan message() const { return signed_bytes().subspan(prefix_bytes_); }  // head || rest.

 private:
  std::size_t prefix_bytes_ = 0;
  std::size_t size_ = 0;
  std::array<std::uint8_t, kStackBytes> local_;  // Uninitialized: written before read.
  Bytes heap_;
  const std::uint8_t* data_ = nullptr;
};
// verify() over a message already built.
Result<void> verify(const PublicKey& key, const DomainMessage& message, const Signature& sig);
Result<void> verify_raw(const PublicKey& key, ByteSpan message, const Signature& sig);

// A bounded memo of signatures that verified, for a process that checks the
// same signature again and again: a node meets its peer's checkpoint note in
// every receipt that cites it, and a receipt that arrived before its
// contract again when the contract is anchored. While a VerifyMemo::Use is alive on a
// thread, verify() and verify_raw() on that thread first look up
// BLAKE2b-256(key || signature || message) and record it after a successful
// check. Failures are never recorded, so a memo changes how long a
// verification takes, never its outcome. Direct-mapped, kSlots entries (1
// MiB at most): a newer signature evicts an older one in its slot.
// Thread-safe; a Use is per thread and nests.
class VerifyMemo {
 public:
  static constexpr std::size_t kSlots = std::size_t{1} << 15;
  struct Stats {
    std::uint64_t hits = 0;    // Verifications answered by the memo.
    std::uint64_t misses = 0;  // Verifications done (successful or not).
  };
  class Use {
   public:
    explicit Use(VerifyMemo& memo);
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    ~Use();

   private:
    VerifyMemo* previous_;
  };

  VerifyMemo();
  VerifyMemo(const VerifyMemo&) = delete;
  VerifyMemo& operator=(const VerifyMemo&) = delete;
  ~VerifyMemo();
  Stats stats() const;

 private:
  friend Result<void> verify_raw(const PublicKey&, ByteSpan, const Signature&);
  static VerifyMemo* current();  // This thread's innermost Use, or null.
  static Digest tag(const PublicKey& key, ByteSpan message, const Signature& sig);
  bool seen(const Digest& tag);
  void remember(const Digest& tag);

  struct State;
  std::unique_ptr<State> state_;
};

// ---- ids and text forms ----

// Key id: the first 8 bytes of SHA-256("pactum-key-id" || 0x00 || key), hex. For display.
std::string key_id(const PublicKey& key);
// Fingerprint for humans comparing keys by voice or eye: "SHA256:" + base64 of
// SHA-256(key) without the trailing '=' (the OpenSSH convention), 50 characters.
std::string fingerprint(const PublicKey& key);

std::string base64_encode(ByteSpan data);  // RFC 4648 with padding.
// Strict: kBadEncoding on a character outside the alphabet (whitespace too), a
// length not a multiple of 4, bad padding or non-zero trailing bits.
Result<Bytes> base64_decode(std::string_view text);
std::string public_key_to_text(const PublicKey& key);  // base64 of the 32 bytes.
// kBadEncoding on bad base64, kBadKey when it does not hold exactly 32 bytes.
Result<PublicKey> public_key_from_text(std::string_view text);
// Upper or lower case; kBadEncoding on an odd length or a non-hex character.
Result<Bytes> hex_decode(std::string_view text);

// ---- key files ----
// Format (byte grammar in docs/crypto.md): magic "PACTUMK1", version, flags,
// KDF params, salt, XChaCha20-Poly1305 nonce, public key, sealed (or plain)
// seed, SHA-256 checksum. Written atomically (temp file, fsync, rename) with
// mode 0600; an existing file at `path` is replaced.

inline constexpr std::string_view kPassphraseEnv = "PACTUM_PASSPHRASE";

// passphrase std::nullopt writes an unencrypted key file (--no-passphrase).
// Encrypted files use Argon2id with the INTERACTIVE limits. kInvalidArgument
// on an empty or over-long passphrase, kIo when the file cannot be written.
Result<void> write_key_file(const std::string& path, const SecretKey& key,
                            std::optional<std::string_view> passphrase);
// kBadPassphrase on a wrong passphrase (or none for an encrypted file),
// kCorruptKeyFile on a truncated or corrupt file (checksum, sizes, magic,
// version, KDF limits, stored public key not matching the seed), kIo when it
// cannot be read. A passphrase given for an unencrypted file is ignored.
Result<SecretKey> read_key_file(const std::string& path,
                                std::optional<std::string_view> passphrase);
// True if the file at path is encrypted (needs a passphrase).
Result<bool> key_file_encrypted(const std::string& path);

// ---- X.509 and TLS (OpenSSL) ----

// A DER-encoded X.509 certificate.
struct X509Der {
  Bytes der;
};

// An Ed25519 X.509 v3 certificate for `subject_key`, issued (signed) by
// `issuer_key` (the organization root; pass the same key for a self-signed
// root CA certificate). Validity in seconds since the Unix epoch. Profile in
// docs/crypto.md. kInvalidArgument on an empty or over-long (> 64 bytes) name or
// not_before >= not_after; kBadCertificate if OpenSSL refuses.
Result<X509Der> make_certificate(const SecretKey& issuer_key, std::string_view issuer_name,
                                 const PublicKey& subject_key, std::string_view subject_name,
                                 bool is_ca, std::int64_t not_before_s, std::int64_t not_after_s);
std::string certificate_to_pem(const X509Der& cert);
// The exact DER bytes of the first CERTIFICATE block in `pem` (other blocks
// are skipped); kBadCertificate if there is none or it does not parse.
Result<X509Der> certificate_from_pem(std::string_view pem);
// The Ed25519 public key inside a certificate; kBadCertificate if the DER does
// not parse (or has trailing bytes) or the key is not Ed25519.
Result<PublicKey> certificate_public_key(const X509Der& cert);

// Owner of an OpenSSL SSL_CTX configured for TLS 1.3 only with mutual
// authentication. Resource type: move-only. Policy (docs/crypto.md): both sides
// must present a certificate; chain building is ignored and a peer is admitted
// exactly when accept_peer(Ed25519 key of its leaf certificate) is true; no
// session tickets or session cache, so every connection runs the check.
// accept_peer is called on OpenSSL's handshake thread and must be thread-safe
// if connections are handshaken from several threads.
class TlsContext {
 public:
  enum class Role { kServer, kClient };
  // Decides whether a peer whose leaf certificate carries `key` is admitted.
  using PeerCheck = std::function<bool(const PublicKey& key)>;

  // kBadCertificate if `cert` does not parse or does not carry node_key's
  // public key; kTls if OpenSSL refuses the configuration.
  static Result<TlsContext> create(Role role, const SecretKey& node_key, const X509Der& cert,
                                   PeerCheck accept_peer);
  TlsContext(TlsContext&&) noexcept;
  TlsContext& operator=(TlsContext&&) noexcept;
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  ~TlsContext();

  void* native_handle() const { return ctx_; }  // SSL_CTX*, borrowed.

 private:
  TlsContext() = default;
  // Owned (one reference). The PeerCheck lives in the SSL_CTX's ex_data and is
  // freed with the SSL_CTX, so an SSL made from it never outlives its check.
  void* ctx_ = nullptr;
};

// The Ed25519 key of the peer's leaf certificate on an established connection
// (`ssl` is an SSL*, borrowed). kPeerNotPinned if the peer sent no certificate,
// kBadCertificate if its key is not Ed25519.
Result<PublicKey> peer_public_key(const void* ssl);

}  // namespace pactum::crypto
