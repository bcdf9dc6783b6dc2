// Goal: money, decimals, rounding modes and allocation give exact, pinned results.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <limits>
#include <numeric>

#include "settlement/money.h"

namespace pactum::settlement {
namespace {

Currency cur(std::string_view code, CurrencyTableVersion v = CurrencyTableVersion::kIso4217V1) {
  auto c = find_currency(code, v);
  EXPECT_TRUE(c) << code;
  return *c;
}

Decimal dec(std::string_view s) {
  auto d = parse_decimal(s);
  EXPECT_TRUE(d) << s;
  return *d;
}

TEST(Currency, ExponentsFromPinnedTable) {
  EXPECT_EQ(cur("USD").exponent, 2);
  EXPECT_EQ(cur("EUR").exponent, 2);
  EXPECT_EQ(cur("GBP").exponent, 2);
  EXPECT_EQ(cur("CHF").exponent, 2);
  EXPECT_EQ(cur("CAD").exponent, 2);
  EXPECT_EQ(cur("AUD").exponent, 2);
  EXPECT_EQ(cur("JPY").exponent, 0);
  EXPECT_EQ(cur("KRW").exponent, 0);
  EXPECT_EQ(cur("BHD").exponent, 3);
  EXPECT_EQ(cur("KWD").exponent, 3);
  EXPECT_EQ(cur("JOD").exponent, 3);
  EXPECT_EQ(cur("OMR").exponent, 3);
  EXPECT_EQ(cur("TND").exponent, 3);
  // Providers disagree on MGA: ISO 4217 says 2, card processors bill it with 0.
  EXPECT_EQ(cur("MGA").exponent, 2);
  EXPECT_EQ(cur("MGA", CurrencyTableVersion::kProcessorV1).exponent, 0);
}

TEST(Currency, TablesDifferOnlyInMga) {
  auto a = currency_table(CurrencyTableVersion::kIso4217V1);
  auto b = currency_table(CurrencyTableVersion::kProcessorV1);
  ASSERT_EQ(a.size(), b.size());
  int diffs = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].code, b[i].code);
    if (a[i].exponent != b[i].exponent) {
      ++diffs;
      EXPECT_EQ(a[i].code_view(), "MGA");
    }
    if (i > 0) {
      EXPECT_LT(a[i - 1].code_view(), a[i].code_view());
    }
  }
  EXPECT_EQ(diffs, 1);
}

TEST(Currency, UnknownCodesAndVersionsFail) {
  EXPECT_EQ(find_currency("XYZ").error().code, Errc::kUnknownCurrency);
  EXPECT_EQ(find_currency("usd").error().code, Errc::kUnknownCurrency);
  EXPECT_EQ(find_currency("").error().code, Errc::kUnknownCurrency);
  EXPECT_EQ(currency_table_version(3).error().code, Errc::kUnknownCurrency);
  EXPECT_EQ(*currency_table_version(2), CurrencyTableVersion::kProcessorV1);
}

TEST(Money, RangeCheckAndCheckedArithmetic) {
  Currency usd = cur("USD");
  EXPECT_TRUE(make_money(kMoneyMinorMax, usd));
  EXPECT_EQ(make_money(kMoneyMinorMax + 1, usd).error().code, Errc::kOverflow);
  EXPECT_EQ(make_money(-kMoneyMinorMax - 1, usd).error().code, Errc::kOverflow);
  EXPECT_EQ(add(Money{kMoneyMinorMax, usd}, Money{1, usd}).error().code, Errc::kOverflow);
  EXPECT_EQ(sub(Money{-kMoneyMinorMax, usd}, Money{1, usd}).error().code, Errc::kOverflow);
  EXPECT_EQ(add(Money{1, usd}, Money{1, cur("EUR")}).error().code, Errc::kCurrencyMismatch);
  EXPECT_EQ(add(Money{150, usd}, Money{-200, usd})->minor, -50);
  EXPECT_EQ(sub(Money{150, usd}, Money{-200, usd})->minor, 350);
}

TEST(Money, Formats) {
  EXPECT_EQ(format_money({1995, cur("USD")}), "19.95 USD");
  EXPECT_EQ(format_money({-5, cur("USD")}), "-0.05 USD");
  EXPECT_EQ(format_money({1000, cur("BHD")}), "1.000 BHD");
  EXPECT_EQ(format_money({500, cur("JPY")}), "500 JPY");
  EXPECT_EQ(format_minor(std::numeric_limits<std::int64_t>::min(), 2), "-92233720368547758.08");
}

TEST(Decimal, ParsesExactly) {
  EXPECT_EQ(dec("0.0015").mantissa, 15);
  EXPECT_EQ(dec("0.0015").scale, 4);
  EXPECT_EQ(dec("-19.95").mantissa, -1995);
  EXPECT_EQ(dec("12").scale, 0);
  EXPECT_EQ(dec("1.50"), dec("1.5"));
  EXPECT_TRUE(dec("1.4999") < dec("1.5"));
  EXPECT_EQ(format_decimal(dec("0.001500")), "0.0015");
  EXPECT_EQ(format_decimal(dec("-3.50")), "-3.5");
  EXPECT_EQ(format_decimal(dec("12")), "12");
  EXPECT_EQ(dec("0.000000000001").scale, 12);
}

TEST(Decimal, RejectsBadText) {
  for (const char* bad : {"", "-", ".5", "5.", "1e3", "+1", " 1", "1 ", "1.2.3", "0x10", "1,5",
                          "--1", "NaN", "inf", "0.0000000000001"}) {
    auto r = parse_decimal(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kParse) << bad;
  }
  EXPECT_EQ(parse_decimal("1000000000000000001").error().code, Errc::kOverflow);
  EXPECT_EQ(parse_decimal(std::string(41, '1')).error().code, Errc::kParse);
}

TEST(Rounding, EveryModeOnTiesAndNonTies) {
  using R = RoundingMode;
  struct Case { Int128 num, den; std::int64_t even, up, zero, away; };
  const Case cases[] = {
      {5, 2, 2, 3, 2, 3},       // 2.5
      {7, 2, 4, 4, 3, 4},       // 3.5
      {-5, 2, -2, -3, -2, -3},  // -2.5
      {26, 10, 3, 3, 2, 3},     // 2.6
      {24, 10, 2, 2, 2, 3},     // 2.4
      {-24, 10, -2, -2, -2, -3},
      {6, 3, 2, 2, 2, 2},       // exact
      {5, -2, -2, -3, -2, -3},  // negative denominator
  };
  for (const Case& c : cases) {
    EXPECT_EQ(*round_ratio(c.num, c.den, R::kHalfEven), c.even);
    EXPECT_EQ(*round_ratio(c.num, c.den, R::kHalfUp), c.up);
    EXPECT_EQ(*round_ratio(c.num, c.den, R::kTowardZero), c.zero);
    EXPECT_EQ(*round_ratio(c.num, c.den, R::kAwayFromZero), c.away);
  }
  Int128 huge = Int128{1} << 100;
  EXPECT_EQ(round_ratio(huge, 1, R::kHalfEven).error().code, Errc::kOverflow);
}

TEST(Extend, QuantityTimesUnitPriceRoundedOnce) {
  Currency usd = cur("USD");
  // 1,000,333 API calls at 0.0015 USD = 1500.4995 USD -> 150050 cents half-even.
  EXPECT_EQ(extend(dec("1000333"), dec("0.0015"), usd, RoundingMode::kHalfEven)->minor, 150050);
  EXPECT_EQ(extend(dec("1000333"), dec("0.0015"), usd, RoundingMode::kTowardZero)->minor, 150049);
  // 3 x 0.005 = 0.015 USD: a tie at 1.5 cents.
  EXPECT_EQ(extend(dec("3"), dec("0.005"), usd, RoundingMode::kHalfEven)->minor, 2);
  EXPECT_EQ(extend(dec("1"), dec("0.005"), usd, RoundingMode::kHalfEven)->minor, 0);
  EXPECT_EQ(extend(dec("1"), dec("0.005"), usd, RoundingMode::kHalfUp)->minor, 1);
  EXPECT_EQ(extend(dec("2.5"), dec("1.234"), cur("BHD"), RoundingMode::kHalfEven)->minor, 3085);
  EXPECT_EQ(extend(dec("7"), dec("99.5"), cur("JPY"), RoundingMode::kHalfEven)->minor, 696);
  auto big = extend(dec("1000000000000000000"), dec("1000000000000000000"), usd, RoundingMode::kHalfEven);
  EXPECT_EQ(big.error().code, Errc::kOverflow);
  auto over = extend(dec("100000000000"), dec("100000000"), usd, RoundingMode::kHalfEven);
  EXPECT_EQ(over.error().code, Errc::kOverflow);  // 10^21 cents > 10^18.
}

TEST(Allocate, LargestRemainderWithIndexTieBreak) {
  std::int64_t w3[] = {1, 1, 1};
  EXPECT_EQ(*allocate(100, w3), (std::vector<std::int64_t>{34, 33, 33}));
  EXPECT_EQ(*allocate(-100, w3), (std::vector<std::int64_t>{-34, -33, -33}));
  std::int64_t w[] = {50, 30, 20};
  EXPECT_EQ(*allocate(1001, w), (std::vector<std::int64_t>{501, 300, 200}));  // 500.5 300.3 200.2
  std::int64_t z[] = {0, 0};
  EXPECT_EQ(allocate(5, z).error().code, Errc::kInvalidArgument);
  std::int64_t neg[] = {1, -1};
  EXPECT_EQ(allocate(5, neg).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(allocate(5, {}).error().code, Errc::kInvalidArgument);
  std::int64_t one[] = {1};
  EXPECT_EQ(allocate(std::numeric_limits<std::int64_t>::min(), one).error().code, Errc::kOverflow);
}

RC_GTEST_PROP(AllocateProp, PartsSumExactlyAndStayWithinOneUnit, ()) {
  auto total = *rc::gen::inRange<std::int64_t>(-kMoneyMinorMax, kMoneyMinorMax);
  auto weights = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::int64_t>>(
      rc::gen::inRange<std::int64_t>(0, 1'000'000'000)));
  std::int64_t wsum = std::accumulate(weights.begin(), weights.end(), std::int64_t{0});
  RC_PRE(wsum > 0);
  auto parts = allocate(total, weights);
  RC_ASSERT(parts.has_value());
  Int128 sum = 0;
  for (std::size_t i = 0; i < parts->size(); ++i) {
    sum += (*parts)[i];
    Int128 exact_num = Int128{total} * weights[i];
    Int128 floor_part = exact_num / wsum;
    Int128 diff = Int128{(*parts)[i]} - floor_part;
    RC_ASSERT(diff >= -1 && diff <= 1);
  }
  RC_ASSERT(sum == Int128{total});
}

RC_GTEST_PROP(RoundingProp, ResultWithinOneUnitAndModesOrdered, ()) {
  auto num = *rc::gen::inRange<std::int64_t>(-1'000'000'000'000, 1'000'000'000'000);
  auto den = *rc::gen::inRange<std::int64_t>(1, 1'000'000);
  std::int64_t zero = *round_ratio(num, den, RoundingMode::kTowardZero);
  std::int64_t away = *round_ratio(num, den, RoundingMode::kAwayFromZero);
  std::int64_t even = *round_ratio(num, den, RoundingMode::kHalfEven);
  std::int64_t up = *round_ratio(num, den, RoundingMode::kHalfUp);
  RC_ASSERT(zero == num / den);
  RC_ASSERT((num % den == 0) == (zero == away));
  for (std::int64_t v : {even, up}) RC_ASSERT(v == zero || v == away);
  // Twice the rounding error never exceeds one unit for the half modes.
  Int128 err2 = 2 * (Int128{even} * den - num);
  RC_ASSERT(err2 <= den && err2 >= -Int128{den});
}

}  // namespace
}  // namespace pactum::settlement
