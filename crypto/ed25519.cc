// crypto: Ed25519 keys, domain-separated signing and verification (libsodium).
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "crypto/crypto.h"
#include "crypto/crypto_limits.h"

namespace pactum::crypto {
namespace {

static_assert(crypto_sign_PUBLICKEYBYTES == kPublicKeyBytes);
static_assert(crypto_sign_SEEDBYTES == kSeedBytes);
static_assert(crypto_sign_BYTES == kSignatureBytes);
constexpr std::size_t kSecretKeyBytes = crypto_sign_SECRETKEYBYTES;
static_assert(kSecretKeyBytes == kSeedBytes + kPublicKeyBytes);  // libsodium: seed || pk.

// Out of memory for a few pages of key storage: nothing sensible is left to do.
std::uint8_t* alloc_secret() {
  auto* p = static_cast<std::uint8_t*>(sodium_malloc(kSecretKeyBytes));
  if (p == nullptr) {
    std::fprintf(stderr, "pactum: sodium_malloc failed for a secret key\n");
    std::abort();
  }
  return p;
}

void assert_domain(std::string_view domain) {
  PACTUM_ASSERT(!domain.empty());
  PACTUM_ASSERT(domain.size() <= kDomainBytesMax);
  PACTUM_ASSERT(domain.find('\0') == std::string_view::npos);
}

}  // namespace

SecretKey SecretKey::generate() {
  SecretKey key;
  key.sk_ = alloc_secret();
  PACTUM_ASSERT(crypto_sign_keypair(key.public_key_.data(), key.sk_) == 0);
  // Signing only reads the key: make it read-only so a stray write faults.
  PACTUM_ASSERT(sodium_mprotect_readonly(key.sk_) == 0);
  return key;
}

Result<SecretKey> SecretKey::from_seed(ByteSpan seed) {
  if (seed.size() != kSeedBytes) {
    return Fail(Errc::kBadKey, "Ed25519 seed must be 32 bytes, got " + std::to_string(seed.size()));
  }
  SecretKey key;
  key.sk_ = alloc_secret();
  PACTUM_ASSERT(crypto_sign_seed_keypair(key.public_key_.data(), key.sk_, seed.data()) == 0);
  PACTUM_ASSERT(sodium_mprotect_readonly(key.sk_) == 0);
  return key;
}

SecretKey::SecretKey(SecretKey&& other) noexcept
    : sk_(std::exchange(other.sk_, nullptr)), public_key_(other.public_key_) {}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    std::swap(sk_, other.sk_);
    std::swap(public_key_, other.public_key_);
  }
  return *this;
}

// sodium_free makes the region writable, checks the canary and zeroes it.
SecretKey::~SecretKey() { sodium_free(sk_); }

ByteSpan SecretKey::seed() const {
  PACTUM_ASSERT(sk_ != nullptr);  // Use after move is a bug.
  return ByteSpan(sk_, kSeedBytes);
}

DomainMessage::DomainMessage(std::string_view domain, ByteSpan head, ByteSpan rest)
    : prefix_bytes_(domain.size() + 1), size_(prefix_bytes_ + head.size() + rest.size()) {
  assert_domain(domain);
  std::uint8_t* out = local_.data();
  if (size_ > kStackBytes) {
    heap_.resize(size_);
    out = heap_.data();
  }
  std::memcpy(out, domain.data(), domain.size());
  out[domain.size()] = 0x00;
  if (!head.empty()) std::memcpy(out + prefix_bytes_, head.data(), head.size());
  if (!rest.empty()) std::memcpy(out + prefix_bytes_ + head.size(), rest.data(), rest.size());
  data_ = out;
}

Signature SecretKey::sign(std::string_view domain, ByteSpan message) const {
  const DomainMessage m(domain, message);
  return sign_raw(m.signed_bytes());
}

Signature SecretKey::sign_raw(ByteSpan message) const {
  PACTUM_ASSERT(sk_ != nullptr);
  Signature sig{};
  PACTUM_ASSERT(crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk_) ==
                0);
  return sig;
}

Result<void> verify(const PublicKey& key, std::string_view domain, ByteSpan message,
                    const Signature& sig) {
  const DomainMessage m(domain, message);
  return verify_raw(key, m.signed_bytes(), sig);
}

Result<void> verify(const PublicKey& key, const DomainMessage& message, const Signature& sig) {
  return verify_raw(key, message.signed_bytes(), sig);
}

Result<void> verify_raw(const PublicKey& key, ByteSpan message, const Signature& sig) {
  VerifyMemo* memo = VerifyMemo::current();
  Digest tag{};
  if (memo != nullptr) {
    tag = VerifyMemo::tag(key, message, sig);
    if (memo->seen(tag)) return Ok();
  }
  // libsodium 1.0.18 also rejects non-canonical S, small-order R and keys.
  if (crypto_sign_verify_detached(sig.data(), message.data(), message.size(), key.data()) != 0) {
    return Fail(Errc::kBadSignature, "Ed25519 signature does not verify under key " + key_id(key));
  }
  if (memo != nullptr) memo->remember(tag);
  return Ok();
}

}  // namespace pactum::crypto
