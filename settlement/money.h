// settlement/money.h: exact money for the deterministic settlement core.
//
// - Currency: an ISO 4217 code and its minor-unit exponent, looked up in a
//   pinned, versioned table (the table version is a contract term, because
//   providers disagree on some exponents, e.g. MGA).
// - Money: a signed count of minor units (int64) and a currency, range-checked
//   to |minor| <= kMoneyMinorMax.
// - Decimal: an exact decimal (int64 mantissa, 0..12 fraction digits) for unit
//   prices and quantities, parsed from text, never from an inexact binary number.
// - Rounding: an exact rational num/den is rounded once, with a named mode.
//
// Every function is pure and thread-safe. Failures are values: kOverflow when a
// result leaves its range, kCurrencyMismatch, kUnknownCurrency, kParse.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/base.h"

namespace pactum::settlement {

// Largest |minor units| of one amount: 10^18 leaves a factor of 9 of headroom
// below INT64_MAX so a handful of extreme amounts can be summed before checks fail.
inline constexpr std::int64_t kMoneyMinorMax = 1'000'000'000'000'000'000;
// Most fraction digits of a Decimal: sub-cent API prices need ~6; 12 covers
// per-token prices with room, and 10^12 * 10^18 still fits in Int128 products.
inline constexpr int kDecimalScaleMax = 12;
// Largest |mantissa| of a Decimal, for the same Int128 headroom as money.
inline constexpr std::int64_t kDecimalMantissaMax = 1'000'000'000'000'000'000;
// Longest decimal text accepted (sign, 19 digits, point): bounds the parser.
inline constexpr std::size_t kDecimalTextMax = 40;

// ---- currencies ----

// Versions of the pinned currency table. Persisted in contract terms: never
// renumber, never change a published table; add a new version instead.
enum class CurrencyTableVersion : std::uint16_t {
  kIso4217V1 = 1,    // ISO 4217 minor units as published by SIX (MGA 2, ISK 0).
  kProcessorV1 = 2,  // Card-processor practice (Stripe's zero-decimal list): MGA 0.
};

struct Currency {
  std::array<char, 3> code{};  // Upper-case ISO 4217 alphabetic code.
  std::uint8_t exponent = 0;   // Minor units per major unit = 10^exponent.

  std::string_view code_view() const { return {code.data(), code.size()}; }
  friend bool operator==(const Currency&, const Currency&) = default;
};

// Looks up `code` (e.g. "USD") in the table `version`.
// Error kUnknownCurrency when the code is not in that table.
Result<Currency> find_currency(std::string_view code,
                               CurrencyTableVersion version = CurrencyTableVersion::kIso4217V1);
// The table's codes in order, for documentation and tests.
std::vector<Currency> currency_table(CurrencyTableVersion version);
// Parses a table version by its number (1, 2). Error kUnknownCurrency otherwise.
Result<CurrencyTableVersion> currency_table_version(std::int64_t number);

// ---- money ----

struct Money {
  std::int64_t minor = 0;  // Minor units, e.g. cents.
  Currency currency;

  friend bool operator==(const Money&, const Money&) = default;
};

// A money value after its range check. Error kOverflow when |minor| > kMoneyMinorMax.
Result<Money> make_money(std::int64_t minor, Currency currency);
// Error kCurrencyMismatch when currencies differ; kOverflow out of range.
Result<Money> add(const Money& a, const Money& b);
Result<Money> sub(const Money& a, const Money& b);
// "19.95 USD", "-1.000 BHD", "500 JPY".
std::string format_money(const Money& m);
// The amount in major units as exact text, e.g. "19.95" (no currency).
std::string format_minor(std::int64_t minor, int exponent);

// ---- exact decimals ----

struct Decimal {
  std::int64_t mantissa = 0;  // value = mantissa / 10^scale
  std::int8_t scale = 0;      // 0..kDecimalScaleMax

  // Compares values (not representations): 1.50 == 1.5.
  friend bool operator==(const Decimal& a, const Decimal& b);
  friend bool operator<(const Decimal& a, const Decimal& b);
};

// Parses "12", "-0.0015", "19.95". No exponent, no '+', no spaces, at most
// kDecimalScaleMax fraction digits. Error kParse naming the problem; kOverflow
// when the mantissa exceeds kDecimalMantissaMax.
Result<Decimal> parse_decimal(std::string_view text);
// Decimal of an integer. Error kOverflow beyond kDecimalMantissaMax.
Result<Decimal> decimal_from_int(std::int64_t v);
// Shortest exact text: "0.0015", "12", "-3.5".
std::string format_decimal(const Decimal& d);
// 10^n for 0 <= n <= 38.
Int128 pow10_i128(int n);

// ---- rounding ----

// Persisted in contract terms: do not renumber.
enum class RoundingMode : std::uint8_t {
  kHalfEven = 0,      // Banker's rounding: ties to the even neighbour (default).
  kHalfUp = 1,        // Ties away from zero (Java's HALF_UP, Kill Bill's default).
  kTowardZero = 2,    // Truncation.
  kAwayFromZero = 3,  // Any remainder moves one unit away from zero.
};

// Rounds the exact rational num/den to an integer. REQUIRES den != 0 (asserted).
// Error kOverflow when the result leaves int64.
Result<std::int64_t> round_ratio(Int128 num, Int128 den, RoundingMode mode);
// Same, staying in Int128 (for intermediate fixed-point fractions).
Int128 round_ratio_i128(Int128 num, Int128 den, RoundingMode mode);

// quantity * unit_price in minor units of `currency`, exact in Int128, rounded
// once. Error kOverflow when an intermediate or the result leaves its range.
Result<Money> extend(const Decimal& quantity, const Decimal& unit_price, Currency currency,
                     RoundingMode mode);

// ---- allocation ----

// Splits `total` into parts proportional to `weights` by largest remainder:
// every part is floor(total*w/W) (toward zero) and the leftover units go one
// each to the largest remainders, ties to the lower index. Parts sum exactly
// to `total`. Errors: kInvalidArgument for no weights, a negative weight or a
// zero sum; kOverflow when total*weight leaves Int128.
Result<std::vector<std::int64_t>> allocate(std::int64_t total, std::span<const std::int64_t> weights);

}  // namespace pactum::settlement
