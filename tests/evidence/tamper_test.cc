// Goal: any single flipped byte anywhere in a valid evidence bundle makes
// verification fail (every byte of the bundle is covered by a check).
#include <gtest/gtest.h>

#include "ledger/evidence.h"
#include "tests/evidence/fixture.h"

namespace pactum::evidence_test {
namespace {

// Positions flipped per run: every byte of a small bundle, else an even
// stride over it plus its first and last kDenseEdgeBytes bytes (headers,
// list pointers and the tax table sit there). Bounds the test to seconds.
constexpr std::size_t kFlipsMax = 4000;
constexpr std::size_t kDenseEdgeBytes = 1024;

TEST(EvidenceTamper, EveryFlippedByteFails) {
  World w;
  const Bytes valid = w.bundle();
  ASSERT_TRUE(ledger::verify_evidence(valid, w.roots()).ok());
  // An odd stride walks through every offset within the 8-byte words.
  const std::size_t stride = valid.size() <= kFlipsMax ? 1 : (valid.size() / kFlipsMax + 1) | 1;
  std::size_t flipped = 0;
  for (std::size_t at = 0; at < valid.size(); ++at) {
    const bool edge = at < kDenseEdgeBytes || at + kDenseEdgeBytes >= valid.size();
    if (!edge && at % stride != 0) continue;
    Bytes t = valid;
    // Alternate masks so both low and high bits of each field get flipped.
    t[at] ^= static_cast<std::uint8_t>(at % 2 == 0 ? 0x01 : 0x80);
    ledger::Report r = ledger::verify_evidence(t, w.roots());
    ASSERT_FALSE(r.ok()) << "flipping byte " << at << " of " << valid.size() << " went unnoticed";
    ++flipped;
  }
  std::printf("flipped %zu of %zu bytes (stride %zu), every one failed\n", flipped, valid.size(), stride);
  EXPECT_GT(flipped, std::min<std::size_t>(valid.size(), 2000));
}

}  // namespace
}  // namespace pactum::evidence_test
