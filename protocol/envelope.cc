// Building, signing and verifying envelopes (envelope.h).
#include "protocol/envelope.h"

#include <kj/exception.h>

#include <algorithm>
#include <string>

#include "protocol/canonical.h"
#include "protocol/limits.h"

namespace pactum::protocol {

static_assert(kKeyBytes == crypto::kPublicKeyBytes);
static_assert(kSignatureBytes == crypto::kSignatureBytes);
static_assert(kNonceBytes == crypto::kNonceBytes);
static_assert(kHashBytes == crypto::kSha256Bytes);

namespace {

// Whether the active member's struct pointer is set. A null member would read
// as an all-default payload, which no author meant to sign.
bool payload_present(wire::Body::Payload::Reader p) {
  switch (p.which()) {
    case PayloadKind::ORG_CERTIFICATE: return p.hasOrgCertificate();
    case PayloadKind::NODE_CERTIFICATE: return p.hasNodeCertificate();
    case PayloadKind::MANDATE: return p.hasMandate();
    case PayloadKind::REVOCATION: return p.hasRevocation();
    case PayloadKind::PROPOSE: return p.hasPropose();
    case PayloadKind::COUNTER: return p.hasCounter();
    case PayloadKind::ACCEPT: return p.hasAccept();
    case PayloadKind::REJECT: return p.hasReject();
    case PayloadKind::WITHDRAW: return p.hasWithdraw();
    case PayloadKind::ESCALATE: return p.hasEscalate();
    case PayloadKind::APPROVE: return p.hasApprove();
    case PayloadKind::KILL_SWITCH: return p.hasKillSwitch();
    case PayloadKind::ANCHOR_RECEIPT: return p.hasAnchorReceipt();
    case PayloadKind::SETTLEMENT_RECEIPT: return p.hasSettlementReceipt();
    case PayloadKind::ESCROW_EVENT: return p.hasEscrowEvent();
    case PayloadKind::CHECKPOINT: return p.hasCheckpoint();
    case PayloadKind::EQUIVOCATION_PROOF: return p.hasEquivocationProof();
    case PayloadKind::FILE_SIGNATURE: return p.hasFileSignature();
    case PayloadKind::REFUSAL_NOTICE: return p.hasRefusalNotice();
  }
  return false;  // Unknown kinds are rejected before this is asked.
}

// The domain a body is signed under. Errors as payload_kind().
Result<std::string_view> body_domain(wire::Body::Reader body) {
  PACTUM_TRY(PayloadKind kind, payload_kind(body));
  auto domain = signing_domain(kind);
  PACTUM_ASSERT(domain.has_value());  // payload_kind() returns known kinds only.
  return *domain;
}

}  // namespace

Result<PayloadKind> payload_kind(wire::Body::Reader body) {
  auto payload = body.getPayload();
  PayloadKind kind = payload.which();
  if (!signing_domain(kind)) {
    return Fail(Errc::kWrongKind,
                "unknown payload kind " + std::to_string(static_cast<unsigned>(kind)));
  }
  if (!payload_present(payload)) {
    return Fail(Errc::kMalformedMessage,
                "payload " + std::string(payload_kind_name(kind)) + " is not set");
  }
  return kind;
}

// ---- EnvelopeBuilder ----

EnvelopeBuilder::EnvelopeBuilder() : message_(std::make_unique<capnp::MallocMessageBuilder>()) {
  message_->initRoot<wire::Envelope>();
}
EnvelopeBuilder::EnvelopeBuilder(EnvelopeBuilder&&) noexcept = default;
EnvelopeBuilder& EnvelopeBuilder::operator=(EnvelopeBuilder&&) noexcept = default;
EnvelopeBuilder::~EnvelopeBuilder() = default;

wire::Body::Payload::Builder EnvelopeBuilder::payload() {
  return message_->getRoot<wire::Envelope>().getBody().getPayload();
}

capnp::Orphanage EnvelopeBuilder::orphanage() { return message_->getOrphanage(); }

Result<Bytes> EnvelopeBuilder::seal(const crypto::SecretKey& key, std::uint64_t sequence,
                                    std::int64_t timestamp_ms) {
  return seal_with_nonce(key, sequence, timestamp_ms, crypto::random_nonce());
}

Result<Bytes> EnvelopeBuilder::seal_with_nonce(const crypto::SecretKey& key,
                                               std::uint64_t sequence, std::int64_t timestamp_ms,
                                               const crypto::Nonce& nonce) {
  auto envelope = message_->getRoot<wire::Envelope>();
  auto body = envelope.getBody();
  body.setVersion(wire::PROTOCOL_VERSION);
  body.setSender(as_data(key.public_key()));
  body.setSequence(sequence);
  body.setTimestampMs(timestamp_ms);
  body.setNonce(as_data(nonce));

  PACTUM_TRY(std::string_view domain, body_domain(body.asReader()));
  PACTUM_TRY(Bytes signed_bytes, canonical_bytes(body.asReader()));
  crypto::Signature sig = key.sign(domain, signed_bytes);

  auto sigs = envelope.initSignatures(1);
  sigs[0].setSigner(as_data(key.public_key()));
  sigs[0].setDirect(as_data(sig));
  return encode_envelope(envelope.asReader());
}

Result<Bytes> encode_envelope(wire::Envelope::Reader envelope) {
  return canonical_bytes(envelope);
}

Result<Bytes> countersign(wire::Envelope::Reader envelope, const crypto::SecretKey& key) {
  auto old_sigs = envelope.getSignatures();
  if (old_sigs.size() >= kMaxSignatures) {
    return Fail(Errc::kLimitExceeded,
                "envelope already has " + std::to_string(old_sigs.size()) + " signatures");
  }
  for (auto s : old_sigs) {
    if (std::ranges::equal(as_span(s.getSigner()), key.public_key())) {
      return Fail(Errc::kInvalidArgument, "key " + crypto::key_id(key.public_key()) +
                                              " has already signed this envelope");
    }
  }
  PACTUM_TRY(std::string_view domain, body_domain(envelope.getBody()));
  PACTUM_TRY(Bytes signed_bytes, canonical_bytes(envelope.getBody()));
  crypto::Signature sig = key.sign(domain, signed_bytes);

  Result<Bytes> out = Fail(Errc::kInternal, "unset");
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                capnp::MallocMessageBuilder message;
                auto copy = message.initRoot<wire::Envelope>();
                copy.setBody(envelope.getBody());
                auto sigs = copy.initSignatures(old_sigs.size() + 1);
                for (unsigned i = 0; i < old_sigs.size(); ++i) sigs.setWithCaveats(i, old_sigs[i]);
                sigs[old_sigs.size()].setSigner(as_data(key.public_key()));
                sigs[old_sigs.size()].setDirect(as_data(sig));
                out = encode_envelope(copy.asReader());
              })) {
    return Fail(error_from_exception(*e, "countersign"));
  }
  return out;
}

}  // namespace pactum::protocol
