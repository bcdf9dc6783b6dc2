// Finished deals leave memory: a node keeps every deal it ever made, and
// each one's envelopes and receipts (about 5 KiB) would otherwise stay in
// memory for good. The ledger holds all of them; a retired deal reads them
// back by id for the few requests that still need them (the agent API's
// transcript, a partner re-asking for our receipts).
#include "node/core/core_impl.h"

namespace pactum::node::detail {

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
