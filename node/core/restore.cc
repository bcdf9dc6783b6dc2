// Restart and catch-up: restore() rebuilds engine and deal state from our
// own ledger without emitting anything; the first handle() afterwards
// resumes what the ledger shows unfinished (an anchor not yet appended, a
// receipt not yet signed). On every (re)connect each side re-sends what a
// shared deal may still wait for; every receiver is idempotent.
#include "node/core/core_impl.h"
#include "node/core/node_core.capnp.h"
#include "protocol/escrow_codec.h"

namespace pactum::node::detail {

using K = protocol::PayloadKind;

void CoreImpl::on_event(const CheckpointTaken& e) {
  if (e.size < our_size_) return;  // Stale: a newer one is known.
  our_note_.assign(e.signed_note.begin(), e.signed_note.end());
  our_size_ = e.size;
  our_recent_notes_.push_back(our_note_);
  if (our_recent_notes_.size() > kOwnNotesRemembered) our_recent_notes_.pop_front();
  send_pending_anchor_receipts();
  broadcast_checkpoint();
}

void CoreImpl::on_event(const PeerConnected& e) {
  if (!is_partner(e.peer)) return;
  PeerState& peer = peers_[e.peer];
  peer.seen = true;
  ++peer.epoch;
  peer.checkpoint_in_flight = false;  // Whatever was in flight went with the old connection.
  peer.checkpoint_sent_size = 0;
  // Our certificate first: it lets the partner check everything our node signs.
  if (!node_certificate_.empty()) send(e.peer, node_certificate_);
  send_checkpoint(e.peer);
  if (!e.checkpoint.empty()) {
    std::string note(e.checkpoint.begin(), e.checkpoint.end());
    auto origin_end = note.find('\n');
    for (const PublicKey& key : peer.node_keys) {
      auto vk = ledger::make_verifier_key(note.substr(0, origin_end == std::string::npos ? 0 : origin_end), key);
      if (!vk) continue;
      if (auto cp = ledger::open_checkpoint(note, *vk)) witness_note(e.peer, key, note, std::nullopt, &*cp);
    }
  }
  catch_up(e.peer);
}

bool CoreImpl::done_with_peer(const Deal& d) const {
  const protocol::Negotiation* n = engine_.find(d.id);
  if (n == nullptr) return true;
  if (d.anchored) {
    bool escrow_open = d.escrow && !escrow::is_closed(d.escrow->status());
    return d.has_peer_anchor_receipt() && d.has_peer_settlement_receipt() && !escrow_open;
  }
  if (!protocol::is_terminal(n->state)) return false;
  // Ended without a contract: done once the last word is the partner's.
  return d.ours.empty() || !d.ours.back();
}

void CoreImpl::catch_up(const OrgKey& peer) {
  std::size_t deals = 0;
  for (auto& [id, d] : deals_) {
    if (d.peer != peer || done_with_peer(d)) continue;
    if (++deals > kCatchUpDealsMax) return;
    for (std::size_t i = 0; i < d.messages.size(); ++i) {
      if (d.ours[i]) send(peer, d.messages[i]);
    }
    if (!d.our_anchor_receipt.empty()) send(peer, d.our_anchor_receipt);
    if (!d.our_settlement_receipt.empty()) send(peer, d.our_settlement_receipt);
    for (const Bytes& b : d.escrow_events) send(peer, b);
  }
}

void CoreImpl::resend_receipts(Deal& d) {
  // A partner re-sending receipts we hold may have lost ours: answer once
  // per connection, so two nodes can never ping-pong duplicates.
  const std::uint64_t epoch = peers_[d.peer].epoch + 1;
  if (d.answered_epoch == epoch) return;
  d.answered_epoch = epoch;
  if (d.retired) {
    // Ours are remade (anchor; after a restart it waits for a checkpoint of
    // ours) or read back from the ledger (settlement).
    make_anchor_receipt(d);
    auto settlement = proofs_->durable_payload(d.our_settlement_receipt_id);
    if (!settlement) {
      return alarm("receipt-failed", d.peer, "our settlement receipt of a finished deal: " + settlement.error().to_string());
    }
    send(d.peer, std::move(*settlement));
    return;
  }
  if (!d.our_anchor_receipt.empty()) send(d.peer, d.our_anchor_receipt);
  if (!d.our_settlement_receipt.empty()) send(d.peer, d.our_settlement_receipt);
}

void CoreImpl::resume() {
  restored_ = false;
  for (auto& [id, d] : deals_) {
    // A finished deal needs no fresh receipts: retired before it gets any.
    maybe_retire(d, true);
    if (d.retired) continue;
    const protocol::Negotiation* n = engine_.find(id);
    if (n != nullptr && n->state == protocol::NegState::kAccepted && !d.anchor_requested) start_anchor(d);
    if (d.anchored) {
      make_anchor_receipt(d);
      make_settlement_receipt(d);
    }
  }
}

Result<void> CoreImpl::restore(std::uint64_t index, std::uint16_t kind, ByteSpan payload) {
  restored_ = true;
  switch (static_cast<ledger::EntryKind>(kind)) {
    case ledger::EntryKind::kNegotiationMessage:
      return restore_negotiation(payload);
    case ledger::EntryKind::kContractAnchor:
      return restore_anchor(index, payload);
    case ledger::EntryKind::kGeneric:
    case ledger::EntryKind::kRevocation:
    case ledger::EntryKind::kEscrowEvent:
    case ledger::EntryKind::kSettlementReceipt:
      return restore_envelope(kind, payload);
    case ledger::EntryKind::kCosignedCheckpoint:
      return Ok();
  }
  return Fail(Errc::kInvalidArgument, "entry " + std::to_string(index) + ": unknown kind " + std::to_string(kind));
}

Result<void> CoreImpl::restore_negotiation(ByteSpan payload) {
  PACTUM_TRY(auto decoded, protocol::decode<wire::Envelope>(payload));
  // Decide at the message's own signed time, as when it was first decided.
  now_ms_ = std::max(now_ms_, decoded.root().getBody().getTimestampMs());
  PACTUM_TRY(protocol::NegInput in, protocol::open_negotiation_message(payload, engine_, mandates_));
  const protocol::NegMessage& m = in.msg;
  Bytes stored(payload.begin(), payload.end());
  if (in.mandate == nullptr) {
    protocol::Decision d = engine_.on_approval(m, now_ms_);
    auto it = deals_.find(m.negotiation_id);
    if (d.outcome == protocol::Outcome::kApplied && m.kind == protocol::NegEvent::kApprove && it != deals_.end() &&
        !it->second.escalated.empty()) {
      it->second.messages.push_back(std::move(it->second.escalated));
      it->second.ours.push_back(true);
      it->second.escalated.clear();
    }
    return Ok();
  }
  const bool ours = in.mandate->org_key == org_root_;
  protocol::Decision d = engine_.on_message(m, *in.mandate, now_ms_);
  switch (d.outcome) {
    case protocol::Outcome::kApplied:
      record_message(m, stored, ours);
      return Ok();
    case protocol::Outcome::kEscalated: {
      Deal& deal = deals_[m.negotiation_id];
      deal.id = m.negotiation_id;
      deal.peer = m.counterparty_org;
      deal.escalated = stored;
      maybe_open_[deal.peer].insert(deal.id);  // It may still expire.
      PACTUM_TRY(auto terms, protocol::decode<wire::Envelope>(stored));
      auto p = terms.root().getBody().getPayload();
      if (p.isPropose() || p.isCounter()) {
        PACTUM_TRY(deal.offered[m.terms_hash], protocol::canonical_bytes(p.isPropose() ? p.getPropose().getTerms()
                                                                                      : p.getCounter().getTerms()));
      }
      return Ok();
    }
    case protocol::Outcome::kDuplicate:
      return Ok();
    case protocol::Outcome::kRefused:
      // Decided differently now (e.g. a new policy): keep going, visibly.
      ++stats_.refusals;
      return Ok();
  }
  return Ok();
}

Result<void> CoreImpl::restore_anchor(std::uint64_t index, ByteSpan payload) {
  PACTUM_TRY(auto decoded, protocol::decode<wire::node::ContractAnchor>(payload));
  auto a = decoded.root();
  if (a.getNegotiationId().size() != 16 || a.getContractId().size() != 16) {
    return Fail(Errc::kLedgerCorrupt, "entry " + std::to_string(index) + ": contract anchor ids");
  }
  auto it = deals_.find(pad_id(a.getNegotiationId()));
  if (it == deals_.end()) {
    return Fail(Errc::kLedgerCorrupt, "entry " + std::to_string(index) + ": anchor of an unknown negotiation");
  }
  Deal& d = it->second;
  PACTUM_TRY(d.terms_hash, protocol::read_hash(a.getTermsHash(), "termsHash"));
  if (d.offered.count(d.terms_hash) == 0) {
    PACTUM_TRY(d.offered[d.terms_hash], protocol::canonical_bytes(a.getTerms()));
  }
  d.contract_id = pad_id(a.getContractId());
  if (a.getTerms().hasAmendmentOf()) d.amends = pad_id(a.getTerms().getAmendmentOf().getBaseContractId());
  by_contract_[d.contract_id] = d.id;
  by_terms_[d.terms_hash] = d.id;
  d.anchor_requested = true;
  protocol::Decision dec = engine_.on_anchored(d.id);
  if (dec.outcome != protocol::Outcome::kApplied) return Ok();
  d.anchored = true;
  d.anchor_index = index;
  ++stats_.contracts;
  if (auto s = settle(d); !s) {
    d.settle_failed = true;
    d.settlement_status = "failed";
  }
  return Ok();
}

Result<void> CoreImpl::restore_envelope(std::uint16_t kind, ByteSpan payload) {
  PACTUM_TRY(protocol::OpenedEnvelope env, protocol::open_envelope(payload));
  auto p = env.body().getPayload();
  Bytes stored(payload.begin(), payload.end());
  switch (env.info.kind) {
    case K::REVOCATION: {
      PACTUM_TRY(auto r, protocol::revocation_from_envelope(env));
      (void)engine_.on_revocation(r);
      return Ok();
    }
    case K::KILL_SWITCH: {
      PACTUM_TRY(auto k, protocol::kill_from_envelope(env));
      (void)engine_.on_kill_switch(k);
      return Ok();
    }
    case K::SETTLEMENT_RECEIPT: {
      auto r = p.getSettlementReceipt();
      Deal* d = deal_by_contract(pad_id(r.getContractId()));
      if (d == nullptr) return Ok();
      if (env.info.sender == node_key_->public_key()) {
        d->our_settlement_receipt = std::move(stored);
        d->our_settlement_receipt_id = env.info.message_hash;
      } else {
        d->peer_settlement_receipt = std::move(stored);
        PACTUM_TRY(d->peer_settlement_digest, protocol::read_hash(r.getSettlementDigest(), "settlementDigest"));
        PACTUM_TRY(d->peer_escrow_digest, protocol::read_hash(r.getEscrowDigest(), "escrowDigest"));
      }
      compare_settlement(*d, false);
      return Ok();
    }
    case K::ANCHOR_RECEIPT: {
      auto r = p.getAnchorReceipt();
      Deal* d = deal_by_contract(pad_id(r.getContractId()));
      if (d == nullptr) return Ok();
      d->peer_anchor_receipt = std::move(stored);
      if (env.info.sender != node_key_->public_key()) {
        restore_witnessed(d->peer, env.info.sender, std::string(r.getCheckpoint().cStr(), r.getCheckpoint().size()));
      }
      return Ok();
    }
    case K::ESCROW_EVENT: {
      Deal* d = deal_by_contract(pad_id(p.getEscrowEvent().getContractId()));
      if (d == nullptr || !d->escrow) return Ok();
      escrow::ContractId cid{};
      std::copy_n(d->contract_id.begin(), cid.size(), cid.begin());
      PACTUM_TRY(auto ev, protocol::escrow_event_from_envelope(env, cid, d->terms_hash));
      PACTUM_TRY(auto outcome, d->escrow->apply(ev));
      if (outcome == escrow::ApplyOutcome::kApplied) d->escrow_events.push_back(std::move(stored));
      return Ok();
    }
    case K::EQUIVOCATION_PROOF: {  // Evidence we made; the alarm was raised when we made it.
      auto e = p.getEquivocationProof();
      auto key = protocol::read_key(e.getSignerKey(), "signerKey");
      const std::string note(e.getFirst().getNote().cStr());
      const auto text_end = note.rfind("\n\n");  // A signed note: text, blank line, signatures.
      if (!key || text_end == std::string::npos) return Ok();
      auto first = ledger::parse_checkpoint_body(note.substr(0, text_end + 1));
      if (first) equivocations_.insert({*key, first->size});
      return Ok();
    }
    case K::ORG_CERTIFICATE:
    case K::NODE_CERTIFICATE:
    case K::MANDATE:
    case K::PROPOSE:
    case K::COUNTER:
    case K::ACCEPT:
    case K::REJECT:
    case K::WITHDRAW:
    case K::ESCALATE:
    case K::APPROVE:
    case K::CHECKPOINT:
    case K::FILE_SIGNATURE:
    case K::REFUSAL_NOTICE:  // Never stored: a partner's refusal is told, not kept.
      break;
  }
  (void)kind;
  return Ok();
}

}  // namespace pactum::node::detail
