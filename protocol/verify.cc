// Envelope verification (envelope.h): cheap structural checks first, then one
// canonicalization of the body and one Ed25519 verification per signature.
#include <kj/exception.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/canonical.h"
#include "protocol/envelope.h"
#include "protocol/limits.h"

namespace pactum::protocol {
namespace {

std::string kind_text(PayloadKind kind) { return std::string(payload_kind_name(kind)); }

// The signer and value of signature `index`. kMalformedMessage on wrong
// lengths or an unknown form, kUnsupported for batch signatures.
Result<crypto::Signature> read_direct(wire::EnvelopeSignature::Reader s, std::size_t index) {
  std::string what = "signature " + std::to_string(index);
  switch (s.which()) {
    case wire::EnvelopeSignature::DIRECT: return read_signature(s.getDirect(), what);
    case wire::EnvelopeSignature::BATCH:
      return Fail(Errc::kUnsupported, what + " is a batch signature (not accepted in version 1)");
  }
  return Fail(Errc::kMalformedMessage, what + " has an unknown form");
}

bool contains(const std::vector<crypto::PublicKey>& keys, const crypto::PublicKey& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// `decoded`, when set, is the message `envelope` is the root of: the body's
// canonical bytes are then cut from it instead of re-encoded (decode.h).
Result<EnvelopeInfo> verify_unguarded(wire::Envelope::Reader envelope, const VerifyOptions& options,
                                      const Decoded<wire::Envelope>* decoded) {
  auto body = envelope.getBody();
  if (body.getVersion() != wire::PROTOCOL_VERSION) {
    return Fail(Errc::kUnknownVersion, "protocol version " + std::to_string(body.getVersion()));
  }
  EnvelopeInfo info;
  PACTUM_TRY(info.kind, payload_kind(body));
  if (options.kind && *options.kind != info.kind) {
    return Fail(Errc::kWrongKind, "expected " + kind_text(*options.kind) + ", got " +
                                      kind_text(info.kind));
  }
  PACTUM_TRY(info.sender, read_key(body.getSender(), "sender"));
  if (body.getNonce().size() != kNonceBytes) {
    return Fail(Errc::kMalformedMessage,
                "nonce is " + std::to_string(body.getNonce().size()) + " bytes, expected 16");
  }
  info.sequence = body.getSequence();
  info.timestamp_ms = body.getTimestampMs();

  auto sigs = envelope.getSignatures();
  if (sigs.size() == 0) return Fail(Errc::kMissingSignature, "envelope has no signatures");
  if (sigs.size() > kMaxSignatures) {
    return Fail(Errc::kMalformedMessage, std::to_string(sigs.size()) + " signatures, limit " +
                                             std::to_string(kMaxSignatures));
  }
  std::array<crypto::Signature, kMaxSignatures> values{};
  info.signers.reserve(sigs.size());
  for (unsigned i = 0; i < sigs.size(); ++i) {
    PACTUM_TRY(crypto::PublicKey signer,
               read_key(sigs[i].getSigner(), "signer " + std::to_string(i)));
    if (contains(info.signers, signer)) {
      return Fail(Errc::kMalformedMessage, "key " + crypto::key_id(signer) + " signed twice");
    }
    PACTUM_TRY(values[i], read_direct(sigs[i], i));
    info.signers.push_back(signer);
  }
  if (!contains(info.signers, info.sender)) {
    return Fail(Errc::kMissingSignature, "sender " + crypto::key_id(info.sender) + " did not sign");
  }
  for (const auto& required : options.required_signers) {
    if (!contains(info.signers, required)) {
      return Fail(Errc::kMissingSignature, "required signer " + crypto::key_id(required) +
                                               " did not sign");
    }
  }

  // One canonical body serves every signature and the message hash: cut
  // from the decoded message in place (decode.h) or, for a reader from
  // elsewhere, re-encoded.
  auto domain = signing_domain(info.kind);
  PACTUM_ASSERT(domain.has_value());
  std::optional<CanonicalView> view;
  if (decoded != nullptr) view = decoded->untyped().canonical_view(envelope, body);
  Bytes encoded;
  if (!view) {
    PACTUM_TRY(encoded, canonical_bytes(body));
  }
  // Built once: every signer signs the same bytes, and the message hash reads the body from them.
  const crypto::DomainMessage signed_bytes(*domain, view ? ByteSpan(view->root_pointer) : ByteSpan(encoded),
                                           view ? view->words : ByteSpan());
  for (std::size_t i = 0; i < info.signers.size(); ++i) {
    auto ok = crypto::verify(info.signers[i], signed_bytes, values[i]);
    if (!ok) {
      return Fail(Errc::kBadSignature, "signature " + std::to_string(i) + " by " +
                                           crypto::key_id(info.signers[i]) + " on " +
                                           kind_text(info.kind) + " does not verify");
    }
  }
  info.message_hash = domain_hash(domains::kMessageHash, signed_bytes.message());
  return info;
}

// A validated message cannot make the reads throw; the guard keeps that a
// checked claim even for a reader from somewhere else.
Result<EnvelopeInfo> verify_guarded(wire::Envelope::Reader envelope, const VerifyOptions& options,
                                    const Decoded<wire::Envelope>* decoded) {
  Result<EnvelopeInfo> out = Fail(Errc::kInternal, "unset");
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() { out = verify_unguarded(envelope, options, decoded); })) {
    return Fail(error_from_exception(*e, "verify"));
  }
  return out;
}

}  // namespace

Result<EnvelopeInfo> verify_envelope(wire::Envelope::Reader envelope,
                                     const VerifyOptions& options) {
  return verify_guarded(envelope, options, nullptr);
}

Result<OpenedEnvelope> open_envelope(ByteSpan wire_bytes, const VerifyOptions& options) {
  PACTUM_TRY(Decoded<wire::Envelope> message,
             decode<wire::Envelope>(wire_bytes, Canonical::kRequire));
  PACTUM_TRY(EnvelopeInfo info, verify_guarded(message.root(), options, &message));
  return OpenedEnvelope{std::move(message), std::move(info)};
}

}  // namespace pactum::protocol
