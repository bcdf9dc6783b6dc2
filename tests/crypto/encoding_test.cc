// Goal: key ids, fingerprints, base64 and hex match independent golden values,
// and the decoders accept exactly the canonical encodings and nothing else.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/crypto/test_env.h"

namespace pactum::crypto {
namespace {

using testing::hex_array;

// RFC 8032 TEST 1 public key; golden values computed independently with Python
// hashlib/base64.
const PublicKey kTest1Key =
    hex_array<32>("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

TEST(KeyId, GoldenValue) {
  EXPECT_EQ(key_id(kTest1Key), "734b8ff0b9eaf9fa");  // SHA-256("pactum-key-id\0" || key)[:8].
  PublicKey other = kTest1Key;
  other[31] ^= 1;
  EXPECT_NE(key_id(other), key_id(kTest1Key));
}

TEST(Fingerprint, GoldenValue) {
  EXPECT_EQ(fingerprint(kTest1Key), "SHA256:If4x36FUomFia/hUBG/SJxt77UtqvkWqWId+9H+XIbk");
  EXPECT_EQ(fingerprint(kTest1Key).size(), 50u);
}

TEST(PublicKeyText, GoldenValueAndRoundTrip) {
  EXPECT_EQ(public_key_to_text(kTest1Key), "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  Result<PublicKey> back = public_key_from_text("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, kTest1Key);
}

TEST(PublicKeyText, WrongLengthIsBadKeyAndBadTextIsBadEncoding) {
  Result<PublicKey> short_key = public_key_from_text(base64_encode(Bytes(31, 1)));
  ASSERT_FALSE(short_key);
  EXPECT_EQ(short_key.error().code, Errc::kBadKey);
  Result<PublicKey> long_key = public_key_from_text(base64_encode(Bytes(33, 1)));
  ASSERT_FALSE(long_key);
  EXPECT_EQ(long_key.error().code, Errc::kBadKey);
  Result<PublicKey> bad = public_key_from_text("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kBadEncoding);
}

TEST(Base64, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},       {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    Result<Bytes> decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(as_chars(*decoded), plain);
  }
}

TEST(Base64, RejectsEveryNonCanonicalForm) {
  for (std::string_view bad : {
           "Zg", "Zg=", "Zg===", "Z===", "====", "=Zg=",  // lengths and padding
           "Zh==", "Zm9=",                                // non-zero trailing bits
           "Zm9v\n", " Zm9v", "Zm9 v", "Zm9v====",        // whitespace, extra padding
           "Zg==Zg==", "Zm9vYg=a",                        // data after padding
           "Zm-v", "Zm_v", "Zm9*", "Zm9\x80", "\xbf\xbf\xbf\xbf",  // outside the alphabet
       }) {
    Result<Bytes> r = base64_decode(bad);
    ASSERT_FALSE(r) << "accepted '" << bad << "'";
    EXPECT_EQ(r.error().code, Errc::kBadEncoding);
  }
}

TEST(Base64, RoundTripsEverySizeUpTo300) {
  std::mt19937 rng(20261123);
  for (std::size_t size = 0; size <= 300; ++size) {
    Bytes data(size);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    std::string text = base64_encode(data);
    EXPECT_EQ(text.size(), (size + 2) / 3 * 4);
    Result<Bytes> back = base64_decode(text);
    ASSERT_TRUE(back) << size;
    EXPECT_EQ(*back, data);
  }
}

// Property: a decoder is strict exactly when it accepts a text only if
// encoding the result gives back the same text. 200,000 random short texts over
// the alphabet, '=' and a few foreign characters.
TEST(Base64, AcceptsOnlyTextsThatReEncodeIdentically) {
  const std::string chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\x80\xc1\xff";
  std::mt19937 rng(7);
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string text(4 * (1 + rng() % 2), ' ');
    for (char& c : text) c = chars[rng() % chars.size()];
    if (rng() % 2 == 0) text[text.size() - 1] = '=';
    if (rng() % 4 == 0) text[text.size() - 2] = '=';
    Result<Bytes> r = base64_decode(text);
    if (r) {
      ++accepted;
      ASSERT_EQ(base64_encode(*r), text);
    }
  }
  EXPECT_GT(accepted, 1000);  // The property is exercised on both sides.
}

TEST(Hex, DecodesBothCasesAndRejectsBadInput) {
  Result<Bytes> r = hex_decode("00ff7fA0aB");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (Bytes{0x00, 0xff, 0x7f, 0xa0, 0xab}));
  EXPECT_TRUE(hex_decode("")->empty());
  for (std::string_view bad : {"0", "abc", "0g", "g0", " 00", "00 ", "0x00", "-1"}) {
    Result<Bytes> b = hex_decode(bad);
    ASSERT_FALSE(b) << bad;
    EXPECT_EQ(b.error().code, Errc::kBadEncoding);
  }
  Bytes all(256);
  for (std::size_t i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(*hex_decode(to_hex(all)), all);
}

TEST(Random, NoncesDiffer) {
  EXPECT_NE(random_nonce(), random_nonce());
  Bytes a(32), b(32);
  random_bytes(a);
  random_bytes(b);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace pactum::crypto
