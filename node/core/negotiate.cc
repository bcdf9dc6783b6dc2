// Negotiation messages from our agents and from partner nodes, approvals,
// kill switches, revocations and deadlines. Every message is decided by our
// NegotiationEngine (guardrails on both sides); applied ones are appended to
// our ledger and only relayed or acknowledged once that append is durable.
#include "node/core/core_impl.h"
#include "protocol/amendment.h"

namespace pactum::node::detail {
namespace {

using K = protocol::PayloadKind;

std::string refusal_text(const protocol::Decision& d) { return d.rule + ": " + d.values; }

// The canonical ContractTerms of a propose or counter envelope.
Result<Bytes> offered_terms(ByteSpan envelope) {
  PACTUM_TRY(auto decoded, protocol::decode<wire::Envelope>(envelope));
  auto payload = decoded.root().getBody().getPayload();
  if (payload.isPropose()) return protocol::canonical_bytes(payload.getPropose().getTerms());
  if (payload.isCounter()) return protocol::canonical_bytes(payload.getCounter().getTerms());
  return Fail(Errc::kWrongKind, "no terms in this message");
}

bool offers_terms(protocol::NegEvent k) {
  return k == protocol::NegEvent::kPropose || k == protocol::NegEvent::kCounter;
}

}  // namespace

Deal& CoreImpl::record_message(const protocol::NegMessage& m, const Bytes& stored, bool ours) {
  Deal& d = deals_[m.negotiation_id];
  if (d.messages.empty() && d.escalated.empty()) {
    d.id = m.negotiation_id;
    d.peer = ours ? m.counterparty_org : m.sender_org;
    maybe_open_[d.peer].insert(d.id);
  }
  d.messages.push_back(stored);
  d.ours.push_back(ours);
  if (offers_terms(m.kind)) {
    auto terms = offered_terms(stored);
    PACTUM_ASSERT(terms.has_value());  // The engine just decoded these very bytes.
    d.offered[m.terms_hash] = std::move(*terms);
  }
  return d;
}

std::optional<protocol::Refusal> CoreImpl::check_amendment(const protocol::NegMessage& m, ByteSpan envelope) const {
  if (!m.amends || !offers_terms(m.kind)) return std::nullopt;
  // Only against the version in force; the engine refuses any other.
  const protocol::ContractHead* head = engine_.contract(m.amends->base_contract_id);
  if (head == nullptr || head->terms_hash != m.amends->base_terms_hash) return std::nullopt;
  auto deal = deals_.find(head->negotiation_id);
  if (deal == deals_.end()) return std::nullopt;
  auto in_force = deal->second.offered.find(head->terms_hash);
  if (in_force == deal->second.offered.end()) return std::nullopt;
  auto amended_bytes = offered_terms(envelope);
  auto base = protocol::decode<wire::ContractTerms>(in_force->second);
  auto amended = amended_bytes ? protocol::decode<wire::ContractTerms>(*amended_bytes)
                               : Result<protocol::Decoded<wire::ContractTerms>>(Fail(amended_bytes.error()));
  if (!base || !amended) return protocol::Refusal{Errc::kMalformedMessage, "amendment.terms", "cannot decode"};
  return protocol::check_amendment_terms(base->root(), amended->root());
}

void CoreImpl::agent_negotiation(std::uint64_t request_id, const Bytes& envelope, K kind) {
  auto in = protocol::open_negotiation_message(envelope, engine_, mandates_);
  if (!in) return reply(request_id, in.error());
  const protocol::NegMessage& m = in->msg;
  if (kind != K::APPROVE && in->mandate->org_key != org_root_) {
    return reply(request_id, Error{Errc::kMandateScope, "the agent's mandate is from organization " +
                                                            crypto::key_id(in->mandate->org_key) +
                                                            ", not this node's"},
                 m.negotiation_id);
  }
  if (auto r = check_amendment(m, envelope)) {
    return reply(request_id, Error{r->code, r->rule + ": " + r->values}, m.negotiation_id);
  }
  protocol::Decision d = in->mandate != nullptr ? engine_.on_message(m, *in->mandate, now_ms_)
                                                : engine_.on_approval(m, now_ms_);
  switch (d.outcome) {
    case protocol::Outcome::kRefused:
      return reply(request_id, Error{d.code, refusal_text(d)}, m.negotiation_id);
    case protocol::Outcome::kDuplicate:
      return reply_duplicate(request_id, m.hash, m.negotiation_id);
    case protocol::Outcome::kEscalated:
    case protocol::Outcome::kApplied:
      break;
  }
  Bytes stored = envelope;
  if (kind != K::APPROVE) {
    // Our node vouches for what our agent said: the relayed and stored form
    // carries the node's countersignature over the same body.
    auto decoded = protocol::decode<wire::Envelope>(envelope);
    auto signed_form = decoded ? protocol::countersign(decoded->root(), *node_key_) : Result<Bytes>(Fail(decoded.error()));
    if (!signed_form) return reply(request_id, signed_form.error(), m.negotiation_id);
    stored = std::move(*signed_form);
  }
  PendingAppend p;
  p.after = AfterAppend::kNegotiation;
  p.deal = m.negotiation_id;
  p.request_id = request_id;
  if (d.outcome == protocol::Outcome::kEscalated) {
    Deal& deal = deals_[m.negotiation_id];
    if (deal.messages.empty()) {
      deal.id = m.negotiation_id;
      deal.peer = m.counterparty_org;
      maybe_open_[deal.peer].insert(deal.id);
    }
    deal.escalated = stored;
    if (offers_terms(m.kind)) {
      auto terms = offered_terms(stored);
      if (terms) deal.offered[m.terms_hash] = std::move(*terms);
    }
    p.reply_code = std::string(errc_name(d.code));
    p.reply_detail = refusal_text(d);
    p.notice = "escalated";
  } else if (kind == K::APPROVE) {
    Deal& deal = deals_[m.negotiation_id];
    p.notice = m.kind == protocol::NegEvent::kApprove ? "approved" : "denied";
    p.reply_detail = p.notice;
    if (m.kind == protocol::NegEvent::kApprove && !deal.escalated.empty()) {
      deal.messages.push_back(deal.escalated);
      deal.ours.push_back(true);
      p.relay.push_back(std::move(deal.escalated));
      deal.escalated.clear();
    }
  } else {
    Deal& deal = record_message(m, stored, true);
    p.relay.push_back(stored);
    p.notice = std::string(protocol::state_name(d.state));
    p.reply_detail = std::string(protocol::event_name(m.kind)) + " applied; state " + p.notice;
    (void)deal;
  }
  append(entry_kind(ledger::EntryKind::kNegotiationMessage), m.hash, std::move(stored), std::move(p));
  if (d.state == protocol::NegState::kAccepted) start_anchor(deals_[m.negotiation_id]);
}

bool CoreImpl::peer_negotiation(const OrgKey& from, const Bytes& envelope) {
  PeerState& peer = peers_[from];
  auto hold = [&]() {
    if (peer.held.size() >= kHeldPeerMessagesMax) peer.held.pop_front();
    peer.held.push_back(envelope);
    return true;
  };
  auto in = protocol::open_negotiation_message(envelope, engine_, mandates_);
  if (!in) {
    // An unknown mandate id: the message that embeds the mandate is still on its way.
    if (in.error().code == Errc::kNotFound) return hold();
    ++stats_.verification_failures;
    return false;
  }
  const protocol::NegMessage& m = in->msg;
  if (in->mandate == nullptr || in->mandate->org_key != from) {
    ++stats_.refusals;
    const std::string why = "not a party to this message (mandate of " +
                            (in->mandate ? crypto::key_id(in->mandate->org_key) : std::string("an approver")) + ")";
    notice("refused", m.negotiation_id, "from partner " + crypto::key_id(from) + ": " + why);
    refuse_back(from, m, Errc::kMandateScope, "negotiation.parties", why);
    return false;
  }
  if (auto r = check_amendment(m, envelope)) {
    ++stats_.refusals;
    notice("refused", m.negotiation_id, r->rule + ": " + r->values);
    refuse_back(from, m, r->code, r->rule, r->values);
    return false;
  }
  protocol::Decision d = engine_.on_message(m, *in->mandate, now_ms_);
  switch (d.outcome) {
    case protocol::Outcome::kDuplicate:
      return false;
    case protocol::Outcome::kEscalated:  // Only our own messages escalate; never a peer's.
    case protocol::Outcome::kRefused:
      if (d.code == Errc::kUnlinkedMessage || d.code == Errc::kFutureMessage) return hold();
      ++stats_.refusals;
      notice("refused", m.negotiation_id, refusal_text(d));
      refuse_back(from, m, d.code, d.rule, d.values);
      return false;
    case protocol::Outcome::kApplied:
      break;
  }
  Deal& deal = record_message(m, envelope, false);
  PendingAppend p;
  p.after = AfterAppend::kNegotiation;
  p.deal = m.negotiation_id;
  p.notice = std::string(protocol::state_name(d.state));
  p.reply_detail = std::string(protocol::event_name(m.kind)) + " from " + crypto::key_id(from);
  append(entry_kind(ledger::EntryKind::kNegotiationMessage), m.hash, envelope, std::move(p));
  if (d.state == protocol::NegState::kAccepted) start_anchor(deal);
  return false;
}

void CoreImpl::refuse_back(const OrgKey& to, const protocol::NegMessage& m, Errc code, const std::string& rule,
                           const std::string& detail) {
  protocol::EnvelopeBuilder b;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
    auto r = b.payload().initRefusalNotice();
    r.setNegotiationId(capnp::Data::Reader(m.negotiation_id.data(), 16));
    r.setMessageHash(protocol::as_data(m.hash));
    r.setCode(std::string(errc_name(code)));
    r.setRule(rule.substr(0, kRefusalTextMax));
    r.setDetail(detail.substr(0, kRefusalTextMax));
  })) {
    return alarm("refusal-notice-failed", to, protocol::error_from_exception(*e, "refusal notice").to_string());
  }
  auto sealed = seal(b);
  if (!sealed) return alarm("refusal-notice-failed", to, sealed.error().to_string());
  send(to, std::move(*sealed));
}

void CoreImpl::peer_refusal(const OrgKey& from, const protocol::OpenedEnvelope& env) {
  auto r = env.body().getPayload().getRefusalNotice();
  if (r.getNegotiationId().size() != 16 || r.getMessageHash().size() != crypto::kSha256Bytes) {
    ++stats_.verification_failures;
    return;
  }
  const Digest id = pad_id(r.getNegotiationId());
  auto deal = deals_.find(id);
  if (deal == deals_.end() || deal->second.peer != from) return;  // Not a negotiation we share with it.
  auto text = [](capnp::Text::Reader t) { return std::string(t.cStr(), std::min<std::size_t>(t.size(), kRefusalTextMax)); };
  notice("peer-refused", id,
         "partner " + crypto::key_id(from) + " refused message " + to_hex(protocol::as_span(r.getMessageHash())) +
             ": " + text(r.getCode()) + ": " + text(r.getRule()) + ": " + text(r.getDetail()));
}

void CoreImpl::retry_held(const OrgKey& from) {
  PeerState& peer = peers_[from];
  // Each pass tries every held message once; stop when a pass applies nothing.
  for (std::size_t pass = 0; pass < kHeldPeerMessagesMax && !peer.held.empty(); ++pass) {
    std::deque<Bytes> batch;
    batch.swap(peer.held);
    const std::size_t before = batch.size();
    for (const Bytes& b : batch) peer_negotiation(from, b);
    if (peer.held.size() >= before) return;
  }
}

void CoreImpl::agent_control(std::uint64_t request_id, const Bytes& envelope, K kind) {
  auto env = protocol::open_envelope(envelope, {.kind = kind, .required_signers = {}});
  if (!env) return reply(request_id, env.error());
  protocol::Decision d;
  PendingAppend p;
  p.after = AfterAppend::kNegotiation;
  p.request_id = request_id;
  std::uint16_t kind_in_ledger = entry_kind(ledger::EntryKind::kGeneric);  // Kill switches.
  if (kind == K::KILL_SWITCH) {
    auto k = protocol::kill_from_envelope(*env);
    if (!k) return reply(request_id, k.error());
    d = engine_.on_kill_switch(*k);
    p.notice = k->engage ? "kill-switch-engaged" : "kill-switch-lifted";
  } else {
    auto r = protocol::revocation_from_envelope(*env);
    if (!r) return reply(request_id, r.error());
    if (r->org != org_root_) {
      return reply(request_id, Error{Errc::kMandateScope, "revocation by another organization"});
    }
    d = engine_.on_revocation(*r);
    kind_in_ledger = entry_kind(ledger::EntryKind::kRevocation);
    p.notice = "revocation";
    p.relay.push_back(envelope);  // Partners learn of our revocations.
  }
  if (d.outcome == protocol::Outcome::kRefused) return reply(request_id, Error{d.code, refusal_text(d)});
  if (d.outcome == protocol::Outcome::kDuplicate) return reply_duplicate(request_id, env->info.message_hash, {});
  p.reply_detail = p.notice;
  append(kind_in_ledger, env->info.message_hash, envelope, std::move(p));
}

void CoreImpl::peer_revocation(const OrgKey& from, const Bytes& envelope) {
  auto env = protocol::open_envelope(envelope, {.kind = K::REVOCATION, .required_signers = {from}});
  if (!env) {
    ++stats_.verification_failures;
    return;
  }
  auto r = protocol::revocation_from_envelope(*env);
  if (!r || r->org != from) {
    ++stats_.refusals;
    return;
  }
  (void)engine_.on_revocation(*r);
  PendingAppend p;
  p.notice = "revocation";
  append(entry_kind(ledger::EntryKind::kRevocation), env->info.message_hash, envelope, std::move(p));
}

void CoreImpl::expire_due() {
  // Only a negotiation that may still be open can expire, and maybe_open_
  // holds those (pruned here once they end): a tick costs O(open deals), not
  // O(every deal the node ever made).
  for (auto& [peer, ids] : maybe_open_) {
    for (auto id = ids.begin(); id != ids.end();) {
      const protocol::Negotiation* n = engine_.find(*id);
      if (n == nullptr) {  // Our escalated opening offer, not in the engine yet.
        ++id;
        continue;
      }
      if (!still_open(n->state)) {
        id = ids.erase(id);  // Ended or accepted: it never reopens.
        continue;
      }
      if (n->deadline_ms == 0 || now_ms_ < n->deadline_ms) {
        ++id;
        continue;
      }
      const Digest neg = *id;
      const std::int64_t deadline = n->deadline_ms;
      protocol::Decision d = engine_.expire(neg, now_ms_);
      if (d.outcome == protocol::Outcome::kApplied) notice("expired", neg, "deadline " + std::to_string(deadline));
      id = ids.erase(id);
    }
  }
}

}  // namespace pactum::node::detail
