// protocol envelopes: build, sign, countersign, encode and verify.
//
// An Envelope is a signed Body plus signatures (pactum.capnp). Each signature
// is Ed25519 over `domain || 0x00 || canonical(Body)`, with the domain of the
// payload kind (domains.h), and the wire form of an envelope is its canonical
// encoding. Verification canonicalizes the body once and checks every
// signature over those bytes, so its cost is about one raw Ed25519
// verification per signature.
//
// Typical use:
//   EnvelopeBuilder b;
//   auto accept = b.payload().initAccept();  // ... fill it ...
//   PACTUM_TRY(Bytes wire, b.seal(agent_key, sequence, now_ms));
//   ...
//   PACTUM_TRY(OpenedEnvelope env, open_envelope(wire, {.kind = PayloadKind::ACCEPT}));
//
// Thread-safety: EnvelopeBuilder is not thread-safe; the free functions are
// thread-safe on distinct readers.
#pragma once

#include <capnp/message.h>

#include <memory>
#include <optional>
#include <vector>

#include "base/base.h"
#include "crypto/crypto.h"
#include "protocol/decode.h"
#include "protocol/domains.h"
#include "protocol/pactum.capnp.h"

namespace pactum::protocol {

// The payload kind of a body. Error kWrongKind for a kind this version does
// not know, kMalformedMessage when the chosen member is not set (null).
Result<PayloadKind> payload_kind(wire::Body::Reader body);

// Builds one envelope. Resource type: move-only, owns its message arena.
class EnvelopeBuilder {
 public:
  EnvelopeBuilder();
  EnvelopeBuilder(EnvelopeBuilder&&) noexcept;
  EnvelopeBuilder& operator=(EnvelopeBuilder&&) noexcept;
  ~EnvelopeBuilder();

  // The payload union; set exactly one member, e.g. payload().initPropose().
  wire::Body::Payload::Builder payload();
  // For adopting sub-messages built elsewhere (e.g. copying a mandate envelope
  // into MandateRef with setEnvelope(reader) also works and is simpler).
  capnp::Orphanage orphanage();

  // Fills the header (version 1, sender = key's public key, sequence,
  // timestamp, a fresh random nonce), signs the body with the domain of its
  // payload kind and returns the envelope's canonical wire bytes.
  // Errors: as payload_kind(); kMessageTooLarge beyond kMaxMessageBytes.
  // The builder may be sealed again (e.g. by another key: a new envelope).
  Result<Bytes> seal(const crypto::SecretKey& key, std::uint64_t sequence,
                     std::int64_t timestamp_ms);
  // As seal() with a caller-chosen nonce: golden vectors and deterministic
  // tests only; production code uses seal().
  Result<Bytes> seal_with_nonce(const crypto::SecretKey& key, std::uint64_t sequence,
                                std::int64_t timestamp_ms, const crypto::Nonce& nonce);

 private:
  std::unique_ptr<capnp::MallocMessageBuilder> message_;
};

// The wire bytes of an envelope: its canonical encoding.
// Errors as canonical_bytes().
Result<Bytes> encode_envelope(wire::Envelope::Reader envelope);

// Returns `envelope` with one more signature, by `key`, over the same body.
// Existing signatures are copied unchecked (verify first if it matters).
// Errors: kInvalidArgument if `key` has already signed; kLimitExceeded at
// kMaxSignatures; as payload_kind() and canonical_bytes().
Result<Bytes> countersign(wire::Envelope::Reader envelope, const crypto::SecretKey& key);

// What verification checks beyond the signatures themselves.
struct VerifyOptions {
  // The kind the caller expects; kWrongKind for any other.
  std::optional<PayloadKind> kind;
  // Keys that must have signed (the body's sender always must), e.g. the
  // relaying node of an agent's message.
  std::vector<crypto::PublicKey> required_signers;
};

// What a successful verification established.
struct EnvelopeInfo {
  PayloadKind kind = PayloadKind::ORG_CERTIFICATE;
  crypto::PublicKey sender{};
  std::uint64_t sequence = 0;
  std::int64_t timestamp_ms = 0;
  std::vector<crypto::PublicKey> signers;  // In envelope order; all verified.
  crypto::Digest message_hash{};           // message_hash(body): hash links, mandate ids.
};

// Verifies an envelope that is already decoded (e.g. one embedded in another
// message, like MandateRef.envelope). Checks, in order:
//   version == 1 (kUnknownVersion); known, present payload kind (kWrongKind /
//   kMalformedMessage); the expected kind (kWrongKind); sender and nonce
//   lengths (kMalformedMessage); 1..kMaxSignatures signatures (none:
//   kMissingSignature; too many: kMalformedMessage), distinct signers with
//   32-byte keys and 64-byte direct signatures (kMalformedMessage; a batch
//   signature: kUnsupported); the sender and every required signer present
//   (kMissingSignature); every signature valid (kBadSignature).
// REQUIRES: `envelope` comes from a validated message (decode()).
Result<EnvelopeInfo> verify_envelope(wire::Envelope::Reader envelope,
                                     const VerifyOptions& options = {});

// A decoded envelope whose signatures verified.
struct OpenedEnvelope {
  Decoded<wire::Envelope> message;
  EnvelopeInfo info;
  wire::Envelope::Reader envelope() const { return message.root(); }
  wire::Body::Reader body() const { return message.root().getBody(); }
};

// decode<wire::Envelope>(bytes, Canonical::kRequire) then verify_envelope().
// Errors: those of both.
Result<OpenedEnvelope> open_envelope(ByteSpan wire_bytes, const VerifyOptions& options = {});

}  // namespace pactum::protocol
