// protocol escrow codec: the mapping between the escrow core's C++ types
// (escrow/escrow.h) and the wire (escrow.capnp), signed escrow events, and
// the escrow state digest. Byte formats and worked examples: docs/escrow.md.
//
// Division of labour: this file verifies signatures (the envelope's sender
// signature under "pactum/v1/escrow-event") and turns a verified envelope into
// an escrow::EscrowEvent whose signer, timestamp and id are the envelope's
// sender, timestampMs and nonce; the core then decides whether that signer
// may do what the event asks.
//
// Escrow state digest:
//   SHA-256("pactum/v1/escrow-state" || 0x00 || canonical(EscrowState))
// where EscrowState is filled from the escrow as escrow_state_bytes() says.
//
// Thread-safety: free functions, safe to call concurrently.
#pragma once

#include <string_view>

#include "base/base.h"
#include "crypto/crypto.h"
#include "escrow/escrow.h"
#include "protocol/envelope.h"
#include "protocol/escrow.capnp.h"
#include "protocol/pactum.capnp.h"

namespace pactum::protocol {

// Hash domain of the escrow state digest. Persisted: do not change.
inline constexpr std::string_view kEscrowStateDomain = "pactum/v1/escrow-state";

// ---- terms ----

// Escrow terms from the wire: `escrow` plus the contract's currency and
// arbiter key, which live in ContractTerms. Errors: kMalformedMessage (a key
// or hash of the wrong length, an unspecified condition), kEscrowBadTerms
// (escrow::validate_terms fails).
Result<escrow::EscrowTerms> escrow_terms_from_wire(wire::EscrowTerms::Reader escrow,
                                                   std::string_view currency,
                                                   capnp::Data::Reader arbiter_key);
// The same from a whole ContractTerms. Error kNotFound when it has no escrow.
Result<escrow::EscrowTerms> escrow_terms_from_contract(wire::ContractTerms::Reader terms);
// Writes the escrow part (currency and arbiter are ContractTerms fields the
// caller sets). REQUIRES: validate_terms(terms) succeeded.
void escrow_terms_to_wire(const escrow::EscrowTerms& terms, wire::EscrowTerms::Builder out);

// ---- events ----

// Writes the kind-specific part of `e` (its union member).
void escrow_event_to_wire(const escrow::EscrowEvent& e, wire::EscrowEvent::Builder out);

// Signs `e` as an envelope: sender = key, timestampMs = e.timestamp_ms,
// nonce = e.id, EscrowEventMessage{e.contract_id, terms_hash, e}.
// Errors: kInvalidArgument when e.signer is not key's public key; as seal().
Result<Bytes> seal_escrow_event(const crypto::SecretKey& key, std::uint64_t sequence,
                                const escrow::EscrowEvent& e, const crypto::Digest& terms_hash);

// The escrow event carried by an envelope whose signatures verified (e.g.
// from open_envelope()). Errors: kWrongKind (not an escrow event),
// kEscrowWrongContract (another contract id or terms hash), kMalformedMessage
// (field sizes, unspecified union).
Result<escrow::EscrowEvent> escrow_event_from_envelope(const OpenedEnvelope& envelope,
                                                       const escrow::ContractId& contract_id,
                                                       const crypto::Digest& terms_hash);

// Decodes the canonical envelope bytes, verifies the sender's signature
// (open_envelope with kind ESCROW_EVENT) and returns the event: what a node
// does before Escrow::apply(). Errors: those of open_envelope() (e.g.
// kBadSignature, kNonCanonical) and escrow_event_from_envelope().
Result<escrow::EscrowEvent> open_escrow_event(ByteSpan wire_bytes,
                                              const escrow::ContractId& contract_id,
                                              const crypto::Digest& terms_hash);

// ---- state ----

// Canonical bytes of the EscrowState of `e`: status, the four accounts in
// AccountId order, every transfer in id order, milestone states in schedule
// order, hold totals, applied event ids ascending, last timestamp.
// Errors as canonical_bytes().
Result<Bytes> escrow_state_bytes(const escrow::Escrow& e);
// SHA-256(kEscrowStateDomain || 0x00 || escrow_state_bytes(e)).
Result<crypto::Digest> escrow_state_digest(const escrow::Escrow& e);

}  // namespace pactum::protocol
