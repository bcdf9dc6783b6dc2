// Goal: key files round-trip with and without a passphrase, are written 0600,
// match golden bytes, and every truncation, bit flip, bad magic, wrong
// passphrase and deliberate header edit is refused with the documented code.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "crypto/key_file_internal.h"
#include "tests/crypto/test_env.h"

namespace pactum::crypto {
namespace {

using testing::hex;

constexpr std::string_view kTest1Seed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kPassphrase = "correct horse battery staple";

std::array<std::uint8_t, kSaltBytes> fixed_salt() {
  std::array<std::uint8_t, kSaltBytes> s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(i);
  return s;
}
std::array<std::uint8_t, kAeadNonceBytes> fixed_nonce() {
  std::array<std::uint8_t, kAeadNonceBytes> n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(0x10 + i);
  return n;
}

SecretKey test1_key() { return *SecretKey::from_seed(hex(kTest1Seed)); }

Bytes encrypted_file() {
  return *encode_key_file(test1_key(), kPassphrase, kKdfMinimum, fixed_salt(), fixed_nonce());
}
Bytes plain_file() {
  return *encode_key_file(test1_key(), std::nullopt, kKdfMinimum, fixed_salt(), fixed_nonce());
}

// Recomputes the trailing checksum, as someone editing the file on purpose would.
void reseal(Bytes& file) {
  const std::size_t n = file.size() - kSha256Bytes;
  Digest d = sha256(ByteSpan(file.data(), n));
  std::copy(d.begin(), d.end(), file.begin() + static_cast<std::ptrdiff_t>(n));
}

void expect_error(const Result<SecretKey>& r, Errc code, const std::string& what) {
  ASSERT_FALSE(r) << what;
  EXPECT_EQ(r.error().code, code) << what << ": " << r.error().to_string();
}

class KeyFileDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "pactum-keyfile-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static void write_raw(const std::string& p, ByteSpan bytes) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  }
  std::filesystem::path dir_;
};

TEST(KeyFileFormat, GoldenUnencrypted) {
  // Computed independently in Python: header || seed || SHA-256(header || seed).
  EXPECT_EQ(to_hex(plain_file()),
            "50414354554d4b31010000000000000000000000000000000000000000000000"
            "0000000000000000000000000000000000000000000000000000000000000000"
            "00000000d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68"
            "f707511a9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac03"
            "1cae7f6034520e270f3ce173b3197fc8b5c87320589960e8a7d1daa1361c98ca"
            "54b5ef1c");
}

TEST(KeyFileFormat, GoldenEncrypted) {
  // Computed independently in Python (cryptography's Argon2id, HChaCha20 by
  // hand, ChaCha20-Poly1305) with salt 00..0f, nonce 10..27, opslimit 1,
  // memlimit 8192.
  EXPECT_EQ(to_hex(encrypted_file()),
            "50414354554d4b31010101000000000000000001000000000000200000010203"
            "0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
            "24252627d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68"
            "f707511a1e4b1a7497b8b1163be2396884105d25c258bb28d9d9e91d21c4e4f6"
            "4c942ed5aa965b9f46eb977a9b6a1bfa3f2a093728d768e6e98fb1dcec17a37c"
            "577377d7c4a0671e96d0ca307e916f4ef1588b37");
}

TEST(KeyFileFormat, RoundTripsInMemory) {
  Result<SecretKey> plain = decode_key_file(plain_file(), std::nullopt);
  ASSERT_TRUE(plain);
  EXPECT_EQ(to_hex(plain->seed()), kTest1Seed);
  Result<SecretKey> enc = decode_key_file(encrypted_file(), kPassphrase);
  ASSERT_TRUE(enc);
  EXPECT_EQ(to_hex(enc->seed()), kTest1Seed);
  EXPECT_EQ(*decode_key_file_encrypted(encrypted_file()), true);
  EXPECT_EQ(*decode_key_file_encrypted(plain_file()), false);
  // A passphrase offered for an unencrypted file is not needed and ignored.
  EXPECT_TRUE(decode_key_file(plain_file(), kPassphrase));
}

TEST(KeyFileFormat, WrongMissingOrEmptyPassphrase) {
  const Bytes file = encrypted_file();
  expect_error(decode_key_file(file, "correct horse battery stapl"), Errc::kBadPassphrase, "wrong");
  expect_error(decode_key_file(file, std::nullopt), Errc::kBadPassphrase, "missing");
  expect_error(decode_key_file(file, ""), Errc::kBadPassphrase, "empty");
  expect_error(decode_key_file(file, std::string(kPassphraseBytesMax + 1, 'x')),
               Errc::kBadPassphrase, "too long");
}

TEST(KeyFileFormat, EveryTruncationAndExtensionIsCorrupt) {
  int checked = 0;
  for (const Bytes& file : {plain_file(), encrypted_file()}) {
    for (std::size_t n = 0; n < file.size(); ++n) {
      expect_error(decode_key_file(ByteSpan(file.data(), n), kPassphrase), Errc::kCorruptKeyFile,
                   "truncated to " + std::to_string(n));
      ++checked;
    }
    Bytes longer = file;
    longer.push_back(0);
    expect_error(decode_key_file(longer, kPassphrase), Errc::kCorruptKeyFile, "one byte longer");
  }
  EXPECT_EQ(checked, 164 + 180);
}

TEST(KeyFileFormat, EveryBitFlipIsCorrupt) {
  int checked = 0;
  for (const Bytes& file : {plain_file(), encrypted_file()}) {
    for (std::size_t bit = 0; bit < file.size() * 8; ++bit) {
      Bytes bad = file;
      bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      expect_error(decode_key_file(bad, kPassphrase), Errc::kCorruptKeyFile,
                   "bit " + std::to_string(bit));
      ++checked;
    }
  }
  EXPECT_EQ(checked, (164 + 180) * 8);
}

TEST(KeyFileFormat, BadMagicVersionAndFlags) {
  for (std::size_t i = 0; i < 8; ++i) {
    Bytes bad = plain_file();
    bad[i] = 'X';
    reseal(bad);
    expect_error(decode_key_file(bad, std::nullopt), Errc::kCorruptKeyFile,
                 "magic byte " + std::to_string(i));
  }
  Bytes version = plain_file();
  version[8] = 2;
  reseal(version);
  expect_error(decode_key_file(version, std::nullopt), Errc::kCorruptKeyFile, "version 2");
  Bytes flags = plain_file();
  flags[9] = 0x02;
  reseal(flags);
  expect_error(decode_key_file(flags, std::nullopt), Errc::kCorruptKeyFile, "unknown flag");
  Bytes reserved = encrypted_file();
  reserved[11] = 1;
  reseal(reserved);
  expect_error(decode_key_file(reserved, kPassphrase), Errc::kCorruptKeyFile, "reserved");
}

// Edits with a recomputed checksum: only the AEAD tag or the field checks stand.
TEST(KeyFileFormat, DeliberateHeaderEditsAreRefused) {
  // Salt, nonce and public key of an encrypted file: the AEAD tag (header as
  // associated data) fails, reported as a bad passphrase.
  for (std::size_t i = 28; i < kKeyFileHeaderBytes; ++i) {
    Bytes bad = encrypted_file();
    bad[i] ^= 0x01;
    reseal(bad);
    expect_error(decode_key_file(bad, kPassphrase), Errc::kBadPassphrase,
                 "header byte " + std::to_string(i));
  }
  Bytes more_ops = encrypted_file();
  more_ops[19] = 2;  // Still in range: derives another key.
  reseal(more_ops);
  expect_error(decode_key_file(more_ops, kPassphrase), Errc::kBadPassphrase, "opslimit 2");
  Bytes zero_ops = encrypted_file();
  zero_ops[19] = 0;
  reseal(zero_ops);
  expect_error(decode_key_file(zero_ops, kPassphrase), Errc::kCorruptKeyFile, "opslimit 0");
  Bytes huge_mem = encrypted_file();
  huge_mem[20] = 0x01;  // 2^56 bytes: refused before Argon2id allocates anything.
  reseal(huge_mem);
  expect_error(decode_key_file(huge_mem, kPassphrase), Errc::kCorruptKeyFile, "memlimit 2^56");
  Bytes kdf = encrypted_file();
  kdf[10] = 7;
  reseal(kdf);
  expect_error(decode_key_file(kdf, kPassphrase), Errc::kCorruptKeyFile, "unknown KDF");
  // Unencrypted: a swapped public key, or KDF fields set, are refused too.
  Bytes pk = plain_file();
  pk[kKeyFileHeaderBytes - 1] ^= 1;
  reseal(pk);
  expect_error(decode_key_file(pk, std::nullopt), Errc::kCorruptKeyFile, "public key");
  Bytes salt = plain_file();
  salt[30] = 1;
  reseal(salt);
  expect_error(decode_key_file(salt, std::nullopt), Errc::kCorruptKeyFile, "salt in plain file");
}

// Random bytes of every plausible length, with and without our magic and
// version in front, never decode: 50,000 cases.
TEST(KeyFileFormat, RandomInputNeverDecodes) {
  std::mt19937 rng(99);
  for (int i = 0; i < 50000; ++i) {
    Bytes file(rng() % (kKeyFileBytesMax + 8));
    for (auto& b : file) b = static_cast<std::uint8_t>(rng());
    if (i % 2 == 0 && file.size() >= 10) {
      std::copy(kKeyFileMagic.begin(), kKeyFileMagic.end(), file.begin());
      file[8] = kKeyFileVersion;
      file[9] &= kKeyFileFlagEncrypted;
    }
    Result<SecretKey> r = decode_key_file(file, kPassphrase);
    ASSERT_FALSE(r) << i;
    ASSERT_EQ(r.error().code, Errc::kCorruptKeyFile) << i;
  }
}

TEST(KeyFileFormat, RefusesBadArgumentsWhenWriting) {
  SecretKey key = test1_key();
  Result<Bytes> empty = encode_key_file(key, "", kKdfMinimum, fixed_salt(), fixed_nonce());
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::kInvalidArgument);
  Result<Bytes> weak =
      encode_key_file(key, kPassphrase, KdfLimits{0, kMemLimitMin}, fixed_salt(), fixed_nonce());
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().code, Errc::kInvalidArgument);
}

TEST_F(KeyFileDir, RoundTripOnDiskWithMode0600) {
  const mode_t old_umask = ::umask(0);  // Even a permissive umask must give 0600.
  SecretKey key = SecretKey::generate();
  ASSERT_TRUE(write_key_file(path("plain.key"), key, std::nullopt));
  ASSERT_TRUE(write_key_file_with_limits(path("enc.key"), key, kPassphrase, kKdfMinimum));
  ::umask(old_umask);
  for (const char* name : {"plain.key", "enc.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat(path(name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u) << name;
  }
  EXPECT_EQ(std::filesystem::file_size(path("plain.key")), kKeyFilePlainBytes);
  EXPECT_EQ(std::filesystem::file_size(path("enc.key")), kKeyFileEncryptedBytes);
  EXPECT_EQ(*key_file_encrypted(path("plain.key")), false);
  EXPECT_EQ(*key_file_encrypted(path("enc.key")), true);
  EXPECT_EQ(read_key_file(path("plain.key"), std::nullopt)->public_key(), key.public_key());
  EXPECT_EQ(read_key_file(path("enc.key"), kPassphrase)->public_key(), key.public_key());
  expect_error(read_key_file(path("enc.key"), "wrong"), Errc::kBadPassphrase, "wrong");
  // Only the two key files: no temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 2);
}

TEST_F(KeyFileDir, DefaultInteractiveLimitsRoundTrip) {
  SecretKey key = SecretKey::generate();
  ASSERT_TRUE(write_key_file(path("k"), key, kPassphrase));
  Result<Bytes> raw = read_small_file(path("k"), kKeyFileBytesMax);
  ASSERT_TRUE(raw);
  EXPECT_EQ(from_be64(ByteSpan(*raw).subspan(12, 8)), crypto_pwhash_OPSLIMIT_INTERACTIVE);
  EXPECT_EQ(from_be64(ByteSpan(*raw).subspan(20, 8)), crypto_pwhash_MEMLIMIT_INTERACTIVE);
  EXPECT_EQ(read_key_file(path("k"), kPassphrase)->public_key(), key.public_key());
}

TEST_F(KeyFileDir, OverwriteReplacesTheKey) {
  SecretKey a = SecretKey::generate();
  SecretKey b = SecretKey::generate();
  ASSERT_TRUE(write_key_file(path("k"), a, std::nullopt));
  ASSERT_TRUE(write_key_file(path("k"), b, std::nullopt));
  EXPECT_EQ(read_key_file(path("k"), std::nullopt)->public_key(), b.public_key());
}

TEST_F(KeyFileDir, TruncatedFilesOnDiskAreCorrupt) {
  for (const Bytes& file : {plain_file(), encrypted_file()}) {
    for (std::size_t n = 0; n < file.size(); ++n) {
      write_raw(path("t"), ByteSpan(file.data(), n));
      expect_error(read_key_file(path("t"), kPassphrase), Errc::kCorruptKeyFile, std::to_string(n));
    }
  }
  write_raw(path("big"), Bytes(1 << 20, 0));
  expect_error(read_key_file(path("big"), std::nullopt), Errc::kCorruptKeyFile, "1 MiB");
}

TEST_F(KeyFileDir, IoErrors) {
  expect_error(read_key_file(path("missing"), std::nullopt), Errc::kIo, "missing file");
  Result<bool> enc = key_file_encrypted(path("missing"));
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error().code, Errc::kIo);
  Result<void> w = write_key_file(path("no/such/dir/k"), test1_key(), std::nullopt);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Errc::kIo);
}

}  // namespace
}  // namespace pactum::crypto
