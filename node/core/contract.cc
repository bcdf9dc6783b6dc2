// From ACCEPTED to a settled contract: the contract anchor entry, our signed
// anchor receipt, settlement, our signed settlement receipt, and checking the
// counterparty's receipts (divergence is an alarm, never silently resolved).
#include <capnp/message.h>

#include "ledger/evidence.h"
#include "node/core/core_impl.h"
#include "node/core/node_core.capnp.h"
#include "protocol/amendment.h"
#include "protocol/escrow_codec.h"
#include "protocol/settlement_codec.h"
#include "settlement/settlement.h"

namespace pactum::node::detail {
namespace {

bool same(capnp::Data::Reader d, ByteSpan want) {
  return d.size() == want.size() && std::equal(d.begin(), d.end(), want.begin());
}

}  // namespace

Deal* CoreImpl::deal_by_contract(const Digest& contract_id) {
  auto it = by_contract_.find(contract_id);
  if (it == by_contract_.end()) return nullptr;
  auto d = deals_.find(it->second);
  return d == deals_.end() ? nullptr : &d->second;
}

Result<Bytes> CoreImpl::anchor_payload(const Deal& d) const {
  auto terms_it = d.offered.find(d.terms_hash);
  if (terms_it == d.offered.end()) return Fail(Errc::kInternal, "accepted terms were never offered");
  const protocol::Negotiation* n = engine_.find(d.id);
  PACTUM_ASSERT(n != nullptr);
  PACTUM_TRY(auto terms, protocol::decode<wire::ContractTerms>(terms_it->second));
  capnp::MallocMessageBuilder mb;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
    auto a = mb.initRoot<wire::node::ContractAnchor>();
    auto t = terms.root();
    a.setContractId(t.getContractId());
    a.setNegotiationId(t.getNegotiationId());
    a.setTermsHash(protocol::as_data(d.terms_hash));
    a.setTerms(t);
    auto list = a.initTranscript(static_cast<unsigned>(n->transcript.size()));
    for (unsigned i = 0; i < list.size(); ++i) list.set(i, protocol::as_data(n->transcript[i].hash));
    a.setBuyerOrg(t.getBuyer().getOrgRootKey());
    a.setSellerOrg(t.getSeller().getOrgRootKey());
  })) {
    return Fail(protocol::error_from_exception(*e, "contract anchor"));
  }
  return protocol::canonical_bytes(mb.getRoot<wire::node::ContractAnchor>().asReader());
}

void CoreImpl::start_anchor(Deal& d) {
  if (d.anchor_requested) return;
  const protocol::Negotiation* n = engine_.find(d.id);
  PACTUM_ASSERT(n != nullptr && n->state == protocol::NegState::kAccepted);
  d.terms_hash = n->offer_terms_hash;
  auto terms_it = d.offered.find(d.terms_hash);
  auto payload = anchor_payload(d);
  auto terms = terms_it == d.offered.end() ? Result<protocol::Decoded<wire::ContractTerms>>(Fail(Errc::kNotFound))
                                           : protocol::decode<wire::ContractTerms>(terms_it->second);
  if (!payload || !terms) {
    alarm("anchor-failed", d.peer, payload ? terms.error().to_string() : payload.error().to_string());
    (void)engine_.on_failed(d.id, "anchor payload");
    return;
  }
  d.anchor_requested = true;
  d.contract_id = pad_id(terms->root().getContractId());
  if (terms->root().hasAmendmentOf()) d.amends = pad_id(terms->root().getAmendmentOf().getBaseContractId());
  by_contract_[d.contract_id] = d.id;
  by_terms_[d.terms_hash] = d.id;
  PendingAppend p;
  p.after = AfterAppend::kAnchor;
  p.deal = d.id;
  append(entry_kind(ledger::EntryKind::kContractAnchor), protocol::domain_hash(kAnchorIdDomain, d.terms_hash),
         std::move(*payload), std::move(p));
}

void CoreImpl::anchored(Deal& d, std::uint64_t index, const Digest& entry_hash) {
  if (d.anchored) return;
  protocol::Decision dec = engine_.on_anchored(d.id);
  if (dec.outcome != protocol::Outcome::kApplied) {
    alarm("commit-refused", d.peer, dec.rule + ": " + dec.values);
    return;
  }
  d.anchored = true;
  d.anchor_index = index;
  d.anchor_entry_hash = entry_hash;
  ++stats_.contracts;
  notice("committed", d.id, "ledger index " + std::to_string(index));
  make_anchor_receipt(d);
  if (auto s = settle(d); !s) {
    d.settle_failed = true;
    d.settlement_status = "failed";
    alarm("settlement-failed", d.peer, s.error().to_string());
  } else {
    make_settlement_receipt(d);
    open_escrow_events(d);
  }
  retry_waiting(d.peer, &d.contract_id);
}

void CoreImpl::make_anchor_receipt(Deal& d) {
  // The receipt names a checkpoint covering the entry; until one is taken it waits.
  if (!d.our_anchor_receipt.empty()) return;
  if (our_note_.empty() || our_size_ <= d.anchor_index) {
    if (d.anchored) receipts_waiting_.insert(d.id);
    return;
  }
  auto sealed = anchor_receipt(d);
  if (!sealed) return alarm("receipt-failed", d.peer, sealed.error().to_string());
  if (!d.retired) d.our_anchor_receipt = *sealed;  // A retired deal's is remade when asked for.
  send(d.peer, std::move(*sealed));
}

Result<Bytes> CoreImpl::anchor_receipt(const Deal& d) {
  PACTUM_ASSERT(!our_note_.empty() && our_size_ > d.anchor_index);
  protocol::EnvelopeBuilder b;
  auto r = b.payload().initAnchorReceipt();
  r.setContractId(id16(d.contract_id));
  r.setTermsHash(protocol::as_data(d.terms_hash));
  r.setLedgerIndex(d.anchor_index);
  r.setCheckpoint(our_note_);
  r.setNodeKey(protocol::as_data(node_key_->public_key()));
  if (d.anchor_entry_hash != Digest{}) r.setEntryHash(protocol::as_data(d.anchor_entry_hash));
  return seal(b);
}

void CoreImpl::send_pending_anchor_receipts() {
  std::set<Digest> waiting;
  waiting.swap(receipts_waiting_);  // Those still waiting are put back.
  for (const Digest& id : waiting) {
    auto it = deals_.find(id);
    if (it == deals_.end()) continue;
    make_anchor_receipt(it->second);
    maybe_retire(it->second);  // Our anchor receipt may have been its last step.
  }
}

Result<std::vector<Bytes>> CoreImpl::contract_versions(const Deal& d) const {
  std::vector<Bytes> newest_first;
  const Deal* at = &d;
  for (;;) {
    auto terms_it = at->offered.find(at->terms_hash);
    if (terms_it == at->offered.end()) return Fail(Errc::kInternal, "no accepted terms");
    newest_first.push_back(terms_it->second);
    PACTUM_TRY(auto terms, protocol::decode<wire::ContractTerms>(terms_it->second));
    if (!terms.root().hasAmendmentOf()) break;
    if (newest_first.size() > settlement::kAmendmentsMax) return Fail(Errc::kLimitExceeded, "amendment chain");
    PACTUM_TRY(Digest base, protocol::read_hash(terms.root().getAmendmentOf().getBaseTermsHash(), "baseTermsHash"));
    auto base_it = by_terms_.find(base);
    auto deal_it = base_it == by_terms_.end() ? deals_.end() : deals_.find(base_it->second);
    if (deal_it == deals_.end()) return Fail(Errc::kNotFound, "the amended version " + to_hex(base) + " is unknown");
    at = &deal_it->second;
  }
  return std::vector<Bytes>(newest_first.rbegin(), newest_first.rend());
}

Result<void> CoreImpl::settle(Deal& d) {
  PACTUM_TRY(std::vector<Bytes> versions, contract_versions(d));
  std::vector<protocol::Decoded<wire::ContractTerms>> decoded;
  std::vector<wire::ContractTerms::Reader> readers;
  for (const Bytes& v : versions) {
    PACTUM_TRY(auto one, protocol::decode<wire::ContractTerms>(v));
    decoded.push_back(std::move(one));
    readers.push_back(decoded.back().root());
  }
  auto t = readers.back();
  PACTUM_TRY(settlement::Contract k, protocol::amended_contract(readers));
  PACTUM_TRY(settlement::SettlementResult result, settlement::settle(k));
  PACTUM_TRY(d.settlement_digest, protocol::settlement_digest(result));
  d.invoiced_total_minor = result.total_minor;
  if (t.hasEscrow()) {
    PACTUM_TRY(escrow::EscrowTerms et, ledger::escrow_terms_for(t, result));
    escrow::ContractId cid{};
    std::copy_n(d.contract_id.begin(), cid.size(), cid.begin());
    PACTUM_TRY(escrow::Escrow e, escrow::Escrow::open(cid, std::move(et), &crypto::sha256));
    PACTUM_TRY(d.escrow_digest, protocol::escrow_state_digest(e));
    d.escrow = std::make_unique<escrow::Escrow>(std::move(e));
  }
  d.settled = true;
  return Ok();
}

void CoreImpl::make_settlement_receipt(Deal& d) {
  if (!d.our_settlement_receipt.empty() || d.retired || !d.settled) return;
  protocol::EnvelopeBuilder b;
  auto r = b.payload().initSettlementReceipt();
  r.setContractId(id16(d.contract_id));
  r.setSettlementDigest(protocol::as_data(d.settlement_digest));
  r.setEscrowDigest(protocol::as_data(d.escrow_digest));
  r.setNodeKey(protocol::as_data(node_key_->public_key()));
  r.setTermsHash(protocol::as_data(d.terms_hash));
  auto sealed = seal(b);
  if (!sealed) return alarm("receipt-failed", d.peer, sealed.error().to_string());
  d.our_settlement_receipt = *sealed;
  notice("settled", d.id, "invoiced total " + std::to_string(d.invoiced_total_minor));
  // Our own fresh signature needs no verification: decode for the hash only.
  auto decoded = protocol::decode<wire::Envelope>(*sealed);
  PACTUM_ASSERT(decoded.has_value());  // We just encoded it.
  auto hash = protocol::message_hash(decoded->root().getBody());
  PACTUM_ASSERT(hash.has_value());
  d.our_settlement_receipt_id = *hash;
  // The partner gets the receipt once it is durable here.
  PendingAppend p;
  p.deal = d.id;
  p.relay.push_back(*sealed);
  append(entry_kind(ledger::EntryKind::kSettlementReceipt), *hash, std::move(*sealed), std::move(p));
  compare_settlement(d, true);
}

void CoreImpl::compare_settlement(Deal& d, bool emit_alarm) {
  if (!d.settled || d.peer_settlement_receipt.empty() || d.settlement_status != "pending") return;
  if (d.peer_settlement_digest == d.settlement_digest && d.peer_escrow_digest == d.escrow_digest) {
    d.settlement_status = "agreed";
    if (emit_alarm) notice("agreed", d.id, to_hex(d.settlement_digest));
    return;
  }
  d.settlement_status = "diverged";
  if (emit_alarm) {
    alarm("settlement-divergence", d.peer,
          "contract " + to_hex(ByteSpan(d.contract_id.data(), 16)) + ": our settlement " + to_hex(d.settlement_digest) +
              " escrow " + to_hex(d.escrow_digest) + ", peer's " + to_hex(d.peer_settlement_digest) + " escrow " +
              to_hex(d.peer_escrow_digest),
          d.peer_settlement_receipt);
  }
}

bool CoreImpl::peer_anchor_receipt(const OrgKey& from, const Bytes& envelope, const protocol::OpenedEnvelope& env) {
  auto r = env.body().getPayload().getAnchorReceipt();
  if (r.getContractId().size() != 16) return ++stats_.verification_failures, false;
  Deal* d = deal_by_contract(pad_id(r.getContractId()));
  if (d == nullptr || !d->anchored) return true;  // Its contract is not anchored here yet.
  std::string note(r.getCheckpoint().cStr(), r.getCheckpoint().size());
  auto origin_end = note.find('\n');
  auto vk = ledger::make_verifier_key(note.substr(0, origin_end == std::string::npos ? 0 : origin_end), env.info.sender);
  auto cp = vk ? ledger::open_checkpoint(note, *vk) : Result<ledger::Checkpoint>(Fail(vk.error()));
  bool ok = d->peer == from && same(r.getTermsHash(), d->terms_hash) && same(r.getNodeKey(), env.info.sender) &&
            cp.has_value() && cp->size > r.getLedgerIndex();
  if (ok && r.getEntryHash().size() == crypto::kSha256Bytes && r.getInclusionPath().size() != 0) {
    ledger::InclusionProof proof{r.getLedgerIndex(), cp->size, {}};
    for (auto h : r.getInclusionPath()) {
      auto hh = protocol::read_hash(h, "inclusionPath");
      if (!hh) return ++stats_.verification_failures, false;
      proof.path.push_back(*hh);
    }
    auto leaf = protocol::read_hash(r.getEntryHash(), "entryHash");
    ok = leaf && ledger::verify_inclusion(*leaf, proof, cp->root).has_value();
  }
  if (!ok) {
    ++stats_.verification_failures;
    return false;
  }
  witness_note(from, env.info.sender, note, std::nullopt, &*cp);
  if (d->has_peer_anchor_receipt()) {
    resend_receipts(*d);
    return false;
  }
  d->peer_anchor_receipt = envelope;
  notice("peer-anchored", d->id, "peer ledger index " + std::to_string(r.getLedgerIndex()));
  PendingAppend p;
  p.deal = d->id;  // After the anchor it is evidence for, in the deal's order.
  append(entry_kind(ledger::EntryKind::kGeneric), env.info.message_hash, envelope, std::move(p));
  return false;
}

bool CoreImpl::peer_settlement_receipt(const OrgKey& from, const Bytes& envelope,
                                       const protocol::OpenedEnvelope& env) {
  auto r = env.body().getPayload().getSettlementReceipt();
  if (r.getContractId().size() != 16) return ++stats_.verification_failures, false;
  Deal* d = deal_by_contract(pad_id(r.getContractId()));
  if (d == nullptr || !d->anchored) return true;
  auto digest = protocol::read_hash(r.getSettlementDigest(), "settlementDigest");
  auto escrow_digest = protocol::read_hash(r.getEscrowDigest(), "escrowDigest");
  if (d->peer != from || !same(r.getTermsHash(), d->terms_hash) || !same(r.getNodeKey(), env.info.sender) ||
      !digest || !escrow_digest) {
    ++stats_.verification_failures;
    return false;
  }
  if (d->has_peer_settlement_receipt()) {
    resend_receipts(*d);
    return false;
  }
  d->peer_settlement_receipt = envelope;
  d->peer_settlement_digest = *digest;
  d->peer_escrow_digest = *escrow_digest;
  PendingAppend p;
  p.deal = d->id;
  append(entry_kind(ledger::EntryKind::kSettlementReceipt), env.info.message_hash, envelope, std::move(p));
  compare_settlement(*d, true);
  return false;
}

}  // namespace pactum::node::detail
