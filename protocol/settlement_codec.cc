// Pricing and tax tables <-> Cap'n Proto. See settlement_codec.h.
#include "protocol/settlement_codec.h"

#include <capnp/message.h>

#include "protocol/canonical.h"

namespace pactum::protocol {
namespace {

namespace st = ::pactum::settlement;
namespace sw = ::pactum::wire::settlement;

// The core's enums are 0-based; the wire's start at `unspecified` = 0.
template <class W, class C>
W to_wire(C v) { return static_cast<W>(static_cast<std::uint16_t>(v) + 1); }

template <class C, class W>
Result<C> from_wire(W v, C max, std::string_view field) {
  auto n = static_cast<std::uint16_t>(v);
  if (n == 0 || n - 1 > static_cast<std::uint16_t>(max)) {
    return Fail(Errc::kMalformedMessage, std::string(field) + ": enum value " + std::to_string(n) + " not valid");
  }
  return static_cast<C>(n - 1);
}

Result<void> check_text(std::string_view what, const std::string& text) {
  if (text.size() > st::kTextBytesMax) return Fail(Errc::kInvalidArgument, std::string(what) + " longer than 256 bytes");
  return Ok();
}

Result<std::string> read_text(capnp::Text::Reader t, std::string_view what) {
  if (t.size() > st::kTextBytesMax) return Fail(Errc::kMalformedMessage, std::string(what) + " longer than 256 bytes");
  return std::string(t.cStr(), t.size());
}

}  // namespace

// Shared with settlement_result_codec.cc through these two declarations.
void write_decimal(const st::Decimal& d, sw::Decimal::Builder out);
Result<st::Decimal> read_decimal(sw::Decimal::Reader in, std::string_view what);

void write_decimal(const st::Decimal& d, sw::Decimal::Builder out) {
  std::int64_t m = d.mantissa;
  int s = d.scale;
  while (s > 0 && m % 10 == 0) {
    m /= 10;
    --s;
  }
  out.setMantissa(m);
  out.setScale(static_cast<std::uint8_t>(s));
}

Result<st::Decimal> read_decimal(sw::Decimal::Reader in, std::string_view what) {
  if (in.getScale() > st::kDecimalScaleMax || in.getMantissa() > st::kDecimalMantissaMax ||
      in.getMantissa() < -st::kDecimalMantissaMax) {
    return Fail(Errc::kMalformedMessage, std::string(what) + ": decimal out of range");
  }
  return st::Decimal{in.getMantissa(), static_cast<std::int8_t>(in.getScale())};
}

namespace {

Result<st::Date> read_day(std::int32_t day, std::string_view what) {
  st::Date d{std::chrono::sys_days{std::chrono::days{day}}};
  if (!d.ok() || static_cast<int>(d.year()) < st::kYearMin || static_cast<int>(d.year()) > st::kYearMax) {
    return Fail(Errc::kMalformedMessage, std::string(what) + ": day " + std::to_string(day) + " out of range");
  }
  return d;
}

std::int32_t day_of(const st::Date& d) { return static_cast<std::int32_t>(st::day_number(d)); }

void write_tiers(const std::vector<st::Tier>& tiers, capnp::List<sw::Tier>::Builder out) {
  for (unsigned i = 0; i < tiers.size(); ++i) {
    auto t = out[i];
    if (tiers[i].up_to) write_decimal(*tiers[i].up_to, t.initUpTo());
    write_decimal(tiers[i].unit_price, t.initUnitPrice());
    write_decimal(tiers[i].flat_fee, t.initFlatFee());
  }
}

Result<std::vector<st::Tier>> read_tiers(capnp::List<sw::Tier>::Reader in) {
  if (in.size() > st::kTiersMax) return Fail(Errc::kMalformedMessage, "more than 64 tiers");
  std::vector<st::Tier> out;
  for (auto t : in) {
    st::Tier tier;
    if (t.hasUpTo()) {
      PACTUM_TRY(tier.up_to, read_decimal(t.getUpTo(), "tier.upTo"));
    }
    PACTUM_TRY(tier.unit_price, read_decimal(t.getUnitPrice(), "tier.unitPrice"));
    PACTUM_TRY(tier.flat_fee, read_decimal(t.getFlatFee(), "tier.flatFee"));
    out.push_back(tier);
  }
  return out;
}

Result<void> write_charge(const st::Charge& c, sw::Charge::Builder out) {
  PACTUM_CHECK(check_text("charge.id", c.id));
  PACTUM_CHECK(check_text("charge.description", c.description));
  PACTUM_CHECK(check_text("charge.tax_code", c.tax_code));
  out.setId(c.id);
  out.setDescription(c.description);
  out.setTaxCode(c.tax_code);
  out.setKind(to_wire<sw::ChargeKind>(c.kind));
  out.setModel(to_wire<sw::ChargeModel>(c.model));
  write_decimal(c.unit_price, out.initUnitPrice());
  write_decimal(c.quantity, out.initQuantity());
  write_tiers(c.tiers, out.initTiers(static_cast<unsigned>(c.tiers.size())));
  write_decimal(c.package_size, out.initPackageSize());
  write_decimal(c.free_units, out.initFreeUnits());
  auto ramp = out.initRamp(static_cast<unsigned>(c.ramp.size()));
  for (unsigned i = 0; i < c.ramp.size(); ++i) {
    ramp[i].setFromDay(day_of(c.ramp[i].from));
    write_decimal(c.ramp[i].unit_price, ramp[i].initUnitPrice());
  }
  out.setHasMinimum(c.minimum.has_value());
  out.setMinimumMinor(c.minimum ? c.minimum->minor : 0);
  out.setHasStart(c.start.has_value());
  out.setStartDay(c.start ? day_of(*c.start) : 0);
  out.setHasEnd(c.end.has_value());
  out.setEndDay(c.end ? day_of(*c.end) : 0);
  return Ok();
}

Result<st::Charge> read_charge(sw::Charge::Reader in, st::Currency currency) {
  st::Charge c;
  PACTUM_TRY(c.id, read_text(in.getId(), "charge.id"));
  PACTUM_TRY(c.description, read_text(in.getDescription(), "charge.description"));
  PACTUM_TRY(c.tax_code, read_text(in.getTaxCode(), "charge.taxCode"));
  PACTUM_TRY(c.kind, from_wire(in.getKind(), st::ChargeKind::kUsage, "charge.kind"));
  PACTUM_TRY(c.model, from_wire(in.getModel(), st::ChargeModel::kPackage, "charge.model"));
  PACTUM_TRY(c.unit_price, read_decimal(in.getUnitPrice(), "charge.unitPrice"));
  PACTUM_TRY(c.quantity, read_decimal(in.getQuantity(), "charge.quantity"));
  PACTUM_TRY(c.tiers, read_tiers(in.getTiers()));
  PACTUM_TRY(c.package_size, read_decimal(in.getPackageSize(), "charge.packageSize"));
  PACTUM_TRY(c.free_units, read_decimal(in.getFreeUnits(), "charge.freeUnits"));
  if (in.getRamp().size() > st::kRampStepsMax) return Fail(Errc::kMalformedMessage, "more than 64 ramp steps");
  for (auto r : in.getRamp()) {
    st::RampStep step;
    PACTUM_TRY(step.from, read_day(r.getFromDay(), "ramp.fromDay"));
    PACTUM_TRY(step.unit_price, read_decimal(r.getUnitPrice(), "ramp.unitPrice"));
    c.ramp.push_back(step);
  }
  if (in.getHasMinimum()) c.minimum = st::Money{in.getMinimumMinor(), currency};
  if (in.getHasStart()) {
    PACTUM_TRY(c.start, read_day(in.getStartDay(), "charge.startDay"));
  }
  if (in.getHasEnd()) {
    PACTUM_TRY(c.end, read_day(in.getEndDay(), "charge.endDay"));
  }
  return c;
}

}  // namespace

Result<void> encode_pricing(const st::Contract& k, sw::Pricing::Builder out) {
  out.setCycle(to_wire<sw::BillingCycle>(k.cycle));
  out.setAnchorDay(static_cast<std::uint8_t>(k.anchor_day));
  auto c = out.initConventions();
  c.setDayCount(to_wire<sw::DayCount>(k.conventions.day_count));
  c.setRounding(to_wire<sw::RoundingMode>(k.conventions.rounding));
  c.setRoundingPoint(to_wire<sw::RoundingPoint>(k.conventions.rounding_point));
  c.setFractionDecimals(static_cast<std::uint8_t>(k.conventions.fraction_decimals));
  c.setTaxRounding(to_wire<sw::TaxRounding>(k.conventions.tax_rounding));
  c.setCurrencyTable(static_cast<std::uint16_t>(k.conventions.currency_table));
  auto charges = out.initCharges(static_cast<unsigned>(k.charges.size()));
  for (unsigned i = 0; i < k.charges.size(); ++i) PACTUM_CHECK(write_charge(k.charges[i], charges[i]));
  auto overrides = out.initOverrides(static_cast<unsigned>(k.overrides.size()));
  for (unsigned i = 0; i < k.overrides.size(); ++i) {
    const st::PriceOverride& o = k.overrides[i];
    PACTUM_CHECK(check_text("override.charge_id", o.charge_id));
    overrides[i].setChargeId(o.charge_id);
    if (o.unit_price) write_decimal(*o.unit_price, overrides[i].initUnitPrice());
    overrides[i].setHasTiers(o.tiers.has_value());
    if (o.tiers) write_tiers(*o.tiers, overrides[i].initTiers(static_cast<unsigned>(o.tiers->size())));
  }
  auto discounts = out.initDiscounts(static_cast<unsigned>(k.discounts.size()));
  for (unsigned i = 0; i < k.discounts.size(); ++i) {
    const st::Discount& d = k.discounts[i];
    PACTUM_CHECK(check_text("discount.description", d.description));
    discounts[i].setDescription(d.description);
    discounts[i].setKind(to_wire<sw::DiscountKind>(d.kind));
    write_decimal(d.percent, discounts[i].initPercent());
    discounts[i].setFixedMinor(d.fixed_minor);
    discounts[i].setPeriods(d.periods);
  }
  return Ok();
}

namespace {
Result<void> decode_pricing_unguarded(sw::Pricing::Reader in, st::Contract& k) {
  PACTUM_TRY(k.cycle, from_wire(in.getCycle(), st::BillingCycle::kAnnual, "pricing.cycle"));
  if (in.getAnchorDay() > 31) return Fail(Errc::kMalformedMessage, "pricing.anchorDay > 31");
  k.anchor_day = in.getAnchorDay();
  auto c = in.getConventions();
  PACTUM_TRY(k.conventions.day_count, from_wire(c.getDayCount(), st::DayCount::kThirty360, "conventions.dayCount"));
  PACTUM_TRY(k.conventions.rounding, from_wire(c.getRounding(), st::RoundingMode::kAwayFromZero, "conventions.rounding"));
  PACTUM_TRY(k.conventions.rounding_point,
             from_wire(c.getRoundingPoint(), st::RoundingPoint::kDayFractionFirst, "conventions.roundingPoint"));
  k.conventions.fraction_decimals = c.getFractionDecimals();
  PACTUM_TRY(k.conventions.tax_rounding, from_wire(c.getTaxRounding(), st::TaxRounding::kPerInvoice, "conventions.taxRounding"));
  PACTUM_TRY(k.conventions.currency_table, st::currency_table_version(c.getCurrencyTable()));
  if (in.getCharges().size() > st::kChargesMax) return Fail(Errc::kMalformedMessage, "more than 256 charges");
  k.charges.clear();
  for (auto ch : in.getCharges()) {
    PACTUM_TRY(st::Charge charge, read_charge(ch, k.currency));
    k.charges.push_back(std::move(charge));
  }
  k.overrides.clear();
  if (in.getOverrides().size() > st::kChargesMax) return Fail(Errc::kMalformedMessage, "more than 256 overrides");
  for (auto o : in.getOverrides()) {
    st::PriceOverride po;
    PACTUM_TRY(po.charge_id, read_text(o.getChargeId(), "override.chargeId"));
    if (o.hasUnitPrice()) {
      PACTUM_TRY(po.unit_price, read_decimal(o.getUnitPrice(), "override.unitPrice"));
    }
    if (o.getHasTiers()) {
      PACTUM_TRY(po.tiers, read_tiers(o.getTiers()));
    }
    k.overrides.push_back(std::move(po));
  }
  k.discounts.clear();
  if (in.getDiscounts().size() > st::kDiscountsMax) return Fail(Errc::kMalformedMessage, "more than 32 discounts");
  for (auto d : in.getDiscounts()) {
    st::Discount disc;
    PACTUM_TRY(disc.description, read_text(d.getDescription(), "discount.description"));
    PACTUM_TRY(disc.kind, from_wire(d.getKind(), st::DiscountKind::kFixed, "discount.kind"));
    PACTUM_TRY(disc.percent, read_decimal(d.getPercent(), "discount.percent"));
    disc.fixed_minor = d.getFixedMinor();
    disc.periods = d.getPeriods();
    k.discounts.push_back(std::move(disc));
  }
  return Ok();
}
}  // namespace

Result<void> decode_pricing(sw::Pricing::Reader in, st::Contract& k) {
  Result<void> r = Ok();
  // Readers throw on malformed pointers; the exception becomes an error here.
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() { r = decode_pricing_unguarded(in, k); })) {
    return Fail(error_from_exception(*e, "pricing"));
  }
  return r;
}

Result<void> encode_tax_table(const st::TaxTable& t, sw::TaxTable::Builder out) {
  out.setVersion(t.version);
  auto rates = out.initRates(static_cast<unsigned>(t.rates.size()));
  for (unsigned i = 0; i < t.rates.size(); ++i) {
    PACTUM_CHECK(check_text("tax.jurisdiction", t.rates[i].jurisdiction));
    PACTUM_CHECK(check_text("tax.tax_code", t.rates[i].tax_code));
    if (t.rates[i].rate_ppm < 0 || t.rates[i].rate_ppm > st::kPpmOne) {
      return Fail(Errc::kBadTaxTable, "rate_ppm " + std::to_string(t.rates[i].rate_ppm) + " not in 0..1000000");
    }
    rates[i].setJurisdiction(t.rates[i].jurisdiction);
    rates[i].setTaxCode(t.rates[i].tax_code);
    rates[i].setRatePpm(static_cast<std::uint32_t>(t.rates[i].rate_ppm));
  }
  auto ex = out.initExemptions(static_cast<unsigned>(t.exemptions.size()));
  for (unsigned i = 0; i < t.exemptions.size(); ++i) {
    PACTUM_CHECK(check_text("exemption.buyer", t.exemptions[i].buyer));
    PACTUM_CHECK(check_text("exemption.tax_code", t.exemptions[i].tax_code));
    ex[i].setBuyer(t.exemptions[i].buyer);
    ex[i].setTaxCode(t.exemptions[i].tax_code);
  }
  return Ok();
}

namespace {
Result<st::TaxTable> decode_tax_table_unguarded(sw::TaxTable::Reader in) {
  st::TaxTable t;
  t.version = in.getVersion();
  if (in.getRates().size() > st::kTaxRatesMax) return Fail(Errc::kMalformedMessage, "more than 4096 tax rates");
  if (in.getExemptions().size() > st::kTaxExemptionsMax) return Fail(Errc::kMalformedMessage, "more than 1024 exemptions");
  for (auto r : in.getRates()) {
    st::TaxRate rate;
    PACTUM_TRY(rate.jurisdiction, read_text(r.getJurisdiction(), "tax.jurisdiction"));
    PACTUM_TRY(rate.tax_code, read_text(r.getTaxCode(), "tax.taxCode"));
    rate.rate_ppm = r.getRatePpm();
    t.rates.push_back(std::move(rate));
  }
  for (auto e : in.getExemptions()) {
    st::TaxExemption ex;
    PACTUM_TRY(ex.buyer, read_text(e.getBuyer(), "exemption.buyer"));
    PACTUM_TRY(ex.tax_code, read_text(e.getTaxCode(), "exemption.taxCode"));
    t.exemptions.push_back(std::move(ex));
  }
  return t;
}
}  // namespace

Result<st::TaxTable> decode_tax_table(sw::TaxTable::Reader in) {
  Result<st::TaxTable> r = st::TaxTable{};
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() { r = decode_tax_table_unguarded(in); })) {
    return Fail(error_from_exception(*e, "tax table"));
  }
  return r;
}

Result<Bytes> tax_table_bytes(const st::TaxTable& table) {
  Result<Bytes> r = Bytes{};
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                capnp::MallocMessageBuilder message;
                auto root = message.initRoot<sw::TaxTable>();
                Result<void> w = encode_tax_table(table, root);
                r = w ? canonical_bytes(root.asReader()) : Result<Bytes>(Fail(w.error()));
              })) {
    return Fail(error_from_exception(*e, "tax table"));
  }
  return r;
}

Result<crypto::Digest> tax_table_hash(const st::TaxTable& table) {
  PACTUM_TRY(Bytes bytes, tax_table_bytes(table));
  return domain_hash(settlement_domains::kTaxTable, bytes);
}

}  // namespace pactum::protocol
