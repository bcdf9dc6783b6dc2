// Escrow events: signed by the parties, the arbiter or approvers, applied by
// the escrow core on our node, appended, and relayed to the counterparty's
// node, which applies the same events and so reaches the same escrow digest.
#include "node/core/core_impl.h"
#include "protocol/escrow_codec.h"

namespace pactum::node::detail {
namespace {

// The contract an escrow envelope names, without verifying it yet.
Result<Digest> escrow_contract(ByteSpan envelope) {
  PACTUM_TRY(auto decoded, protocol::decode<wire::Envelope>(envelope));
  auto payload = decoded.root().getBody().getPayload();
  if (!payload.isEscrowEvent()) return Fail(Errc::kWrongKind, "not an escrow event");
  auto id = payload.getEscrowEvent().getContractId();
  if (id.size() != 16) return Fail(Errc::kMalformedMessage, "contractId must be 16 bytes");
  return pad_id(id);
}

}  // namespace

Result<bool> CoreImpl::apply_escrow(Deal& d, const Bytes& envelope, std::optional<std::uint64_t> request_id,
                                    bool from_peer) {
  escrow::ContractId cid{};
  std::copy_n(d.contract_id.begin(), cid.size(), cid.begin());
  PACTUM_TRY(escrow::EscrowEvent ev, protocol::open_escrow_event(envelope, cid, d.terms_hash));
  PACTUM_TRY(escrow::ApplyOutcome outcome, d.escrow->apply(ev));
  PACTUM_TRY(auto decoded, protocol::decode<wire::Envelope>(envelope));
  PACTUM_TRY(Digest hash, protocol::message_hash(decoded.root().getBody()));
  if (outcome == escrow::ApplyOutcome::kDuplicate) {
    if (request_id) reply_duplicate(*request_id, hash, d.id);
    return false;
  }
  d.escrow_events.push_back(envelope);
  PendingAppend p;
  p.after = AfterAppend::kEscrow;
  p.deal = d.id;
  p.request_id = request_id;
  p.notice = "escrow";
  p.reply_detail = "escrow " + std::string(escrow::status_name(d.escrow->status()));
  if (!from_peer) p.relay.push_back(envelope);
  append(entry_kind(ledger::EntryKind::kEscrowEvent), hash, envelope, std::move(p));
  return true;
}

void CoreImpl::agent_escrow(std::uint64_t request_id, const Bytes& envelope) {
  auto cid = escrow_contract(envelope);
  if (!cid) return reply(request_id, cid.error());
  Deal* d = deal_by_contract(*cid);
  if (d == nullptr || !d->escrow) {
    return reply(request_id, Error{Errc::kNotFound, "no open escrow here for contract " +
                                                        to_hex(ByteSpan(cid->data(), 16))});
  }
  auto r = apply_escrow(*d, envelope, request_id, false);
  if (!r) reply(request_id, r.error(), d->id);
}

void CoreImpl::peer_escrow(const OrgKey& from, const Bytes& envelope) {
  auto cid = escrow_contract(envelope);
  if (!cid) {
    ++stats_.verification_failures;
    return;
  }
  Deal* d = deal_by_contract(*cid);
  if (d == nullptr || !d->settled) {
    // The contract is not settled here yet (the events overtook the accept).
    auto& early = early_escrow_[*cid];
    if (early.size() >= kHeldEscrowEventsMax) early.pop_front();
    early.push_back(envelope);
    return;
  }
  if (d->peer != from || !d->escrow) {
    ++stats_.refusals;
    return;
  }
  auto r = apply_escrow(*d, envelope, std::nullopt, true);
  if (!r) {
    ++stats_.refusals;
    notice("refused", d->id, "escrow event: " + r.error().to_string());
  }
}

void CoreImpl::open_escrow_events(Deal& d) {
  auto it = early_escrow_.find(d.contract_id);
  if (it == early_escrow_.end()) return;
  std::deque<Bytes> events = std::move(it->second);
  early_escrow_.erase(it);
  for (const Bytes& b : events) peer_escrow(d.peer, b);
}

}  // namespace pactum::node::detail
