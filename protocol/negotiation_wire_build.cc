// Building signed negotiation and mandate envelopes (agents, simulation, tests).
#include "protocol/canonical.h"
#include "protocol/negotiation_wire.h"
#include "settlement/money.h"

namespace pactum::protocol {
namespace {

void set_context(wire::NegotiationContext::Builder c, const MessageSpec& s) {
  c.setNegotiationId(capnp::Data::Reader(s.negotiation_id.data(), 16));
  c.setPreviousHash(as_data(s.prev_hash));
  c.setRound(s.round);
}

Result<void> set_mandate_ref(wire::NegotiationContext::Builder c, const MessageSpec& s) {
  auto ref = c.initMandate();
  ref.setMandateId(as_data(s.mandate_id));
  if (s.mandate_envelope != nullptr) {
    PACTUM_TRY(auto env, decode<wire::Envelope>(*s.mandate_envelope));
    KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() { ref.setEnvelope(env.root()); })) {
      return Fail(error_from_exception(*e, "embed mandate"));
    }
  }
  return Ok();
}

}  // namespace

Result<void> fill_terms(wire::ContractTerms::Builder t, const MessageSpec& s) {
  PACTUM_TRY(settlement::Currency cur, settlement::find_currency(s.offer.currency));
  t.setContractId(capnp::Data::Reader(s.negotiation_id.data(), 16));  // One contract per negotiation.
  t.setNegotiationId(capnp::Data::Reader(s.negotiation_id.data(), 16));
  t.initBuyer().setOrgRootKey(as_data(s.buyer_org));
  t.initSeller().setOrgRootKey(as_data(s.seller_org));
  t.setCurrency(s.offer.currency);
  auto pricing = t.initPricing();
  pricing.setCycle(wire::settlement::BillingCycle::MONTHLY);
  auto ch = pricing.initCharges(1)[0];
  ch.setId(s.offer.product);
  ch.setKind(wire::settlement::ChargeKind::RECURRING);
  ch.setModel(wire::settlement::ChargeModel::FLAT);
  auto price = ch.initUnitPrice();
  price.setMantissa(s.offer.unit_price_minor);
  price.setScale(cur.exponent);
  ch.initQuantity().setMantissa(s.offer.quantity);
  if (s.amends) {
    auto a = t.initAmendmentOf();
    a.setBaseContractId(capnp::Data::Reader(s.amends->base_contract_id.data(), 16));
    a.setBaseTermsHash(as_data(s.amends->base_terms_hash));
    a.setEffectiveDay(s.amends->effective_day);
    a.setDowngradeImmediate(s.amends->downgrade_immediate);
    a.setCancelRefundProrated(s.amends->cancel_refund_prorated);
  }
  return Ok();
}

Result<void> fill_settleable_terms(wire::ContractTerms::Builder t, const MessageSpec& s, std::int32_t start_day,
                                   std::int32_t end_day) {
  PACTUM_CHECK(fill_terms(t, s));
  t.setStartDay(start_day);
  t.setEndDay(end_day);
  auto c = t.getPricing().initConventions();
  c.setDayCount(wire::settlement::DayCount::ACTUAL);
  c.setRounding(wire::settlement::RoundingMode::HALF_EVEN);
  c.setRoundingPoint(wire::settlement::RoundingPoint::EXACT_PRODUCT);
  c.setTaxRounding(wire::settlement::TaxRounding::PER_INVOICE);
  c.setCurrencyTable(1);
  t.getPricing().getCharges()[0].setTaxCode("standard");
  return Ok();
}

Result<Bytes> build_negotiation_message(const MessageSpec& s, const crypto::SecretKey& key,
                                        std::uint64_t sequence, std::int64_t timestamp_ms) {
  EnvelopeBuilder b;
  auto p = b.payload();
  switch (s.kind) {
    case NegEvent::kPropose: {
      auto m = p.initPropose();
      set_context(m.initContext(), s);
      PACTUM_CHECK(set_mandate_ref(m.getContext(), s));
      PACTUM_CHECK(fill_terms(m.initTerms(), s));
      m.setOfferExpiresMs(s.expires_ms);
      break;
    }
    case NegEvent::kCounter: {
      auto m = p.initCounter();
      set_context(m.initContext(), s);
      PACTUM_CHECK(set_mandate_ref(m.getContext(), s));
      PACTUM_CHECK(fill_terms(m.initTerms(), s));
      m.setOfferExpiresMs(s.expires_ms);
      break;
    }
    case NegEvent::kAccept: {
      auto m = p.initAccept();
      set_context(m.initContext(), s);
      PACTUM_CHECK(set_mandate_ref(m.getContext(), s));
      m.setTermsHash(as_data(s.terms_hash));
      break;
    }
    case NegEvent::kReject: {
      auto m = p.initReject();
      set_context(m.initContext(), s);
      PACTUM_CHECK(set_mandate_ref(m.getContext(), s));
      m.setReason(wire::RejectReason::UNACCEPTABLE_TERMS);
      break;
    }
    case NegEvent::kWithdraw: {
      auto m = p.initWithdraw();
      set_context(m.initContext(), s);
      PACTUM_CHECK(set_mandate_ref(m.getContext(), s));
      break;
    }
    case NegEvent::kApprove:
    case NegEvent::kDeny: {
      auto m = p.initApprove();
      set_context(m.initContext(), s);
      m.setTermsHash(as_data(s.terms_hash));
      m.setDecision(s.kind == NegEvent::kApprove ? wire::ApprovalDecision::APPROVED
                                                 : wire::ApprovalDecision::DENIED);
      break;
    }
    case NegEvent::kEscalate:
    case NegEvent::kExpire:
    case NegEvent::kFail:
    case NegEvent::kCommit:
      return Fail(Errc::kInvalidArgument, "not a message kind: " + std::string(event_name(s.kind)));
  }
  return b.seal(key, sequence, timestamp_ms);
}

Result<Bytes> build_mandate(const Mandate& m, const crypto::SecretKey& org_key, std::uint64_t sequence,
                            std::int64_t timestamp_ms) {
  EnvelopeBuilder b;
  auto w = b.payload().initMandate();
  w.setAgentKey(as_data(m.agent_key));
  w.setOrgRootKey(as_data(m.org_key));
  w.setRole(m.role == Role::kBuyer ? wire::Role::BUYER : wire::Role::SELLER);
  auto cps = w.initCounterparties(static_cast<unsigned>(m.counterparties.size()));
  for (unsigned i = 0; i < cps.size(); ++i) cps.set(i, as_data(m.counterparties[i]));
  auto products = w.initProducts(static_cast<unsigned>(m.products.size()));
  for (unsigned i = 0; i < products.size(); ++i) products.set(i, m.products[i]);
  w.setCurrency(m.currency);
  w.setPerContractLimitMinor(m.per_contract_limit_minor);
  w.setCumulativeLimitMinor(m.cumulative_limit_minor);
  w.setPeriodMs(m.period_ms);
  w.setMaxConcessionPerRoundPpm(static_cast<std::uint32_t>(m.max_concession_ppm));
  w.setMaxConcessionTotalPpm(static_cast<std::uint32_t>(m.max_concession_total_ppm));
  w.setApprovalThresholdMinor(m.approval_threshold_minor);
  auto approvers = w.initApprovers(static_cast<unsigned>(m.approvers.size()));
  for (unsigned i = 0; i < approvers.size(); ++i) approvers.set(i, as_data(m.approvers[i]));
  w.setNotBeforeMs(m.valid_from_ms);
  w.setNotAfterMs(m.valid_until_ms);
  w.setMaxRounds(m.max_rounds);
  return b.seal(org_key, sequence, timestamp_ms);
}

}  // namespace pactum::protocol
