// NodeCore::create, event dispatch, effect plumbing and the query views.
#include <algorithm>

#include "node/core/core_impl.h"
#include "protocol/escrow_codec.h"

namespace pactum::node {
namespace detail {

Digest pad_id(capnp::Data::Reader d) {
  Digest out{};
  std::copy_n(d.begin(), std::min<std::size_t>(d.size(), out.size()), out.begin());
  return out;
}

capnp::Data::Reader id16(const Digest& d) { return capnp::Data::Reader(d.data(), 16); }

Result<protocol::PayloadKind> peek_kind(ByteSpan envelope) {
  PACTUM_TRY(auto decoded, protocol::decode<wire::Envelope>(envelope));
  return protocol::payload_kind(decoded.root().getBody());
}

CoreImpl::CoreImpl(const CoreConfig& config, protocol::Policy policy)
    : node_name_(config.node_name),
      org_root_(config.org_root),
      node_key_(config.node_key),
      node_certificate_(config.node_certificate),
      nonces_(config.nonces),
      proofs_(config.proofs),
      engine_(config.org_root, std::move(policy)) {
  for (const Partner& p : config.partners) peers_[p.org_root].name = p.name;
}

std::vector<Effect> CoreImpl::handle(const Event& event) {
  std::vector<Effect> effects;
  out_ = &effects;
  if (restored_) resume();
  std::visit([this](const auto& e) { on_event(e); }, event);
  out_ = nullptr;
  return effects;
}

void CoreImpl::reply(std::uint64_t request_id, const Error& err, const Digest& neg) {
  ++stats_.refusals;
  AgentReply r;
  r.request_id = request_id;
  r.ok = false;
  r.code = std::string(errc_name(err.code));
  r.detail = err.detail;
  r.negotiation_id = neg;
  emit(std::move(r));
}

void CoreImpl::reply_ok(std::uint64_t request_id, std::string detail, const Digest& neg, std::string code) {
  AgentReply r;
  r.request_id = request_id;
  r.ok = true;
  r.code = std::move(code);
  r.detail = std::move(detail);
  r.negotiation_id = neg;
  emit(std::move(r));
}

void CoreImpl::reply_duplicate(std::uint64_t request_id, const Digest& entry_id, const Digest& neg) {
  for (auto& [append_id, p] : pending_) {
    if (p.request.id == entry_id) {
      p.retries.push_back(request_id);
      return;
    }
  }
  reply_ok(request_id, "duplicate", neg);
}

void CoreImpl::notice(std::string type, const Digest& neg, std::string detail) {
  AgentNotice n;
  n.type = std::move(type);
  n.negotiation_id = neg;
  n.detail = std::move(detail);
  emit(std::move(n));
}

void CoreImpl::alarm(std::string type, const OrgKey& peer, std::string detail, Bytes evidence) {
  ++stats_.alarms;
  emit(Alarm{std::move(type), peer, std::move(detail), std::move(evidence)});
}

void CoreImpl::send(const OrgKey& to, Bytes envelope) {
  ++stats_.peer_messages_out;
  emit(SendToPeer{to, std::move(envelope)});
}

std::uint64_t CoreImpl::append(std::uint16_t kind, const Digest& id, Bytes payload, PendingAppend after) {
  const std::uint64_t append_id = next_append_id_++;
  after.request = AppendToLedger{append_id, id, kind, std::move(payload)};
  const Digest deal = after.deal;
  PendingAppend& p = pending_.emplace(append_id, std::move(after)).first->second;
  if (deal == Digest{}) {
    issue(p);  // Not part of a deal: nothing must precede it.
    return append_id;
  }
  std::deque<std::uint64_t>& chain = chains_[deal];
  chain.push_back(append_id);
  if (chain.size() == 1) issue(p);  // Otherwise it waits until its predecessor is durable.
  return append_id;
}

void CoreImpl::issue(PendingAppend& p) {
  PACTUM_ASSERT(!p.issued && p.retry_at_ms == 0);
  ++p.attempts;
  p.issued = true;
  emit(p.request);
}

void CoreImpl::append_failed(std::uint64_t append_id, PendingAppend& p, const std::string& error) {
  p.issued = false;
  const int doublings = std::min(p.attempts - 1, 20);
  p.retry_at_ms = now_ms_ + std::min(kAppendRetryMaxMs, kAppendRetryBaseMs << doublings);
  ++failed_waiting_;
  if (p.attempts == kAppendAttemptsAlarm) {
    alarm("ledger-failure", {}, "append " + std::to_string(append_id) + " (entry kind " +
                                    std::to_string(p.request.kind) + ") failed " + std::to_string(p.attempts) +
                                    " times, retrying every " + std::to_string(kAppendRetryMaxMs) +
                                    " ms at most: " + error);
  }
}

void CoreImpl::retry_due_appends() {
  if (failed_waiting_ == 0) return;
  for (auto& [append_id, p] : pending_) {
    if (p.issued || p.retry_at_ms == 0 || p.retry_at_ms > now_ms_) continue;
    PACTUM_ASSERT(failed_waiting_ > 0);
    --failed_waiting_;
    p.retry_at_ms = 0;
    issue(p);
  }
}

Result<Bytes> CoreImpl::seal(protocol::EnvelopeBuilder& b) {
  // Sequence numbers only need to increase per sender; time keeps them
  // increasing across restarts without persisting a counter.
  sequence_ = std::max<std::uint64_t>(sequence_ + 1, static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms_, 0)));
  return b.seal_with_nonce(*node_key_, sequence_, now_ms_, nonces_->next());
}

void CoreImpl::on_event(const Tick& e) {
  now_ms_ = std::max(now_ms_, e.now_ms);
  retry_due_appends();
  expire_due();
  broadcast_checkpoint();  // To peers whose answer is overdue (a no-op otherwise).
  for (auto& [org, peer] : peers_) {
    if (!peer.held.empty()) retry_held(org);
  }
}

void CoreImpl::on_event(const AppendDone& e) {
  auto it = pending_.find(e.append_id);
  // Not ours, answered already, or an answer to no attempt of ours: ignored.
  if (it == pending_.end() || !it->second.issued) return;
  if (!e.ok) return append_failed(e.append_id, it->second, e.error);
  PendingAppend p = std::move(it->second);
  pending_.erase(it);
  const Digest deal = p.deal;
  if (deal != Digest{}) {
    auto c = chains_.find(deal);
    PACTUM_ASSERT(c != chains_.end() && !c->second.empty() && c->second.front() == e.append_id);
    c->second.pop_front();
    if (c->second.empty()) chains_.erase(c);
  }
  append_durable(p, e);
  if (deal == Digest{}) return;
  // The deal's next entry may go to the ledger now that this one is durable.
  if (auto c = chains_.find(deal); c != chains_.end()) {
    PendingAppend& next = pending_.at(c->second.front());
    if (!next.issued && next.retry_at_ms == 0) issue(next);
  } else if (auto d = deals_.find(deal); d != deals_.end()) {
    maybe_retire(d->second);  // Its last entry is durable: it may be finished.
  }
}

void CoreImpl::append_durable(PendingAppend& p, const AppendDone& e) {
  auto d = deals_.find(p.deal);
  switch (p.after) {
    case AfterAppend::kNothing:
      break;
    case AfterAppend::kAnchor:
      if (d != deals_.end()) anchored(d->second, e.index, e.entry_hash);
      break;
    case AfterAppend::kNegotiation:
    case AfterAppend::kEscrow:
      if (p.request_id) reply_ok(*p.request_id, p.reply_detail, p.deal, p.reply_code);
      for (std::uint64_t r : p.retries) reply_ok(r, "duplicate", p.deal, p.reply_code);
      break;
  }
  // Relays go out only now: a partner never holds what we could still lose.
  if (d != deals_.end()) {
    for (Bytes& b : p.relay) send(d->second.peer, std::move(b));
  } else {
    // Not about one deal (a revocation): every partner learns of it.
    for (const Bytes& b : p.relay) {
      for (const auto& [org, peer] : peers_) send(org, b);
    }
  }
  if (!p.notice.empty()) notice(p.notice, p.deal, p.reply_detail);
}

void CoreImpl::on_event(const AgentSubmit& e) {
  auto kind = peek_kind(e.envelope);
  if (!kind) return reply(e.request_id, kind.error());
  using K = protocol::PayloadKind;
  switch (*kind) {
    case K::PROPOSE:
    case K::COUNTER:
    case K::ACCEPT:
    case K::REJECT:
    case K::WITHDRAW:
    case K::APPROVE:
      return agent_negotiation(e.request_id, e.envelope, *kind);
    case K::KILL_SWITCH:
    case K::REVOCATION:
      return agent_control(e.request_id, e.envelope, *kind);
    case K::ESCROW_EVENT:
      return agent_escrow(e.request_id, e.envelope);
    case K::ORG_CERTIFICATE:
    case K::NODE_CERTIFICATE:
    case K::MANDATE:
    case K::ESCALATE:
    case K::ANCHOR_RECEIPT:
    case K::SETTLEMENT_RECEIPT:
    case K::CHECKPOINT:
    case K::EQUIVOCATION_PROOF:
    case K::FILE_SIGNATURE:
    case K::REFUSAL_NOTICE:
      break;
  }
  reply(e.request_id, Error{Errc::kWrongKind, std::string(protocol::payload_kind_name(*kind)) +
                                                  " is not something an agent submits"});
}

void CoreImpl::on_event(const PeerMessage& e) {
  ++stats_.peer_messages_in;
  if (!is_partner(e.from)) {
    ++stats_.refusals;
    return;  // The transport admits partners only; anything else is a wiring bug or forgery.
  }
  auto kind = peek_kind(e.envelope);
  if (!kind) {
    ++stats_.verification_failures;
    return;
  }
  using K = protocol::PayloadKind;
  switch (*kind) {
    case K::PROPOSE:
    case K::COUNTER:
    case K::ACCEPT:
    case K::REJECT:
    case K::WITHDRAW:
      if (!peer_negotiation(e.from, e.envelope)) retry_held(e.from);
      return;
    case K::REVOCATION:
      return peer_revocation(e.from, e.envelope);
    case K::ESCROW_EVENT:
      return peer_escrow(e.from, e.envelope);
    case K::NODE_CERTIFICATE:
    case K::ANCHOR_RECEIPT:
    case K::SETTLEMENT_RECEIPT:
    case K::CHECKPOINT:
    case K::REFUSAL_NOTICE: {
      if (node_message(e.from, e.envelope, *kind)) {
        auto& waiting = peers_[e.from].waiting;
        if (waiting.size() >= kAwaitingCertificateMax) waiting.pop_front();
        waiting.push_back(e.envelope);
      } else if (*kind == K::NODE_CERTIFICATE) {
        retry_waiting(e.from);
      }
      return;
    }
    case K::ORG_CERTIFICATE:
    case K::MANDATE:
    case K::ESCALATE:
    case K::APPROVE:  // Approvals stay inside the approver's organization.
    case K::KILL_SWITCH:
    case K::EQUIVOCATION_PROOF:
    case K::FILE_SIGNATURE:
      break;
  }
  ++stats_.refusals;
}

bool CoreImpl::node_message(const OrgKey& from, const Bytes& envelope, protocol::PayloadKind kind) {
  using K = protocol::PayloadKind;
  auto env = open_from_node(from, envelope, kind);
  if (!env) {
    if (env.error().code == Errc::kNotFound) return true;  // Its node certificate is on its way.
    ++stats_.verification_failures;
    return false;
  }
  if (kind == K::NODE_CERTIFICATE) {
    peer_node_certificate(from, *env);
    return false;
  }
  if (kind == K::ANCHOR_RECEIPT) return peer_anchor_receipt(from, envelope, *env);
  if (kind == K::SETTLEMENT_RECEIPT) return peer_settlement_receipt(from, envelope, *env);
  if (kind == K::REFUSAL_NOTICE) {
    peer_refusal(from, *env);
    return false;
  }
  peer_checkpoint(from, *env);
  return false;
}

namespace {
// The contract a waiting receipt names, read without verifying: it only
// chooses what to retry, and the retry verifies. None for anything else.
std::optional<Digest> receipt_contract(ByteSpan envelope) {
  auto decoded = protocol::decode<wire::Envelope>(envelope);
  if (!decoded) return std::nullopt;
  auto p = decoded->root().getBody().getPayload();
  capnp::Data::Reader id;
  if (p.isAnchorReceipt()) {
    id = p.getAnchorReceipt().getContractId();
  } else if (p.isSettlementReceipt()) {
    id = p.getSettlementReceipt().getContractId();
  } else {
    return std::nullopt;
  }
  if (id.size() != 16) return std::nullopt;
  return pad_id(id);
}
}  // namespace

void CoreImpl::retry_waiting(const OrgKey& from, const Digest* contract) {
  PeerState& peer = peers_[from];
  std::deque<Bytes> batch;
  batch.swap(peer.waiting);
  for (Bytes& b : batch) {
    if (contract != nullptr) {
      const std::optional<Digest> named = receipt_contract(b);
      if (named && *named != *contract) {
        peer.waiting.push_back(std::move(b));  // Still waits for its own deal.
        continue;
      }
    }
    auto kind = peek_kind(b);
    if (kind && node_message(from, b, *kind)) peer.waiting.push_back(std::move(b));
  }
}

std::optional<NegotiationView> CoreImpl::negotiation_view(const Digest& id) const {
  const protocol::Negotiation* n = engine_.find(id);
  if (n == nullptr) return std::nullopt;
  NegotiationView v;
  v.id = id;
  v.state = std::string(protocol::state_name(n->state));
  bool buyer = n->our_role == protocol::Role::kBuyer;
  v.buyer_org = buyer ? org_root_ : n->counterparty_org;
  v.seller_org = buyer ? n->counterparty_org : org_root_;
  v.rounds = n->rounds;
  v.terms_hash = n->offer_terms_hash;
  return v;
}

std::vector<NegotiationView> CoreImpl::negotiations() const {
  std::vector<NegotiationView> out;
  for (const auto& [id, d] : deals_) {
    if (auto v = negotiation_view(id)) out.push_back(std::move(*v));
  }
  return out;
}

// The first key of an ordered map that begins with the first `prefix_bytes` of `key`.
template <typename Map>
typename Map::const_iterator find_prefix(const Map& m, const Digest& key, std::size_t prefix_bytes) {
  PACTUM_ASSERT(prefix_bytes <= key.size());
  Digest low{};
  std::copy_n(key.begin(), prefix_bytes, low.begin());
  auto it = m.lower_bound(low);
  const auto n = static_cast<std::ptrdiff_t>(prefix_bytes);
  if (it != m.end() && std::equal(low.begin(), low.begin() + n, it->first.begin())) return it;
  return m.end();
}

std::optional<NegotiationView> CoreImpl::negotiation(const Digest& id, std::size_t prefix_bytes) const {
  auto it = find_prefix(deals_, id, prefix_bytes);
  if (it == deals_.end()) return std::nullopt;
  return negotiation_view(it->first);
}

Result<std::vector<Bytes>> CoreImpl::negotiation_messages(const Digest& negotiation_id) const {
  auto it = deals_.find(negotiation_id);
  if (it == deals_.end()) return std::vector<Bytes>{};
  const Deal& d = it->second;
  if (!d.retired) {
    std::vector<Bytes> out = d.messages;
    if (!d.escalated.empty()) out.push_back(d.escalated);
    return out;
  }
  const protocol::Negotiation* n = engine_.find(negotiation_id);
  PACTUM_ASSERT(n != nullptr);  // A retired deal was anchored: the engine holds it for good.
  std::vector<Bytes> out;
  out.reserve(n->transcript.size());
  for (const protocol::TranscriptEntry& e : n->transcript) {
    auto payload = proofs_->durable_payload(e.hash);
    if (!payload) {
      return Fail(payload.error().code, "message " + to_hex(e.hash) + " of finished negotiation " +
                                            to_hex(ByteSpan(negotiation_id.data(), 16)) + ": " +
                                            payload.error().to_string());
    }
    out.push_back(std::move(*payload));
  }
  return out;
}

std::size_t CoreImpl::open_negotiations(const OrgKey& peer, const Digest& negotiation_id) const {
  auto it = maybe_open_.find(peer);
  if (it == maybe_open_.end()) return 0;
  std::size_t n = 0;
  for (auto id = it->second.begin(); id != it->second.end();) {
    const protocol::Negotiation* neg = engine_.find(*id);
    if (neg == nullptr) {  // Our escalated opening offer: the engine holds it once approved.
      ++id;
      continue;
    }
    if (!still_open(neg->state)) {
      id = it->second.erase(id);  // Ended or accepted: it never reopens.
      continue;
    }
    if (*id != negotiation_id) ++n;
    ++id;
  }
  return n;
}

ContractView CoreImpl::contract_view(const Digest& id, const Deal& d) const {
  ContractView v;
  v.id = d.terms_hash;
  v.negotiation_id = id;
  v.ledger_index = d.anchor_index;
  v.peer_anchored = d.has_peer_anchor_receipt();
  v.settlement_digest = d.settlement_digest;
  v.settlement_status = d.settlement_status;
  v.escrow_state = d.escrow ? std::string(escrow::status_name(d.escrow->status())) : "none";
  v.peer_settlement_digest = d.peer_settlement_digest;
  if (d.escrow) {
    auto digest = protocol::escrow_state_digest(*d.escrow);
    if (digest) v.escrow_digest = *digest;
  }
  v.invoiced_total_minor = d.invoiced_total_minor;
  v.peer = d.peer;
  v.contract_id = d.contract_id;
  v.amends = d.amends;
  const protocol::ContractHead* head = engine_.contract(d.amends == Digest{} ? d.contract_id : d.amends);
  v.in_force = head != nullptr && head->terms_hash == d.terms_hash;
  return v;
}

std::vector<ContractView> CoreImpl::contracts() const {
  std::vector<ContractView> out;
  for (const auto& [id, d] : deals_) {
    if (d.anchored) out.push_back(contract_view(id, d));
  }
  return out;
}

std::optional<ContractView> CoreImpl::contract(const Digest& terms_hash, std::size_t prefix_bytes) const {
  auto it = find_prefix(by_terms_, terms_hash, prefix_bytes);
  if (it == by_terms_.end()) return std::nullopt;
  auto deal = deals_.find(it->second);
  if (deal == deals_.end() || !deal->second.anchored) return std::nullopt;
  return contract_view(deal->first, deal->second);
}

}  // namespace detail

Result<std::unique_ptr<NodeCore>> NodeCore::create(const CoreConfig& config) {
  if (config.node_key == nullptr) return Fail(Errc::kInvalidArgument, "node_key: missing");
  if (config.nonces == nullptr) return Fail(Errc::kInvalidArgument, "nonces: missing");
  if (config.node_name.empty()) return Fail(Errc::kInvalidArgument, "node_name: empty");
  auto policy = protocol::load_policy(as_chars(config.policy_toml));
  if (!policy) return Fail(Errc::kInvalidArgument, "policy_toml: " + policy.error().to_string());
  if (!config.node_certificate.empty()) {
    auto env = protocol::open_envelope(config.node_certificate, {.kind = protocol::PayloadKind::NODE_CERTIFICATE,
                                                                 .required_signers = {config.org_root}});
    if (!env) return Fail(Errc::kInvalidArgument, "node_certificate: " + env.error().to_string());
    auto c = env->body().getPayload().getNodeCertificate();
    if (protocol::as_span(c.getNodeKey()).size() != crypto::kPublicKeyBytes ||
        !std::equal(c.getNodeKey().begin(), c.getNodeKey().end(), config.node_key->public_key().begin()) ||
        !std::equal(c.getOrgRootKey().begin(), c.getOrgRootKey().end(), config.org_root.begin())) {
      return Fail(Errc::kInvalidArgument, "node_certificate: not for our node key and org root");
    }
  }
  std::set<OrgKey> seen;
  for (const Partner& p : config.partners) {
    if (p.org_root == config.org_root) return Fail(Errc::kInvalidArgument, "partners: our own org root");
    if (!seen.insert(p.org_root).second) {
      return Fail(Errc::kInvalidArgument, "partners: " + p.name + " listed twice");
    }
  }
  return std::unique_ptr<NodeCore>(std::make_unique<detail::CoreImpl>(config, std::move(*policy)));
}

}  // namespace pactum::node
