// Goal: decoding untrusted bytes never crashes or over-reads, and every bad
// input (truncated, oversized, misaligned, too deep, non-canonical, wrongly
// typed, random) fails with the documented typed error.
#include <capnp/message.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tests/protocol/fixtures.h"

namespace pactum::protocol {
namespace {

using fixtures::key_from_byte;
using fixtures::seal_example;

bool is_decode_error(Errc c) {
  return c == Errc::kMalformedMessage || c == Errc::kMessageTooLarge || c == Errc::kNonCanonical;
}

Bytes words_to_bytes(kj::ArrayPtr<const capnp::word> words) {
  auto b = words.asBytes();
  return Bytes(b.begin(), b.end());
}

TEST(Decode, EveryTruncationIsMalformed) {
  Bytes good = seal_example(PayloadKind::PROPOSE, key_from_byte(1));
  ASSERT_TRUE(decode<wire::Envelope>(good).has_value());
  for (std::size_t n = 0; n < good.size(); ++n) {
    // A heap copy of exactly n bytes, so ASan sees any read past the end.
    Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    cut.shrink_to_fit();
    auto r = decode<wire::Envelope>(cut);
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code, Errc::kMalformedMessage) << n << ": " << r.error().to_string();
  }
}

TEST(Decode, SizeLimitsAreEnforced) {
  Bytes huge(kMaxMessageBytes + kWordBytes, 0);
  auto r = decode<wire::Envelope>(huge);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMessageTooLarge);

  Bytes good = seal_example(PayloadKind::ACCEPT, key_from_byte(1));
  DecodeLimits tight;
  tight.max_bytes = good.size() - kWordBytes;
  r = decode<wire::Envelope>(good, Canonical::kRequire, tight);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMessageTooLarge);
  tight.max_bytes = good.size();
  EXPECT_TRUE(decode<wire::Envelope>(good, Canonical::kRequire, tight).has_value());

  // A traversal budget smaller than the message is a size error too.
  DecodeLimits stingy;
  stingy.traversal_limit_words = 4;
  r = decode<wire::Envelope>(good, Canonical::kRequire, stingy);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMessageTooLarge) << r.error().to_string();
}

TEST(Decode, ReadingAfterValidationHasNoBudget) {
  Bytes good = seal_example(PayloadKind::PROPOSE, key_from_byte(1));
  DecodeLimits tight;
  tight.traversal_limit_words = 4 * good.size() / kWordBytes;  // Validation fits.
  auto d = decode<wire::Envelope>(good, Canonical::kRequire, tight);
  ASSERT_TRUE(d.has_value()) << d.error().to_string();
  // A hundred full passes: far beyond the validation budget, never a throw.
  for (int i = 0; i < 100; ++i) {
    auto again = canonical_bytes(d->root());
    ASSERT_TRUE(again.has_value()) << i << ": " << again.error().to_string();
    ASSERT_EQ(*again, good);
  }
}

TEST(Decode, AnyInputAlignmentIsAccepted) {
  Bytes good = seal_example(PayloadKind::ACCEPT, key_from_byte(1));
  for (std::size_t offset = 1; offset < 8; ++offset) {
    Bytes shifted(offset, 0xEE);
    shifted.insert(shifted.end(), good.begin(), good.end());
    auto r = decode<wire::Envelope>(ByteSpan(shifted).subspan(offset));
    ASSERT_TRUE(r.has_value()) << offset;
    EXPECT_TRUE(std::ranges::equal(r->bytes(), good));
  }
}

// Propose > context > mandate > envelope > body > propose > ...: each level
// of this recursion adds 5 pointers of depth.
Bytes nested_proposes(int levels) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<wire::Envelope>();
  for (int i = 0; i < levels; ++i) {
    auto propose = env.getBody().getPayload().initPropose();
    env = propose.initContext().initMandate().initEnvelope();
  }
  auto out = encode_envelope(m.getRoot<wire::Envelope>().asReader());
  PACTUM_ASSERT(out.has_value());
  return *out;
}

TEST(Decode, NestingLimitIsEnforced) {
  EXPECT_TRUE(decode<wire::Envelope>(nested_proposes(2)).has_value());
  auto r = decode<wire::Envelope>(nested_proposes(kNestingLimit / 5 + 2));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformedMessage) << r.error().to_string();
  // A chain of 100 000 struct pointers, each to a struct holding only the
  // next pointer: deeper than any stack could take if the limit were missing.
  constexpr std::size_t kDepth = 100'000;
  Bytes deep(kDepth * 8 + 8, 0);
  for (std::size_t i = 0; i < kDepth; ++i) deep[i * 8 + 6] = 1;  // 0 data words, 1 pointer.
  for (Canonical mode : {Canonical::kRequire, Canonical::kNormalize}) {
    DecodeLimits roomy;
    roomy.max_bytes = deep.size();
    r = decode<wire::Envelope>(deep, mode, roomy);
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(is_decode_error(r.error().code)) << r.error().to_string();
  }
}

TEST(Decode, TrailingWordIsNonCanonicalAndNormalizes) {
  Bytes good = seal_example(PayloadKind::ACCEPT, key_from_byte(1));
  Bytes padded = good;
  padded.insert(padded.end(), 8, 0);
  auto r = decode<wire::Envelope>(padded);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kNonCanonical);
  auto n = decode<wire::Envelope>(padded, Canonical::kNormalize);
  ASSERT_TRUE(n.has_value()) << n.error().to_string();
  EXPECT_TRUE(std::ranges::equal(n->bytes(), good));
  EXPECT_TRUE(open_envelope(Bytes(n->bytes().begin(), n->bytes().end())).has_value());
}

TEST(Decode, BuilderLayoutWithGarbageIsNonCanonical) {
  // Re-initializing a struct leaves the first copy behind as dead words: a
  // valid message, but not the canonical encoding.
  capnp::MallocMessageBuilder m;
  auto cert = m.initRoot<wire::OrgCertificate>();
  cert.setOrgName("first name, abandoned");
  cert.setOrgName("Buyer GmbH");
  cert.setOrgRootKey(as_data(fixtures::filled<32>(7)));
  Bytes raw = words_to_bytes(m.getSegmentsForOutput()[0]);
  auto r = decode<wire::OrgCertificate>(raw);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kNonCanonical);
  auto n = decode<wire::OrgCertificate>(raw, Canonical::kNormalize);
  ASSERT_TRUE(n.has_value()) << n.error().to_string();
  EXPECT_EQ(std::string(n->root().getOrgName().cStr()), "Buyer GmbH");
  auto canonical = canonical_bytes(cert.asReader());
  ASSERT_TRUE(canonical.has_value());
  EXPECT_TRUE(std::ranges::equal(n->bytes(), *canonical));
  EXPECT_LT(canonical->size(), raw.size());
}

TEST(Decode, TextWithoutTerminatorIsMalformed) {
  capnp::MallocMessageBuilder m;
  m.initRoot<wire::OrgCertificate>().setOrgName("pactum-test-org");
  auto bytes = canonical_bytes(m.getRoot<wire::OrgCertificate>().asReader());
  ASSERT_TRUE(bytes.has_value());
  ASSERT_TRUE(decode<wire::OrgCertificate>(*bytes).has_value());
  std::string needle = "pactum-test-org";
  auto it = std::search(bytes->begin(), bytes->end(), needle.begin(), needle.end());
  ASSERT_NE(it, bytes->end());
  *(it + static_cast<std::ptrdiff_t>(needle.size())) = 'X';  // Overwrite the NUL.
  auto r = decode<wire::OrgCertificate>(*bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformedMessage) << r.error().to_string();
}

TEST(Decode, WrongRootTypeIsMalformed) {
  // A Mandate's first pointer is Data; an Envelope's is the Body struct.
  capnp::MallocMessageBuilder m;
  m.initRoot<wire::Mandate>().setAgentKey(as_data(fixtures::filled<32>(1)));
  auto bytes = canonical_bytes(m.getRoot<wire::Mandate>().asReader());
  ASSERT_TRUE(bytes.has_value());
  auto r = decode<wire::Envelope>(*bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformedMessage) << r.error().to_string();
}

TEST(Decode, RandomGarbageFailsTyped) {
  std::mt19937_64 rng(20261123);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::size_t words = rng() % 64;
    Bytes junk(words * 8 + (i % 5 == 0 ? rng() % 8 : 0));
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    // Keep many root pointers plausible (small struct pointers) so the
    // decoder gets past the first word often.
    if (junk.size() >= 8 && i % 2 == 0) {
      junk[0] = 0;
      for (int k = 1; k < 4; ++k) junk[static_cast<std::size_t>(k)] = 0;
    }
    auto r = open_envelope(junk);
    ASSERT_FALSE(r.has_value()) << i;
    EXPECT_NE(r.error().code, Errc::kInternal) << r.error().to_string();
    if (decode<wire::Envelope>(junk).has_value()) ++decoded;
  }
  RecordProperty("garbage_decoded", decoded);
}

TEST(Decode, RandomMutationsOfValidEnvelopesNeverVerify) {
  Bytes good = seal_example(PayloadKind::PROPOSE, key_from_byte(1));
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    Bytes bad = good;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) bad[rng() % bad.size()] = static_cast<std::uint8_t>(rng());
    if (bad == good) continue;
    auto r = open_envelope(bad);
    ASSERT_FALSE(r.has_value()) << i;
  }
}

}  // namespace
}  // namespace pactum::protocol
