// Goal: Ed25519 signing reproduces every RFC 8032 section 7.1 vector from its
// seed, verification rejects every single-bit change and every cross-domain
// replay, and the domain prefix is exactly domain || 0x00 || message.
#include <gtest/gtest.h>

#include <string>

#include "tests/crypto/test_env.h"

namespace pactum::crypto {
namespace {

using testing::hex;
using testing::hex_array;

struct RfcVector {
  const char* name;
  const char* seed;
  const char* public_key;
  std::string message;
  const char* signature;
};

// RFC 8032 section 7.1, TEST 1, 2, 3, 1024 and SHA(abc), typed from the RFC.
const std::vector<RfcVector>& rfc8032_vectors() {
  static const std::vector<RfcVector> kVectors = {
      {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
       "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
       "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
      {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
       "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
       "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
      {"TEST 1024", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
       "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
       "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
       "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
       "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
       "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
       "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
       "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
       "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
       "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
       "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
       "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
       "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
       "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
       "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
       "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
       "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
       "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
       "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
       "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
       "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
       "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
       "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
       "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
       "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
       "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
       "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
       "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
       "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
       "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
       "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
       "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
       "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
       "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
       "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
       "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
      {"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
       "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
       "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
       "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
  };
  return kVectors;
}

TEST(Ed25519, Rfc8032VectorsSignAndVerify) {
  for (const RfcVector& v : rfc8032_vectors()) {
    SCOPED_TRACE(v.name);
    Result<SecretKey> key = SecretKey::from_seed(hex(v.seed));
    ASSERT_TRUE(key);
    EXPECT_EQ(to_hex(key->public_key()), v.public_key);
    EXPECT_EQ(to_hex(key->seed()), v.seed);
    Bytes message = hex(v.message);
    Signature sig = key->sign_raw(message);
    EXPECT_EQ(to_hex(sig), v.signature);
    EXPECT_TRUE(verify_raw(hex_array<32>(v.public_key), message, hex_array<64>(v.signature)));
  }
  EXPECT_EQ(hex(rfc8032_vectors()[3].message).size(), 1023u);  // "TEST 1024" is 1023 bytes.
}

Bytes flip_bit(ByteSpan in, std::size_t bit) {
  Bytes out(in.begin(), in.end());
  out[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  return out;
}

TEST(Ed25519, EveryBitFlipInMessageSignatureOrKeyIsRejected) {
  int rejected = 0;
  for (const RfcVector& v : rfc8032_vectors()) {
    SCOPED_TRACE(v.name);
    const PublicKey pk = hex_array<32>(v.public_key);
    const Signature sig = hex_array<64>(v.signature);
    const Bytes message = hex(v.message);
    for (std::size_t bit = 0; bit < message.size() * 8; ++bit) {
      Result<void> r = verify_raw(pk, flip_bit(message, bit), sig);
      ASSERT_FALSE(r) << "message bit " << bit;
      EXPECT_EQ(r.error().code, Errc::kBadSignature);
      ++rejected;
    }
    for (std::size_t bit = 0; bit < kSignatureBytes * 8; ++bit) {
      Bytes bad = flip_bit(sig, bit);
      Signature bad_sig{};
      std::copy(bad.begin(), bad.end(), bad_sig.begin());
      ASSERT_FALSE(verify_raw(pk, message, bad_sig)) << "signature bit " << bit;
      ++rejected;
    }
    for (std::size_t bit = 0; bit < kPublicKeyBytes * 8; ++bit) {
      Bytes bad = flip_bit(pk, bit);
      PublicKey bad_pk{};
      std::copy(bad.begin(), bad.end(), bad_pk.begin());
      ASSERT_FALSE(verify_raw(bad_pk, message, sig)) << "key bit " << bit;
      ++rejected;
    }
  }
  // 5 vectors x (512 + 256) flips, plus 8 per message byte (0+1+2+1023+64 bytes).
  EXPECT_EQ(rejected, 5 * (512 + 256) + 8 * (0 + 1 + 2 + 1023 + 64));
}

TEST(Ed25519, NonCanonicalSIsRejected) {
  const RfcVector& v = rfc8032_vectors()[0];
  Signature sig = hex_array<64>(v.signature);
  // S + L, with L the group order 2^252 + 27742317777372353535851937790883648493,
  // little-endian: a malleated signature a lax verifier would accept.
  const Bytes order = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned sum = sig[32 + i] + order[i] + carry;
    sig[32 + i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);
  EXPECT_FALSE(verify_raw(hex_array<32>(v.public_key), {}, sig));
}

TEST(Ed25519, IdentityKeyWithTrivialSignatureIsRejected) {
  // Identity point as key, R = identity and S = 0: "verifies" any message
  // under a verifier that does not reject small-order points.
  PublicKey identity{};
  identity[0] = 1;
  Signature sig{};
  sig[0] = 1;
  Result<void> r = verify_raw(identity, as_bytes("anything"), sig);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadSignature);
  EXPECT_FALSE(verify(identity, "pactum-test", as_bytes("anything"), sig));
}

TEST(Ed25519, DomainPrefixIsDomainZeroMessage) {
  SecretKey key = *SecretKey::from_seed(hex(rfc8032_vectors()[0].seed));
  const Bytes message = to_bytes("abc");
  Signature sig = key.sign("pactum-test", message);
  EXPECT_EQ(sig, key.sign_raw(to_bytes(std::string("pactum-test\0abc", 15))));
  EXPECT_TRUE(verify(key.public_key(), "pactum-test", message, sig));
  // Golden, computed independently with Python's `cryptography` over
  // b"pactum-test\x00abc": a change to the rule or the library is caught.
  EXPECT_EQ(to_hex(sig),
            "8661db1a9365e55be874dd8a6c3e54abd276cb4bf0baf4823464dbf2e70dba4c"
            "61fdc6809c1f3e2f3f6a157037e63906817d58d841c5c4792852eda8ffea8b00");
}

TEST(Ed25519, SignatureUnderOneDomainFailsUnderAnother) {
  SecretKey key = SecretKey::generate();
  const Bytes message = to_bytes("transfer 100 EUR");
  Signature sig = key.sign("pactum/propose", message);
  EXPECT_TRUE(verify(key.public_key(), "pactum/propose", message, sig));
  Result<void> r = verify(key.public_key(), "pactum/accept", message, sig);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadSignature);
  EXPECT_FALSE(verify(key.public_key(), "pactum/propos", message, sig));
  EXPECT_FALSE(verify_raw(key.public_key(), message, sig));
  // The NUL separator keeps the domain/message boundary unambiguous.
  Signature ab_c = key.sign("ab", as_bytes("c"));
  EXPECT_FALSE(verify(key.public_key(), "a", as_bytes("bc"), ab_c));
  EXPECT_FALSE(verify(key.public_key(), "abc", {}, ab_c));
}

TEST(Ed25519, LargeMessagesTakeTheHeapPathAndStillVerify) {
  SecretKey key = SecretKey::generate();
  // Around the stack buffer's edge (DomainMessage::kStackBytes) and far beyond it.
  constexpr std::size_t kEdge = DomainMessage::kStackBytes - 12;  // 12 = "pactum-test" + NUL.
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, kEdge - 1, kEdge, kEdge + 1,
                           std::size_t{1} << 20}) {
    Bytes message(size, 0x61);
    Signature sig = key.sign("pactum-test", message);
    EXPECT_TRUE(verify(key.public_key(), "pactum-test", message, sig)) << size;
    Bytes prefixed = to_bytes(std::string("pactum-test\0", 12));
    append(prefixed, message);
    EXPECT_EQ(sig, key.sign_raw(prefixed)) << size;
    if (size > 0) {
      message[size - 1] ^= 1;
      EXPECT_FALSE(verify(key.public_key(), "pactum-test", message, sig)) << size;
    }
  }
}

// A message built once in two parts is what sign() and verify() cover.
TEST(Ed25519, DomainMessageInTwoPartsIsTheSignedMessage) {
  SecretKey key = SecretKey::generate();
  for (std::size_t size : {std::size_t{0}, std::size_t{100}, DomainMessage::kStackBytes, std::size_t{3} << 14}) {
    Bytes head(size / 3, 0x11), rest(size - size / 3, 0x22);
    Bytes whole = head;
    append(whole, rest);
    const DomainMessage m("pactum-test", head, rest);
    EXPECT_EQ(Bytes(m.message().begin(), m.message().end()), whole) << size;
    const Signature sig = key.sign("pactum-test", whole);
    EXPECT_TRUE(verify(key.public_key(), m, sig)) << size;
    EXPECT_EQ(key.sign_raw(m.signed_bytes()), sig) << size;
    const DomainMessage other("pactum-other", head, rest);
    EXPECT_FALSE(verify(key.public_key(), other, sig)) << size;
  }
}

TEST(Ed25519, FromSeedRejectsWrongLengths) {
  for (std::size_t size : {0u, 31u, 33u, 64u}) {
    Result<SecretKey> r = SecretKey::from_seed(Bytes(size, 7));
    ASSERT_FALSE(r) << size;
    EXPECT_EQ(r.error().code, Errc::kBadKey);
  }
}

TEST(Ed25519, GeneratedKeysDifferAndSurviveMoves) {
  SecretKey a = SecretKey::generate();
  SecretKey b = SecretKey::generate();
  EXPECT_NE(a.public_key(), b.public_key());
  const PublicKey a_pk = a.public_key();
  SecretKey moved = std::move(a);
  EXPECT_EQ(moved.public_key(), a_pk);
  Signature sig = moved.sign("pactum-test", as_bytes("m"));
  EXPECT_TRUE(verify(a_pk, "pactum-test", as_bytes("m"), sig));
  b = std::move(moved);
  EXPECT_EQ(b.public_key(), a_pk);
  EXPECT_TRUE(verify(a_pk, "pactum-test", as_bytes("m"), b.sign("pactum-test", as_bytes("m"))));
  // A key rebuilt from the seed is the same key.
  SecretKey again = *SecretKey::from_seed(b.seed());
  EXPECT_EQ(again.public_key(), a_pk);
}

TEST(Ed25519DeathTest, EmptyOrNulDomainIsABug) {
  SecretKey key = SecretKey::generate();
  EXPECT_DEATH((void)key.sign("", as_bytes("m")), "assertion failed");
  EXPECT_DEATH((void)key.sign(std::string_view("a\0b", 3), as_bytes("m")), "assertion failed");
  EXPECT_DEATH((void)verify(key.public_key(), "", as_bytes("m"), Signature{}), "assertion failed");
}

}  // namespace
}  // namespace pactum::crypto
