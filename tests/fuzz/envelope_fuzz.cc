// Fuzz body for the protocol decoder and envelope verifier. Beyond "no crash,
// no over-read", it checks the contracts of decode.h and envelope.h on every
// input:
//   - failures carry a decode/verify error code, never kInternal;
//   - strictly decoded bytes re-encode to themselves (one encoding per message);
//   - normalized messages decode strictly to the same bytes;
//   - a verified envelope's fields are readable and its hash is stable.
#include "tests/fuzz/envelope_fuzz.h"

#include <algorithm>

#include "crypto/crypto.h"
#include "protocol/protocol.h"

namespace pactum::fuzz {
namespace {

using protocol::Canonical;

bool expected_failure(Errc c) {
  switch (c) {
    case Errc::kMalformedMessage:
    case Errc::kMessageTooLarge:
    case Errc::kNonCanonical:
    case Errc::kWrongKind:
    case Errc::kUnknownVersion:
    case Errc::kMissingSignature:
    case Errc::kBadSignature:
    case Errc::kUnsupported:
      return true;
    default:
      return false;
  }
}

template <class T>
void check_roundtrip(ByteSpan in) {
  auto strict = protocol::decode<T>(in, Canonical::kRequire);
  if (strict) {
    auto again = protocol::canonical_bytes(strict->root());
    PACTUM_ASSERT(again.has_value());
    PACTUM_ASSERT(std::ranges::equal(*again, in));
  } else {
    PACTUM_ASSERT(expected_failure(strict.error().code));
  }
  auto normalized = protocol::decode<T>(in, Canonical::kNormalize);
  if (normalized) {
    auto restrict_again = protocol::decode<T>(normalized->bytes(), Canonical::kRequire);
    PACTUM_ASSERT(restrict_again.has_value());
    PACTUM_ASSERT(std::ranges::equal(restrict_again->bytes(), normalized->bytes()));
    if (strict) PACTUM_ASSERT(std::ranges::equal(normalized->bytes(), in));
  } else {
    PACTUM_ASSERT(expected_failure(normalized.error().code));
    PACTUM_ASSERT(!strict.has_value());
  }
}

}  // namespace

bool init_protocol_fuzz() { return crypto::init().has_value(); }

void fuzz_protocol_one(const std::uint8_t* data, std::size_t size) {
  ByteSpan in(data, size);
  check_roundtrip<wire::Envelope>(in);
  check_roundtrip<wire::ContractTerms>(in);

  auto opened = protocol::open_envelope(in);
  if (!opened) {
    PACTUM_ASSERT(expected_failure(opened.error().code));
    return;
  }
  // A verified envelope: its hash is stable and an embedded mandate (if any)
  // verifies or fails cleanly.
  auto hash = protocol::message_hash(opened->body());
  PACTUM_ASSERT(hash.has_value() && *hash == opened->info.message_hash);
  auto payload = opened->body().getPayload();
  if (payload.isPropose()) {
    auto inner = protocol::verify_envelope(
        payload.getPropose().getContext().getMandate().getEnvelope(),
        {.kind = protocol::PayloadKind::MANDATE});
    if (!inner) PACTUM_ASSERT(expected_failure(inner.error().code));
    auto terms = protocol::terms_hash(payload.getPropose().getTerms());
    PACTUM_ASSERT(terms.has_value());
  }
}

}  // namespace pactum::fuzz
