// Shared set-up for the crypto tests: crypto::init() before any test runs,
// and small helpers to write vectors as hex.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "crypto/crypto.h"

namespace pactum::crypto::testing {

class CryptoEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { ASSERT_TRUE(init()); }
};

// Registered before main() runs; gtest owns the environment.
inline ::testing::Environment* const kCryptoEnvironment =
    ::testing::AddGlobalTestEnvironment(new CryptoEnvironment);

// Hex from a trusted literal in a test; a typo is a test bug, so abort loudly.
inline Bytes hex(std::string_view text) {
  Result<Bytes> r = hex_decode(text);
  PACTUM_ASSERT(r.has_value());
  return *r;
}

template <std::size_t N>
std::array<std::uint8_t, N> hex_array(std::string_view text) {
  Bytes b = hex(text);
  PACTUM_ASSERT(b.size() == N);
  std::array<std::uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

}  // namespace pactum::crypto::testing
