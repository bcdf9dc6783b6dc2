// Goal: over thousands of random domains, messages and splits, signatures
// verify only under the exact (key, domain, message), follow the prefix rule,
// and the hash and text codecs agree with their one-shot and inverse forms.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "crypto/crypto_limits.h"
#include "tests/crypto/test_env.h"

namespace pactum::crypto {
namespace {

constexpr std::size_t kMessageBytesMax = 2048;  // Crosses the 1 KiB stack-buffer path.

rc::Gen<std::string> domain_gen() {
  return rc::gen::suchThat(
      rc::gen::container<std::string>(rc::gen::inRange<char>(1, 127)),
      [](const std::string& d) { return !d.empty() && d.size() <= kDomainBytesMax; });
}

rc::Gen<Bytes> message_gen() {
  return rc::gen::resize(kMessageBytesMax, rc::gen::arbitrary<Bytes>());
}

const SecretKey& shared_key() {
  static const SecretKey kKey = SecretKey::generate();
  return kKey;
}

RC_GTEST_PROP(CryptoProperty, SignaturesVerifyOnlyUnderTheirDomainAndMessage, ()) {
  const std::string domain = *domain_gen();
  const std::string other = *domain_gen();
  const Bytes message = *message_gen();
  const SecretKey& key = shared_key();
  const Signature sig = key.sign(domain, message);
  RC_ASSERT(verify(key.public_key(), domain, message, sig).has_value());
  Bytes prefixed = to_bytes(domain);
  prefixed.push_back(0);
  append(prefixed, message);
  RC_ASSERT(sig == key.sign_raw(prefixed));
  if (other != domain) RC_ASSERT(!verify(key.public_key(), other, message, sig).has_value());
  if (!message.empty()) {
    Bytes changed = message;
    const auto i = *rc::gen::inRange<std::size_t>(0, changed.size());
    changed[i] ^= static_cast<std::uint8_t>(*rc::gen::inRange(1, 256));
    RC_ASSERT(!verify(key.public_key(), domain, changed, sig).has_value());
  }
  Signature bad = sig;
  const auto bit = *rc::gen::inRange<std::size_t>(0, kSignatureBytes * 8);
  bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  RC_ASSERT(!verify(key.public_key(), domain, message, bad).has_value());
}

RC_GTEST_PROP(CryptoProperty, IncrementalSha256MatchesOneShot, ()) {
  const Bytes data = *rc::gen::resize(4096, rc::gen::arbitrary<Bytes>());
  auto cuts = *rc::gen::container<std::vector<std::size_t>>(
      rc::gen::inRange<std::size_t>(0, data.size() + 1));
  std::sort(cuts.begin(), cuts.end());
  Sha256 h;
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    h.update(ByteSpan(data).subspan(at, cut - at));
    at = cut;
  }
  h.update(ByteSpan(data).subspan(at));
  RC_ASSERT(h.finish() == sha256(data));
}

RC_GTEST_PROP(CryptoProperty, TextCodecsRoundTrip, (const Bytes& data)) {
  const Result<Bytes> b64 = base64_decode(base64_encode(data));
  RC_ASSERT(b64.has_value());
  RC_ASSERT(*b64 == data);
  const Result<Bytes> hex = hex_decode(to_hex(data));
  RC_ASSERT(hex.has_value());
  RC_ASSERT(*hex == data);
}

}  // namespace
}  // namespace pactum::crypto
