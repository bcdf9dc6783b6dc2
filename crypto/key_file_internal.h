// crypto (internal): the key file codec and file helpers behind
// write_key_file/read_key_file, exposed for tests (fast KDF limits, golden
// vectors with a fixed salt and nonce, tamper tests without the disk).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/crypto.h"
#include "crypto/crypto_limits.h"

namespace pactum::crypto {

struct KdfLimits {
  std::uint64_t opslimit = 0;
  std::uint64_t memlimit = 0;  // Bytes.
};

// The default for new key files: libsodium's INTERACTIVE (about 0.1 s, 64 MiB).
inline constexpr KdfLimits kKdfInteractive{crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                           crypto_pwhash_MEMLIMIT_INTERACTIVE};
// The cheapest limits a key file may carry; for tests only.
inline constexpr KdfLimits kKdfMinimum{kOpsLimitMin, kMemLimitMin};

// The bytes of a key file (grammar in docs/crypto.md). salt and nonce are used
// only when passphrase is set. kInvalidArgument on an empty or over-long
// passphrase or limits outside [kOpsLimitMin, kOpsLimitMax] x [kMemLimitMin,
// kMemLimitMax]; kInternal if Argon2id cannot allocate its memory.
Result<Bytes> encode_key_file(const SecretKey& key, std::optional<std::string_view> passphrase,
                              const KdfLimits& limits,
                              const std::array<std::uint8_t, kSaltBytes>& salt,
                              const std::array<std::uint8_t, kAeadNonceBytes>& nonce);
// Errors as read_key_file, except kIo.
Result<SecretKey> decode_key_file(ByteSpan file, std::optional<std::string_view> passphrase);
// True if `file` is a well-formed encrypted key file header; kCorruptKeyFile if
// the magic, version, flags or size are wrong.
Result<bool> decode_key_file_encrypted(ByteSpan file);

// write_key_file with explicit KDF limits and a fresh random salt and nonce.
Result<void> write_key_file_with_limits(const std::string& path, const SecretKey& key,
                                        std::optional<std::string_view> passphrase,
                                        const KdfLimits& limits);

// Writes `data` to `path` atomically with mode 0600: a temporary file in the
// same directory, fsync, rename over `path`, fsync of the directory. kIo on
// failure (the temporary file is removed).
Result<void> write_file_atomic_private(const std::string& path, ByteSpan data);
// Reads at most max_bytes + 1 bytes (so a caller can tell "too long"); kIo if
// the file cannot be opened or read.
Result<Bytes> read_small_file(const std::string& path, std::size_t max_bytes);

}  // namespace pactum::crypto
