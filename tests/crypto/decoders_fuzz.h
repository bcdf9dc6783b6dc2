// The crypto decoders' fuzz body, shared by the libFuzzer target and the
// replay unit test. The first input byte picks the decoder; the rest is its
// input. Aborts (PACTUM_ASSERT) when a decoder breaks its own contract.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pactum::crypto::fuzz {

enum class Decoder : std::uint8_t {
  kBase64 = 0,
  kHex = 1,
  kKeyFile = 2,
  kCertificateDer = 3,
  kCertificatePem = 4,
};
inline constexpr std::uint8_t kDecoderCount = 5;

void fuzz_decoders_one(const std::uint8_t* data, std::size_t size);

}  // namespace pactum::crypto::fuzz
