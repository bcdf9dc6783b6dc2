// Fuzz body: evidence bundle verification (ledger/evidence.h verify_evidence).
// A bundle comes from whoever hands it over in a dispute, so every byte is
// hostile. Checks: no exception, no crash; a report that says ok has every
// check passed and names the contract; verifying the same bytes twice gives
// the same verdict and bundle hash. The trusted roots are the seed corpus's
// organizations (tests/evidence/fixture: keys seeded with 0x11 and 0x21), so
// mutations of a real bundle get past the signature checks.
#include <array>

#include "ledger/evidence.h"
#include "tests/fuzz/targets.h"

namespace pactum::fuzz {
namespace {

crypto::PublicKey seeded_public(std::uint8_t tag) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(tag);
  auto key = crypto::SecretKey::from_seed(seed);
  PACTUM_ASSERT(key.has_value());
  return key->public_key();
}

const std::vector<crypto::PublicKey>& roots() {
  static const std::vector<crypto::PublicKey> r{seeded_public(0x11), seeded_public(0x21)};
  return r;
}

bool evidence_init() {
  if (!crypto::init()) return false;
  (void)roots();
  return true;
}

void evidence_one(const std::uint8_t* data, std::size_t size) {
  ledger::Report r;
  try {
    r = ledger::verify_evidence(ByteSpan(data, size), roots());
  } catch (...) {
    PACTUM_ASSERT(false && "verify_evidence threw");
  }
  if (r.ok()) {
    PACTUM_ASSERT(!r.checks.empty());
    for (const auto& c : r.checks) PACTUM_ASSERT(c.ok);
    PACTUM_ASSERT(!r.contract_id_hex.empty());
  }
  ledger::Report again = ledger::verify_evidence(ByteSpan(data, size), roots());
  PACTUM_ASSERT(again.ok() == r.ok());
  PACTUM_ASSERT(again.bundle_hash == r.bundle_hash);
  PACTUM_ASSERT(again.checks.size() == r.checks.size());
}

}  // namespace

const Target& evidence_target() {
  static const Target t{"evidence", evidence_init, evidence_one};
  return t;
}

}  // namespace pactum::fuzz
