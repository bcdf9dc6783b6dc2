// libFuzzer entry point for the crypto decoders (built with -Dfuzz=true and clang).
#include <cstdint>
#include <cstdlib>

#include "crypto/crypto.h"
#include "tests/crypto/decoders_fuzz.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!pactum::crypto::init()) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pactum::crypto::fuzz::fuzz_decoders_one(data, size);
  return 0;
}
