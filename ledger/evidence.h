// ledger evidence: the evidence bundle of one contract, for dispute
// resolvers (DESIGN.md, Ledger; schema protocol/evidence.capnp; byte format
// and check list docs/evidence.md).
//
// build_evidence() packs what the parties' nodes hold about one contract
// (transcript, mandates, certificates, anchor receipts, ledger entries with
// inclusion proofs and signed checkpoints, settlement receipts, escrow
// events, tax table) into one canonical file. verify_evidence() checks such a
// file offline against nothing but the trusted org root keys, re-running the
// negotiation state machine, settlement and escrow, and returns a Report: a
// list of named checks, each passed or failed with its reason. Verification
// never throws and never stops at the first failure where later checks can
// still run, so a person sees everything that is wrong.
//
// collect_party_ledger() is the export side: it reads one party's ledger
// directory and gathers the contract's entries, proofs and checkpoint.
//
// Thread-safety: free functions; thread-safe on distinct inputs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/base.h"
#include "crypto/crypto.h"
#include "escrow/escrow.h"
#include "ledger/ledger.h"
#include "protocol/pactum.capnp.h"
#include "settlement/settlement.h"

namespace pactum::ledger {

// Hash domain of a bundle's identity. Persisted in reports: do not change.
inline constexpr std::string_view kEvidenceDomain = "pactum/v1/evidence-bundle";
// Largest bundle accepted: two ledgers' entries about one contract (each at
// most kEntryBytesMax, usually a few KiB) plus envelopes; 64 MiB bounds the
// memory a hostile file can make a verifier use.
inline constexpr std::size_t kEvidenceBytesMax = std::size_t{64} << 20;
// Items per list in a bundle (envelopes, entries, checkpoints): a contract's
// life is hundreds of messages at most; the bound stops quadratic checks.
inline constexpr std::size_t kEvidenceListMax = 4096;

// A cosignature (C2SP tlog-cosignature/v1) on a checkpoint.
struct CosignatureParts {
  crypto::PublicKey key{};
  std::string name;             // The cosigner's key name (its own ledger's origin).
  std::uint64_t timestamp_s = 0;
  crypto::Signature signature{};
};
struct CheckpointParts {
  std::string note;             // The complete signed note.
  std::vector<CosignatureParts> cosignatures;
};
struct EntryParts {
  Bytes entry;                  // Exact entry bytes (encode_entry).
  std::uint32_t checkpoint = 0; // Index into PartyParts::checkpoints.
  std::vector<Hash> path;       // Inclusion path to that checkpoint's root.
};
struct PartyParts {
  Bytes org_certificate;        // Canonical envelopes.
  Bytes node_certificate;
  Bytes anchor_receipt;
  std::vector<CheckpointParts> checkpoints;
  std::vector<EntryParts> entries;
};

struct EvidenceParts {
  std::vector<Bytes> transcript;        // Propose ... Accept, canonical envelopes.
  std::vector<Bytes> approvals;
  std::vector<Bytes> mandates;
  std::vector<Bytes> revocations;
  PartyParts buyer;
  PartyParts seller;
  std::vector<Bytes> settlement_receipts;
  std::vector<Bytes> escrow_events;
  std::optional<crypto::Digest> escrow_state_digest;  // None: no escrow.
  settlement::TaxTable tax_table;
  std::vector<Bytes> amended_versions;  // Canonical ContractTerms of earlier versions, first first.
};

// Packs `parts` into canonical bundle bytes. The terms, contract id and terms
// hash are taken from the transcript (the last offer; the Accept must name
// it). Errors: kInvalidArgument when the transcript is empty, has no offer or
// its last message is not an Accept; those of decode() for an envelope that
// does not decode; kLimitExceeded beyond kEvidenceListMax or kEvidenceBytesMax.
// Signatures are not checked here: that is verify_evidence()'s job.
Result<Bytes> build_evidence(const EvidenceParts& parts);

// SHA-256(kEvidenceDomain || 0x00 || bytes): a bundle's identity.
crypto::Digest evidence_hash(ByteSpan bundle_bytes);

// One named check: "transcript.machine", "ledger.buyer.inclusion", ...
struct Check {
  std::string name;
  bool ok = false;
  std::string detail;           // What was checked, or why it failed.
};

// What verification recomputed, for reports (filled as far as it got).
struct TimelineItem {
  std::int64_t timestamp_ms = 0;
  std::string kind;             // "propose", "counter", "accept", "approve", "escrow:fund", ...
  std::string actor;            // "buyer agent 1a2b...", "seller node ...".
  std::string summary;          // e.g. "widget 100 x 990 = 99000 EUR".
};
struct Report {
  std::vector<Check> checks;
  crypto::Digest bundle_hash{};
  std::string contract_id_hex;
  std::string terms_hash_hex;
  std::string buyer_name, seller_name;
  std::string currency;
  int currency_exponent = 2;    // For formatting minor units.
  // The accepted terms as (label, value) lines for people.
  std::vector<std::pair<std::string, std::string>> terms;
  std::vector<TimelineItem> timeline;
  std::optional<settlement::SettlementResult> settlement;
  std::string escrow_status;    // escrow::status_name, or "none".
  std::vector<TimelineItem> escrow_history;

  bool ok() const;              // Every check passed, and there is at least one.
  const Check* find(std::string_view name) const;
};

// Verifies a bundle offline (checks listed in docs/evidence.md). The org
// roots of both parties must be among `trusted_org_roots`.
Report verify_evidence(ByteSpan bundle_bytes, const std::vector<crypto::PublicKey>& trusted_org_roots);

// The settlement core's input for accepted terms and a tax table: the mapping
// every node uses (docs/evidence.md, "Settlement input"). Errors: those of
// decode_pricing(), kUnknownCurrency, kBadDate.
Result<settlement::Contract> contract_from_terms(ByteSpan terms_bytes, const settlement::TaxTable& table);

// The escrow terms of settled terms: the contract's own milestones, or one
// acceptance milestone per settlement escrow instruction. The node core opens
// escrow with it and the verifier replays with it, so both apply one rule.
// Errors: those of the escrow codec and core.
Result<escrow::EscrowTerms> escrow_terms_for(wire::ContractTerms::Reader terms, const settlement::SettlementResult& r);

// ---- export ----

// What one party's ledger holds about a contract, at its latest checkpoint.
struct PartyLedgerEvidence {
  std::vector<EntryParts> entries;   // Anchor first, then the rest in index order.
  CheckpointParts checkpoint;
  std::optional<Bytes> anchor_payload;  // The ContractAnchor, when found.
  std::vector<Bytes> transcript;     // Negotiation envelopes in the anchor's order.
  std::vector<Bytes> approvals;      // Approve envelopes of transcript messages.
  std::vector<Bytes> partner_anchor_receipts;  // The partner's AnchorReceipt envelopes.
  std::vector<Bytes> amended_versions;  // An amendment's earlier versions' terms (anchored here), first first.
};
// Scans the ledger for entries about `contract_id` (16 bytes): the node
// core's contract anchor (docs/node.md) naming it, the negotiation message
// entries whose message hashes it lists (and approvals of them), escrow
// events and settlement receipts of the contract, and the partner's anchor
// receipt (a generic entry); proves each against the latest stored
// checkpoint. Errors: kNotFound without a checkpoint covering the anchor,
// without an anchor, or when a transcript message is missing; those of the
// ledger reads.
Result<PartyLedgerEvidence> collect_party_ledger(Ledger& ledger, ByteSpan contract_id);

// Everything but the certificates and anchor receipts, from both parties'
// ledgers: each party's entries and checkpoint, the transcript and approvals
// (from the buyer's ledger), the mandates embedded in the transcript, the
// escrow events (from the buyer's ledger, else the seller's), every
// settlement receipt of either ledger, each party's anchor receipt as found
// in the other's ledger, and the escrow state digest replayed from the
// events. The caller adds org and node certificates, anchor receipts not
// found, revocations and cosignatures. Errors: kNotFound without an anchor payload; those of
// decoding and of the escrow replay.
Result<EvidenceParts> assemble_evidence(const PartyLedgerEvidence& buyer, const PartyLedgerEvidence& seller,
                                        const settlement::TaxTable& table);

}  // namespace pactum::ledger
