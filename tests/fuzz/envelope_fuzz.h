// The body of the protocol fuzz target, shared by the libFuzzer entry point
// and the corpus replay test.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pactum::fuzz {

// Initializes crypto once. Returns false if it cannot start.
bool init_protocol_fuzz();

// Feeds one input to the decoder and envelope verifier and checks their
// contracts; aborts (PACTUM_ASSERT) on any violation.
void fuzz_protocol_one(const std::uint8_t* data, std::size_t size);

}  // namespace pactum::fuzz
