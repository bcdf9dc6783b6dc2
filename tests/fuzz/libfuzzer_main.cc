// libFuzzer entry points for the protocol fuzz target (clang, -Dfuzz=true).
#include <cstdlib>

#include "tests/fuzz/envelope_fuzz.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!pactum::fuzz::init_protocol_fuzz()) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pactum::fuzz::fuzz_protocol_one(data, size);
  return 0;
}
