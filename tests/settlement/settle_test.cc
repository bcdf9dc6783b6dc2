// Goal: calendar rules, amendments, discounts, tax, credit, escrow and
// entitlements settle to exact, hand-checked amounts; bad contracts fail typed.
#include <gtest/gtest.h>

#include "settlement/settlement.h"
#include "tests/settlement/test_util.h"

namespace pactum::settlement {
namespace {

using namespace testing;

SettlementResult Ok(const Contract& k) {
  auto r = settle(k);
  EXPECT_TRUE(r) << r.error().to_string();
  return r.value_or(SettlementResult{});
}

Errc ErrOf(const Contract& k) {
  auto r = settle(k);
  EXPECT_FALSE(r);
  return r ? Errc::kInternal : r.error().code;
}

TEST(Calendar, AnchorOn31stClampsAndReturns) {
  auto p = billing_periods(D("2024-01-31"), D("2024-05-31"), BillingCycle::kMonthly, 31);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ((*p)[0], (Period{D("2024-01-31"), D("2024-02-29")}));
  EXPECT_EQ((*p)[1], (Period{D("2024-02-29"), D("2024-03-31")}));
  EXPECT_EQ((*p)[2], (Period{D("2024-03-31"), D("2024-04-30")}));
  EXPECT_EQ((*p)[3], (Period{D("2024-04-30"), D("2024-05-31")}));
  auto q = billing_periods(D("2023-01-31"), D("2023-03-01"), BillingCycle::kMonthly, 31);
  EXPECT_EQ((*q)[0].end, D("2023-02-28"));
}

TEST(Calendar, QuarterlyAnnualAndStartBeforeAnchor) {
  auto q = billing_periods(D("2024-02-10"), D("2024-12-01"), BillingCycle::kQuarterly, 1);
  ASSERT_TRUE(q);
  EXPECT_EQ((*q)[0], (Period{D("2024-02-01"), D("2024-05-01")}));
  EXPECT_EQ(q->back().end, D("2025-02-01"));
  auto a = billing_periods(D("2024-02-29"), D("2026-01-01"), BillingCycle::kAnnual, 29);
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)[1], (Period{D("2025-02-28"), D("2026-02-28")}));
  EXPECT_EQ(billing_periods(D("2024-01-01"), D("2024-01-01"), BillingCycle::kMonthly, 1).error().code, Errc::kBadDate);
  EXPECT_EQ(billing_periods(D("2024-01-01"), D("2024-02-01"), BillingCycle::kMonthly, 32).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(billing_periods(D("1900-01-01"), D("9999-01-01"), BillingCycle::kMonthly, 1).error().code, Errc::kBadDate);
}

TEST(Calendar, DayCounts) {
  EXPECT_EQ(day_count(D("2024-01-31"), D("2024-03-01"), DayCount::kActual), 30);
  EXPECT_EQ(day_count(D("2024-01-31"), D("2024-03-01"), DayCount::kThirty360), 31);  // 30/360: Jan 30 -> Mar 1.
  EXPECT_EQ(day_count(D("2024-01-30"), D("2024-03-31"), DayCount::kThirty360), 60);
  EXPECT_EQ(period_day_count({D("2024-02-01"), D("2024-03-01")}, BillingCycle::kMonthly, DayCount::kThirtyDayMonths), 30);
  EXPECT_EQ(period_day_count({D("2024-01-01"), D("2024-04-01")}, BillingCycle::kQuarterly, DayCount::kThirtyDayMonths), 90);
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-1-01", "20240101", "1899-12-31", "2024-01-32", "abcd-ef-gh"}) {
    EXPECT_EQ(parse_date(bad).error().code, Errc::kBadDate) << bad;
  }
  EXPECT_EQ(format_date(D("2024-02-29")), "2024-02-29");
}

TEST(Amendments, QuantityChangeProratesBothWays) {
  Contract k = Monthly("2024-04-01", "2024-05-01");
  k.charges.push_back(Recurring("seats", "12.00", "10"));
  Amendment a = Amend(AmendmentKind::kQuantityChange, "2024-04-21", "seats");  // 10 of 30 days left.
  a.quantity = Dec("13");
  k.amendments.push_back(a);
  SettlementResult r = Ok(k);
  ASSERT_EQ(r.invoices.size(), 2u);
  EXPECT_EQ(r.invoices[0].total_minor, 12000);
  EXPECT_EQ(r.invoices[1].lines[0].amount_minor, -4000);
  EXPECT_EQ(r.invoices[1].lines[1].amount_minor, 5200);
  EXPECT_EQ(r.invoices[1].total_minor, 1200);
  ASSERT_EQ(r.entitlements.size(), 2u);
  EXPECT_EQ(r.entitlements[0].to, D("2024-04-21"));
  EXPECT_EQ(r.entitlements[1].quantity, Dec("13"));
  EXPECT_EQ(r.entitlements[1].to, D("2024-05-01"));
}

TEST(Amendments, DowngradeAtPeriodEndVersusImmediate) {
  Contract k = Monthly("2024-04-01", "2024-06-01");
  k.charges.push_back(Recurring("plan", "30"));
  Amendment a = Amend(AmendmentKind::kDowngrade, "2024-04-11", "plan");
  a.unit_price = Dec("12");
  k.amendments.push_back(a);
  SettlementResult later = Ok(k);
  ASSERT_EQ(later.invoices.size(), 2u);  // No amendment invoice.
  EXPECT_EQ(later.invoices[1].total_minor, 1200);
  EXPECT_EQ(later.total_minor, 4200);
  k.amendments[0].downgrade = DowngradeTiming::kImmediateWithCredit;
  SettlementResult now = Ok(k);
  ASSERT_EQ(now.invoices.size(), 3u);
  EXPECT_EQ(now.invoices[1].total_minor, -2000 + 800);  // 20 of 30 days: -20.00 + 8.00.
  EXPECT_EQ(now.total_minor, 3000 - 1200 + 1200);
}

TEST(Amendments, CancellationRefundNoneOrProrated) {
  Contract k = Monthly("2024-04-01", "2024-07-01");
  k.charges.push_back(Recurring("plan", "90"));
  Amendment a = Amend(AmendmentKind::kCancel, "2024-05-11", "plan");  // 21 of 31 days unused.
  k.amendments.push_back(a);
  SettlementResult none = Ok(k);
  EXPECT_EQ(none.invoices.size(), 2u);
  EXPECT_EQ(none.total_minor, 18000);
  EXPECT_EQ(none.entitlements.back().to, D("2024-05-11"));
  k.amendments[0].refund = CancelRefund::kProrated;
  SettlementResult pro = Ok(k);
  ASSERT_EQ(pro.invoices.size(), 3u);
  EXPECT_EQ(pro.invoices[2].lines[0].kind, LineKind::kRefund);
  EXPECT_EQ(pro.invoices[2].total_minor, -6097);  // 90 x 21/31 = 60.967...
}

TEST(Amendments, AddChargeCoTermsToContractEnd) {
  Contract k = Monthly("2024-01-15", "2024-04-15");
  k.charges.push_back(Recurring("base", "100"));
  Amendment a;
  a.kind = AmendmentKind::kAddCharge;
  a.date = D("2024-03-01");  // Mid-period of [Feb 15, Mar 15): 14 of 29 days.
  a.charge = Recurring("addon", "29");
  k.amendments.push_back(a);
  SettlementResult r = Ok(k);
  ASSERT_EQ(r.invoices.size(), 4u);
  EXPECT_EQ(r.invoices[2].kind, InvoiceKind::kAmendment);
  EXPECT_EQ(r.invoices[2].total_minor, 1400);
  EXPECT_EQ(r.invoices[3].total_minor, 12900);  // Mar 15 - Apr 15: base + addon.
  EXPECT_EQ(r.entitlements.back().charge_id, "addon");
  EXPECT_EQ(r.entitlements.back().to, D("2024-04-15"));
}

TEST(RatePlans, RampSplitsPeriodByDay) {
  Contract k = Monthly("2024-01-01", "2024-03-01");
  Charge c = Recurring("platform", "310");
  c.ramp = {{D("2024-01-11"), Dec("620")}};
  k.charges.push_back(c);
  SettlementResult r = Ok(k);
  ASSERT_EQ(r.invoices[0].lines.size(), 2u);
  EXPECT_EQ(r.invoices[0].lines[0].amount_minor, 10000);  // 10/31 x 310.
  EXPECT_EQ(r.invoices[0].lines[1].amount_minor, 42000);  // 21/31 x 620.
  EXPECT_EQ(r.invoices[1].total_minor, 62000);
}

TEST(RatePlans, OverrideMinimumAndDiscounts) {
  Contract k = Monthly("2024-01-01", "2024-03-01");
  k.charges.push_back(Recurring("seats", "10", "5"));
  Charge api = Usage("api", ChargeModel::kFlat, "0.002");
  api.minimum = Money{5000, k.currency};
  k.charges.push_back(api);
  k.overrides.push_back({"seats", Dec("8"), std::nullopt});
  k.usage = {{"api", D("2024-01-05"), Dec("10000")}, {"api", D("2024-02-05"), Dec("30000")}};
  Discount pct;
  pct.description = "Launch";
  pct.percent = Dec("10");
  pct.periods = 1;
  Discount fixed;
  fixed.kind = DiscountKind::kFixed;
  fixed.fixed_minor = 1000;
  k.discounts = {pct, fixed};
  SettlementResult r = Ok(k);
  const Invoice& jan = r.invoices[0];
  // seats 40.00, api 20.00 + true-up 30.00, -10% each (4.00, 2.00, 3.00), -10.00 fixed split 31/18/27.
  EXPECT_EQ(jan.subtotal_minor, 4000 + 2000 + 3000 - 900 - 1000);
  const Invoice& feb = r.invoices[1];
  EXPECT_EQ(feb.subtotal_minor, 4000 + 6000 - 1000);
  k.overrides[0].charge_id = "nope";
  EXPECT_EQ(ErrOf(k), Errc::kBadContract);
}

TEST(Tax, PerLineVersusPerInvoiceAndExemptions) {
  Contract k = Monthly("2024-01-01", "2024-02-01");
  for (int i = 0; i < 3; ++i) k.charges.push_back(Recurring("c" + std::to_string(i), "0.05"));
  k.buyer_jurisdiction = "DE";
  k.tax_table.rates = {{"DE", "*", 190000}};
  SettlementResult line = Ok(k);
  EXPECT_EQ(line.invoices[0].tax_minor, 3);  // 0.95 cent rounds to 1 on each line.
  k.conventions.tax_rounding = TaxRounding::kPerInvoice;
  SettlementResult inv = Ok(k);
  EXPECT_EQ(inv.invoices[0].tax_minor, 3);  // 2.85 -> 3, spread 1/1/1.
  k.charges[0].unit_price = Dec("0.03");    // lines 3,5,5 cents: 0.57+0.95+0.95 = 2.47 -> 2.
  EXPECT_EQ(Ok(k).invoices[0].tax_minor, 2);
  k.conventions.tax_rounding = TaxRounding::kPerLine;
  EXPECT_EQ(Ok(k).invoices[0].tax_minor, 3);
  k.tax_table.exemptions = {{"buyer-1", "saas"}};
  EXPECT_EQ(Ok(k).invoices[0].tax_minor, 0);
  k.tax_table.exemptions.clear();
  k.buyer_jurisdiction = "FR";
  EXPECT_EQ(ErrOf(k), Errc::kBadTaxTable);
  k.tax_table.rates.push_back({"FR", "*", 1'000'001});
  EXPECT_EQ(ErrOf(k), Errc::kBadTaxTable);
}

TEST(Credit, OverLimitIsTypedRefusalWithFigures) {
  Contract k = Monthly("2024-01-01", "2024-03-01");
  k.charges.push_back(Recurring("plan", "100"));
  k.credit = CreditPolicy{25000, 5000};
  EXPECT_TRUE(settle(k));
  k.credit->limit_minor = 24999;
  auto r = settle(k);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kCreditLimit);
  EXPECT_EQ(r.error().detail, "exposure 250.00 (existing 50.00 + contract 200.00) exceeds limit 249.99 USD");
}

TEST(Escrow, PerInvoiceAndMilestones) {
  Contract k = Monthly("2024-01-01", "2024-04-01");
  k.charges.push_back(Recurring("plan", "100"));
  k.escrow.mode = EscrowMode::kPerInvoice;
  k.escrow.hold_ppm = 500'000;
  SettlementResult r = Ok(k);
  ASSERT_EQ(r.escrow.size(), 3u);
  EXPECT_EQ(r.escrow[0].amount_minor, 5000);
  EXPECT_EQ(r.escrow[0].release_on, D("2024-02-01"));
  k.escrow.mode = EscrowMode::kMilestones;
  k.escrow.milestones = {{"design", D("2024-02-01"), 1}, {"build", D("2024-03-01"), 1}, {"launch", D("2024-04-01"), 1}};
  r = Ok(k);
  ASSERT_EQ(r.escrow.size(), 3u);
  EXPECT_EQ(r.escrow[0].amount_minor + r.escrow[1].amount_minor + r.escrow[2].amount_minor, 30000);
  k.charges[0].unit_price = Dec("100.01");
  r = Ok(k);
  EXPECT_EQ(r.escrow[0].amount_minor, 10001);
  EXPECT_EQ(r.escrow[2].amount_minor, 10001);
}

TEST(Validation, BadContractsFailWithTheField) {
  Contract k = Monthly("2024-01-01", "2024-02-01");
  EXPECT_EQ(ErrOf(k), Errc::kBadContract);  // No charges.
  k.charges.push_back(Recurring("a", "1"));
  k.charges.push_back(Recurring("a", "1"));
  auto r = settle(k);
  EXPECT_EQ(r.error().detail, "charge 'a': duplicate id");
  k.charges.pop_back();
  Charge t = Usage("t", ChargeModel::kGraduated);
  t.tiers = {T("10", "1"), T("5", "1"), T("", "1")};
  k.charges.push_back(t);
  EXPECT_EQ(ErrOf(k), Errc::kBadRatePlan);
  k.charges.back().tiers = {T("10", "1")};
  EXPECT_EQ(ErrOf(k), Errc::kBadRatePlan);
  k.charges.pop_back();
  k.currency.exponent = 3;
  EXPECT_EQ(ErrOf(k), Errc::kCurrencyMismatch);
  k.currency = Cur("USD");
  k.usage = {{"a", D("2024-01-02"), Dec("1")}};
  EXPECT_EQ(ErrOf(k), Errc::kBadContract);  // Usage on a recurring charge.
  k.usage.clear();
  k.amendments = {Amend(AmendmentKind::kCancel, "2024-03-01", "a")};
  EXPECT_EQ(ErrOf(k), Errc::kBadDate);
  k.amendments = {Amend(AmendmentKind::kCancel, "2024-01-05", "zz")};
  EXPECT_EQ(ErrOf(k), Errc::kBadContract);
}

TEST(Overflow, HugeInputsAreTypedErrors) {
  Contract k = Monthly("2024-01-01", "2024-02-01");
  k.charges.push_back(Recurring("a", "999999999999999999", "999999999999999999"));
  EXPECT_EQ(ErrOf(k), Errc::kOverflow);
  k.charges[0] = Recurring("a", "900000000000000", "1000");  // 9e17 USD = 9e19 cents.
  EXPECT_EQ(ErrOf(k), Errc::kOverflow);
  k.charges[0] = Recurring("a", "5000000000000000", "1");  // 5e17 cents per month: total over 2 months fine? one month.
  k.end = D("2024-04-01");
  EXPECT_EQ(ErrOf(k), Errc::kOverflow);  // 1.5e18 cents over three months.
}

}  // namespace
}  // namespace pactum::settlement
