// Goal: over thousands of random messages, sealing then opening round-trips
// every field, canonical bytes are stable under decode/re-encode, normalizing
// a canonical message is the identity, and any change to a signed field is
// caught by the signature.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "tests/protocol/fixtures.h"

namespace pactum::protocol {
namespace {

struct RandomCounter {
  std::vector<std::uint8_t> negotiation_id;
  std::uint32_t round = 0;
  std::vector<std::uint8_t> previous_hash;
  std::string currency;
  std::int32_t start_day = 0;
  std::int32_t end_day = 0;
  std::int64_t list_price_minor = 0;
  std::string note;
  std::uint64_t sequence = 0;
  std::int64_t timestamp_ms = 0;
};

RandomCounter gen_counter() {
  RandomCounter c;
  c.negotiation_id = *rc::gen::container<std::vector<std::uint8_t>>(16, rc::gen::arbitrary<std::uint8_t>());
  c.round = *rc::gen::arbitrary<std::uint32_t>();
  c.previous_hash = *rc::gen::container<std::vector<std::uint8_t>>(32, rc::gen::arbitrary<std::uint8_t>());
  c.currency = *rc::gen::container<std::string>(3, rc::gen::inRange('A', static_cast<char>('Z' + 1)));
  c.start_day = *rc::gen::arbitrary<std::int32_t>();
  c.end_day = *rc::gen::arbitrary<std::int32_t>();
  c.list_price_minor = *rc::gen::arbitrary<std::int64_t>();
  // Text without NUL (Cap'n Proto Text cannot hold one).
  c.note = *rc::gen::container<std::string>(rc::gen::inRange<char>(1, 127));
  c.sequence = *rc::gen::arbitrary<std::uint64_t>();
  c.timestamp_ms = *rc::gen::arbitrary<std::int64_t>();
  return c;
}

void fill(const RandomCounter& c, wire::Body::Payload::Builder p) {
  auto counter = p.initCounter();
  auto ctx = counter.initContext();
  ctx.setNegotiationId(capnp::Data::Reader(c.negotiation_id.data(), c.negotiation_id.size()));
  ctx.setRound(c.round);
  ctx.setPreviousHash(capnp::Data::Reader(c.previous_hash.data(), c.previous_hash.size()));
  ctx.initMandate().setMandateId(capnp::Data::Reader(c.previous_hash.data(), 32));
  auto t = counter.initTerms();
  t.setCurrency(c.currency);
  t.setStartDay(c.start_day);
  t.setEndDay(c.end_day);
  t.setListPriceMinor(c.list_price_minor);
  t.setNote(c.note);
}

const crypto::SecretKey& agent() {
  static const crypto::SecretKey key = fixtures::key_from_byte(0x05);
  return key;
}

RC_GTEST_PROP(ProtocolProperty, SealOpenRoundTripsAndIsCanonical, ()) {
  RandomCounter c = gen_counter();
  EnvelopeBuilder b;
  fill(c, b.payload());
  auto sealed = b.seal(agent(), c.sequence, c.timestamp_ms);
  RC_ASSERT(sealed.has_value());
  auto opened = open_envelope(*sealed, {.kind = PayloadKind::COUNTER});
  RC_ASSERT(opened.has_value());
  RC_ASSERT(opened->info.sequence == c.sequence);
  RC_ASSERT(opened->info.timestamp_ms == c.timestamp_ms);
  auto counter = opened->body().getPayload().getCounter();
  RC_ASSERT(counter.getContext().getRound() == c.round);
  RC_ASSERT(std::string(counter.getTerms().getNote().cStr()) == c.note);
  RC_ASSERT(counter.getTerms().getListPriceMinor() == c.list_price_minor);
  RC_ASSERT(counter.getTerms().getStartDay() == c.start_day);
  // Stable under decode/re-encode, and normalizing is the identity.
  auto again = encode_envelope(opened->envelope());
  RC_ASSERT(again.has_value() && *again == *sealed);
  auto normalized = decode<wire::Envelope>(*sealed, Canonical::kNormalize);
  RC_ASSERT(normalized.has_value());
  RC_ASSERT(std::ranges::equal(normalized->bytes(), *sealed));
}

RC_GTEST_PROP(ProtocolProperty, ChangedSignedFieldIsCaught, ()) {
  RandomCounter c = gen_counter();
  RandomCounter d = c;
  const int which = *rc::gen::inRange(0, 4);
  switch (which) {
    case 0: d.round ^= 1u; break;
    case 1: d.list_price_minor ^= 1; break;
    case 2: d.note += "!"; break;
    default: d.timestamp_ms ^= 1; break;
  }
  EnvelopeBuilder b;
  fill(c, b.payload());
  auto sealed = b.seal_with_nonce(agent(), c.sequence, c.timestamp_ms, fixtures::kNonce);
  RC_ASSERT(sealed.has_value());
  auto opened = open_envelope(*sealed);
  RC_ASSERT(opened.has_value());
  // The same signature on the changed body must not verify.
  EnvelopeBuilder changed;
  fill(d, changed.payload());
  auto other = changed.seal_with_nonce(agent(), d.sequence, d.timestamp_ms, fixtures::kNonce);
  RC_ASSERT(other.has_value());
  auto other_opened = open_envelope(*other);
  RC_ASSERT(other_opened.has_value());
  RC_ASSERT(other_opened->info.message_hash != opened->info.message_hash);
  capnp::MallocMessageBuilder m;
  m.setRoot(other_opened->envelope());
  auto e = m.getRoot<wire::Envelope>();
  e.getSignatures()[0].setDirect(opened->envelope().getSignatures()[0].getDirect());
  auto forged = encode_envelope(e.asReader());
  RC_ASSERT(forged.has_value());
  auto r = open_envelope(*forged);
  RC_ASSERT(!r.has_value());
  RC_ASSERT(r.error().code == Errc::kBadSignature);
}

}  // namespace
}  // namespace pactum::protocol
