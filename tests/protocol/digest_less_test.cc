// Goal: DigestLess (the engine's map order) orders 32-byte digests exactly as
// std::less<std::array> does, so replacing it changes no iteration order.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "protocol/negotiation_types.h"

namespace pactum::protocol {
namespace {

TEST(DigestLess, AgreesWithLexicographicOrder) {
  std::mt19937_64 rng(20261123);
  DigestLess ours;
  std::less<crypto::Digest> reference;
  auto random_digest = [&]() {
    crypto::Digest d{};
    for (auto& b : d) b = static_cast<std::uint8_t>(rng());
    return d;
  };
  for (int i = 0; i < 200000; ++i) {
    crypto::Digest a = random_digest();
    crypto::Digest b = a;
    // Differ in one byte (often), in a few, or not at all: every position and
    // both signs of difference, including bytes with the top bit set.
    switch (i % 4) {
      case 0: b[rng() % b.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255); break;
      case 1: b = random_digest(); break;
      case 2: b[b.size() - 1] = static_cast<std::uint8_t>(b[b.size() - 1] + 1); break;
      case 3: break;
    }
    ASSERT_EQ(ours(a, b), reference(a, b)) << i;
    ASSERT_EQ(ours(b, a), reference(b, a)) << i;
  }
  crypto::Digest zero{};
  crypto::Digest top{};
  top[0] = 0x80;
  EXPECT_TRUE(ours(zero, top));
  EXPECT_FALSE(ours(top, zero));
  EXPECT_FALSE(ours(zero, zero));
}

}  // namespace
}  // namespace pactum::protocol
