// Goal: a VerifyMemo changes how long a verification takes, never its
// outcome: a remembered signature is answered without the curve check, and
// every change to its key, message, signature or domain is still rejected;
// failures are never remembered; a memo serves only the threads that use it.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>

#include "tests/crypto/test_env.h"

namespace pactum::crypto {
namespace {

constexpr std::string_view kDomain = "pactum/test/memo";

struct Signed {
  SecretKey key = SecretKey::generate();
  Bytes message = Bytes(200, 0x5a);
  Signature sig = key.sign(kDomain, message);
};

template <class T>
T flip_bit(T in, std::size_t bit) {
  in[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  return in;
}

TEST(VerifyMemo, ARepeatIsAHitAndEveryChangeIsStillRejected) {
  Signed s;
  VerifyMemo memo;
  VerifyMemo::Use use(memo);
  ASSERT_TRUE(verify(s.key.public_key(), kDomain, s.message, s.sig));
  ASSERT_TRUE(verify(s.key.public_key(), kDomain, s.message, s.sig));
  EXPECT_EQ(memo.stats().hits, 1u);
  EXPECT_EQ(memo.stats().misses, 1u);

  std::size_t rejected = 0;
  for (std::size_t bit = 0; bit < s.message.size() * 8; bit += 7, ++rejected) {
    ASSERT_FALSE(verify(s.key.public_key(), kDomain, flip_bit(s.message, bit), s.sig)) << "message bit " << bit;
  }
  for (std::size_t bit = 0; bit < kSignatureBytes * 8; ++bit, ++rejected) {
    ASSERT_FALSE(verify(s.key.public_key(), kDomain, s.message, flip_bit(s.sig, bit))) << "signature bit " << bit;
  }
  for (std::size_t bit = 0; bit < kPublicKeyBytes * 8; ++bit, ++rejected) {
    ASSERT_FALSE(verify(flip_bit(s.key.public_key(), bit), kDomain, s.message, s.sig)) << "key bit " << bit;
  }
  ASSERT_FALSE(verify(s.key.public_key(), "pactum/test/other", s.message, s.sig));
  ++rejected;
  // Every rejection ran the curve check; the original still hits.
  EXPECT_EQ(memo.stats().misses, 1u + rejected);
  EXPECT_EQ(memo.stats().hits, 1u);
  EXPECT_TRUE(verify(s.key.public_key(), kDomain, s.message, s.sig));
  EXPECT_EQ(memo.stats().hits, 2u);
}

TEST(VerifyMemo, FailuresAreNeverRemembered) {
  Signed s;
  const Signature bad = flip_bit(s.sig, 3);
  VerifyMemo memo;
  VerifyMemo::Use use(memo);
  for (int i = 0; i < 3; ++i) {
    Result<void> r = verify(s.key.public_key(), kDomain, s.message, bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kBadSignature);
  }
  EXPECT_EQ(memo.stats().hits, 0u);
  EXPECT_EQ(memo.stats().misses, 3u);
}

TEST(VerifyMemo, OnlyTheUsingThreadAndTheInnermostUseAreServed) {
  Signed s;
  VerifyMemo outer, inner;
  ASSERT_TRUE(verify(s.key.public_key(), kDomain, s.message, s.sig));  // No memo in use.
  EXPECT_EQ(outer.stats().misses, 0u);
  {
    VerifyMemo::Use use_outer(outer);
    ASSERT_TRUE(verify(s.key.public_key(), kDomain, s.message, s.sig));
    {
      VerifyMemo::Use use_inner(inner);
      ASSERT_TRUE(verify(s.key.public_key(), kDomain, s.message, s.sig));
      EXPECT_EQ(inner.stats().misses, 1u);  // Its own, empty memo.
    }
    std::thread other([&] { ASSERT_TRUE(verify(s.key.public_key(), kDomain, s.message, s.sig)); });
    other.join();
    ASSERT_TRUE(verify(s.key.public_key(), kDomain, s.message, s.sig));
  }
  EXPECT_EQ(outer.stats().misses, 1u);
  EXPECT_EQ(outer.stats().hits, 1u);  // The other thread and the inner scope did not touch it.
  EXPECT_EQ(inner.stats().hits, 0u);
}

// Thousands of generated cases, valid and corrupted, each checked twice
// under a memo: the outcome equals the plain check's every time.
TEST(VerifyMemo, OutcomesEqualThePlainCheckOverGeneratedCases) {
  constexpr int kCases = 2000;
  std::vector<SecretKey> keys;
  for (int i = 0; i < 4; ++i) keys.push_back(SecretKey::generate());
  std::uint32_t state = 12345;
  auto next = [&state] {  // An LCG's high bits: its low ones have short periods.
    state = state * 1664525u + 1013904223u;
    return state >> 12;
  };
  VerifyMemo memo;
  int valid = 0;
  for (int i = 0; i < kCases; ++i) {
    const SecretKey& signer = keys[next() % keys.size()];
    Bytes message(4 + next() % 300, 0);  // Starts with the case number: no case repeats another.
    for (auto& b : message) b = static_cast<std::uint8_t>(next());
    std::memcpy(message.data(), &i, 4);
    Signature sig = signer.sign(kDomain, message);
    PublicKey key = signer.public_key();
    switch (next() % 4) {
      case 0: break;
      case 1: message[next() % message.size()] ^= 1; break;
      case 2: sig[next() % sig.size()] ^= 0x10; break;
      case 3: key = keys[next() % keys.size()].public_key(); break;
    }
    const bool plain = verify(key, kDomain, message, sig).has_value();
    VerifyMemo::Use use(memo);
    ASSERT_EQ(verify(key, kDomain, message, sig).has_value(), plain) << "case " << i;
    ASSERT_EQ(verify(key, kDomain, message, sig).has_value(), plain) << "case " << i << ", again";
    valid += plain ? 1 : 0;
  }
  EXPECT_GT(valid, kCases / 4);             // Both outcomes were exercised.
  EXPECT_LT(valid, kCases * 3 / 4 + kCases / 8);
  EXPECT_EQ(memo.stats().hits, static_cast<std::uint64_t>(valid));
}

}  // namespace
}  // namespace pactum::crypto
