// settle(): walks the billing periods in order, bills recurring charges in
// advance and usage per period, applies amendments on their dates with
// proration, and collects invoices, entitlement grants and escrow instructions.
#include <algorithm>
#include <map>

#include "settlement/internal.h"

namespace pactum::settlement {
namespace {

using internal::recurring_lines;

// One charge's live state during settlement.
struct ChargeState {
  Charge def;
  Decimal quantity;
  Date from;   // Service start.
  Date until;  // Service end (exclusive).
  std::optional<Decimal> pending_price;  // A downgrade waiting for the period end.
  Date grant_from;                       // Start of the open entitlement grant.
};

Date max_date(const Date& a, const Date& b) { return day_number(a) >= day_number(b) ? a : b; }
Date min_date(const Date& a, const Date& b) { return day_number(a) <= day_number(b) ? a : b; }
bool before(const Date& a, const Date& b) { return day_number(a) < day_number(b); }

class Settler {
 public:
  explicit Settler(const Contract& k) : k_(k) {}
  Result<SettlementResult> run();

 private:
  Result<void> add_state(const Charge& c, const Date& from);
  void close_grant(ChargeState& s, const Date& at);
  Result<void> period_invoice(const Period& full, const Period& window, std::size_t index);
  Result<void> usage_lines(const Period& full, const Period& window, std::vector<InvoiceLine>& lines);
  Result<void> amend(const Amendment& a, const Period& full, const Period& window, bool first_day);
  ChargeState* find(const std::string& id);

  const Contract& k_;
  std::vector<ChargeState> states_;
  SettlementResult out_;
};

ChargeState* Settler::find(const std::string& id) {
  for (ChargeState& s : states_) {
    if (s.def.id == id) return &s;
  }
  return nullptr;
}

Result<void> Settler::add_state(const Charge& c, const Date& from) {
  ChargeState s{c, c.quantity, max_date(from, c.start.value_or(from)), k_.end, std::nullopt, from};
  if (c.end) s.until = min_date(s.until, *c.end);
  s.grant_from = s.from;
  if (!before(s.from, s.until)) return Fail(Errc::kBadDate, "charge '" + c.id + "' has no service days in the term");
  states_.push_back(std::move(s));
  return Ok();
}

void Settler::close_grant(ChargeState& s, const Date& at) {
  Date to = min_date(at, s.until);
  if (before(s.grant_from, to)) out_.entitlements.push_back({s.def.id, s.quantity, s.grant_from, to});
  s.grant_from = to;
}

Result<void> Settler::usage_lines(const Period& full, const Period& window, std::vector<InvoiceLine>& lines) {
  (void)full;
  // Quantities per charge, in charge order (states_ order is deterministic).
  std::map<std::string, Decimal> totals;
  for (const UsageRecord& u : k_.usage) {
    if (before(u.date, window.start) || !before(u.date, window.end)) continue;
    ChargeState* s = find(u.charge_id);
    if (!s || s->def.kind != ChargeKind::kUsage) {
      return Fail(Errc::kBadContract, "usage on " + format_date(u.date) + ": no usage charge '" + u.charge_id + "'");
    }
    if (before(u.date, s->from) || !before(u.date, s->until)) {
      return Fail(Errc::kBadContract, "usage on " + format_date(u.date) + " outside the service of '" + u.charge_id + "'");
    }
    if (u.quantity.mantissa < 0) return Fail(Errc::kBadContract, "usage on " + format_date(u.date) + ": negative quantity");
    Decimal& t = totals[u.charge_id];
    int sc = std::max(t.scale, u.quantity.scale);
    PACTUM_TRY(Int128 a, checked_mul(Int128{t.mantissa}, pow10_i128(sc - t.scale)));
    PACTUM_TRY(Int128 b, checked_mul(Int128{u.quantity.mantissa}, pow10_i128(sc - u.quantity.scale)));
    PACTUM_TRY(std::int64_t m, checked_cast<std::int64_t>(a + b));
    if (m > kDecimalMantissaMax) return Fail(Errc::kOverflow, "usage of '" + u.charge_id + "' beyond decimal range");
    t = Decimal{m, static_cast<std::int8_t>(sc)};
  }
  for (const ChargeState& s : states_) {
    if (s.def.kind != ChargeKind::kUsage) continue;
    if (!before(s.from, window.end) || !before(window.start, s.until)) continue;
    auto it = totals.find(s.def.id);
    Decimal qty = it == totals.end() ? Decimal{} : it->second;
    PACTUM_TRY(Exact exact, rate_exact(s.def, s.def.unit_price, qty, k_.currency));
    PACTUM_TRY(std::int64_t amount, round_ratio(exact.num, exact.den, k_.conventions.rounding));
    InvoiceLine l;
    l.kind = LineKind::kUsage;
    l.charge_id = s.def.id;
    l.description = s.def.description.empty() ? s.def.id : s.def.description;
    l.service = window;
    l.quantity = qty;
    l.unit_price = s.def.unit_price;
    l.amount_minor = amount;
    l.tax_code = s.def.tax_code;
    lines.push_back(l);
    if (s.def.minimum && amount < s.def.minimum->minor) {
      l.kind = LineKind::kTrueUp;
      l.description = "Minimum commitment true-up for " + l.description;
      l.quantity = Decimal{1, 0};
      l.unit_price = Decimal{};
      l.amount_minor = s.def.minimum->minor - amount;
      lines.push_back(std::move(l));
    }
  }
  return Ok();
}

Result<void> Settler::period_invoice(const Period& full, const Period& window, std::size_t index) {
  Invoice inv;
  inv.kind = InvoiceKind::kPeriod;
  inv.period = window;
  inv.issued = window.start;
  for (const ChargeState& s : states_) {
    if (s.def.kind != ChargeKind::kRecurring) continue;
    Period service{max_date(window.start, s.from), min_date(window.end, s.until)};
    if (!before(service.start, service.end)) continue;
    PACTUM_CHECK(recurring_lines(k_, s.def, s.quantity, service, full, LineKind::kRecurring, 1, inv.lines));
  }
  PACTUM_CHECK(usage_lines(full, window, inv.lines));
  if (inv.lines.empty()) return Ok();
  PACTUM_CHECK(internal::finish_invoice(k_, index, true, inv));
  out_.invoices.push_back(std::move(inv));
  return Ok();
}

Result<void> Settler::amend(const Amendment& a, const Period& full, const Period& window, bool first_day) {
  Invoice inv;
  inv.kind = InvoiceKind::kAmendment;
  inv.period = Period{a.date, window.end};
  inv.issued = a.date;
  if (a.kind == AmendmentKind::kAddCharge) {
    PACTUM_CHECK(add_state(*a.charge, a.date));
    ChargeState& s = states_.back();
    Period rest{s.from, min_date(window.end, s.until)};
    if (!first_day && s.def.kind == ChargeKind::kRecurring && before(rest.start, rest.end)) {
      PACTUM_CHECK(recurring_lines(k_, s.def, s.quantity, rest, full, LineKind::kProrationCharge, 1, inv.lines));
    }
  } else {
    ChargeState* s = find(a.charge_id);
    if (!s) return Fail(Errc::kBadContract, "amendment on " + format_date(a.date) + ": no charge '" + a.charge_id + "'");
    if (!before(a.date, s->until) || before(a.date, s->from)) {
      return Fail(Errc::kBadContract, "amendment on " + format_date(a.date) + ": charge '" + a.charge_id + "' not in service");
    }
    Period rest{a.date, min_date(window.end, s->until)};
    bool recurring = s->def.kind == ChargeKind::kRecurring;
    bool prorate_now = recurring && !first_day;
    ChargeState old = *s;
    switch (a.kind) {
      case AmendmentKind::kQuantityChange:
        if (!a.quantity || a.quantity->mantissa < 0) return Fail(Errc::kBadContract, "quantity_change needs quantity >= 0");
        close_grant(*s, a.date);
        s->quantity = *a.quantity;
        break;
      case AmendmentKind::kDowngrade:
      case AmendmentKind::kUpgrade:
        if (!a.unit_price || a.unit_price->mantissa < 0) return Fail(Errc::kBadContract, "price change needs unit_price >= 0");
        if ((a.kind == AmendmentKind::kDowngrade && a.downgrade == DowngradeTiming::kAtPeriodEnd && !first_day) || !recurring) {
          s->pending_price = *a.unit_price;  // Takes effect when the next period starts.
          return Ok();
        }
        close_grant(*s, a.date);
        s->def.unit_price = *a.unit_price;
        s->def.ramp.clear();  // A negotiated new price replaces the remaining ramp.
        break;
      case AmendmentKind::kCancel:
        close_grant(*s, a.date);
        s->until = a.date;
        if (prorate_now && a.refund == CancelRefund::kProrated) {
          PACTUM_CHECK(recurring_lines(k_, old.def, old.quantity, rest, full, LineKind::kRefund, -1, inv.lines));
        }
        prorate_now = false;
        break;
      case AmendmentKind::kAddCharge: PACTUM_UNREACHABLE();
    }
    if (prorate_now && before(rest.start, rest.end)) {
      PACTUM_CHECK(recurring_lines(k_, old.def, old.quantity, rest, full, LineKind::kProrationCredit, -1, inv.lines));
      PACTUM_CHECK(recurring_lines(k_, s->def, s->quantity, rest, full, LineKind::kProrationCharge, 1, inv.lines));
    }
  }
  if (inv.lines.empty()) return Ok();
  PACTUM_CHECK(internal::finish_invoice(k_, 0, false, inv));
  out_.invoices.push_back(std::move(inv));
  return Ok();
}

Result<SettlementResult> Settler::run() {
  PACTUM_CHECK(internal::validate_contract(k_));
  PACTUM_TRY(std::vector<Charge> charges, internal::apply_overrides(k_));
  unsigned anchor = k_.anchor_day == 0 ? static_cast<unsigned>(k_.start.day()) : k_.anchor_day;
  PACTUM_TRY(std::vector<Period> periods, billing_periods(k_.start, k_.end, k_.cycle, anchor));
  for (const Charge& c : charges) PACTUM_CHECK(add_state(c, k_.start));
  std::vector<const Amendment*> amendments;
  for (const Amendment& a : k_.amendments) amendments.push_back(&a);
  std::stable_sort(amendments.begin(), amendments.end(),
                   [](const Amendment* x, const Amendment* y) { return before(x->date, y->date); });
  out_.contract_id = k_.id;
  out_.currency = k_.currency;
  std::size_t next = 0;
  for (std::size_t i = 0; i < periods.size(); ++i) {
    const Period& full = periods[i];
    Period window{max_date(full.start, k_.start), min_date(full.end, k_.end)};
    for (ChargeState& s : states_) {
      if (s.pending_price) {
        close_grant(s, window.start);
        s.def.unit_price = *s.pending_price;
        s.def.ramp.clear();
        s.pending_price.reset();
      }
    }
    // Amendments on the window's first day take effect before it is billed.
    while (next < amendments.size() && !before(window.start, amendments[next]->date)) {
      PACTUM_CHECK(amend(*amendments[next++], full, window, true));
    }
    PACTUM_CHECK(period_invoice(full, window, i));
    while (next < amendments.size() && before(amendments[next]->date, window.end)) {
      PACTUM_CHECK(amend(*amendments[next++], full, window, false));
    }
  }
  PACTUM_ASSERT(next == amendments.size());
  for (ChargeState& s : states_) close_grant(s, s.until);
  for (const Invoice& inv : out_.invoices) {
    PACTUM_TRY(std::int64_t t, checked_add(out_.total_minor, inv.total_minor));
    if (t > kMoneyMinorMax || t < -kMoneyMinorMax) return Fail(Errc::kOverflow, "contract total beyond 10^18 minor units");
    out_.total_minor = t;
  }
  PACTUM_TRY(out_.escrow, internal::escrow_instructions(k_, out_.invoices, out_.total_minor));
  if (k_.credit) {
    Int128 exposure = Int128{k_.credit->existing_exposure_minor} + out_.total_minor;
    if (exposure > k_.credit->limit_minor) {
      return Fail(Errc::kCreditLimit, "exposure " + format_minor(static_cast<std::int64_t>(exposure), k_.currency.exponent) +
                                          " (existing " + format_minor(k_.credit->existing_exposure_minor, k_.currency.exponent) +
                                          " + contract " + format_minor(out_.total_minor, k_.currency.exponent) +
                                          ") exceeds limit " + format_minor(k_.credit->limit_minor, k_.currency.exponent) +
                                          " " + std::string(k_.currency.code_view()));
    }
  }
  return std::move(out_);
}

}  // namespace

Result<SettlementResult> settle(const Contract& contract) {
  Settler s(contract);
  return s.run();
}

}  // namespace pactum::settlement
