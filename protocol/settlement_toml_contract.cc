// The sections of a `pactum settle` contract file (docs/settlement.md).
#include "protocol/settlement_toml_reader.h"

namespace pactum::protocol {

namespace st = ::pactum::settlement;
using toml_detail::TableReader;

namespace {

Result<std::vector<st::Tier>> read_tiers(const TableReader& r) {
  PACTUM_TRY(std::vector<TableReader> rows, r.tables("tiers", st::kTiersMax));
  std::vector<st::Tier> tiers;
  for (const TableReader& t : rows) {
    PACTUM_CHECK(t.only({"up_to", "unit_price", "flat_fee"}));
    st::Tier tier;
    PACTUM_TRY(tier.up_to, t.decimal("up_to"));
    PACTUM_TRY(std::optional<st::Decimal> price, t.decimal("unit_price"));
    PACTUM_TRY(std::optional<st::Decimal> fee, t.decimal("flat_fee"));
    tier.unit_price = price.value_or(st::Decimal{});
    tier.flat_fee = fee.value_or(st::Decimal{});
    tiers.push_back(tier);
  }
  return tiers;
}

Result<st::Charge> read_charge(const TableReader& r, st::Currency currency) {
  PACTUM_CHECK(r.only({"id", "description", "tax_code", "kind", "model", "unit_price", "quantity", "tiers",
                       "package_size", "free_units", "ramp", "minimum", "start", "end"}));
  st::Charge c;
  PACTUM_TRY(c.id, r.required_text("id"));
  PACTUM_TRY(std::optional<std::string> desc, r.text("description"));
  c.description = desc.value_or(c.id);
  PACTUM_TRY(std::optional<std::string> code, r.text("tax_code"));
  c.tax_code = code.value_or("standard");
  PACTUM_TRY(std::size_t kind, r.choice("kind", {"recurring", "usage"}, 0));
  c.kind = static_cast<st::ChargeKind>(kind);
  PACTUM_TRY(std::size_t model, r.choice("model", {"flat", "graduated", "volume", "package"}, 0));
  c.model = static_cast<st::ChargeModel>(model);
  PACTUM_TRY(std::optional<st::Decimal> price, r.decimal("unit_price"));
  if (!price && (c.model == st::ChargeModel::kFlat || c.model == st::ChargeModel::kPackage)) {
    return Fail(Errc::kBadContract, r.where("unit_price") + ": missing");
  }
  c.unit_price = price.value_or(st::Decimal{});
  PACTUM_TRY(std::optional<st::Decimal> qty, r.decimal("quantity"));
  if (qty) c.quantity = *qty;
  PACTUM_TRY(c.tiers, read_tiers(r));
  PACTUM_TRY(std::optional<st::Decimal> size, r.decimal("package_size"));
  if (size) c.package_size = *size;
  PACTUM_TRY(std::optional<st::Decimal> free, r.decimal("free_units"));
  if (free) c.free_units = *free;
  PACTUM_TRY(std::vector<TableReader> ramp, r.tables("ramp", st::kRampStepsMax));
  for (const TableReader& s : ramp) {
    PACTUM_CHECK(s.only({"from", "unit_price"}));
    st::RampStep step;
    PACTUM_TRY(step.from, s.required_date("from"));
    PACTUM_TRY(std::optional<st::Decimal> p, s.decimal("unit_price"));
    if (!p) return Fail(Errc::kBadContract, s.where("unit_price") + ": missing");
    step.unit_price = *p;
    c.ramp.push_back(step);
  }
  PACTUM_TRY(std::optional<std::int64_t> minimum, r.money("minimum", currency));
  if (minimum) c.minimum = st::Money{*minimum, currency};
  PACTUM_TRY(c.start, r.date("start"));
  PACTUM_TRY(c.end, r.date("end"));
  return c;
}

Result<void> read_conventions(const TableReader& r, st::Conventions& c) {
  PACTUM_CHECK(r.only({"day_count", "rounding", "rounding_point", "fraction_decimals", "tax_rounding", "currency_table"}));
  PACTUM_TRY(std::size_t dc, r.choice("day_count", {"actual", "30-day-months", "30/360"}, 0));
  c.day_count = static_cast<st::DayCount>(dc);
  PACTUM_TRY(std::size_t rm, r.choice("rounding", {"half-even", "half-up", "toward-zero", "away-from-zero"}, 0));
  c.rounding = static_cast<st::RoundingMode>(rm);
  PACTUM_TRY(std::size_t rp, r.choice("rounding_point", {"exact-product", "day-fraction-first"}, 0));
  c.rounding_point = static_cast<st::RoundingPoint>(rp);
  PACTUM_TRY(std::optional<std::int64_t> fd, r.integer("fraction_decimals"));
  if (fd && (*fd < 0 || *fd > st::kFractionDecimalsMax)) return r.bad("fraction_decimals", "must be 0..18");
  c.fraction_decimals = static_cast<int>(fd.value_or(9));
  PACTUM_TRY(std::size_t tr, r.choice("tax_rounding", {"per-line", "per-invoice"}, 0));
  c.tax_rounding = static_cast<st::TaxRounding>(tr);
  PACTUM_TRY(std::optional<std::int64_t> table, r.integer("currency_table"));
  auto v = st::currency_table_version(table.value_or(1));
  if (!v) return r.bad("currency_table", v.error().detail);
  c.currency_table = *v;
  return Ok();
}

Result<void> read_tax(const TableReader& r, st::TaxTable& t) {
  PACTUM_CHECK(r.only({"version", "rates", "exemptions"}));
  PACTUM_TRY(std::optional<std::int64_t> version, r.integer("version"));
  if (version && (*version < 0 || *version > 0xffffffff)) return r.bad("version", "must fit in 32 bits");
  t.version = static_cast<std::uint32_t>(version.value_or(0));
  PACTUM_TRY(std::vector<TableReader> rates, r.tables("rates", st::kTaxRatesMax));
  for (const TableReader& row : rates) {
    PACTUM_CHECK(row.only({"jurisdiction", "code", "percent"}));
    st::TaxRate rate;
    PACTUM_TRY(rate.jurisdiction, row.required_text("jurisdiction"));
    PACTUM_TRY(std::optional<std::string> code, row.text("code"));
    rate.tax_code = code.value_or("*");
    PACTUM_TRY(std::optional<st::Decimal> pct, row.decimal("percent"));
    if (!pct) return row.bad("percent", "missing");
    // percent x 10^4 = ppm, exact only up to 4 decimals.
    if (pct->scale > 4) return row.bad("percent", "at most 4 decimals (1 ppm)");
    Int128 ppm = Int128{pct->mantissa} * st::pow10_i128(4 - pct->scale);
    if (ppm < 0 || ppm > st::kPpmOne) return row.bad("percent", "must be 0..100");
    rate.rate_ppm = static_cast<std::int64_t>(ppm);
    t.rates.push_back(std::move(rate));
  }
  PACTUM_TRY(std::vector<TableReader> ex, r.tables("exemptions", st::kTaxExemptionsMax));
  for (const TableReader& row : ex) {
    PACTUM_CHECK(row.only({"buyer", "code"}));
    st::TaxExemption e;
    PACTUM_TRY(e.buyer, row.required_text("buyer"));
    PACTUM_TRY(std::optional<std::string> code, row.text("code"));
    e.tax_code = code.value_or("*");
    t.exemptions.push_back(std::move(e));
  }
  return Ok();
}

Result<void> read_amendments(const TableReader& root, st::Contract& k) {
  PACTUM_TRY(std::vector<TableReader> rows, root.tables("amendments", st::kAmendmentsMax));
  for (const TableReader& r : rows) {
    PACTUM_CHECK(r.only({"kind", "date", "charge", "quantity", "unit_price", "timing", "refund", "add"}));
    st::Amendment a;
    if (!r.has("kind")) return r.bad("kind", "missing");
    PACTUM_TRY(std::size_t kind, r.choice("kind", {"quantity_change", "upgrade", "downgrade", "cancel", "add_charge"}, 0));
    a.kind = static_cast<st::AmendmentKind>(kind);
    PACTUM_TRY(a.date, r.required_date("date"));
    PACTUM_TRY(std::optional<std::string> charge, r.text("charge"));
    if (a.kind != st::AmendmentKind::kAddCharge && !charge) return r.bad("charge", "missing");
    a.charge_id = charge.value_or("");
    PACTUM_TRY(a.quantity, r.decimal("quantity"));
    PACTUM_TRY(a.unit_price, r.decimal("unit_price"));
    if (a.kind == st::AmendmentKind::kQuantityChange && !a.quantity) return r.bad("quantity", "missing");
    if ((a.kind == st::AmendmentKind::kUpgrade || a.kind == st::AmendmentKind::kDowngrade) && !a.unit_price) {
      return r.bad("unit_price", "missing");
    }
    PACTUM_TRY(std::size_t timing, r.choice("timing", {"period_end", "immediate"}, 0));
    a.downgrade = static_cast<st::DowngradeTiming>(timing);
    PACTUM_TRY(std::size_t refund, r.choice("refund", {"none", "prorated"}, 0));
    a.refund = static_cast<st::CancelRefund>(refund);
    PACTUM_TRY(std::optional<TableReader> add, r.table("add"));
    if (a.kind == st::AmendmentKind::kAddCharge) {
      if (!add) return r.bad("add", "add_charge needs an [amendments.add] charge table");
      PACTUM_TRY(a.charge, read_charge(*add, k.currency));
    }
    k.amendments.push_back(std::move(a));
  }
  return Ok();
}

Result<void> read_lists(const TableReader& root, st::Contract& k) {
  PACTUM_TRY(std::vector<TableReader> charges, root.tables("charges", st::kChargesMax));
  for (const TableReader& c : charges) {
    PACTUM_TRY(st::Charge charge, read_charge(c, k.currency));
    k.charges.push_back(std::move(charge));
  }
  PACTUM_TRY(std::vector<TableReader> overrides, root.tables("overrides", st::kChargesMax));
  for (const TableReader& o : overrides) {
    PACTUM_CHECK(o.only({"charge", "unit_price", "tiers"}));
    st::PriceOverride po;
    PACTUM_TRY(po.charge_id, o.required_text("charge"));
    PACTUM_TRY(po.unit_price, o.decimal("unit_price"));
    if (o.has("tiers")) {
      PACTUM_TRY(po.tiers, read_tiers(o));
    }
    k.overrides.push_back(std::move(po));
  }
  PACTUM_TRY(std::vector<TableReader> discounts, root.tables("discounts", st::kDiscountsMax));
  for (const TableReader& d : discounts) {
    PACTUM_CHECK(d.only({"description", "percent", "amount", "periods"}));
    st::Discount disc;
    PACTUM_TRY(std::optional<std::string> desc, d.text("description"));
    disc.description = desc.value_or("Discount");
    PACTUM_TRY(std::optional<st::Decimal> pct, d.decimal("percent"));
    PACTUM_TRY(std::optional<std::int64_t> amount, d.money("amount", k.currency));
    if (pct.has_value() == amount.has_value()) return d.bad("percent", "give exactly one of percent and amount");
    disc.kind = pct ? st::DiscountKind::kPercent : st::DiscountKind::kFixed;
    disc.percent = pct.value_or(st::Decimal{});
    disc.fixed_minor = amount.value_or(0);
    PACTUM_TRY(std::optional<std::int64_t> periods, d.integer("periods"));
    disc.periods = periods.value_or(0);
    k.discounts.push_back(std::move(disc));
  }
  PACTUM_TRY(std::vector<TableReader> usage, root.tables("usage", st::kUsageRecordsMax));
  for (const TableReader& u : usage) {
    PACTUM_CHECK(u.only({"charge", "date", "quantity"}));
    st::UsageRecord rec;
    PACTUM_TRY(rec.charge_id, u.required_text("charge"));
    PACTUM_TRY(rec.date, u.required_date("date"));
    PACTUM_TRY(std::optional<st::Decimal> q, u.decimal("quantity"));
    if (!q) return u.bad("quantity", "missing");
    rec.quantity = *q;
    k.usage.push_back(std::move(rec));
  }
  return read_amendments(root, k);
}

Result<void> read_credit_escrow(const TableReader& root, st::Contract& k) {
  PACTUM_TRY(std::optional<TableReader> credit, root.table("credit"));
  if (credit) {
    PACTUM_CHECK(credit->only({"limit", "existing_exposure"}));
    PACTUM_TRY(std::optional<std::int64_t> limit, credit->money("limit", k.currency));
    if (!limit) return credit->bad("limit", "missing");
    PACTUM_TRY(std::optional<std::int64_t> existing, credit->money("existing_exposure", k.currency));
    k.credit = st::CreditPolicy{*limit, existing.value_or(0)};
  }
  PACTUM_TRY(std::optional<TableReader> escrow, root.table("escrow"));
  if (escrow) {
    PACTUM_CHECK(escrow->only({"mode", "hold_percent", "milestones"}));
    PACTUM_TRY(std::size_t mode, escrow->choice("mode", {"none", "per_invoice", "milestones"}, 0));
    k.escrow.mode = static_cast<st::EscrowMode>(mode);
    PACTUM_TRY(std::optional<st::Decimal> pct, escrow->decimal("hold_percent"));
    if (pct) {
      if (pct->scale > 4) return escrow->bad("hold_percent", "at most 4 decimals");
      Int128 ppm = Int128{pct->mantissa} * st::pow10_i128(4 - pct->scale);
      if (ppm < 0 || ppm > st::kPpmOne) return escrow->bad("hold_percent", "must be 0..100");
      k.escrow.hold_ppm = static_cast<std::int64_t>(ppm);
    }
    PACTUM_TRY(std::vector<TableReader> ms, escrow->tables("milestones", st::kMilestonesMax));
    for (const TableReader& m : ms) {
      PACTUM_CHECK(m.only({"name", "due", "weight"}));
      st::Milestone mile;
      PACTUM_TRY(mile.name, m.required_text("name"));
      PACTUM_TRY(mile.due, m.required_date("due"));
      PACTUM_TRY(std::optional<std::int64_t> w, m.integer("weight"));
      mile.weight = w.value_or(1);
      k.escrow.milestones.push_back(std::move(mile));
    }
  }
  return Ok();
}

}  // namespace

Result<st::Contract> parse_contract_tables(const toml::table& table) {
  TableReader root(table, "");
  PACTUM_CHECK(root.only({"contract", "conventions", "charges", "overrides", "discounts", "usage", "amendments",
                          "tax", "credit", "escrow"}));
  PACTUM_TRY(std::optional<TableReader> contract, root.table("contract"));
  if (!contract) return Fail(Errc::kBadContract, "contract: missing [contract] table");
  PACTUM_CHECK(contract->only({"id", "buyer", "currency", "start", "end", "cycle", "anchor_day", "tax_jurisdiction",
                               "tax_table_hash"}));
  st::Contract k;
  PACTUM_TRY(std::optional<TableReader> conventions, root.table("conventions"));
  if (conventions) PACTUM_CHECK(read_conventions(*conventions, k.conventions));
  PACTUM_TRY(k.id, contract->required_text("id"));
  PACTUM_TRY(std::optional<std::string> buyer, contract->text("buyer"));
  k.buyer = buyer.value_or("");
  PACTUM_TRY(std::string code, contract->required_text("currency"));
  auto currency = st::find_currency(code, k.conventions.currency_table);
  if (!currency) return Fail(currency.error().code, "contract.currency: " + currency.error().detail);
  k.currency = *currency;
  PACTUM_TRY(k.start, contract->required_date("start"));
  PACTUM_TRY(k.end, contract->required_date("end"));
  PACTUM_TRY(std::size_t cycle, contract->choice("cycle", {"monthly", "quarterly", "annual"}, 0));
  k.cycle = static_cast<st::BillingCycle>(cycle);
  PACTUM_TRY(std::optional<std::int64_t> anchor, contract->integer("anchor_day"));
  if (anchor && (*anchor < 1 || *anchor > 31)) return contract->bad("anchor_day", "must be 1..31");
  k.anchor_day = static_cast<unsigned>(anchor.value_or(0));
  PACTUM_TRY(std::optional<std::string> jur, contract->text("tax_jurisdiction"));
  k.buyer_jurisdiction = jur.value_or("");
  PACTUM_CHECK(read_lists(root, k));
  PACTUM_TRY(std::optional<TableReader> tax, root.table("tax"));
  if (tax) PACTUM_CHECK(read_tax(*tax, k.tax_table));
  PACTUM_CHECK(read_credit_escrow(root, k));
  return k;
}

}  // namespace pactum::protocol
