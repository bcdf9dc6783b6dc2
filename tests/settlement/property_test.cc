// Goal: properties that hold for every contract: invoice totals add up, a
// whole period prorates to the full price, an upgrade reversed at once nets to
// exactly zero, equal inputs settle to equal results, and no arithmetic
// overflows silently.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "settlement/settlement.h"
#include "tests/settlement/corpus.h"
#include "tests/settlement/test_util.h"

namespace pactum::settlement {
namespace {

using namespace testing;

RC_GTEST_PROP(SettlementProp, InvoiceTotalsAreSumsOfLines, ()) {
  auto index = *rc::gen::inRange<std::uint64_t>(0, 1'000'000);
  Contract k = corpus::generate(7, index);
  auto r = settle(k);
  if (!r) {
    RC_ASSERT(r.error().code == Errc::kBadContract || r.error().code == Errc::kOverflow ||
              r.error().code == Errc::kBadRatePlan || r.error().code == Errc::kBadDate);
    return;
  }
  Int128 grand = 0;
  for (const Invoice& inv : r->invoices) {
    Int128 sub = 0, tax = 0;
    for (const InvoiceLine& l : inv.lines) {
      sub += l.amount_minor;
      tax += l.tax_minor;
      RC_ASSERT(day_number(l.service.start) < day_number(l.service.end));
    }
    RC_ASSERT(sub == inv.subtotal_minor);
    RC_ASSERT(tax == inv.tax_minor);
    RC_ASSERT(Int128{inv.total_minor} == sub + tax);
    grand += inv.total_minor;
  }
  RC_ASSERT(grand == r->total_minor);
  // Determinism inside one build: settling again gives the same fingerprint.
  std::string a, b;
  corpus::fingerprint(r, a);
  corpus::fingerprint(settle(k), b);
  RC_ASSERT(a == b);
}

RC_GTEST_PROP(SettlementProp, WholePeriodProratesToFullPrice, ()) {
  auto num = *rc::gen::inRange<std::int64_t>(-1'000'000'000'000, 1'000'000'000'000);
  auto den_exp = *rc::gen::inRange<int>(0, 12);
  auto start_days = *rc::gen::inRange<std::int64_t>(0, 20'000);
  auto cycle = static_cast<BillingCycle>(*rc::gen::inRange<int>(0, 3));
  Conventions c;
  c.day_count = static_cast<DayCount>(*rc::gen::inRange<int>(0, 3));
  c.rounding = static_cast<RoundingMode>(*rc::gen::inRange<int>(0, 4));
  c.rounding_point = static_cast<RoundingPoint>(*rc::gen::inRange<int>(0, 2));
  Date start = add_days(*make_date(1970, 1, 1), start_days);
  auto periods = billing_periods(start, add_days(start, 1), cycle, static_cast<unsigned>(start.day()));
  RC_ASSERT(periods.has_value());
  const Period& p = periods->front();
  Exact full{num, pow10_i128(den_exp)};
  RC_ASSERT(*prorate(full, p, p, cycle, c) == *round_ratio(num, full.den, c.rounding));
}

RC_GTEST_PROP(SettlementProp, UpgradeReversedAtOnceNetsToZero, ()) {
  auto p1 = *rc::gen::inRange<std::int64_t>(0, 10'000'000);
  auto p2 = *rc::gen::inRange<std::int64_t>(0, 10'000'000);
  auto qty = *rc::gen::inRange<std::int64_t>(1, 1000);
  auto day = *rc::gen::inRange<std::int64_t>(1, 89);
  Contract k = Monthly("2024-01-01", "2024-04-01");
  k.conventions.rounding = static_cast<RoundingMode>(*rc::gen::inRange<int>(0, 4));
  k.conventions.rounding_point = static_cast<RoundingPoint>(*rc::gen::inRange<int>(0, 2));
  k.conventions.day_count = static_cast<DayCount>(*rc::gen::inRange<int>(0, 3));
  k.buyer_jurisdiction = "DE";
  k.tax_table = {1, {{"DE", "*", 190000}}, {}};
  Charge c = Recurring("plan", "0", "1");
  c.unit_price = Decimal{p1, 3};
  c.quantity = Decimal{qty, 0};
  k.charges.push_back(c);
  Date d = add_days(k.start, day);
  Amendment up = Amend(AmendmentKind::kUpgrade, format_date(d), "plan");
  up.unit_price = Decimal{p2, 3};
  Amendment back = Amend(AmendmentKind::kDowngrade, format_date(d), "plan");
  back.unit_price = Decimal{p1, 3};
  back.downgrade = DowngradeTiming::kImmediateWithCredit;
  k.amendments = {up, back};
  auto with = settle(k);
  k.amendments.clear();
  auto without = settle(k);
  RC_ASSERT(with.has_value() && without.has_value());
  // Stated bound: each leg is the same rounded amount with opposite signs, so
  // the net is exactly zero, before and after tax.
  RC_ASSERT(with->total_minor == without->total_minor);
}

RC_GTEST_PROP(SettlementProp, NoSilentOverflow, ()) {
  auto qm = *rc::gen::inRange<std::int64_t>(0, kDecimalMantissaMax);
  auto pm = *rc::gen::inRange<std::int64_t>(0, kDecimalMantissaMax);
  auto qs = *rc::gen::inRange<int>(0, 13);
  auto ps = *rc::gen::inRange<int>(0, 13);
  auto e = *rc::gen::element(0, 2, 3);
  Currency cur{{'X', 'X', 'X'}, static_cast<std::uint8_t>(e)};
  auto r = extend(Decimal{qm, static_cast<std::int8_t>(qs)}, Decimal{pm, static_cast<std::int8_t>(ps)}, cur,
                  RoundingMode::kHalfEven);
  // The exact value in minor units, compared without overflow: q*p fits in
  // 2^120, times 10^3 it may not, so compare the quotient first.
  UInt128 prod = static_cast<UInt128>(qm) * static_cast<UInt128>(pm);
  UInt128 den = static_cast<UInt128>(pow10_i128(qs + ps));
  UInt128 whole = prod / den;  // Major-unit-scaled floor before the exponent.
  bool too_big = whole > static_cast<UInt128>(kMoneyMinorMax);
  for (int i = 0; i < e && !too_big; ++i) {
    whole *= 10;
    too_big = whole > static_cast<UInt128>(kMoneyMinorMax);
  }
  if (r) {
    RC_ASSERT(!too_big);
    RC_ASSERT(r->minor >= 0 && r->minor <= kMoneyMinorMax);
  } else {
    RC_ASSERT(r.error().code == Errc::kOverflow);
  }
}

}  // namespace
}  // namespace pactum::settlement
