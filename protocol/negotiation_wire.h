// Binding the negotiation engine to signed envelopes (pactum.capnp).
//
// open_negotiation_message() decodes an envelope's canonical bytes, verifies
// every signature over `domain || 0x00 || canonical(Body)` (envelope.h),
// resolves the sender's mandate (an embedded mandate envelope is verified,
// must be signed by the org root it names, and is remembered in the
// MandateBook; later messages name it by id) and fills the NegMessage the
// engine decides. decide_envelope() does both and turns any decoding or
// signature failure into a refused Decision (rule "envelope"), so a forged
// or tampered message never reaches the state machine.
//
// Terms: the guardrail figures (product, unit price, quantity, total) come
// from ContractTerms.pricing with exactly one flat charge (docs/negotiation.md);
// other terms are refused with kUnsupported until the schema carries an
// offer summary (requested, see docs/negotiation.md).
//
// Thread-compatible (MandateBook and the engine are plain values).
#pragma once

#include <map>

#include "protocol/envelope.h"
#include "protocol/negotiation.h"

namespace pactum::protocol {

// Verified mandates by id. Ordered map: deterministic.
class MandateBook {
 public:
  void add(const Mandate& m) { mandates_[m.id] = m; }
  const Mandate* find(const crypto::Digest& id) const {
    auto it = mandates_.find(id);
    return it == mandates_.end() ? nullptr : &it->second;
  }
  std::size_t size() const { return mandates_.size(); }

 private:
  std::map<crypto::Digest, Mandate, DigestLess> mandates_;
};

// A verified mandate envelope as a Mandate. Errors: those of
// verify_envelope(); kMandateScope when the body's sender is not the org root
// key the mandate names; kMalformedMessage for bad lengths or enums.
Result<Mandate> mandate_from_envelope(wire::Envelope::Reader envelope);

// The guardrail figures of terms (one flat charge). kUnsupported for other
// pricing, kMalformedMessage for fractions of minor units or units, kOverflow.
Result<Offer> offer_from_terms(wire::ContractTerms::Reader terms);

// Verified kill-switch and revocation envelopes as engine commands.
Result<KillCommand> kill_from_envelope(const OpenedEnvelope& env);
Result<RevocationCommand> revocation_from_envelope(const OpenedEnvelope& env);

// A negotiation message ready for the engine.
struct NegInput {
  NegMessage msg;
  const Mandate* mandate = nullptr;  // Into the MandateBook; null for approvals.
};

// Opens a propose/counter/accept/reject/withdraw/approve envelope (see the
// top of this file). `engine` supplies the parties and the offer on the table
// for messages that carry no terms. Errors: those of open_envelope(),
// kWrongKind for other payloads, kNotFound for an unknown mandate id.
Result<NegInput> open_negotiation_message(ByteSpan wire_bytes, const NegotiationEngine& engine,
                                          MandateBook& mandates);

// ---- building (negotiation_wire_build.cc): for agents, simulation, tests ----

// What one negotiation message says. Fields a kind does not use are ignored.
struct MessageSpec {
  NegEvent kind = NegEvent::kPropose;        // kPropose..kWithdraw, kApprove, kDeny.
  crypto::Digest negotiation_id{};           // First 16 bytes go on the wire.
  crypto::Digest prev_hash{};
  std::uint32_t round = 1;
  crypto::Digest mandate_id{};
  const Bytes* mandate_envelope = nullptr;   // Embedded on the sender's first message.
  crypto::PublicKey buyer_org{};
  crypto::PublicKey seller_org{};
  Offer offer;                               // Propose/counter: becomes one flat charge.
  crypto::Digest terms_hash{};               // Accept/approve/deny.
  std::int64_t expires_ms = 0;               // Propose/counter offerExpiresMs.
  std::optional<AmendmentRef> amends;        // Propose/counter: the terms' amendmentOf.
};

// Fills `t` with terms whose guardrail figures are `offer` (one flat charge;
// unit price as a Decimal with the currency's exponent as scale).
Result<void> fill_terms(wire::ContractTerms::Builder t, const MessageSpec& spec);
// fill_terms plus what settlement needs (docs/node.md, "Settlement input"):
// the term [start_day, end_day), conventions (actual days, half-even at the
// exact product, tax per invoice, currency table 1) and the charge's tax code
// "standard". What the agent commands and the test agents sign.
Result<void> fill_settleable_terms(wire::ContractTerms::Builder t, const MessageSpec& spec, std::int32_t start_day,
                                   std::int32_t end_day);
// Signs a negotiation message envelope with `key`; returns its wire bytes.
Result<Bytes> build_negotiation_message(const MessageSpec& spec, const crypto::SecretKey& key,
                                        std::uint64_t sequence, std::int64_t timestamp_ms);
// A mandate envelope signed by `org_key` (m.org_key must be its public key;
// m.id is ignored: the id is the hash of what is signed).
Result<Bytes> build_mandate(const Mandate& m, const crypto::SecretKey& org_key,
                            std::uint64_t sequence, std::int64_t timestamp_ms);

// open_negotiation_message() then engine.on_message()/on_approval().
Decision decide_envelope(NegotiationEngine& engine, MandateBook& mandates, ByteSpan wire_bytes,
                         std::int64_t now_ms);

}  // namespace pactum::protocol
