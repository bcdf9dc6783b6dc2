// A deterministic generator of settlement contracts with amendment sequences,
// and a byte fingerprint of settlement outcomes. Shared by the property tests,
// the determinism corpus (built at -O0, -O2 and with clang) and the benchmark.
// Test-only code; a splitmix64 stream seeded by the caller, no global state.
#pragma once

#include <cstdint>
#include <string>

#include "settlement/settlement.h"

namespace pactum::settlement::corpus {

// splitmix64: tiny, portable and identical on every compiler.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform-enough integer in [lo, hi] (modulo bias is irrelevant here).
  std::int64_t range(std::int64_t lo, std::int64_t hi);
  bool chance(int percent) { return range(0, 99) < percent; }

 private:
  std::uint64_t state_ = 0;
};

// Contract number `index` of the corpus with `seed`: 1-4 charges of every
// model, usage, 0-5 amendments of every kind, random conventions, tax,
// discounts, escrow. Some contracts are invalid on purpose (amendments on
// cancelled charges, usage outside service): their errors are part of the digest.
Contract generate(std::uint64_t seed, std::uint64_t index);

// Appends a canonical byte fingerprint of an outcome (result or error code
// and detail) to `out`: fixed-width big-endian integers, length-prefixed text.
void fingerprint(const Result<SettlementResult>& outcome, std::string& out);

}  // namespace pactum::settlement::corpus
