// crypto: the key file format. Byte grammar (also in docs/crypto.md; all
// integers big-endian; persisted, never change):
//
//   file      = header body checksum
//   header    = magic:"PACTUMK1" version:u8(=1) flags:u8 kdf:u8 reserved:u8(=0)
//               opslimit:u64 memlimit:u64 salt:16 nonce:24 public_key:32   (100 bytes)
//   body      = sealed_seed:48  if flags bit 0 (encrypted):
//                 XChaCha20-Poly1305(key = Argon2id13(passphrase, salt,
//                 opslimit, memlimit), nonce, plaintext = seed:32, ad = header)
//             | seed:32         otherwise (kdf = 0 and opslimit, memlimit,
//                               salt, nonce all zero)
//   checksum  = SHA-256(header || body)                                   (32 bytes)
//
// The checksum catches accidental corruption of either kind of file and tells
// it apart from a wrong passphrase; the AEAD tag (with the header as
// associated data) is what stops deliberate tampering of an encrypted file.
#include <sodium.h>

#include <algorithm>

#include "crypto/crypto_limits.h"
#include "crypto/key_file_internal.h"
#include "crypto/secure_buffer.h"

namespace pactum::crypto {
namespace {

constexpr std::size_t kOffVersion = 8;
constexpr std::size_t kOffFlags = 9;
constexpr std::size_t kOffKdf = 10;
constexpr std::size_t kOffReserved = 11;
constexpr std::size_t kOffOps = 12;
constexpr std::size_t kOffMem = 20;
constexpr std::size_t kOffSalt = 28;
constexpr std::size_t kOffNonce = kOffSalt + kSaltBytes;
constexpr std::size_t kOffPublicKey = kOffNonce + kAeadNonceBytes;
static_assert(kOffPublicKey + kPublicKeyBytes == kKeyFileHeaderBytes);

Result<void> check_passphrase(std::string_view passphrase) {
  if (passphrase.empty()) return Fail(Errc::kInvalidArgument, "passphrase is empty");
  if (passphrase.size() > kPassphraseBytesMax) {
    return Fail(Errc::kInvalidArgument, "passphrase is " + std::to_string(passphrase.size()) +
                                            " bytes; at most " +
                                            std::to_string(kPassphraseBytesMax));
  }
  return Ok();
}

bool limits_in_range(const KdfLimits& l) {
  return l.opslimit >= kOpsLimitMin && l.opslimit <= kOpsLimitMax && l.memlimit >= kMemLimitMin &&
         l.memlimit <= kMemLimitMax;
}

Result<void> derive_key(std::string_view passphrase, ByteSpan salt, const KdfLimits& limits,
                        SecureBuffer<kAeadKeyBytes>& out) {
  PACTUM_ASSERT(salt.size() == kSaltBytes && limits_in_range(limits));
  if (crypto_pwhash(out.data(), out.size(), passphrase.data(), passphrase.size(), salt.data(),
                    limits.opslimit, static_cast<std::size_t>(limits.memlimit),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Fail(Errc::kInternal,
                "Argon2id could not allocate " + std::to_string(limits.memlimit) + " bytes");
  }
  return Ok();
}

// 0 for an unencrypted file; else the expected size. kCorruptKeyFile when the
// magic, version or flags are not ours.
Result<std::size_t> expected_size(ByteSpan file, bool* encrypted) {
  if (file.size() < kKeyFileMagic.size() ||
      as_chars(file.first(kKeyFileMagic.size())) != kKeyFileMagic) {
    return Fail(Errc::kCorruptKeyFile, "not a pactum key file (bad magic)");
  }
  if (file.size() <= kOffFlags) return Fail(Errc::kCorruptKeyFile, "key file truncated in header");
  if (file[kOffVersion] != kKeyFileVersion) {
    return Fail(Errc::kCorruptKeyFile,
                "unsupported key file version " + std::to_string(file[kOffVersion]));
  }
  if ((file[kOffFlags] & ~kKeyFileFlagEncrypted) != 0) {
    return Fail(Errc::kCorruptKeyFile, "unknown key file flags " + std::to_string(file[kOffFlags]));
  }
  *encrypted = (file[kOffFlags] & kKeyFileFlagEncrypted) != 0;
  const std::size_t want = *encrypted ? kKeyFileEncryptedBytes : kKeyFilePlainBytes;
  if (file.size() != want) {
    return Fail(Errc::kCorruptKeyFile, "key file is " + std::to_string(file.size()) +
                                           " bytes; expected " + std::to_string(want));
  }
  return want;
}

// Checks every header field after the checksum matched.
Result<KdfLimits> check_header_fields(ByteSpan header, bool encrypted) {
  const KdfLimits limits{from_be64(header.subspan(kOffOps, 8)),
                         from_be64(header.subspan(kOffMem, 8))};
  if (header[kOffReserved] != 0) return Fail(Errc::kCorruptKeyFile, "reserved byte is not zero");
  if (encrypted) {
    if (header[kOffKdf] != kKdfArgon2id13) return Fail(Errc::kCorruptKeyFile, "unknown KDF");
    if (!limits_in_range(limits)) {
      return Fail(Errc::kCorruptKeyFile, "Argon2id limits out of range: opslimit " +
                                             std::to_string(limits.opslimit) + ", memlimit " +
                                             std::to_string(limits.memlimit));
    }
    return limits;
  }
  const ByteSpan unused = header.subspan(kOffOps, kOffPublicKey - kOffOps);
  if (header[kOffKdf] != kKdfNone ||
      !std::all_of(unused.begin(), unused.end(), [](std::uint8_t b) { return b == 0; })) {
    return Fail(Errc::kCorruptKeyFile, "unencrypted key file with KDF fields set");
  }
  return limits;
}

Result<SecretKey> key_matching(ByteSpan seed, ByteSpan stored_public_key) {
  PACTUM_TRY(SecretKey key, SecretKey::from_seed(seed));
  if (!std::equal(stored_public_key.begin(), stored_public_key.end(), key.public_key().begin())) {
    return Fail(Errc::kCorruptKeyFile, "stored public key does not match the seed");
  }
  return key;
}

}  // namespace

Result<Bytes> encode_key_file(const SecretKey& key, std::optional<std::string_view> passphrase,
                              const KdfLimits& limits,
                              const std::array<std::uint8_t, kSaltBytes>& salt,
                              const std::array<std::uint8_t, kAeadNonceBytes>& nonce) {
  const bool encrypted = passphrase.has_value();
  Bytes out;
  out.reserve(kKeyFileBytesMax);
  append(out, as_bytes(kKeyFileMagic));
  out.push_back(kKeyFileVersion);
  out.push_back(encrypted ? kKeyFileFlagEncrypted : 0);
  out.push_back(encrypted ? kKdfArgon2id13 : kKdfNone);
  out.push_back(0);
  if (encrypted) {
    PACTUM_CHECK(check_passphrase(*passphrase));
    if (!limits_in_range(limits))
      return Fail(Errc::kInvalidArgument, "Argon2id limits out of range");
    append(out, be64(limits.opslimit));
    append(out, be64(limits.memlimit));
    append(out, salt);
    append(out, nonce);
  } else {
    out.resize(out.size() + 8 + 8 + kSaltBytes + kAeadNonceBytes, 0);
  }
  append(out, key.public_key());
  PACTUM_ASSERT(out.size() == kKeyFileHeaderBytes);
  if (encrypted) {
    SecureBuffer<kAeadKeyBytes> aead_key;
    PACTUM_CHECK(derive_key(*passphrase, salt, limits, aead_key));
    out.resize(kKeyFileHeaderBytes + kSeedBytes + kAeadTagBytes);
    unsigned long long sealed_len = 0;
    PACTUM_ASSERT(crypto_aead_xchacha20poly1305_ietf_encrypt(
                      out.data() + kKeyFileHeaderBytes, &sealed_len, key.seed().data(), kSeedBytes,
                      out.data(), kKeyFileHeaderBytes, nullptr, nonce.data(),
                      aead_key.data()) == 0);
    PACTUM_ASSERT(sealed_len == kSeedBytes + kAeadTagBytes);
  } else {
    append(out, key.seed());
  }
  append(out, sha256(out));
  PACTUM_ASSERT(out.size() == (encrypted ? kKeyFileEncryptedBytes : kKeyFilePlainBytes));
  return out;
}

Result<bool> decode_key_file_encrypted(ByteSpan file) {
  bool encrypted = false;
  PACTUM_TRY(std::size_t size, expected_size(file, &encrypted));
  (void)size;
  return encrypted;
}

Result<SecretKey> decode_key_file(ByteSpan file, std::optional<std::string_view> passphrase) {
  bool encrypted = false;
  PACTUM_TRY(std::size_t size, expected_size(file, &encrypted));
  const ByteSpan header = file.first(kKeyFileHeaderBytes);
  const ByteSpan body =
      file.subspan(kKeyFileHeaderBytes, size - kKeyFileHeaderBytes - kSha256Bytes);
  const Digest sum = sha256(file.first(size - kSha256Bytes));
  if (sodium_memcmp(sum.data(), file.last(kSha256Bytes).data(), kSha256Bytes) != 0) {
    return Fail(Errc::kCorruptKeyFile, "key file checksum mismatch");
  }
  PACTUM_TRY(KdfLimits limits, check_header_fields(header, encrypted));
  const ByteSpan stored_pk = header.subspan(kOffPublicKey, kPublicKeyBytes);
  if (!encrypted) return key_matching(body, stored_pk);

  if (!passphrase.has_value())
    return Fail(Errc::kBadPassphrase, "key file is encrypted; passphrase required");
  if (!check_passphrase(*passphrase))
    return Fail(Errc::kBadPassphrase, "passphrase is empty or too long");
  SecureBuffer<kAeadKeyBytes> aead_key;
  PACTUM_CHECK(derive_key(*passphrase, header.subspan(kOffSalt, kSaltBytes), limits, aead_key));
  SecureBuffer<kSeedBytes> seed;
  unsigned long long seed_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          seed.data(), &seed_len, nullptr, body.data(), body.size(), header.data(), header.size(),
          header.subspan(kOffNonce).data(), aead_key.data()) != 0) {
    return Fail(Errc::kBadPassphrase, "wrong passphrase (or a deliberately altered key file)");
  }
  PACTUM_ASSERT(seed_len == kSeedBytes);
  return key_matching(seed.span(), stored_pk);
}

Result<void> write_key_file_with_limits(const std::string& path, const SecretKey& key,
                                        std::optional<std::string_view> passphrase,
                                        const KdfLimits& limits) {
  std::array<std::uint8_t, kSaltBytes> salt{};
  std::array<std::uint8_t, kAeadNonceBytes> nonce{};
  random_bytes(salt);
  random_bytes(nonce);
  PACTUM_TRY(Bytes file, encode_key_file(key, passphrase, limits, salt, nonce));
  Result<void> written = write_file_atomic_private(path, file);
  sodium_memzero(file.data(), file.size());  // An unencrypted file holds the seed.
  return written;
}

Result<void> write_key_file(const std::string& path, const SecretKey& key,
                            std::optional<std::string_view> passphrase) {
  return write_key_file_with_limits(path, key, passphrase, kKdfInteractive);
}

Result<SecretKey> read_key_file(const std::string& path,
                                std::optional<std::string_view> passphrase) {
  PACTUM_TRY(Bytes file, read_small_file(path, kKeyFileBytesMax));
  Result<SecretKey> key = decode_key_file(file, passphrase);
  sodium_memzero(file.data(), file.size());  // An unencrypted file holds the seed.
  return key;
}

Result<bool> key_file_encrypted(const std::string& path) {
  PACTUM_TRY(Bytes file, read_small_file(path, kKeyFileBytesMax));
  return decode_key_file_encrypted(file);
}

}  // namespace pactum::crypto
