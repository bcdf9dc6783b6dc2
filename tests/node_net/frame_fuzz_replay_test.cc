// Goal: the frame reader's fuzz body holds on streams of valid frames of
// every kind, every truncation of them and 20,000 seeded random mutations,
// so the fuzz invariants run in every unit run.
#include <gtest/gtest.h>

#include <random>

#include "node/net/frame.h"
#include "tests/node_net/frame_fuzz.h"

namespace pactum::node::net::fuzz {
namespace {

Bytes valid_stream(std::uint8_t chunk_byte) {
  Bytes s{chunk_byte};
  append(s, *encode_hello(Bytes(200, 0xCE), Bytes(40, 0xC7), 123));
  append(s, *encode_heartbeat(1700000000000));
  append(s, *encode_deliver(1, as_bytes("payload one")));
  append(s, *encode_deliver(2, Bytes(3000, 0x42)));
  append(s, *encode_ack(123, 2));
  append(s, *encode_close(CloseReason::kRateLimited, "too many frames"));
  return s;
}

TEST(FrameFuzz, ValidStreamsDecodeCompletely) {
  for (std::uint8_t c : {0, 1, 7, 63, 200}) EXPECT_EQ(fuzz_frames(valid_stream(c)), 6u) << int(c);
}

TEST(FrameFuzz, EveryTruncation) {
  const Bytes s = valid_stream(5);
  std::size_t last = 0;
  for (std::size_t n = 0; n <= s.size(); ++n) {
    const std::size_t got = fuzz_frames(ByteSpan(s).first(n));
    EXPECT_GE(got, last);  // A longer prefix never decodes fewer frames.
    last = got;
  }
  EXPECT_EQ(last, 6u);
}

TEST(FrameFuzz, RandomMutations) {
  std::mt19937_64 rng(20261123);
  const Bytes s = valid_stream(9);
  for (int i = 0; i < 20000; ++i) {
    Bytes m = s;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) m[rng() % m.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    (void)fuzz_frames(m);  // Aborts on a broken invariant.
  }
}

}  // namespace
}  // namespace pactum::node::net::fuzz
