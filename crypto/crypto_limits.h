// crypto: internal limits and persisted constants (named crypto_limits.h so it
// never shadows the system <limits.h>). Not part of the public contract
// (crypto/crypto.h); tests may include it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <sodium.h>

#include "crypto/crypto.h"

namespace pactum::crypto {

// Domains are short compile-time constants; a long one is a bug, not input.
inline constexpr std::size_t kDomainBytesMax = 128;

// ---- key files (persisted: never change these values) ----
inline constexpr std::string_view kKeyFileMagic = "PACTUMK1";
inline constexpr std::uint8_t kKeyFileVersion = 1;
inline constexpr std::uint8_t kKeyFileFlagEncrypted = 0x01;
inline constexpr std::uint8_t kKdfNone = 0;
inline constexpr std::uint8_t kKdfArgon2id13 = 1;
inline constexpr std::size_t kSaltBytes = crypto_pwhash_SALTBYTES;
inline constexpr std::size_t kAeadNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
inline constexpr std::size_t kAeadTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
inline constexpr std::size_t kAeadKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
// magic 8, version 1, flags 1, kdf 1, reserved 1, opslimit 8, memlimit 8,
// salt 16, nonce 24, public key 32.
inline constexpr std::size_t kKeyFileHeaderBytes = 8 + 1 + 1 + 1 + 1 + 8 + 8 + 16 + 24 + 32;
inline constexpr std::size_t kKeyFileChecksumBytes = kSha256Bytes;
inline constexpr std::size_t kKeyFileEncryptedBytes =
    kKeyFileHeaderBytes + kSeedBytes + kAeadTagBytes + kKeyFileChecksumBytes;
inline constexpr std::size_t kKeyFilePlainBytes =
    kKeyFileHeaderBytes + kSeedBytes + kKeyFileChecksumBytes;
static_assert(kSaltBytes == 16 && kAeadNonceBytes == 24 && kAeadTagBytes == 16);
static_assert(kKeyFileHeaderBytes == 100);
static_assert(kKeyFileEncryptedBytes == 180 && kKeyFilePlainBytes == 164);
// Reading stops here: a key file is one of two small fixed sizes.
inline constexpr std::size_t kKeyFileBytesMax = kKeyFileEncryptedBytes;

// Argon2id cost bounds accepted when reading a key file: a crafted header must
// not make us allocate gigabytes or spin for minutes before the tag check.
inline constexpr std::uint64_t kOpsLimitMin = crypto_pwhash_OPSLIMIT_MIN;
inline constexpr std::uint64_t kOpsLimitMax = 64;
inline constexpr std::uint64_t kMemLimitMin = crypto_pwhash_MEMLIMIT_MIN;
inline constexpr std::uint64_t kMemLimitMax = std::uint64_t{4} << 30;  // 4 GiB.
static_assert(crypto_pwhash_OPSLIMIT_SENSITIVE <= kOpsLimitMax);
static_assert(crypto_pwhash_MEMLIMIT_SENSITIVE <= kMemLimitMax);
// Passphrases longer than this are almost certainly a pasted file by mistake.
inline constexpr std::size_t kPassphraseBytesMax = 1024;

// ---- X.509 ----
// PEM input is one certificate; a few KiB at most. Bound what we parse.
inline constexpr std::size_t kPemBytesMax = 64 * 1024;
inline constexpr std::size_t kDerBytesMax = 48 * 1024;
// RFC 5280 ub-common-name.
inline constexpr std::size_t kCommonNameBytesMax = 64;
// Serial numbers: 16 random bytes (RFC 5280 allows up to 20 octets).
inline constexpr std::size_t kSerialBytes = 16;

}  // namespace pactum::crypto
