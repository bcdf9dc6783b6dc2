// Decoding verified envelopes into engine inputs. Every Cap'n Proto read
// here is on a message decode() validated, so it cannot throw.
#include "protocol/negotiation_wire.h"

#include <algorithm>

#include "protocol/canonical.h"
#include "protocol/negotiation_limits.h"
#include "settlement/money.h"

namespace pactum::protocol {
namespace {

using Kind = PayloadKind;

Result<Role> read_role(wire::Role r) {
  switch (r) {
    case wire::Role::BUYER: return Role::kBuyer;
    case wire::Role::SELLER: return Role::kSeller;
    case wire::Role::UNSPECIFIED: break;
  }
  return Fail(Errc::kMalformedMessage, "mandate role unspecified or unknown");
}

Result<std::vector<crypto::PublicKey>> read_keys(capnp::List<capnp::Data>::Reader list,
                                                 std::size_t max, std::string_view what) {
  if (list.size() > max) return Fail(Errc::kMalformedMessage, std::string(what) + ": too many keys");
  std::vector<crypto::PublicKey> out;
  for (auto d : list) {
    PACTUM_TRY(crypto::PublicKey k, read_key(d, what));
    out.push_back(k);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Ids are 16 bytes on the wire; the engine keys them as zero-padded digests.
Result<crypto::Digest> read_id(capnp::Data::Reader d, std::string_view what) {
  if (d.size() != 16) return Fail(Errc::kMalformedMessage, std::string(what) + " must be 16 bytes");
  crypto::Digest out{};
  std::copy(d.begin(), d.end(), out.begin());
  return out;
}

// minor = mantissa * 10^(exponent - scale), exactly.
Result<std::int64_t> to_minor(wire::settlement::Decimal::Reader d, int exponent, std::string_view what) {
  Int128 v = d.getMantissa();
  int shift = exponent - static_cast<int>(d.getScale());
  for (; shift > 0; --shift) {
    v *= 10;
    if (v > INT64_MAX || v < INT64_MIN) return Fail(Errc::kOverflow, std::string(what) + " overflows");
  }
  for (; shift < 0; ++shift) {
    if (v % 10 != 0) return Fail(Errc::kMalformedMessage, std::string(what) + " has a fraction of a minor unit");
    v /= 10;
  }
  return static_cast<std::int64_t>(v);
}

// The negotiation context every message carries, and the sender's mandate.
Result<const Mandate*> read_context(wire::NegotiationContext::Reader c, NegMessage& m,
                                    MandateBook& mandates, bool needs_mandate) {
  PACTUM_TRY(m.negotiation_id, read_id(c.getNegotiationId(), "negotiationId"));
  PACTUM_TRY(m.prev_hash, read_hash(c.getPreviousHash(), "previousHash"));
  if (!needs_mandate) return nullptr;
  auto ref = c.getMandate();
  PACTUM_TRY(crypto::Digest id, read_hash(ref.getMandateId(), "mandateId"));
  // A mandate already verified needs no second signature check: its id is
  // the hash of the very body that was verified.
  const Mandate* known = mandates.find(id);
  if (known != nullptr) return known;
  if (ref.hasEnvelope()) {
    PACTUM_TRY(Mandate md, mandate_from_envelope(ref.getEnvelope()));
    if (md.id != id) return Fail(Errc::kMalformedMessage, "embedded mandate's id differs from mandateId");
    mandates.add(md);
    known = mandates.find(id);
  }
  if (known == nullptr) return Fail(Errc::kNotFound, "unknown mandate " + to_hex(id));
  return known;
}

// Fills the fields of an offer-carrying message from its terms.
template <class Reader>
Result<void> read_offer(Reader r, NegMessage& m, const Decoded<wire::Envelope>& message) {
  auto terms = r.getTerms();
  // terms_hash(terms), over the canonical bytes read in place from the
  // verified message rather than re-encoded (the same bytes: decode.h).
  PACTUM_TRY(m.terms_hash, message.canonical_part_hash(domains::kTermsHash, r, terms));
  PACTUM_TRY(m.offer, offer_from_terms(terms));
  PACTUM_TRY(m.contract_id, read_id(terms.getContractId(), "contractId"));
  if (terms.hasAmendmentOf()) {
    auto a = terms.getAmendmentOf();
    AmendmentRef ref;
    PACTUM_TRY(ref.base_contract_id, read_id(a.getBaseContractId(), "amendmentOf.baseContractId"));
    PACTUM_TRY(ref.base_terms_hash, read_hash(a.getBaseTermsHash(), "amendmentOf.baseTermsHash"));
    ref.effective_day = a.getEffectiveDay();
    ref.downgrade_immediate = a.getDowngradeImmediate();
    ref.cancel_refund_prorated = a.getCancelRefundProrated();
    if (ref.base_contract_id == m.contract_id) {
      return Fail(Errc::kMalformedMessage, "an amendment needs a contractId of its own, not the base's");
    }
    m.amends = ref;
  }
  bool buyer = m.sender_role == Role::kBuyer;
  PACTUM_TRY(m.counterparty_org, read_key(buyer ? terms.getSeller().getOrgRootKey()
                                                : terms.getBuyer().getOrgRootKey(), "party orgRootKey"));
  m.deadline_ms = r.getOfferExpiresMs() != 0 ? r.getOfferExpiresMs()
                                             : m.timestamp_ms + kDefaultNegotiationDeadlineMs;
  return Ok();
}

// Messages without terms take the parties and the table offer from the engine.
void fill_from_engine(const NegotiationEngine& engine, NegMessage& m) {
  const Negotiation* n = engine.find(m.negotiation_id);
  if (n == nullptr) return;
  m.counterparty_org = m.sender_org == n->our_org ? n->counterparty_org : n->our_org;
  if (m.kind == NegEvent::kAccept) m.offer = n->offer;
}

}  // namespace

Result<Mandate> mandate_from_envelope(wire::Envelope::Reader envelope) {
  PACTUM_TRY(EnvelopeInfo info, verify_envelope(envelope, {.kind = Kind::MANDATE, .required_signers = {}}));
  auto w = envelope.getBody().getPayload().getMandate();
  Mandate m;
  m.id = info.message_hash;
  PACTUM_TRY(m.org_key, read_key(w.getOrgRootKey(), "orgRootKey"));
  if (info.sender != m.org_key) {
    return Fail(Errc::kMandateScope, "mandate signed by " + crypto::key_id(info.sender) +
                                         ", not by the org root it names");
  }
  PACTUM_TRY(m.agent_key, read_key(w.getAgentKey(), "agentKey"));
  PACTUM_TRY(m.role, read_role(w.getRole()));
  PACTUM_TRY(m.counterparties, read_keys(w.getCounterparties(), kMandateCounterpartiesMax, "counterparties"));
  PACTUM_TRY(m.approvers, read_keys(w.getApprovers(), kPolicyApproversMax, "approvers"));
  if (w.getProducts().size() > kMandateProductsMax) return Fail(Errc::kMalformedMessage, "too many products");
  for (auto p : w.getProducts()) m.products.emplace_back(p.cStr(), p.size());
  std::sort(m.products.begin(), m.products.end());
  m.currency = std::string(w.getCurrency().cStr(), w.getCurrency().size());
  m.per_contract_limit_minor = w.getPerContractLimitMinor();
  m.cumulative_limit_minor = w.getCumulativeLimitMinor();
  m.period_ms = w.getPeriodMs();
  m.max_concession_ppm = w.getMaxConcessionPerRoundPpm();
  m.max_concession_total_ppm = w.getMaxConcessionTotalPpm();
  m.approval_threshold_minor = w.getApprovalThresholdMinor();
  m.valid_from_ms = w.getNotBeforeMs();
  m.valid_until_ms = w.getNotAfterMs();
  m.max_rounds = w.getMaxRounds();
  return m;
}

Result<Offer> offer_from_terms(wire::ContractTerms::Reader terms) {
  auto charges = terms.getPricing().getCharges();
  if (charges.size() != 1 || charges[0].getModel() != wire::settlement::ChargeModel::FLAT) {
    return Fail(Errc::kUnsupported, "guardrails need exactly one flat charge, terms have " +
                                        std::to_string(charges.size()) + " charges");
  }
  auto ch = charges[0];
  Offer o;
  o.product = std::string(ch.getId().cStr(), ch.getId().size());
  o.currency = std::string(terms.getCurrency().cStr(), terms.getCurrency().size());
  auto table = settlement::CurrencyTableVersion::kIso4217V1;
  if (terms.getPricing().getConventions().getCurrencyTable() != 0) {
    PACTUM_TRY(table, settlement::currency_table_version(terms.getPricing().getConventions().getCurrencyTable()));
  }
  PACTUM_TRY(settlement::Currency cur, settlement::find_currency(o.currency, table));
  PACTUM_TRY(o.unit_price_minor, to_minor(ch.getUnitPrice(), cur.exponent, "unitPrice"));
  PACTUM_TRY(o.quantity, to_minor(ch.getQuantity(), 0, "quantity"));
  PACTUM_TRY(o.total_minor, checked_mul(o.unit_price_minor, o.quantity));
  return o;
}

Result<KillCommand> kill_from_envelope(const OpenedEnvelope& env) {
  if (env.info.kind != Kind::KILL_SWITCH) return Fail(Errc::kWrongKind, "not a kill switch");
  auto k = env.body().getPayload().getKillSwitch();
  KillCommand out;
  switch (k.getAction()) {
    case wire::KillSwitchAction::ENGAGE: out.engage = true; break;
    case wire::KillSwitchAction::LIFT: out.engage = false; break;
    case wire::KillSwitchAction::UNSPECIFIED: return Fail(Errc::kMalformedMessage, "kill switch action unspecified");
  }
  auto scope = k.getScope();
  switch (scope.which()) {
    case wire::KillSwitch::Scope::ORGANIZATION: {
      out.scope = KillScope::kOrganization;
      PACTUM_TRY(out.target, read_key(scope.getOrganization(), "organization"));
      break;
    }
    case wire::KillSwitch::Scope::AGENT_KEY: {
      out.scope = KillScope::kAgent;
      PACTUM_TRY(out.target, read_key(scope.getAgentKey(), "agentKey"));
      break;
    }
    case wire::KillSwitch::Scope::MANDATE_ID: {
      out.scope = KillScope::kMandate;
      PACTUM_TRY(out.target, read_hash(scope.getMandateId(), "mandateId"));
      break;
    }
    case wire::KillSwitch::Scope::NEGOTIATION_ID: {
      out.scope = KillScope::kNegotiation;
      PACTUM_TRY(out.target, read_id(scope.getNegotiationId(), "negotiationId"));
      break;
    }
  }
  out.signer = env.info.sender;
  out.hash = env.info.message_hash;
  out.effective_ms = k.getEffectiveMs();
  return out;
}

Result<RevocationCommand> revocation_from_envelope(const OpenedEnvelope& env) {
  if (env.info.kind != Kind::REVOCATION) return Fail(Errc::kWrongKind, "not a revocation");
  auto r = env.body().getPayload().getRevocation();
  RevocationCommand out;
  PACTUM_TRY(out.org, read_key(r.getOrgRootKey(), "orgRootKey"));
  if (out.org != env.info.sender) return Fail(Errc::kMandateScope, "revocation not signed by its org root");
  auto t = r.getTarget();
  switch (t.which()) {
    case wire::Revocation::Target::MANDATE_ID: {
      PACTUM_TRY(out.mandate_id, read_hash(t.getMandateId(), "mandateId"));
      break;
    }
    case wire::Revocation::Target::KEY: {
      out.is_key = true;
      PACTUM_TRY(out.key, read_key(t.getKey(), "key"));
      break;
    }
  }
  return out;
}

Result<NegInput> open_negotiation_message(ByteSpan wire_bytes, const NegotiationEngine& engine,
                                          MandateBook& mandates) {
  PACTUM_TRY(OpenedEnvelope env, open_envelope(wire_bytes));
  auto payload = env.body().getPayload();
  NegInput in;
  NegMessage& m = in.msg;
  m.hash = env.info.message_hash;
  m.signer = env.info.sender;
  m.timestamp_ms = env.info.timestamp_ms;
  m.size_bytes = wire_bytes.size();
  const Mandate* md = nullptr;
  const Kind kind = env.info.kind;
  if (kind == Kind::APPROVE) {
    auto a = payload.getApprove();
    PACTUM_TRY(md, read_context(a.getContext(), m, mandates, false));
    PACTUM_TRY(m.terms_hash, read_hash(a.getTermsHash(), "termsHash"));
    switch (a.getDecision()) {
      case wire::ApprovalDecision::APPROVED: m.kind = NegEvent::kApprove; return in;
      case wire::ApprovalDecision::DENIED: m.kind = NegEvent::kDeny; return in;
      case wire::ApprovalDecision::UNSPECIFIED: break;
    }
    return Fail(Errc::kMalformedMessage, "approval decision unspecified");
  }
  if (kind == Kind::PROPOSE) {
    m.kind = NegEvent::kPropose;
    PACTUM_TRY(md, read_context(payload.getPropose().getContext(), m, mandates, true));
  } else if (kind == Kind::COUNTER) {
    m.kind = NegEvent::kCounter;
    PACTUM_TRY(md, read_context(payload.getCounter().getContext(), m, mandates, true));
  } else if (kind == Kind::ACCEPT) {
    m.kind = NegEvent::kAccept;
    PACTUM_TRY(md, read_context(payload.getAccept().getContext(), m, mandates, true));
  } else if (kind == Kind::REJECT) {
    m.kind = NegEvent::kReject;
    PACTUM_TRY(md, read_context(payload.getReject().getContext(), m, mandates, true));
  } else if (kind == Kind::WITHDRAW) {
    m.kind = NegEvent::kWithdraw;
    PACTUM_TRY(md, read_context(payload.getWithdraw().getContext(), m, mandates, true));
  } else {
    return Fail(Errc::kWrongKind, "not a negotiation message: " + std::string(payload_kind_name(kind)));
  }
  in.mandate = md;
  m.sender_role = md->role;
  m.sender_org = md->org_key;
  if (kind == Kind::PROPOSE) {
    PACTUM_CHECK(read_offer(payload.getPropose(), m, env.message));
  } else if (kind == Kind::COUNTER) {
    PACTUM_CHECK(read_offer(payload.getCounter(), m, env.message));
  } else {
    if (kind == Kind::ACCEPT) {
      PACTUM_TRY(m.terms_hash, read_hash(payload.getAccept().getTermsHash(), "termsHash"));
    }
    fill_from_engine(engine, m);
  }
  return in;
}

Decision decide_envelope(NegotiationEngine& engine, MandateBook& mandates, ByteSpan wire_bytes,
                         std::int64_t now_ms) {
  auto in = open_negotiation_message(wire_bytes, engine, mandates);
  if (!in) {
    Decision d;
    d.outcome = Outcome::kRefused;
    d.code = in.error().code;
    d.rule = "envelope";
    d.values = in.error().detail.empty() ? std::string(errc_name(d.code)) : in.error().detail;
    d.policy_hash = engine.policy_hash();
    return d;
  }
  if (in->mandate == nullptr) return engine.on_approval(in->msg, now_ms);
  return engine.on_message(in->msg, *in->mandate, now_ms);
}

}  // namespace pactum::protocol
