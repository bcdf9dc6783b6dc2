// Export side of evidence bundles: gathering one party's ledger entries about
// a contract (the node core's layout, docs/node.md "Ledger entries written by
// the core"), with inclusion proofs against its latest signed checkpoint, and
// assembling both parties' findings into bundle parts.
#include <map>

#include "ledger/evidence_internal.h"
#include "protocol/canonical.h"
#include "protocol/envelope.h"
#include "protocol/escrow_codec.h"

namespace pactum::ledger {
namespace {

namespace ew = ::pactum::wire::evidence;
using protocol::PayloadKind;

bool same_id(capnp::Data::Reader a, ByteSpan b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

protocol::DecodeLimits anchor_limits() {
  return {.max_bytes = kEntryPayloadBytesMax, .traversal_limit_words = kEntryPayloadBytesMax,
          .nesting_limit = protocol::kNestingLimit};
}

void add_unique(std::vector<Bytes>& list, const Bytes& b) {
  if (std::find(list.begin(), list.end(), b) == list.end()) list.push_back(b);
}

// What one envelope entry is, as far as this contract is concerned.
enum class Role : std::uint8_t { kNone, kTranscript, kApproval, kOther, kPartnerReceipt };

Role classify(const Entry& e, ByteSpan contract_id, const std::map<crypto::Digest, std::size_t>& chain,
              crypto::Digest& hash) {
  auto env = protocol::decode<wire::Envelope>(e.payload);
  if (!env) return Role::kNone;
  auto h = protocol::message_hash(env->root().getBody());
  if (!h) return Role::kNone;
  hash = *h;
  auto p = env->root().getBody().getPayload();
  switch (e.kind) {
    case EntryKind::kNegotiationMessage:
      if (chain.count(hash)) return Role::kTranscript;
      if (p.which() == PayloadKind::APPROVE && p.getApprove().getContext().getPreviousHash().size() == 32) {
        crypto::Digest prev{};
        auto ph = p.getApprove().getContext().getPreviousHash();
        std::copy(ph.begin(), ph.end(), prev.begin());
        if (chain.count(prev)) return Role::kApproval;
      }
      return Role::kNone;
    case EntryKind::kEscrowEvent:
      return p.which() == PayloadKind::ESCROW_EVENT && same_id(p.getEscrowEvent().getContractId(), contract_id)
                 ? Role::kOther : Role::kNone;
    case EntryKind::kSettlementReceipt:
      return p.which() == PayloadKind::SETTLEMENT_RECEIPT &&
                     same_id(p.getSettlementReceipt().getContractId(), contract_id)
                 ? Role::kOther : Role::kNone;
    case EntryKind::kGeneric:
      return p.which() == PayloadKind::ANCHOR_RECEIPT && same_id(p.getAnchorReceipt().getContractId(), contract_id)
                 ? Role::kPartnerReceipt : Role::kNone;
    case EntryKind::kContractAnchor:
    case EntryKind::kRevocation:
    case EntryKind::kCosignedCheckpoint:
      break;
  }
  return Role::kNone;
}

// The terms of every version an amendment's anchor builds on, first version
// first, from their anchors in the same ledger.
Result<std::vector<Bytes>> earlier_versions(Ledger& ledger, const Bytes& anchor_payload,
                                            const std::map<crypto::Digest, std::uint64_t>& anchor_at) {
  std::vector<Bytes> newest_first;
  PACTUM_TRY(auto anchor, protocol::decode<ew::ContractAnchor>(anchor_payload, protocol::Canonical::kRequire,
                                                               anchor_limits()));
  PACTUM_TRY(Bytes terms, protocol::canonical_bytes(anchor.root().getTerms()));
  for (;;) {
    PACTUM_TRY(auto t, protocol::decode<wire::ContractTerms>(terms));
    if (!t.root().hasAmendmentOf()) break;
    if (newest_first.size() >= kEvidenceListMax) return Fail(Errc::kLimitExceeded, "amendment chain");
    PACTUM_TRY(crypto::Digest base, protocol::read_hash(t.root().getAmendmentOf().getBaseTermsHash(), "baseTermsHash"));
    auto at = anchor_at.find(base);
    if (at == anchor_at.end()) return Fail(Errc::kNotFound, "the amended version " + to_hex(base) + " has no anchor here");
    PACTUM_TRY(Entry e, ledger.entry(at->second));
    PACTUM_TRY(auto a, protocol::decode<ew::ContractAnchor>(e.payload, protocol::Canonical::kRequire, anchor_limits()));
    PACTUM_TRY(terms, protocol::canonical_bytes(a.root().getTerms()));
    newest_first.push_back(terms);
  }
  return std::vector<Bytes>(newest_first.rbegin(), newest_first.rend());
}

Result<void> add_entry(Ledger& ledger, std::uint64_t i, std::uint64_t size, PartyLedgerEvidence& out) {
  PACTUM_TRY(Bytes bytes, ledger.entry_bytes(i));
  PACTUM_TRY(InclusionProof proof, ledger.prove_inclusion(i, size));
  out.entries.push_back({std::move(bytes), 0, std::move(proof.path)});
  return Ok();
}

}  // namespace

Result<PartyLedgerEvidence> collect_party_ledger(Ledger& ledger, ByteSpan contract_id) {
  PACTUM_TRY(auto latest, ledger.latest_checkpoint());
  if (!latest) return Fail(Errc::kNotFound, "the ledger has no signed checkpoint");
  const std::uint64_t size = latest->checkpoint.size;
  PartyLedgerEvidence out;
  out.checkpoint.note = latest->note;
  std::map<crypto::Digest, std::size_t> chain;  // Message hash -> position in the transcript.
  std::vector<std::uint64_t> others;
  std::map<crypto::Digest, std::uint64_t> anchor_at;  // Terms hash -> index of its anchor (amendment chains).
  // First pass: the anchor (a contract's entries can be anywhere in the log).
  for (std::uint64_t i = 0; i < size; ++i) {
    PACTUM_TRY(Entry e, ledger.entry(i));
    if (e.kind != EntryKind::kContractAnchor) {
      others.push_back(i);
      continue;
    }
    auto a = protocol::decode<ew::ContractAnchor>(e.payload, protocol::Canonical::kRequire, anchor_limits());
    if (a && a->root().getTermsHash().size() == 32) {
      crypto::Digest th{};
      std::copy(a->root().getTermsHash().begin(), a->root().getTermsHash().end(), th.begin());
      anchor_at.emplace(th, i);
    }
    if (out.anchor_payload) continue;
    if (!a || !same_id(a->root().getContractId(), contract_id)) continue;
    for (auto h : a->root().getTranscript()) {
      if (h.size() != 32) return Fail(Errc::kLedgerCorrupt, "anchor transcript hash of " + std::to_string(h.size()) + " bytes");
      crypto::Digest d{};
      std::copy(h.begin(), h.end(), d.begin());
      chain.emplace(d, chain.size());
    }
    out.anchor_payload = e.payload;
    PACTUM_CHECK(add_entry(ledger, i, size, out));
  }
  if (!out.anchor_payload)
    return Fail(Errc::kNotFound, "no contract anchor for " + to_hex(contract_id) + " up to the latest checkpoint (" +
                                     std::to_string(size) + " entries)");
  std::vector<Bytes> ordered(chain.size());
  for (std::uint64_t i : others) {
    PACTUM_TRY(Entry e, ledger.entry(i));
    crypto::Digest hash{};
    const Role role = classify(e, contract_id, chain, hash);
    if (role == Role::kNone) continue;
    if (role == Role::kTranscript) ordered[chain[hash]] = e.payload;
    if (role == Role::kApproval) out.approvals.push_back(e.payload);
    if (role == Role::kPartnerReceipt) out.partner_anchor_receipts.push_back(e.payload);
    PACTUM_CHECK(add_entry(ledger, i, size, out));
  }
  for (Bytes& t : ordered) {
    if (t.empty()) return Fail(Errc::kNotFound, "a transcript message of the anchor is not in the ledger");
    out.transcript.push_back(std::move(t));
  }
  PACTUM_TRY(out.amended_versions, earlier_versions(ledger, *out.anchor_payload, anchor_at));
  return out;
}

namespace {

// The org-root-signed mandate envelopes embedded in transcript messages.
Result<std::vector<Bytes>> embedded_mandates(const std::vector<Bytes>& transcript) {
  std::vector<Bytes> out;
  for (const Bytes& t : transcript) {
    PACTUM_TRY(auto env, protocol::decode<wire::Envelope>(t));
    auto p = env.root().getBody().getPayload();
    std::optional<wire::NegotiationContext::Reader> c;
    switch (p.which()) {
      case PayloadKind::PROPOSE: c = p.getPropose().getContext(); break;
      case PayloadKind::COUNTER: c = p.getCounter().getContext(); break;
      case PayloadKind::ACCEPT: c = p.getAccept().getContext(); break;
      case PayloadKind::REJECT: c = p.getReject().getContext(); break;
      case PayloadKind::WITHDRAW: c = p.getWithdraw().getContext(); break;
      default: break;
    }
    if (!c || !c->getMandate().hasEnvelope()) continue;
    PACTUM_TRY(Bytes m, protocol::encode_envelope(c->getMandate().getEnvelope()));
    add_unique(out, m);
  }
  return out;
}

std::vector<Bytes> payloads_of(const PartyLedgerEvidence& p, EntryKind kind) {
  std::vector<Bytes> out;
  for (const EntryParts& e : p.entries) {
    auto entry = decode_entry(e.entry);
    if (entry && entry->kind == kind) out.push_back(entry->payload);
  }
  return out;
}

// The escrow state digest after `events`, on the terms the transcript
// accepted (32 zero bytes without escrow, as the node core signs it).
Result<crypto::Digest> replay_escrow(const EvidenceParts& parts) {
  PACTUM_TRY(Bytes bundle, build_evidence(parts));  // Derives the accepted terms.
  PACTUM_TRY(auto b, protocol::decode<ew::EvidenceBundle>(
                         bundle, protocol::Canonical::kRequire,
                         {.max_bytes = kEvidenceBytesMax, .traversal_limit_words = kEvidenceBytesMax,
                          .nesting_limit = protocol::kNestingLimit}));
  auto terms = b.root().getTerms();
  if (!terms.hasEscrow()) return crypto::Digest{};
  escrow::ContractId cid{};
  if (terms.getContractId().size() != cid.size()) return Fail(Errc::kMalformedMessage, "contract id size");
  std::copy(terms.getContractId().begin(), terms.getContractId().end(), cid.begin());
  PACTUM_TRY(crypto::Digest th, protocol::terms_hash(terms));
  PACTUM_TRY(Bytes terms_bytes, protocol::canonical_bytes(terms));
  PACTUM_TRY(settlement::Contract c, contract_from_terms(terms_bytes, parts.tax_table));
  PACTUM_TRY(settlement::SettlementResult r, settlement::settle(c));
  PACTUM_TRY(escrow::EscrowTerms et, evidence_detail::escrow_terms_for(terms, r));
  PACTUM_TRY(escrow::Escrow e, escrow::Escrow::open(cid, et, &crypto::sha256));
  for (const Bytes& ev : parts.escrow_events) {
    PACTUM_TRY(escrow::EscrowEvent event, protocol::open_escrow_event(ev, cid, th));
    PACTUM_TRY(auto applied, e.apply(event));
    (void)applied;
  }
  return protocol::escrow_state_digest(e);
}

}  // namespace

Result<EvidenceParts> assemble_evidence(const PartyLedgerEvidence& buyer, const PartyLedgerEvidence& seller,
                                        const settlement::TaxTable& table) {
  if (!buyer.anchor_payload) return Fail(Errc::kNotFound, "the buyer's ledger holds no anchor");
  EvidenceParts parts;
  parts.transcript = buyer.transcript;
  parts.approvals = buyer.approvals;
  PACTUM_TRY(parts.mandates, embedded_mandates(parts.transcript));
  parts.buyer.checkpoints = {buyer.checkpoint};
  parts.buyer.entries = buyer.entries;
  parts.seller.checkpoints = {seller.checkpoint};
  parts.seller.entries = seller.entries;
  // Each node stores its partner's anchor receipt.
  if (!seller.partner_anchor_receipts.empty()) parts.buyer.anchor_receipt = seller.partner_anchor_receipts.front();
  if (!buyer.partner_anchor_receipts.empty()) parts.seller.anchor_receipt = buyer.partner_anchor_receipts.front();
  parts.escrow_events = payloads_of(buyer, EntryKind::kEscrowEvent);
  if (parts.escrow_events.empty()) parts.escrow_events = payloads_of(seller, EntryKind::kEscrowEvent);
  for (const auto* p : {&buyer, &seller})
    for (const Bytes& r : payloads_of(*p, EntryKind::kSettlementReceipt)) add_unique(parts.settlement_receipts, r);
  parts.tax_table = table;
  parts.amended_versions = buyer.amended_versions;
  PACTUM_TRY(crypto::Digest d, replay_escrow(parts));
  if (d != crypto::Digest{}) parts.escrow_state_digest = d;
  return parts;
}

}  // namespace pactum::ledger
