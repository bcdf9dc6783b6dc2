// protocol canonical encoding and hashing.
//
// Every hashed or signed byte in pactum is canonical Cap'n Proto
// (capnp::canonicalize: a single segment, no segment table, objects in
// pre-order, no padding, trailing zero fields truncated), so two encoders of
// the same content produce the same bytes. Hashes are
//     SHA-256(domain || 0x00 || canonical bytes)
// with a domain from protocol/domains.h. Byte-level rules: docs/protocol.md.
//
// Thread-safety: free functions; safe to call concurrently on different
// readers (Cap'n Proto readers are not thread-safe to share while reading,
// because the traversal budget is counted per message).
#pragma once

#include <capnp/message.h>
#include <kj/exception.h>

#include <string>
#include <string_view>

#include "base/base.h"
#include "crypto/crypto.h"
#include "protocol/domains.h"
#include "protocol/limits.h"
#include "protocol/pactum.capnp.h"

namespace pactum::protocol {

// Canonical bytes of any struct reader (the struct becomes the root).
// Error kMalformedMessage if the reader's message is invalid (the library
// threw), kMessageTooLarge if the result exceeds kMaxMessageBytes.
template <class Reader>
Result<Bytes> canonical_bytes(Reader reader);

// SHA-256(domain || 0x00 || bytes). REQUIRES: domain non-empty, without NUL.
crypto::Digest domain_hash(std::string_view domain, ByteSpan bytes);
// domain_hash(domain, first || second), for bytes held in two pieces (a
// canonical view, decode.h): one pass, no copy.
crypto::Digest domain_hash(std::string_view domain, ByteSpan first, ByteSpan second);

// The message hash of a body: domain_hash("pactum/v1/message-hash",
// canonical(body)). Used for hash links (NegotiationContext.previousHash) and
// mandate ids. Errors as canonical_bytes.
Result<crypto::Digest> message_hash(wire::Body::Reader body);

// The terms hash: domain_hash("pactum/v1/terms-hash", canonical(terms)).
// What Accept, Escalate and Approve refer to. Errors as canonical_bytes.
Result<crypto::Digest> terms_hash(wire::ContractTerms::Reader terms);

// The id of a mandate: the message hash of its envelope's body.
inline Result<crypto::Digest> mandate_id(wire::Envelope::Reader mandate_envelope) {
  return message_hash(mandate_envelope.getBody());
}

// Views of Data fields and their fixed-size forms. The copying forms fail
// with kMalformedMessage when the length is not exactly the required one.
inline ByteSpan as_span(capnp::Data::Reader data) { return {data.begin(), data.size()}; }
Result<crypto::PublicKey> read_key(capnp::Data::Reader data, std::string_view what);
Result<crypto::Digest> read_hash(capnp::Data::Reader data, std::string_view what);
Result<crypto::Signature> read_signature(capnp::Data::Reader data, std::string_view what);
// capnp::Data::Reader over a fixed array (borrowed), for builder setters.
template <std::size_t N>
capnp::Data::Reader as_data(const std::array<std::uint8_t, N>& bytes) {
  return capnp::Data::Reader(bytes.data(), bytes.size());
}

// Turns a Cap'n Proto exception into an Error (kMalformedMessage unless the
// description shows a traversal or size limit, then kMessageTooLarge).
Error error_from_exception(const kj::Exception& e, std::string_view context);

// ---- template definitions ----

template <class Reader>
Result<Bytes> canonical_bytes(Reader reader) {
  Bytes out;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                auto words = capnp::canonicalize(reader);
                auto bytes = words.asBytes();
                if (bytes.size() > kMaxMessageBytes) return;  // Leaves `out` empty.
                out.assign(bytes.begin(), bytes.end());
              })) {
    return Fail(error_from_exception(*e, "canonicalize"));
  }
  // A canonical encoding is never empty (it has a root pointer), so empty
  // means the size limit was hit.
  if (out.empty()) {
    return Fail(Errc::kMessageTooLarge,
                "canonical encoding exceeds " + std::to_string(kMaxMessageBytes) + " bytes");
  }
  return out;
}

}  // namespace pactum::protocol
