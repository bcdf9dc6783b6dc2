// Deterministic contract generator and outcome fingerprint. See corpus.h.
#include "tests/settlement/corpus.h"

namespace pactum::settlement::corpus {
namespace {

constexpr const char* kCurrencies[] = {"USD", "EUR", "JPY", "BHD", "KWD", "GBP", "CHF", "KRW"};

Decimal price(Rng& r) {
  int scale = static_cast<int>(r.range(0, 4));
  return Decimal{r.range(0, 500'000), static_cast<std::int8_t>(scale)};
}

Date date_in(Rng& r, const Date& from, const Date& to) {
  return add_days(from, r.range(0, days_between(from, to) - 1));
}

std::vector<Tier> tiers(Rng& r) {
  std::vector<Tier> out;
  std::int64_t bound = 0;
  int n = static_cast<int>(r.range(1, 4));
  for (int i = 0; i < n; ++i) {
    Tier t;
    if (i + 1 < n) {
      bound += r.range(1, 5000);
      t.up_to = Decimal{bound, 0};
    }
    t.unit_price = price(r);
    if (r.chance(30)) t.flat_fee = Decimal{r.range(0, 5000), 2};
    out.push_back(t);
  }
  return out;
}

Charge charge(Rng& r, int i, const Contract& k) {
  Charge c;
  c.id = "c" + std::to_string(i);
  c.description = "Charge " + std::to_string(i);
  c.tax_code = r.chance(50) ? "saas" : "api";
  c.kind = r.chance(55) ? ChargeKind::kRecurring : ChargeKind::kUsage;
  c.model = static_cast<ChargeModel>(r.range(0, 3));
  c.unit_price = price(r);
  c.quantity = Decimal{r.range(1, 50), 0};
  if (c.model == ChargeModel::kGraduated || c.model == ChargeModel::kVolume) c.tiers = tiers(r);
  if (c.model == ChargeModel::kPackage) {
    c.package_size = Decimal{r.range(1, 1000), 0};
    c.free_units = Decimal{r.range(0, 200), 0};
  }
  if (c.kind == ChargeKind::kRecurring && c.model == ChargeModel::kFlat && r.chance(25)) {
    c.ramp.push_back({date_in(r, k.start, k.end), price(r)});
  }
  if (c.kind == ChargeKind::kUsage && r.chance(25)) c.minimum = Money{r.range(0, 100'000), k.currency};
  return c;
}

Amendment amendment(Rng& r, const Contract& k, int n) {
  Amendment a;
  a.kind = static_cast<AmendmentKind>(r.range(0, 4));
  a.date = date_in(r, k.start, k.end);
  a.charge_id = k.charges[static_cast<std::size_t>(r.range(0, static_cast<std::int64_t>(k.charges.size()) - 1))].id;
  a.quantity = Decimal{r.range(0, 60), 0};
  a.unit_price = price(r);
  a.downgrade = static_cast<DowngradeTiming>(r.range(0, 1));
  a.refund = static_cast<CancelRefund>(r.range(0, 1));
  if (a.kind == AmendmentKind::kAddCharge) {
    Rng sub(r.next());
    a.charge = charge(sub, 100 + n, k);
  }
  return a;
}

void put64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_text(std::string& out, const std::string& s) {
  put64(out, s.size());
  out += s;
}
void put_dec(std::string& out, const Decimal& d) {
  put64(out, static_cast<std::uint64_t>(d.mantissa));
  put64(out, static_cast<std::uint64_t>(d.scale));
}
void put_date(std::string& out, const Date& d) { put64(out, static_cast<std::uint64_t>(day_number(d))); }

}  // namespace

std::uint64_t Rng::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::int64_t Rng::range(std::int64_t lo, std::int64_t hi) {
  PACTUM_ASSERT(lo <= hi);
  auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  return lo + static_cast<std::int64_t>(next() % span);
}

Contract generate(std::uint64_t seed, std::uint64_t index) {
  Rng r(seed * 0x100000001b3ULL + index);
  Contract k;
  k.id = "corpus-" + std::to_string(index);
  k.buyer = r.chance(10) ? "exempt-buyer" : "buyer";
  k.currency = *find_currency(kCurrencies[r.range(0, 7)]);
  k.start = add_days(*make_date(2020, 1, 1), r.range(0, 1500));
  k.cycle = static_cast<BillingCycle>(r.chance(70) ? 0 : r.range(1, 2));
  k.end = add_days(k.start, r.range(20, 3 * 365));
  k.anchor_day = r.chance(50) ? 0 : static_cast<unsigned>(r.range(1, 31));
  k.conventions.day_count = static_cast<DayCount>(r.range(0, 2));
  k.conventions.rounding = static_cast<RoundingMode>(r.range(0, 3));
  k.conventions.rounding_point = static_cast<RoundingPoint>(r.range(0, 1));
  k.conventions.fraction_decimals = static_cast<int>(r.range(0, 12));
  k.conventions.tax_rounding = static_cast<TaxRounding>(r.range(0, 1));
  int n = static_cast<int>(r.range(1, 4));
  for (int i = 0; i < n; ++i) k.charges.push_back(charge(r, i, k));
  for (const Charge& c : k.charges) {
    if (c.kind != ChargeKind::kUsage) continue;
    for (int u = static_cast<int>(r.range(0, 8)); u > 0; --u) {
      k.usage.push_back({c.id, date_in(r, k.start, k.end), Decimal{r.range(0, 2'000'000), static_cast<std::int8_t>(r.range(0, 2))}});
    }
  }
  if (r.chance(20)) k.overrides.push_back({k.charges[0].id, price(r), std::nullopt});
  if (r.chance(20)) {
    Discount d;
    d.kind = static_cast<DiscountKind>(r.range(0, 1));
    d.percent = Decimal{r.range(0, 100), 0};
    d.fixed_minor = r.range(0, 10'000);
    d.periods = r.range(0, 3);
    k.discounts.push_back(d);
  }
  for (int a = static_cast<int>(r.range(0, 5)); a > 0; --a) k.amendments.push_back(amendment(r, k, a));
  if (r.chance(70)) {
    k.buyer_jurisdiction = "J1";
    k.tax_table = {1, {{"J1", "*", r.range(0, 250'000)}, {"J1", "api", r.range(0, 100'000)}}, {{"exempt-buyer", "saas"}}};
  }
  k.escrow.mode = static_cast<EscrowMode>(r.range(0, 2));
  k.escrow.hold_ppm = r.range(0, kPpmOne);
  k.escrow.milestones = {{"m1", k.end, r.range(1, 5)}, {"m2", k.end, r.range(1, 5)}};
  return k;
}

void fingerprint(const Result<SettlementResult>& outcome, std::string& out) {
  if (!outcome) {
    put64(out, 0xEEEEEEEEu);
    put64(out, static_cast<std::uint64_t>(outcome.error().code));
    put_text(out, outcome.error().detail);
    return;
  }
  const SettlementResult& r = *outcome;
  put_text(out, r.contract_id);
  put_text(out, std::string(r.currency.code_view()));
  put64(out, r.invoices.size());
  for (const Invoice& inv : r.invoices) {
    put64(out, static_cast<std::uint64_t>(inv.kind));
    put_date(out, inv.period.start);
    put_date(out, inv.period.end);
    put_date(out, inv.issued);
    put64(out, inv.lines.size());
    for (const InvoiceLine& l : inv.lines) {
      put64(out, static_cast<std::uint64_t>(l.kind));
      put_text(out, l.charge_id);
      put_text(out, l.description);
      put_date(out, l.service.start);
      put_date(out, l.service.end);
      put_dec(out, l.quantity);
      put_dec(out, l.unit_price);
      put64(out, static_cast<std::uint64_t>(l.amount_minor));
      put_text(out, l.tax_code);
      put64(out, static_cast<std::uint64_t>(l.tax_rate_ppm));
      put64(out, static_cast<std::uint64_t>(l.tax_minor));
    }
    put64(out, static_cast<std::uint64_t>(inv.subtotal_minor));
    put64(out, static_cast<std::uint64_t>(inv.tax_minor));
    put64(out, static_cast<std::uint64_t>(inv.total_minor));
  }
  put64(out, r.entitlements.size());
  for (const EntitlementGrant& g : r.entitlements) {
    put_text(out, g.charge_id);
    put_dec(out, g.quantity);
    put_date(out, g.from);
    put_date(out, g.to);
  }
  put64(out, r.escrow.size());
  for (const EscrowInstruction& e : r.escrow) {
    put_text(out, e.reference);
    put64(out, static_cast<std::uint64_t>(e.amount_minor));
    put_date(out, e.hold_from);
    put_date(out, e.release_on);
  }
  put64(out, static_cast<std::uint64_t>(r.total_minor));
}

}  // namespace pactum::settlement::corpus
