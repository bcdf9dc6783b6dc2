// Exact money: currency tables, range-checked amounts, decimals, rounding and
// largest-remainder allocation. See money.h for the contract.
#include "settlement/money.h"

#include <algorithm>
#include <numeric>

namespace pactum::settlement {
namespace {

struct CurrencyRow {
  char code[4];
  std::uint8_t exponent;
};

// ISO 4217 minor units (SIX list). Sorted by code. Pinned: never edit, add a
// new version. MGA is listed by ISO with 2 minor units although its subunit
// (iraimbilanja) is a fifth; card processors bill it with 0 (see below).
constexpr CurrencyRow kIso4217V1[] = {
    {"AUD", 2}, {"BHD", 3}, {"BRL", 2}, {"CAD", 2}, {"CHF", 2}, {"CLP", 0}, {"CNY", 2},
    {"DKK", 2}, {"EUR", 2}, {"GBP", 2}, {"HKD", 2}, {"INR", 2}, {"IQD", 3}, {"ISK", 0},
    {"JOD", 3}, {"JPY", 0}, {"KRW", 0}, {"KWD", 3}, {"LYD", 3}, {"MGA", 2}, {"MXN", 2},
    {"NOK", 2}, {"NZD", 2}, {"OMR", 3}, {"PYG", 0}, {"SEK", 2}, {"SGD", 2}, {"TND", 3},
    {"UGX", 0}, {"USD", 2}, {"VND", 0}, {"XAF", 0}, {"XOF", 0},
};

// Card-processor practice (Stripe's published zero-decimal list puts MGA at 0
// minor units). Every other row equals ISO 4217 V1.
constexpr CurrencyRow kProcessorV1[] = {
    {"AUD", 2}, {"BHD", 3}, {"BRL", 2}, {"CAD", 2}, {"CHF", 2}, {"CLP", 0}, {"CNY", 2},
    {"DKK", 2}, {"EUR", 2}, {"GBP", 2}, {"HKD", 2}, {"INR", 2}, {"IQD", 3}, {"ISK", 0},
    {"JOD", 3}, {"JPY", 0}, {"KRW", 0}, {"KWD", 3}, {"LYD", 3}, {"MGA", 0}, {"MXN", 2},
    {"NOK", 2}, {"NZD", 2}, {"OMR", 3}, {"PYG", 0}, {"SEK", 2}, {"SGD", 2}, {"TND", 3},
    {"UGX", 0}, {"USD", 2}, {"VND", 0}, {"XAF", 0}, {"XOF", 0},
};

std::span<const CurrencyRow> table_rows(CurrencyTableVersion version) {
  switch (version) {
    case CurrencyTableVersion::kIso4217V1: return kIso4217V1;
    case CurrencyTableVersion::kProcessorV1: return kProcessorV1;
  }
  PACTUM_UNREACHABLE();
}

Currency to_currency(const CurrencyRow& row) {
  Currency c;
  c.code = {row.code[0], row.code[1], row.code[2]};
  c.exponent = row.exponent;
  return c;
}

Int128 abs128(Int128 v) { return v < 0 ? -v : v; }

}  // namespace

Result<Currency> find_currency(std::string_view code, CurrencyTableVersion version) {
  for (const CurrencyRow& row : table_rows(version)) {
    if (code == std::string_view(row.code, 3)) return to_currency(row);
  }
  return Fail(Errc::kUnknownCurrency, "currency '" + std::string(code) + "' not in table version " +
                                          std::to_string(static_cast<int>(version)));
}

std::vector<Currency> currency_table(CurrencyTableVersion version) {
  std::vector<Currency> out;
  for (const CurrencyRow& row : table_rows(version)) out.push_back(to_currency(row));
  return out;
}

Result<CurrencyTableVersion> currency_table_version(std::int64_t number) {
  if (number == 1) return CurrencyTableVersion::kIso4217V1;
  if (number == 2) return CurrencyTableVersion::kProcessorV1;
  return Fail(Errc::kUnknownCurrency, "no currency table version " + std::to_string(number));
}

Result<Money> make_money(std::int64_t minor, Currency currency) {
  if (minor > kMoneyMinorMax || minor < -kMoneyMinorMax) {
    return Fail(Errc::kOverflow, "amount " + std::to_string(minor) + " beyond +-10^18 minor units");
  }
  return Money{minor, currency};
}

Result<Money> add(const Money& a, const Money& b) {
  if (a.currency != b.currency) {
    return Fail(Errc::kCurrencyMismatch, std::string(a.currency.code_view()) + " + " +
                                             std::string(b.currency.code_view()));
  }
  PACTUM_TRY(std::int64_t sum, checked_add(a.minor, b.minor));
  return make_money(sum, a.currency);
}

Result<Money> sub(const Money& a, const Money& b) {
  if (a.currency != b.currency) {
    return Fail(Errc::kCurrencyMismatch, std::string(a.currency.code_view()) + " - " +
                                             std::string(b.currency.code_view()));
  }
  PACTUM_TRY(std::int64_t diff, checked_sub(a.minor, b.minor));
  return make_money(diff, a.currency);
}

std::string format_minor(std::int64_t minor, int exponent) {
  // Work on the unsigned magnitude so INT64_MIN formats too.
  std::uint64_t mag = minor < 0 ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
  std::string digits = std::to_string(mag);
  if (exponent > 0) {
    std::size_t e = static_cast<std::size_t>(exponent);
    if (digits.size() <= e) digits.insert(0, e + 1 - digits.size(), '0');
    digits.insert(digits.size() - e, ".");
  }
  return (minor < 0 ? "-" : "") + digits;
}

std::string format_money(const Money& m) {
  return format_minor(m.minor, m.currency.exponent) + " " + std::string(m.currency.code_view());
}

Int128 pow10_i128(int n) {
  PACTUM_ASSERT(n >= 0 && n <= 38);
  Int128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

bool operator==(const Decimal& a, const Decimal& b) {
  int s = std::max(a.scale, b.scale);
  return Int128{a.mantissa} * pow10_i128(s - a.scale) == Int128{b.mantissa} * pow10_i128(s - b.scale);
}

bool operator<(const Decimal& a, const Decimal& b) {
  int s = std::max(a.scale, b.scale);
  return Int128{a.mantissa} * pow10_i128(s - a.scale) < Int128{b.mantissa} * pow10_i128(s - b.scale);
}

Result<Decimal> parse_decimal(std::string_view text) {
  const std::string quoted = "'" + std::string(text.substr(0, kDecimalTextMax)) + "'";
  if (text.empty()) return Fail(Errc::kParse, "empty decimal");
  if (text.size() > kDecimalTextMax) return Fail(Errc::kParse, "decimal too long: " + quoted);
  bool negative = text.front() == '-';
  std::string_view body = negative ? text.substr(1) : text;
  std::size_t dot = body.find('.');
  std::string_view whole = body.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : body.substr(dot + 1);
  if (whole.empty()) return Fail(Errc::kParse, "decimal needs digits before '.': " + quoted);
  if (dot != std::string_view::npos && frac.empty()) {
    return Fail(Errc::kParse, "decimal needs digits after '.': " + quoted);
  }
  if (frac.size() > static_cast<std::size_t>(kDecimalScaleMax)) {
    return Fail(Errc::kParse, "more than 12 fraction digits: " + quoted);
  }
  Int128 mant = 0;
  for (std::string_view part : {whole, frac}) {
    for (char c : part) {
      if (c < '0' || c > '9') return Fail(Errc::kParse, "not a decimal number: " + quoted);
      mant = mant * 10 + (c - '0');
      if (mant > kDecimalMantissaMax) return Fail(Errc::kOverflow, "decimal out of range: " + quoted);
    }
  }
  Decimal d;
  d.mantissa = static_cast<std::int64_t>(negative ? -mant : mant);
  d.scale = static_cast<std::int8_t>(frac.size());
  return d;
}

Result<Decimal> decimal_from_int(std::int64_t v) {
  if (v > kDecimalMantissaMax || v < -kDecimalMantissaMax) {
    return Fail(Errc::kOverflow, "integer " + std::to_string(v) + " out of decimal range");
  }
  return Decimal{v, 0};
}

std::string format_decimal(const Decimal& d) {
  std::string s = format_minor(d.mantissa, d.scale);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

Int128 round_ratio_i128(Int128 num, Int128 den, RoundingMode mode) {
  PACTUM_ASSERT(den != 0);
  if (den < 0) {
    num = -num;
    den = -den;
  }
  Int128 q = num / den;
  Int128 r = abs128(num % den);
  if (r == 0) return q;
  Int128 step = num < 0 ? -1 : 1;
  Int128 rest = den - r;  // Distance to the next integer away from zero.
  switch (mode) {
    case RoundingMode::kTowardZero: return q;
    case RoundingMode::kAwayFromZero: return q + step;
    case RoundingMode::kHalfUp: return r >= rest ? q + step : q;
    case RoundingMode::kHalfEven:
      if (r != rest) return r > rest ? q + step : q;
      return (q % 2 == 0) ? q : q + step;
  }
  PACTUM_UNREACHABLE();
}

Result<std::int64_t> round_ratio(Int128 num, Int128 den, RoundingMode mode) {
  return checked_cast<std::int64_t>(round_ratio_i128(num, den, mode));
}

Result<Money> extend(const Decimal& quantity, const Decimal& unit_price, Currency currency,
                     RoundingMode mode) {
  PACTUM_TRY(Int128 product, checked_mul(Int128{quantity.mantissa}, Int128{unit_price.mantissa}));
  PACTUM_TRY(Int128 num, checked_mul(product, pow10_i128(currency.exponent)));
  Int128 den = pow10_i128(quantity.scale + unit_price.scale);
  PACTUM_TRY(std::int64_t minor, round_ratio(num, den, mode));
  return make_money(minor, currency);
}

Result<std::vector<std::int64_t>> allocate(std::int64_t total, std::span<const std::int64_t> weights) {
  if (weights.empty()) return Fail(Errc::kInvalidArgument, "allocation over no parts");
  if (total == INT64_MIN) return Fail(Errc::kOverflow, "total INT64_MIN has no positive mirror");
  Int128 wsum = 0;
  for (std::int64_t w : weights) {
    if (w < 0) return Fail(Errc::kInvalidArgument, "negative weight " + std::to_string(w));
    wsum += w;  // At most 2^32 parts of < 2^63 each: cannot overflow Int128 in practice.
  }
  if (wsum == 0) return Fail(Errc::kInvalidArgument, "weights sum to zero");
  // Allocate the magnitude, then restore the sign, so negative totals mirror positive ones.
  Int128 mag = total < 0 ? -Int128{total} : Int128{total};
  std::vector<std::int64_t> parts(weights.size());
  std::vector<Int128> rems(weights.size());
  Int128 given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    PACTUM_TRY(Int128 prod, checked_mul(mag, Int128{weights[i]}));
    Int128 q = prod / wsum;
    rems[i] = prod % wsum;
    parts[i] = static_cast<std::int64_t>(q);  // q <= mag <= 2^63.
    given += q;
  }
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&rems](std::size_t a, std::size_t b) { return rems[a] > rems[b]; });
  Int128 left = mag - given;
  PACTUM_ASSERT(left >= 0 && left < static_cast<Int128>(weights.size()));
  for (std::size_t k = 0; k < static_cast<std::size_t>(left); ++k) parts[order[k]] += 1;
  if (total < 0) {
    for (std::int64_t& p : parts) p = -p;
  }
  return parts;
}

}  // namespace pactum::settlement
