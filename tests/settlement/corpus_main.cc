// Goal: settle the 10,000-contract corpus and print one digest over every
// outcome, so builds at -O0, -O2 and with clang can be compared byte for byte
// (tests/settlement/determinism.sh). Also prints coverage counts.
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "tests/settlement/corpus.h"

int main(int argc, char** argv) {
  using namespace pactum::settlement;
  const std::uint64_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000;
  const std::uint64_t seed = 20241123;
  crypto_hash_sha256_state h;
  crypto_hash_sha256_init(&h);
  std::uint64_t ok = 0, invoices = 0, lines = 0, amendments = 0;
  std::string buf;
  std::map<int, std::uint64_t> errors;  // By error code, for the coverage line.
  for (std::uint64_t i = 0; i < count; ++i) {
    Contract k = corpus::generate(seed, i);
    amendments += k.amendments.size();
    pactum::Result<SettlementResult> r = settle(k);
    if (r) {
      ++ok;
      invoices += r->invoices.size();
      for (const Invoice& inv : r->invoices) lines += inv.lines.size();
    } else {
      ++errors[static_cast<int>(r.error().code)];
    }
    buf.clear();
    corpus::fingerprint(r, buf);
    crypto_hash_sha256_update(&h, reinterpret_cast<const unsigned char*>(buf.data()), buf.size());
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&h, digest);
  std::fprintf(stderr, "contracts %llu settled %llu errors %llu invoices %llu lines %llu amendments %llu\n",
               static_cast<unsigned long long>(count), static_cast<unsigned long long>(ok),
               static_cast<unsigned long long>(count - ok), static_cast<unsigned long long>(invoices),
               static_cast<unsigned long long>(lines), static_cast<unsigned long long>(amendments));
  for (const auto& [code, n] : errors) {
    std::fprintf(stderr, "  error %s: %llu\n", std::string(pactum::errc_name(static_cast<pactum::Errc>(code))).c_str(),
                 static_cast<unsigned long long>(n));
  }
  for (unsigned char c : digest) std::printf("%02x", c);
  std::printf("\n");
  return 0;
}
