// Goal: the decoders' fuzz body holds on seeds built from valid inputs (key
// files, certificates, PEM, base64, hex), every truncation of each and 20,000
// seeded random byte mutations, so the fuzz invariants run in every unit run.
#include <gtest/gtest.h>

#include <random>

#include "crypto/key_file_internal.h"
#include "tests/crypto/decoders_fuzz.h"
#include "tests/crypto/test_env.h"

namespace pactum::crypto::fuzz {
namespace {

constexpr int kMutationsPerSeed = 2000;

Bytes seed_of(Decoder d, ByteSpan body) {
  Bytes out(body.size() + 1);
  out[0] = static_cast<std::uint8_t>(d);
  std::copy(body.begin(), body.end(), out.begin() + 1);
  return out;
}

std::vector<Bytes> seeds() {
  SecretKey key = SecretKey::generate();
  const X509Der cert = *make_certificate(key, "Acme Root", key.public_key(), "Acme Root", true, 0,
                                         2000000000);
  const Bytes plain = *encode_key_file(key, std::nullopt, kKdfMinimum, {}, {});
  const Bytes enc = *encode_key_file(key, "pw", kKdfMinimum, {}, {});
  return {
      seed_of(Decoder::kBase64, as_bytes(base64_encode(as_bytes("fooba")))),
      seed_of(Decoder::kBase64, as_bytes(public_key_to_text(key.public_key()))),
      seed_of(Decoder::kHex, as_bytes("00ff7fA0aB")),
      seed_of(Decoder::kKeyFile, plain),
      seed_of(Decoder::kKeyFile, enc),
      seed_of(Decoder::kCertificateDer, cert.der),
      seed_of(Decoder::kCertificatePem, as_bytes(certificate_to_pem(cert))),
  };
}

// Exact-size heap copies, so sanitizers catch any read past the end.
void run(const Bytes& input) {
  Bytes copy(input);
  copy.shrink_to_fit();
  fuzz_decoders_one(copy.data(), copy.size());
}

TEST(CryptoFuzzReplay, SeedsTruncationsAndMutations) {
  std::mt19937 rng(424242);
  std::size_t inputs = 0;
  for (const Bytes& seed : seeds()) {
    for (std::size_t n = 0; n <= seed.size(); ++n) {
      run(Bytes(seed.begin(), seed.begin() + static_cast<std::ptrdiff_t>(n)));
      ++inputs;
    }
    for (int i = 0; i < kMutationsPerSeed; ++i) {
      Bytes m = seed;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) m[1 + rng() % (m.size() - 1)] = static_cast<std::uint8_t>(rng());
      run(m);
      ++inputs;
    }
  }
  EXPECT_GT(inputs, 7u * kMutationsPerSeed);
}

}  // namespace
}  // namespace pactum::crypto::fuzz
