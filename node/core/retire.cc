// Finished deals leave memory: a node keeps every deal it ever made, and
// each one's envelopes and receipts (about 5 KiB) would otherwise stay in
// memory for good. The ledger holds all of them; a retired deal keeps their
// ids and reads them back for the few requests that still need them (the
// agent API's transcript, a partner re-asking for our receipts).
#include "node/core/core_impl.h"

namespace pactum::node::detail {
namespace {

// The ledger id our entries of this envelope carry: its message hash.
Result<Digest> envelope_id(ByteSpan envelope) {
  PACTUM_TRY(auto decoded, protocol::decode<wire::Envelope>(envelope));
  return protocol::message_hash(decoded.root().getBody());
}

}  // namespace

bool CoreImpl::retirable(const Deal& d, bool restoring) const {
  if (proofs_ == nullptr || d.retired) return false;
  if (!d.anchored || !d.settled || d.settlement_status != "agreed") return false;
  // Escrowed deals stay whole: their events keep coming for months.
  if (d.escrow || !d.escrow_events.empty() || !d.held_escrow.empty() || !d.escalated.empty()) return false;
  if (d.peer_anchor_receipt.empty() || d.peer_settlement_receipt.empty() || d.our_settlement_receipt.empty()) {
    return false;
  }
  if (!restoring && d.our_anchor_receipt.empty()) return false;
  // Nothing of it still on its way to the ledger or waiting for a checkpoint.
  return chains_.count(d.id) == 0 && receipts_waiting_.count(d.id) == 0;
}

void CoreImpl::maybe_retire(Deal& d, bool restoring) {
  if (!retirable(d, restoring)) return;
  auto terms = d.offered.find(d.terms_hash);
  if (terms == d.offered.end()) return;
  std::vector<Digest> ids;
  ids.reserve(d.messages.size());
  for (const Bytes& m : d.messages) {
    auto id = envelope_id(m);
    if (!id) return;  // Bytes we decoded before: cannot happen; then the deal stays whole.
    ids.push_back(*id);
  }
  auto receipt_id = envelope_id(d.our_settlement_receipt);
  if (!receipt_id) return;
  d.message_ids = std::move(ids);
  d.our_settlement_receipt_id = *receipt_id;
  // The accepted terms stay: settling an amendment and checking the next
  // one read them. Moving empty containers in frees their capacity too
  // (`v = {}` would pick the initializer-list assignment, which keeps it).
  Bytes accepted = std::move(terms->second);
  d.offered.clear();
  d.offered.emplace(d.terms_hash, std::move(accepted));
  d.messages = std::vector<Bytes>();
  d.ours = std::vector<bool>();
  d.our_anchor_receipt = Bytes();
  d.peer_anchor_receipt = Bytes();
  d.our_settlement_receipt = Bytes();
  d.peer_settlement_receipt = Bytes();
  d.retired = true;
  ++stats_.deals_retired;
}

}  // namespace pactum::node::detail
