// libFuzzer entry points for one target of targets.h, chosen at build time by
// -DPACTUM_FUZZ_TARGET=<name>_target (clang, -Dfuzz=true).
#include <cstdlib>

#include "tests/fuzz/targets.h"

#ifndef PACTUM_FUZZ_TARGET
#error "build with -DPACTUM_FUZZ_TARGET=<name>_target"
#endif

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!pactum::fuzz::PACTUM_FUZZ_TARGET().init()) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pactum::fuzz::PACTUM_FUZZ_TARGET().one(data, size);
  return 0;
}
