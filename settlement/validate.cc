// Validation of a contract before settlement: every error names the field.
#include <algorithm>
#include <set>
#include <utility>

#include "settlement/internal.h"

namespace pactum::settlement::internal {
namespace {

Result<void> bad(Errc code, const std::string& where, const std::string& what) {
  return Fail(code, where + ": " + what);
}

Result<void> check_text(const std::string& where, const std::string& text, bool required) {
  if (required && text.empty()) return bad(Errc::kBadContract, where, "must not be empty");
  if (text.size() > kTextBytesMax) return bad(Errc::kBadContract, where, "longer than 256 bytes");
  return Ok();
}

Result<void> validate_tiers(const std::string& where, const std::vector<Tier>& tiers) {
  if (tiers.empty()) return bad(Errc::kBadRatePlan, where, "graduated and volume charges need tiers");
  if (tiers.size() > kTiersMax) return bad(Errc::kBadRatePlan, where, "more than 64 tiers");
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    const Tier& t = tiers[i];
    std::string w = where + ".tiers[" + std::to_string(i) + "]";
    bool last = i + 1 == tiers.size();
    if (t.unit_price.mantissa < 0 || t.flat_fee.mantissa < 0) return bad(Errc::kBadRatePlan, w, "negative price");
    if (last && t.up_to) return bad(Errc::kBadRatePlan, w, "last tier must have no up_to (unbounded)");
    if (!last && !t.up_to) return bad(Errc::kBadRatePlan, w, "only the last tier may be unbounded");
    if (!last && t.up_to->mantissa <= 0) return bad(Errc::kBadRatePlan, w, "up_to must be > 0");
    if (!last && i > 0 && !(*tiers[i - 1].up_to < *t.up_to)) {
      return bad(Errc::kBadRatePlan, w, "up_to must increase");
    }
  }
  return Ok();
}

}  // namespace

Result<void> validate_charge(const Charge& c, const Contract& contract) {
  std::string where = "charge '" + c.id + "'";
  PACTUM_CHECK(check_text("charge.id", c.id, true));
  PACTUM_CHECK(check_text(where + ".description", c.description, false));
  PACTUM_CHECK(check_text(where + ".tax_code", c.tax_code, true));
  if (c.unit_price.mantissa < 0) return bad(Errc::kBadRatePlan, where, "negative unit_price");
  if (c.quantity.mantissa < 0) return bad(Errc::kBadRatePlan, where, "negative quantity");
  switch (c.model) {
    case ChargeModel::kFlat: break;
    case ChargeModel::kPackage:
      if (c.package_size.mantissa <= 0) return bad(Errc::kBadRatePlan, where, "package_size must be > 0");
      if (c.free_units.mantissa < 0) return bad(Errc::kBadRatePlan, where, "free_units must be >= 0");
      break;
    case ChargeModel::kGraduated:
    case ChargeModel::kVolume: PACTUM_CHECK(validate_tiers(where, c.tiers)); break;
  }
  if (c.ramp.size() > kRampStepsMax) return bad(Errc::kBadRatePlan, where, "more than 64 ramp steps");
  if (!c.ramp.empty() && (c.kind != ChargeKind::kRecurring || c.model != ChargeModel::kFlat)) {
    return bad(Errc::kBadRatePlan, where, "ramp steps apply to flat recurring charges only");
  }
  for (std::size_t i = 0; i < c.ramp.size(); ++i) {
    if (c.ramp[i].unit_price.mantissa < 0) return bad(Errc::kBadRatePlan, where, "negative ramp price");
    if (i > 0 && day_number(c.ramp[i - 1].from) >= day_number(c.ramp[i].from)) {
      return bad(Errc::kBadRatePlan, where + ".ramp[" + std::to_string(i) + "]", "dates must increase");
    }
  }
  if (c.minimum) {
    if (c.kind != ChargeKind::kUsage) return bad(Errc::kBadRatePlan, where, "minimum applies to usage charges");
    if (c.minimum->currency != contract.currency) return bad(Errc::kCurrencyMismatch, where, "minimum currency");
    if (c.minimum->minor < 0 || c.minimum->minor > kMoneyMinorMax) return bad(Errc::kBadRatePlan, where, "minimum out of range");
  }
  if (c.start && c.end && day_number(*c.start) >= day_number(*c.end)) {
    return bad(Errc::kBadDate, where, "start must be before end");
  }
  return Ok();
}

Result<void> validate_contract(const Contract& k) {
  PACTUM_CHECK(check_text("contract.id", k.id, true));
  PACTUM_CHECK(check_text("contract.buyer", k.buyer, false));
  PACTUM_TRY(Currency pinned, find_currency(k.currency.code_view(), k.conventions.currency_table));
  if (pinned != k.currency) {
    return bad(Errc::kCurrencyMismatch, "contract.currency", "exponent differs from the pinned table");
  }
  if (day_number(k.start) >= day_number(k.end)) return bad(Errc::kBadDate, "contract", "start must be before end");
  if (k.anchor_day > 31) return bad(Errc::kBadContract, "contract.anchor_day", "must be 1..31");
  if (k.conventions.fraction_decimals < 0 || k.conventions.fraction_decimals > kFractionDecimalsMax) {
    return bad(Errc::kBadContract, "conventions.fraction_decimals", "must be 0..18");
  }
  if (k.charges.empty()) return bad(Errc::kBadContract, "contract.charges", "at least one charge");
  if (k.charges.size() > kChargesMax) return bad(Errc::kLimitExceeded, "contract.charges", "more than 256");
  if (k.usage.size() > kUsageRecordsMax) return bad(Errc::kLimitExceeded, "contract.usage", "more than 100000 records");
  if (k.amendments.size() > kAmendmentsMax) return bad(Errc::kLimitExceeded, "contract.amendments", "more than 1024");
  if (k.discounts.size() > kDiscountsMax) return bad(Errc::kLimitExceeded, "contract.discounts", "more than 32");
  std::set<std::string> ids;
  for (const Charge& c : k.charges) {
    PACTUM_CHECK(validate_charge(c, k));
    if (!ids.insert(c.id).second) return bad(Errc::kBadContract, "charge '" + c.id + "'", "duplicate id");
  }
  for (const Amendment& a : k.amendments) {
    if (a.kind == AmendmentKind::kAddCharge) {
      if (!a.charge) return bad(Errc::kBadContract, "amendment add_charge", "needs a charge");
      PACTUM_CHECK(validate_charge(*a.charge, k));
      if (!ids.insert(a.charge->id).second) return bad(Errc::kBadContract, "charge '" + a.charge->id + "'", "duplicate id");
    }
    if (day_number(a.date) < day_number(k.start) || day_number(a.date) >= day_number(k.end)) {
      return bad(Errc::kBadDate, "amendment on " + format_date(a.date), "outside the contract term");
    }
  }
  for (const Discount& d : k.discounts) {
    PACTUM_CHECK(check_text("discount.description", d.description, false));
    if (d.periods < 0) return bad(Errc::kBadContract, "discount.periods", "must be >= 0");
    if (d.kind == DiscountKind::kPercent && (d.percent.mantissa < 0 || Decimal{100, 0} < d.percent)) {
      return bad(Errc::kBadContract, "discount.percent", "must be 0..100");
    }
    if (d.kind == DiscountKind::kFixed && (d.fixed_minor < 0 || d.fixed_minor > kMoneyMinorMax)) {
      return bad(Errc::kBadContract, "discount.amount", "must be 0..10^18 minor units");
    }
  }
  const TaxTable& t = k.tax_table;
  if (t.rates.size() > kTaxRatesMax) return bad(Errc::kBadTaxTable, "tax.rates", "more than 4096");
  if (t.exemptions.size() > kTaxExemptionsMax) return bad(Errc::kBadTaxTable, "tax.exemptions", "more than 1024");
  std::set<std::pair<std::string, std::string>> keys;
  for (const TaxRate& r : t.rates) {
    std::string w = "tax rate " + r.jurisdiction + "/" + r.tax_code;
    if (r.rate_ppm < 0 || r.rate_ppm > kPpmOne) return bad(Errc::kBadTaxTable, w, "rate_ppm must be 0..1000000");
    if (!keys.insert({r.jurisdiction, r.tax_code}).second) return bad(Errc::kBadTaxTable, w, "duplicate row");
  }
  if (k.escrow.hold_ppm < 0 || k.escrow.hold_ppm > kPpmOne) return bad(Errc::kBadContract, "escrow.hold_ppm", "must be 0..1000000");
  if (k.escrow.milestones.size() > kMilestonesMax) return bad(Errc::kLimitExceeded, "escrow.milestones", "more than 64");
  if (k.escrow.mode == EscrowMode::kMilestones && k.escrow.milestones.empty()) {
    return bad(Errc::kBadContract, "escrow.milestones", "milestone escrow needs milestones");
  }
  for (const Milestone& m : k.escrow.milestones) {
    if (m.weight <= 0 || m.weight > kMoneyMinorMax) return bad(Errc::kBadContract, "milestone '" + m.name + "'", "weight must be > 0");
  }
  if (k.credit && (k.credit->limit_minor < 0 || k.credit->existing_exposure_minor < 0 ||
                   k.credit->limit_minor > kMoneyMinorMax || k.credit->existing_exposure_minor > kMoneyMinorMax)) {
    return bad(Errc::kBadContract, "credit", "limit and exposure must be >= 0");
  }
  return Ok();
}

Result<std::vector<Charge>> apply_overrides(const Contract& contract) {
  std::vector<Charge> charges = contract.charges;
  for (const PriceOverride& o : contract.overrides) {
    auto it = std::find_if(charges.begin(), charges.end(), [&o](const Charge& c) { return c.id == o.charge_id; });
    if (it == charges.end()) return Fail(Errc::kBadContract, "override: no charge '" + o.charge_id + "'");
    if (o.unit_price) {
      it->unit_price = *o.unit_price;
      it->ramp.clear();  // An account price replaces the catalog ramp too.
    }
    if (o.tiers) it->tiers = *o.tiers;
    PACTUM_CHECK(validate_charge(*it, contract));
  }
  return charges;
}

Decimal price_on(const Charge& charge, const Date& date) {
  Decimal price = charge.unit_price;
  for (const RampStep& s : charge.ramp) {
    if (day_number(s.from) <= day_number(date)) price = s.unit_price;
  }
  return price;
}

}  // namespace pactum::settlement::internal
