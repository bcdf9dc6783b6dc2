// crypto: library start-up, randomness and SHA-256.
//
// SHA-256 backend: OpenSSL's SHA256_Init/Update/Final. On this machine (AMD
// EPYC with SHA-NI) it beat libsodium's portable C crypto_hash_sha256 by 2.3x
// at 64 B and 4x at 1 MiB, and beat OpenSSL's own EVP one-shot calls for small
// inputs because it skips the EVP provider fetch (docs/crypto.md has the
// numbers). OpenSSL 3 marks these functions deprecated but keeps them; this
// file alone opts in, so a removal breaks one file.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include <new>

#include "crypto/crypto.h"

namespace pactum::crypto {
namespace {

static_assert(sizeof(SHA256_CTX) <= 112, "Sha256::state_ too small for SHA256_CTX");
static_assert(alignof(SHA256_CTX) <= 16, "Sha256::state_ under-aligned for SHA256_CTX");
static_assert(SHA256_DIGEST_LENGTH == kSha256Bytes);

SHA256_CTX* ctx_of(std::array<std::uint8_t, 112>& state) {
  return std::launder(reinterpret_cast<SHA256_CTX*>(state.data()));
}

}  // namespace

Result<void> init() {
  // 0: initialized now, 1: already initialized, -1: failure.
  if (sodium_init() < 0) return Fail(Errc::kInternal, "sodium_init failed");
  if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS,
                       nullptr) != 1) {
    return Fail(Errc::kTls, "OPENSSL_init_ssl failed");
  }
  return Ok();
}

void random_bytes(MutableByteSpan out) { randombytes_buf(out.data(), out.size()); }

Nonce random_nonce() {
  Nonce n{};
  random_bytes(n);
  return n;
}

Digest sha256(ByteSpan data) {
  SHA256_CTX ctx;
  // These return 1 on success; with a valid context they cannot fail.
  PACTUM_ASSERT(SHA256_Init(&ctx) == 1);
  PACTUM_ASSERT(SHA256_Update(&ctx, data.data(), data.size()) == 1);
  Digest out{};
  PACTUM_ASSERT(SHA256_Final(out.data(), &ctx) == 1);
  OPENSSL_cleanse(&ctx, sizeof ctx);
  return out;
}

Sha256::Sha256() {
  SHA256_CTX* ctx = new (state_.data()) SHA256_CTX;
  PACTUM_ASSERT(SHA256_Init(ctx) == 1);
}

Sha256& Sha256::update(ByteSpan data) {
  PACTUM_ASSERT(!finished_);
  PACTUM_ASSERT(SHA256_Update(ctx_of(state_), data.data(), data.size()) == 1);
  return *this;
}

Digest Sha256::finish() {
  PACTUM_ASSERT(!finished_);
  finished_ = true;
  Digest out{};
  PACTUM_ASSERT(SHA256_Final(out.data(), ctx_of(state_)) == 1);
  OPENSSL_cleanse(state_.data(), state_.size());
  return out;
}

}  // namespace pactum::crypto
