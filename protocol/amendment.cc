// Amendment checks and the amended contract handed to the settlement core.
#include "protocol/amendment.h"

#include <capnp/message.h>

#include <chrono>

#include "protocol/canonical.h"
#include "protocol/settlement_codec.h"

namespace pactum::protocol {
namespace {

settlement::Date day(std::int32_t n) { return settlement::Date{std::chrono::sys_days{std::chrono::days{n}}}; }

Result<settlement::Date> checked_day(std::int32_t n, std::string_view what) {
  const settlement::Date d = day(n);
  if (!d.ok() || static_cast<int>(d.year()) < settlement::kYearMin || static_cast<int>(d.year()) > settlement::kYearMax) {
    return Fail(Errc::kBadDate, std::string(what) + " day " + std::to_string(n) + " out of range");
  }
  return d;
}

Refusal refusal(Errc code, std::string rule, std::string values) {
  return Refusal{code, std::move(rule), std::move(values)};
}

// `amended` with every field an amendment may change set back to
// `in_force`'s: equal canonical bytes mean nothing else changed.
Result<Bytes> normalized(wire::ContractTerms::Reader in_force, wire::ContractTerms::Reader amended) {
  capnp::MallocMessageBuilder mb;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
    mb.setRoot(amended);
    auto t = mb.getRoot<wire::ContractTerms>();
    // Set or null as in `in_force`: an empty pointer and a null one differ in canonical form.
    if (in_force.hasContractId()) t.setContractId(in_force.getContractId());
    else t.disownContractId();
    if (in_force.hasNegotiationId()) t.setNegotiationId(in_force.getNegotiationId());
    else t.disownNegotiationId();
    if (in_force.hasNote()) t.setNote(in_force.getNote());
    else t.disownNote();
    t.setEndDay(in_force.getEndDay());
    if (in_force.hasAmendmentOf()) t.setAmendmentOf(in_force.getAmendmentOf());
    else t.disownAmendmentOf();
    auto from = in_force.getPricing().getCharges();
    auto to = t.getPricing().getCharges();
    if (from.size() == 1 && to.size() == 1) {
      to[0].setUnitPrice(from[0].getUnitPrice());
      to[0].setQuantity(from[0].getQuantity());
    }
  })) {
    return Fail(error_from_exception(*e, "amendment terms"));
  }
  return canonical_bytes(mb.getRoot<wire::ContractTerms>().asReader());
}

// The one charge of a negotiated contract (the guardrails need exactly one).
Result<settlement::Charge> only_charge(wire::ContractTerms::Reader terms) {
  PACTUM_TRY(settlement::Contract k, contract_from_terms(terms));
  if (k.charges.size() != 1) {
    return Fail(Errc::kUnsupported, "an amendment needs exactly one charge, terms have " +
                                        std::to_string(k.charges.size()));
  }
  return std::move(k.charges[0]);
}

// The settlement amendments that turn `in_force` into `amended` (checked).
Result<std::vector<settlement::Amendment>> changes(wire::ContractTerms::Reader in_force,
                                                   wire::ContractTerms::Reader amended) {
  if (auto r = check_amendment_terms(in_force, amended)) return Fail(r->code, r->rule + ": " + r->values);
  PACTUM_TRY(settlement::Charge before, only_charge(in_force));
  PACTUM_TRY(settlement::Charge after, only_charge(amended));
  auto a = amended.getAmendmentOf();
  std::vector<settlement::Amendment> out;
  settlement::Amendment base;
  base.date = day(a.getEffectiveDay());
  base.charge_id = after.id;
  if (amended.getEndDay() != in_force.getEndDay()) {
    settlement::Amendment c = base;
    c.kind = settlement::AmendmentKind::kCancel;
    c.refund = a.getCancelRefundProrated() ? settlement::CancelRefund::kProrated : settlement::CancelRefund::kNone;
    out.push_back(std::move(c));
    return out;
  }
  if (!(after.quantity == before.quantity)) {
    settlement::Amendment q = base;
    q.kind = settlement::AmendmentKind::kQuantityChange;
    q.quantity = after.quantity;
    out.push_back(std::move(q));
  }
  if (!(after.unit_price == before.unit_price)) {
    settlement::Amendment p = base;
    p.kind = before.unit_price < after.unit_price ? settlement::AmendmentKind::kUpgrade
                                                  : settlement::AmendmentKind::kDowngrade;
    p.unit_price = after.unit_price;
    p.downgrade = a.getDowngradeImmediate() ? settlement::DowngradeTiming::kImmediateWithCredit
                                            : settlement::DowngradeTiming::kAtPeriodEnd;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

std::optional<Refusal> check_amendment_terms(wire::ContractTerms::Reader in_force,
                                             wire::ContractTerms::Reader amended) {
  if (!amended.hasAmendmentOf()) return refusal(Errc::kInvalidArgument, "amendment.none", "terms amend nothing");
  auto a = amended.getAmendmentOf();
  if (in_force.hasEscrow() || amended.hasEscrow()) {
    return refusal(Errc::kUnsupported, "amendment.escrow", "amending an escrowed contract is not supported");
  }
  const std::int32_t effective = a.getEffectiveDay();
  if (effective < in_force.getStartDay() || effective >= in_force.getEndDay()) {
    return refusal(Errc::kBadDate, "amendment.effective_day",
                   "day " + std::to_string(effective) + " outside the term [" + std::to_string(in_force.getStartDay()) +
                       ", " + std::to_string(in_force.getEndDay()) + ")");
  }
  if (in_force.hasAmendmentOf() && effective < in_force.getAmendmentOf().getEffectiveDay()) {
    return refusal(Errc::kBadDate, "amendment.effective_day",
                   "day " + std::to_string(effective) + " before the amendment in force (day " +
                       std::to_string(in_force.getAmendmentOf().getEffectiveDay()) + ")");
  }
  const bool cancel = amended.getEndDay() != in_force.getEndDay();
  if (cancel && amended.getEndDay() != effective) {
    return refusal(Errc::kBadDate, "amendment.end_day",
                   "endDay may only move to the effective day (a cancellation), not to " +
                       std::to_string(amended.getEndDay()));
  }
  auto before = only_charge(in_force);
  auto after = only_charge(amended);
  if (!before || !after) {
    const Error& e = before ? after.error() : before.error();
    return refusal(e.code, "amendment.charge", e.detail);
  }
  if (before->id != after->id) {
    return refusal(Errc::kConflictingMessage, "amendment.other_terms", "charge id changed from '" + before->id + "'");
  }
  const bool repriced = !(after->unit_price == before->unit_price) || !(after->quantity == before->quantity);
  if (cancel && repriced) {
    return refusal(Errc::kConflictingMessage, "amendment.cancel_only",
                   "a cancellation keeps the unit price and quantity");
  }
  if (!cancel && !repriced) return refusal(Errc::kInvalidArgument, "amendment.no_change", "terms change nothing");
  auto lhs = normalized(in_force, amended);
  auto rhs = canonical_bytes(in_force);
  if (!lhs || !rhs) return refusal(Errc::kMalformedMessage, "amendment.terms", "cannot canonicalize the terms");
  if (*lhs != *rhs) {
    return refusal(Errc::kConflictingMessage, "amendment.other_terms",
                   "only the unit price, the quantity or (to cancel) endDay may change");
  }
  return std::nullopt;
}

Result<settlement::Contract> contract_from_terms(wire::ContractTerms::Reader t) {
  settlement::Contract k;
  if (t.getContractId().size() != 16) return Fail(Errc::kMalformedMessage, "contractId must be 16 bytes");
  k.id = to_hex(as_span(t.getContractId()));
  k.buyer = to_hex(as_span(t.getBuyer().getOrgRootKey()));
  k.buyer_jurisdiction = std::string(t.getTaxJurisdiction().cStr(), t.getTaxJurisdiction().size());
  auto table = settlement::CurrencyTableVersion::kIso4217V1;
  if (t.getPricing().getConventions().getCurrencyTable() != 0) {
    PACTUM_TRY(table, settlement::currency_table_version(t.getPricing().getConventions().getCurrencyTable()));
  }
  PACTUM_TRY(k.currency, settlement::find_currency(std::string_view(t.getCurrency().cStr(), t.getCurrency().size()), table));
  PACTUM_TRY(k.start, checked_day(t.getStartDay(), "startDay"));
  PACTUM_TRY(k.end, checked_day(t.getEndDay(), "endDay"));
  PACTUM_CHECK(decode_pricing(t.getPricing(), k));
  if (t.hasEscrow() && t.getEscrow().getMilestones().size() == 0) {
    k.escrow.mode = settlement::EscrowMode::kPerInvoice;
    k.escrow.hold_ppm = settlement::kPpmOne;
  }
  return k;
}

Result<settlement::Contract> amended_contract(const std::vector<wire::ContractTerms::Reader>& versions) {
  if (versions.empty()) return Fail(Errc::kInvalidArgument, "no contract version");
  if (versions.front().hasAmendmentOf()) return Fail(Errc::kInvalidArgument, "the first version amends another");
  PACTUM_TRY(settlement::Contract k, contract_from_terms(versions.front()));
  for (std::size_t i = 1; i < versions.size(); ++i) {
    PACTUM_TRY(auto more, changes(versions[i - 1], versions[i]));
    for (auto& a : more) k.amendments.push_back(std::move(a));
  }
  return k;
}

}  // namespace pactum::protocol
