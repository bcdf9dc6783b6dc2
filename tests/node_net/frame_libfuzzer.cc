// libFuzzer entry point for the transport frame reader (built with -Dfuzz=true and clang).
#include <cstddef>
#include <cstdint>

#include "tests/node_net/frame_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)pactum::node::net::fuzz::fuzz_frames(pactum::ByteSpan(data, size));
  return 0;
}
