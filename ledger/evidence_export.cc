// Export side of evidence bundles: gathering one party's ledger entries about
// a contract, with inclusion proofs against its latest signed checkpoint.
#include "ledger/evidence_internal.h"
#include "protocol/canonical.h"
#include "protocol/envelope.h"

namespace pactum::ledger {
namespace {

namespace ew = ::pactum::wire::evidence;

bool same_id(capnp::Data::Reader a, ByteSpan b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

// The contract id an envelope entry is about, when it is about one.
bool envelope_names_contract(const Entry& e, ByteSpan contract_id,
                             const std::vector<Bytes>& anchored_transcript) {
  if (e.kind == EntryKind::kNegotiationMessage) {
    for (const Bytes& t : anchored_transcript)
      if (t == e.payload) return true;
    return false;
  }
  auto env = protocol::decode<wire::Envelope>(e.payload);
  if (!env) return false;
  auto p = env->root().getBody().getPayload();
  if (e.kind == EntryKind::kEscrowEvent && p.which() == protocol::PayloadKind::ESCROW_EVENT)
    return same_id(p.getEscrowEvent().getContractId(), contract_id);
  if (e.kind == EntryKind::kSettlementReceipt && p.which() == protocol::PayloadKind::SETTLEMENT_RECEIPT)
    return same_id(p.getSettlementReceipt().getContractId(), contract_id);
  return false;
}

protocol::DecodeLimits anchor_limits() {
  return {.max_bytes = kEntryPayloadBytesMax, .traversal_limit_words = kEntryPayloadBytesMax,
          .nesting_limit = protocol::kNestingLimit};
}

}  // namespace

Result<PartyLedgerEvidence> collect_party_ledger(Ledger& ledger, ByteSpan contract_id) {
  PACTUM_TRY(auto latest, ledger.latest_checkpoint());
  if (!latest) return Fail(Errc::kNotFound, "the ledger has no signed checkpoint");
  const std::uint64_t size = latest->checkpoint.size;
  PartyLedgerEvidence out;
  out.checkpoint.note = latest->note;
  std::vector<Bytes> transcript;
  std::vector<std::uint64_t> others;
  // One pass over the log: a contract's entries can be anywhere in it.
  for (std::uint64_t i = 0; i < size; ++i) {
    PACTUM_TRY(Entry e, ledger.entry(i));
    if (e.kind == EntryKind::kContractAnchor && !out.anchor_payload) {
      auto a = protocol::decode<ew::ContractAnchor>(e.payload, protocol::Canonical::kRequire, anchor_limits());
      if (!a || !same_id(a->root().getContractId(), contract_id)) continue;
      for (auto t : a->root().getTranscript()) transcript.emplace_back(t.begin(), t.end());
      out.anchor_payload = e.payload;
      PACTUM_TRY(Bytes bytes, ledger.entry_bytes(i));
      PACTUM_TRY(InclusionProof proof, ledger.prove_inclusion(i, size));
      out.entries.push_back({std::move(bytes), 0, std::move(proof.path)});
      continue;
    }
    if (entry_kind_holds_envelope(e.kind)) others.push_back(i);
  }
  if (!out.anchor_payload)
    return Fail(Errc::kNotFound, "no contract anchor for " + to_hex(contract_id) + " up to the latest checkpoint (" +
                                     std::to_string(size) + " entries)");
  for (std::uint64_t i : others) {
    PACTUM_TRY(Entry e, ledger.entry(i));
    if (!envelope_names_contract(e, contract_id, transcript)) continue;
    PACTUM_TRY(Bytes bytes, ledger.entry_bytes(i));
    PACTUM_TRY(InclusionProof proof, ledger.prove_inclusion(i, size));
    out.entries.push_back({std::move(bytes), 0, std::move(proof.path)});
  }
  return out;
}

}  // namespace pactum::ledger
