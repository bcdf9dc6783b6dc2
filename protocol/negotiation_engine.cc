// NegotiationEngine: mandate, policy, budget, escalation and kill switch on
// top of the state machine. Every entry point checks everything first and
// mutates only after all checks passed.
#include <algorithm>

#include "protocol/negotiation.h"
#include "protocol/negotiation_limits.h"

namespace pactum::protocol {
namespace {

bool is_offer(NegEvent k) {
  return k == NegEvent::kPropose || k == NegEvent::kCounter || k == NegEvent::kAccept;
}

bool is_message(NegEvent k) {
  return is_offer(k) || k == NegEvent::kReject || k == NegEvent::kWithdraw;
}

}  // namespace

NegotiationEngine::NegotiationEngine(const crypto::PublicKey& our_org, Policy policy)
    : our_org_(our_org), policy_(std::move(policy)), policy_hash_(protocol::policy_hash(policy_)) {}

Decision NegotiationEngine::decide(Outcome o, NegState s, const Refusal& r) const {
  Decision d;
  d.outcome = o;
  d.state = s;
  d.code = r.code;
  d.rule = r.rule;
  d.values = r.values;
  d.policy_hash = policy_hash_;
  return d;
}

Decision NegotiationEngine::refuse_with(const Refusal& r, NegState s) const {
  PACTUM_ASSERT(!r.rule.empty());  // Every refusal says which rule fired.
  return decide(Outcome::kRefused, s, r);
}

const Negotiation* NegotiationEngine::find(const crypto::Digest& id) const {
  auto it = negotiations_.find(id);
  return it == negotiations_.end() ? nullptr : &it->second.negotiation;
}

const Mandate* NegotiationEngine::our_mandate(const crypto::Digest& id) const {
  auto it = negotiations_.find(id);
  return it == negotiations_.end() ? nullptr : it->second.our_mandate.get();
}

bool NegotiationEngine::killed(const Negotiation& n, const Mandate* ours) const {
  if (kills_.empty()) return false;
  if (kills_.count({KillScope::kOrganization, our_org_}) || kills_.count({KillScope::kNegotiation, n.id})) {
    return true;
  }
  const Mandate* md = ours != nullptr ? ours : our_mandate(n.id);
  return md != nullptr && (kills_.count({KillScope::kAgent, md->agent_key}) ||
                           kills_.count({KillScope::kMandate, md->id}));
}

// The message comes from the side it claims and is addressed to the right org.
std::optional<Refusal> NegotiationEngine::check_sides(const Negotiation& n, const NegMessage& m,
                                                      bool ours) const {
  auto scope = [](std::string v) { return Refusal{Errc::kMandateScope, "negotiation.parties", std::move(v)}; };
  if (n.state == NegState::kInit) {
    crypto::PublicKey cp = ours ? m.counterparty_org : m.sender_org;
    if (!ours && m.counterparty_org != our_org_) return scope("proposal not addressed to this organization");
    if (cp == our_org_) return scope("an organization cannot negotiate with itself");
    if (!policy_.counterparty_allowed(cp)) {
      return Refusal{Errc::kPolicyViolation, "policy.allowed_counterparties",
                     "counterparty " + crypto::key_id(cp) + " not allowed"};
    }
    return std::nullopt;
  }
  if (ours ? m.sender_role != n.our_role : m.sender_role == n.our_role) {
    return scope("sender role " + std::string(role_name(m.sender_role)) + " is not the sender's side");
  }
  if (!ours && m.sender_org != n.counterparty_org) {
    return scope("sender org " + crypto::key_id(m.sender_org) + " is not the counterparty");
  }
  if (m.counterparty_org != (ours ? n.counterparty_org : our_org_)) {
    return scope("message addressed to " + crypto::key_id(m.counterparty_org));
  }
  return std::nullopt;
}

std::optional<Refusal> NegotiationEngine::reserve_check(const Negotiation& n, const NegMessage& m,
                                                        const Mandate& md) const {
  crypto::PublicKey cp = n.state == NegState::kInit ? m.counterparty_org : n.counterparty_org;
  BudgetKey key{md.id, budget_period(md, m.timestamp_ms)};
  return budget_.check_reserve(m.negotiation_id, key, cp, exposure(n, m),
                               md.cumulative_limit_minor, policy_.max_open_exposure_minor);
}

const ContractHead* NegotiationEngine::contract(const crypto::Digest& contract_id) const {
  auto it = contracts_.find(contract_id);
  return it == contracts_.end() ? nullptr : &it->second;
}

std::optional<Refusal> NegotiationEngine::check_contract(const Negotiation& n, const NegMessage& m, bool known,
                                                         bool ours) const {
  const bool has_terms = m.kind == NegEvent::kPropose || m.kind == NegEvent::kCounter;
  if (!has_terms) return std::nullopt;
  auto conflict = [](std::string rule, std::string v) {
    return Refusal{Errc::kConflictingMessage, std::move(rule), std::move(v)};
  };
  if (known) {
    if (m.contract_id != n.contract_id) return conflict("terms.contract_id", "changed from " + to_hex(n.contract_id));
    if (m.amends != n.amends) return conflict("amendment.changed", "amendmentOf differs from the propose's");
  } else if (auto claim = contract_claims_.find(m.contract_id); claim != contract_claims_.end()) {
    const std::string held = claim->second.accepted
                                 ? " exists"
                                 : " is on the table of negotiation " +
                                       to_hex(ByteSpan(claim->second.negotiation_id).first(16));
    return conflict("terms.contract_id", "contract " + to_hex(ByteSpan(m.contract_id).first(16)) + held);
  }
  if (!m.amends) return std::nullopt;
  const AmendmentRef& ref = *m.amends;
  const ContractHead* base = contract(ref.base_contract_id);
  const std::string base_hex = to_hex(ByteSpan(ref.base_contract_id).first(16));
  if (base == nullptr) return Refusal{Errc::kUnlinkedMessage, "amendment.base_unknown", "contract " + base_hex};
  const Role our_role = known ? n.our_role : (ours ? m.sender_role : other(m.sender_role));
  const crypto::PublicKey cp = known ? n.counterparty_org : (ours ? m.counterparty_org : m.sender_org);
  if (base->our_role != our_role || base->counterparty_org != cp) {
    return Refusal{Errc::kMandateScope, "amendment.parties", "contract " + base_hex + " has other parties or roles"};
  }
  if (base->failed) return conflict("amendment.base_failed", "contract " + base_hex + " failed to anchor");
  if (base->amending && *base->amending != m.negotiation_id) {
    return conflict("amendment.in_progress", "contract " + base_hex + " is being amended by negotiation " +
                                                 to_hex(ByteSpan(*base->amending).first(16)));
  }
  if (base->terms_hash != ref.base_terms_hash) {
    return Refusal{Errc::kStaleMessage, "amendment.base_stale",
                   "names terms " + to_hex(ref.base_terms_hash) + ", in force " + to_hex(base->terms_hash)};
  }
  return std::nullopt;
}

std::int64_t NegotiationEngine::exposure(const Negotiation& n, const NegMessage& m) const {
  const std::optional<AmendmentRef>& ref = n.state == NegState::kInit ? m.amends : n.amends;
  if (!ref) return m.offer.total_minor;
  const ContractHead* base = contract(ref->base_contract_id);
  const std::int64_t before = base == nullptr ? 0 : base->total_minor;
  return m.offer.total_minor > before ? m.offer.total_minor - before : 0;
}

void NegotiationEngine::track_contract(const Negotiation& n) {
  if (n.state == NegState::kAccepted) {
    ContractClaim& claim = contract_claims_[n.contract_id];
    if (claim.accepted) return;  // Recorded when it was accepted.
    claim = ContractClaim{n.id, true};
    if (n.amends) {
      ContractHead& c = contracts_[n.amends->base_contract_id];
      c.negotiation_id = n.id;
      c.terms_hash = n.offer_terms_hash;
      c.total_minor = n.offer.total_minor;
      c.amending.reset();
    } else {
      contracts_[n.contract_id] = ContractHead{n.id, n.offer_terms_hash, n.offer.total_minor, n.our_role,
                                               n.counterparty_org, std::nullopt, false};
    }
    return;
  }
  if (!is_terminal(n.state) || n.state == NegState::kCommitted) return;
  if (auto claim = contract_claims_.find(n.contract_id);
      claim != contract_claims_.end() && claim->second.negotiation_id == n.id && !claim->second.accepted) {
    contract_claims_.erase(claim);  // Ended unaccepted: the id is free again.
  }
  const crypto::Digest base_id = n.amends ? n.amends->base_contract_id : n.contract_id;
  auto it = contracts_.find(base_id);
  if (it == contracts_.end()) return;
  if (it->second.amending == n.id) it->second.amending.reset();
  if (n.state == NegState::kFailed && it->second.negotiation_id == n.id) it->second.failed = true;
}

// Guardrails for our own offers: policy, concession limits, budget.
std::optional<Refusal> NegotiationEngine::check_ours(const Negotiation& n, const NegMessage& m,
                                                     const Mandate& md) const {
  crypto::PublicKey cp = n.state == NegState::kInit ? m.counterparty_org : n.counterparty_org;
  if (auto r = check_policy_offer(policy_, m.sender_role, cp, m.offer, n.our_last_price)) return r;
  std::int64_t price = m.offer.unit_price_minor;
  if (n.our_last_price) {
    if (auto r = check_concession("mandate.max_concession_per_round", m.sender_role, *n.our_last_price,
                                  price, md.max_concession_ppm)) {
      r->code = Errc::kMandateScope;
      return r;
    }
  }
  if (n.our_first_price) {
    if (auto r = check_concession("mandate.max_concession_total", m.sender_role, *n.our_first_price,
                                  price, md.max_concession_total_ppm)) {
      r->code = Errc::kMandateScope;
      return r;
    }
  }
  return reserve_check(n, m, md);
}

Decision NegotiationEngine::on_message(const NegMessage& m, const Mandate& md, std::int64_t now_ms) {
  if (!is_message(m.kind)) {
    return refuse_with({Errc::kInvalidArgument, "message.kind", std::string(event_name(m.kind))}, NegState::kInit);
  }
  // lower_bound, not find: a new negotiation is inserted at this hint
  // without a second search.
  auto it = negotiations_.lower_bound(m.negotiation_id);
  Negotiation fresh;
  fresh.our_org = our_org_;
  const bool known = it != negotiations_.end() && !DigestLess()(m.negotiation_id, it->first);
  if (!known && m.kind != NegEvent::kPropose) {
    return refuse_with({Errc::kUnlinkedMessage, "negotiation.unknown", to_hex(m.negotiation_id)}, NegState::kInit);
  }
  if (!known && negotiations_.size() >= kOpenNegotiationsMax) {
    return refuse_with({Errc::kLimitExceeded, "negotiations.max", std::to_string(negotiations_.size())},
                       NegState::kInit);
  }
  const Negotiation& n = known ? it->second.negotiation : fresh;
  const bool ours = m.sender_org == our_org_;
  // Rounds: the policy's limit, tightened by our side's mandate for the
  // whole negotiation (both parties' offers count).
  std::uint32_t max_rounds = policy_.max_rounds;
  const Mandate* our_md = ours ? &md : (known && it->second.our_mandate ? &*it->second.our_mandate : nullptr);
  if (our_md != nullptr && our_md->max_rounds != 0) max_rounds = std::min(max_rounds, our_md->max_rounds);

  MachineVerdict v = check_message(n, m, now_ms, max_rounds);
  if (v.duplicate) return decide(Outcome::kDuplicate, n.state);
  if (v.refusal) return refuse_with(*v.refusal, n.state);
  if (auto r = check_sides(n, m, ours)) return refuse_with(*r, n.state);
  crypto::PublicKey expected_org = ours ? our_org_ : (known ? n.counterparty_org : m.sender_org);
  if (auto r = check_mandate(md, expected_org, m, revoked_)) return refuse_with(*r, n.state);
  if (auto r = check_contract(n, m, known, ours)) return refuse_with(*r, n.state);
  // A counterparty's accept of an offer we signed before the switch is not a
  // new commitment of ours: it completes one (both parties' signatures on one
  // terms hash), and refusing it would leave the counterparty's node holding
  // a contract ours does not. A standing offer is stopped by withdrawing it.
  const bool completes_our_offer = m.kind == NegEvent::kAccept && !ours;
  if (is_offer(m.kind) && !completes_our_offer && killed(n, ours ? &md : nullptr)) {
    return refuse_with({Errc::kKillSwitch, "kill_switch", "engaged; " + std::string(event_name(m.kind)) +
                                                              " refused until lifted"},
                       n.state);
  }
  if (m.kind == NegEvent::kAccept && m.offer.total_minor != n.offer.total_minor) {
    return refuse_with({Errc::kConflictingMessage, "accept.total",
                        "accept total " + std::to_string(m.offer.total_minor) + ", table total " +
                            std::to_string(n.offer.total_minor)},
                       n.state);
  }
  std::optional<Refusal> escalate;
  if (ours && is_offer(m.kind)) {
    if (auto r = check_ours(n, m, md)) return refuse_with(*r, n.state);
    std::int64_t threshold = std::min(policy_.approval_threshold_minor, md.approval_threshold_minor);
    const std::int64_t added = exposure(n, m);
    if (added > threshold) {
      const char* rule = threshold == policy_.approval_threshold_minor ? "policy.approval_threshold"
                                                                       : "mandate.approval_threshold";
      escalate = Refusal{Errc::kNeedsApproval, rule,
                         std::string(n.amends || m.amends ? "increase " : "total ") + std::to_string(added) +
                             " > threshold " + std::to_string(threshold)};
    }
  }

  // Every check passed: commit.
  if (!known) {
    it = negotiations_.emplace_hint(it, m.negotiation_id, Entry{std::move(fresh), nullptr});
    ++by_state_[static_cast<std::size_t>(NegState::kInit)];
  }
  Negotiation& target = it->second.negotiation;
  if (!known) {
    target.our_role = ours ? m.sender_role : other(m.sender_role);
    target.counterparty_org = ours ? m.counterparty_org : m.sender_org;
    target.id = m.negotiation_id;
    target.contract_id = m.contract_id;
    target.amends = m.amends;
    contract_claims_[m.contract_id] = ContractClaim{m.negotiation_id, false};
    if (m.amends) contracts_[m.amends->base_contract_id].amending = m.negotiation_id;
  }
  if (ours && is_offer(m.kind)) {
    budget_.reserve(m.negotiation_id, BudgetKey{md.id, budget_period(md, m.timestamp_ms)},
                    target.counterparty_org, exposure(target, m));
    // Copy the mandate once per negotiation, not once per offer.
    std::unique_ptr<Mandate>& slot = it->second.our_mandate;
    if (!slot || slot->id != md.id) slot = std::make_unique<Mandate>(md);
  }
  if (escalate) {
    apply_escalation(target, m, md.id);
    recount(it->second);
    return decide(Outcome::kEscalated, target.state, *escalate);
  }
  apply_message(target, m, v.next, ours);
  if (target.state == NegState::kRejected || target.state == NegState::kWithdrawn) {
    budget_.release(m.negotiation_id);
  }
  track_contract(target);
  recount(it->second);
  return decide(Outcome::kApplied, target.state);
}

Decision NegotiationEngine::on_approval(const NegMessage& m, std::int64_t now_ms) {
  if (m.kind != NegEvent::kApprove && m.kind != NegEvent::kDeny) {
    return refuse_with({Errc::kInvalidArgument, "message.kind", std::string(event_name(m.kind))}, NegState::kInit);
  }
  auto it = negotiations_.find(m.negotiation_id);
  if (it == negotiations_.end()) {
    return refuse_with({Errc::kUnlinkedMessage, "negotiation.unknown", to_hex(m.negotiation_id)}, NegState::kInit);
  }
  Negotiation& n = it->second.negotiation;
  MachineVerdict v = check_approval(n, m, now_ms);
  if (v.duplicate) return decide(Outcome::kDuplicate, n.state);
  if (v.refusal) return refuse_with(*v.refusal, n.state);
  PACTUM_ASSERT(it->second.our_mandate != nullptr);  // Set when the message escalated.
  const Mandate& mine = *it->second.our_mandate;
  const auto& mandate_approvers = mine.approvers;
  bool listed = mandate_approvers.empty() ||
                std::binary_search(mandate_approvers.begin(), mandate_approvers.end(), m.signer);
  if (!policy_.is_approver(m.signer) || !listed) {
    return refuse_with({Errc::kPolicyViolation, "policy.approvers",
                        "signer " + crypto::key_id(m.signer) + " is not an approver"},
                       n.state);
  }
  if (m.kind == NegEvent::kApprove) {
    if (killed(n, nullptr)) {
      return refuse_with({Errc::kKillSwitch, "kill_switch", "engaged; approval refused until lifted"}, n.state);
    }
    if (revoked_.is_revoked(mine.org_key, mine.id, mine.agent_key)) {
      return refuse_with({Errc::kMandateRevoked, "mandate.revoked", "mandate " + to_hex(mine.id)}, n.state);
    }
  }
  apply_approval(n, m);
  if (n.state == NegState::kRejected) budget_.release(n.id);
  track_contract(n);
  recount(it->second);
  return decide(Outcome::kApplied, n.state);
}

Decision NegotiationEngine::on_kill_switch(const KillCommand& k) {
  if (k.signer != our_org_ && !policy_.is_approver(k.signer)) {
    return refuse_with({Errc::kPolicyViolation, "kill_switch.signer",
                        "signer " + crypto::key_id(k.signer) + " is neither org root nor approver"},
                       NegState::kInit);
  }
  auto key = std::make_pair(k.scope, k.target);
  auto seen = kill_seen_.find(key);
  if (seen != kill_seen_.end()) {
    if (seen->second.second == k.hash) return decide(Outcome::kDuplicate, NegState::kInit);
    if (k.effective_ms <= seen->second.first) {
      return refuse_with({Errc::kStaleMessage, "kill_switch.order",
                          "effective " + std::to_string(k.effective_ms) + " <= last " +
                              std::to_string(seen->second.first)},
                         NegState::kInit);
    }
  }
  kill_seen_[key] = {k.effective_ms, k.hash};
  if (k.engage) kills_.insert(key);
  else kills_.erase(key);
  return decide(Outcome::kApplied, NegState::kInit);
}

Decision NegotiationEngine::on_revocation(const RevocationCommand& r) {
  if (r.is_key) revoked_.revoke_key(r.org, r.key);
  else revoked_.revoke_mandate(r.org, r.mandate_id);
  return decide(Outcome::kApplied, NegState::kInit);
}

void NegotiationEngine::recount(Entry& e) {
  --by_state_[static_cast<std::size_t>(e.counted)];
  e.counted = e.negotiation.state;
  ++by_state_[static_cast<std::size_t>(e.counted)];
}

Decision NegotiationEngine::finish(Entry& e, NegState to) {
  Negotiation& n = e.negotiation;
  n.state = to;
  n.pending.reset();
  // Ended: it takes no more offers, so the copy of our mandate (a few hundred
  // bytes per negotiation the node ever held) has no more use.
  e.our_mandate.reset();
  if (to == NegState::kCommitted) budget_.commit(n.id);
  else budget_.release(n.id);
  track_contract(n);
  recount(e);
  return decide(Outcome::kApplied, to);
}

Decision NegotiationEngine::expire(const crypto::Digest& id, std::int64_t now_ms) {
  auto it = negotiations_.find(id);
  if (it == negotiations_.end()) return refuse_with({Errc::kNotFound, "negotiation.unknown", to_hex(id)}, NegState::kInit);
  Negotiation& n = it->second.negotiation;
  if (!transition(n.state, NegEvent::kExpire)) {
    return refuse_with({Errc::kIllegalTransition, "transition", "expire in state " + std::string(state_name(n.state))},
                       n.state);
  }
  if (now_ms < n.deadline_ms) {
    return refuse_with({Errc::kInvalidArgument, "time.not_expired",
                        "now " + std::to_string(now_ms) + " < deadline " + std::to_string(n.deadline_ms)},
                       n.state);
  }
  return finish(it->second, NegState::kExpired);
}

Decision NegotiationEngine::on_anchored(const crypto::Digest& id) {
  auto it = negotiations_.find(id);
  if (it == negotiations_.end()) return refuse_with({Errc::kNotFound, "negotiation.unknown", to_hex(id)}, NegState::kInit);
  Negotiation& n = it->second.negotiation;
  if (!transition(n.state, NegEvent::kCommit)) {
    return refuse_with({Errc::kIllegalTransition, "transition", "commit in state " + std::string(state_name(n.state))},
                       n.state);
  }
  // No kill-switch check: an ACCEPTED negotiation is a contract both parties
  // signed, and the counterparty's node anchors it too.
  return finish(it->second, NegState::kCommitted);
}

Decision NegotiationEngine::on_failed(const crypto::Digest& id, const std::string& why) {
  auto it = negotiations_.find(id);
  if (it == negotiations_.end()) return refuse_with({Errc::kNotFound, "negotiation.unknown", to_hex(id)}, NegState::kInit);
  Negotiation& n = it->second.negotiation;
  if (!transition(n.state, NegEvent::kFail)) {
    return refuse_with({Errc::kIllegalTransition, "transition",
                        "fail (" + why + ") in state " + std::string(state_name(n.state))},
                       n.state);
  }
  return finish(it->second, NegState::kFailed);
}

}  // namespace pactum::protocol
