// Internal to protocol/: a checked reader over one toml++ table, used by the
// `pactum settle` file parser. Every error names the key path.
#pragma once

#include <toml++/toml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "base/base.h"
#include "settlement/settlement.h"

namespace pactum::protocol::toml_detail {

namespace st = ::pactum::settlement;

// One TOML table being read, with its path for error messages.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string path) : t_(t), path_(std::move(path)) {}

  tl::unexpected<Error> bad(std::string_view key, const std::string& what) const {
    return Fail(Errc::kBadContract, where(key) + ": " + what);
  }
  std::string where(std::string_view key) const { return path_.empty() ? std::string(key) : path_ + "." + std::string(key); }

  // Unknown keys are errors: a typo must not silently mean "default".
  Result<void> only(std::initializer_list<std::string_view> keys) const {
    for (auto&& [k, v] : t_) {
      bool known = false;
      for (std::string_view allowed : keys) known = known || k.str() == allowed;
      if (!known) return bad(k.str(), "unknown key");
    }
    return Ok();
  }

  bool has(std::string_view key) const { return t_.contains(key); }

  Result<std::optional<std::string>> text(std::string_view key) const {
    const toml::node* n = t_.get(key);
    if (!n) return std::optional<std::string>{};
    if (!n->is_string()) return Fail(Errc::kBadContract, where(key) + ": expected a string");
    std::string s = n->as_string()->get();
    if (s.size() > st::kTextBytesMax) return Fail(Errc::kBadContract, where(key) + ": longer than 256 bytes");
    return std::optional<std::string>(std::move(s));
  }

  Result<std::string> required_text(std::string_view key) const {
    PACTUM_TRY(std::optional<std::string> s, text(key));
    if (!s) return Fail(Errc::kBadContract, where(key) + ": missing");
    return *s;
  }

  Result<std::optional<std::int64_t>> integer(std::string_view key) const {
    const toml::node* n = t_.get(key);
    if (!n) return std::optional<std::int64_t>{};
    if (!n->is_integer()) return Fail(Errc::kBadContract, where(key) + ": expected an integer");
    return std::optional<std::int64_t>(n->as_integer()->get());
  }

  // Decimals are strings ("12.50") or integers; floats are refused because
  // 0.1 has no exact binary value.
  Result<std::optional<st::Decimal>> decimal(std::string_view key) const {
    const toml::node* n = t_.get(key);
    if (!n) return std::optional<st::Decimal>{};
    if (n->is_floating_point()) {
      return Fail(Errc::kBadContract, where(key) + ": expected a decimal string like \"12.50\", got a float");
    }
    if (n->is_integer()) {
      auto d = st::decimal_from_int(n->as_integer()->get());
      if (!d) return Fail(Errc::kBadContract, where(key) + ": " + d.error().detail);
      return std::optional<st::Decimal>(*d);
    }
    if (!n->is_string()) return Fail(Errc::kBadContract, where(key) + ": expected a decimal string like \"12.50\"");
    auto d = st::parse_decimal(n->as_string()->get());
    if (!d) return Fail(Errc::kBadContract, where(key) + ": " + d.error().detail);
    return std::optional<st::Decimal>(*d);
  }

  Result<std::optional<st::Date>> date(std::string_view key) const {
    const toml::node* n = t_.get(key);
    if (!n) return std::optional<st::Date>{};
    Result<st::Date> d = Fail(Errc::kBadContract);
    if (n->is_date()) {
      toml::date v = n->as_date()->get();
      d = st::make_date(v.year, v.month, v.day);
    } else if (n->is_string()) {
      d = st::parse_date(n->as_string()->get());
    } else {
      return Fail(Errc::kBadDate, where(key) + ": expected a date like 2024-01-31");
    }
    if (!d) return Fail(Errc::kBadDate, where(key) + ": " + d.error().detail);
    return std::optional<st::Date>(*d);
  }

  Result<st::Date> required_date(std::string_view key) const {
    PACTUM_TRY(std::optional<st::Date> d, date(key));
    if (!d) return Fail(Errc::kBadDate, where(key) + ": missing");
    return *d;
  }

  // An amount in major units ("50.00") converted exactly to minor units.
  Result<std::optional<std::int64_t>> money(std::string_view key, st::Currency currency) const {
    PACTUM_TRY(std::optional<st::Decimal> d, decimal(key));
    if (!d) return std::optional<std::int64_t>{};
    if (d->scale > currency.exponent) {
      return Fail(Errc::kBadContract, where(key) + ": more decimals than " + std::string(currency.code_view()) + " has");
    }
    Int128 minor = Int128{d->mantissa} * st::pow10_i128(currency.exponent - d->scale);
    if (minor > st::kMoneyMinorMax || minor < -st::kMoneyMinorMax) {
      return Fail(Errc::kOverflow, where(key) + ": amount beyond 10^18 minor units");
    }
    return std::optional<std::int64_t>(static_cast<std::int64_t>(minor));
  }

  // An array of tables, e.g. [[charges]]; absent = empty.
  Result<std::vector<TableReader>> tables(std::string_view key, std::size_t max) const {
    std::vector<TableReader> out;
    const toml::node* n = t_.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) return Fail(Errc::kBadContract, where(key) + ": expected an array of tables ([[" + std::string(key) + "]])");
    if (a->size() > max) return Fail(Errc::kLimitExceeded, where(key) + ": more than " + std::to_string(max) + " entries");
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::table* t = a->get(i)->as_table();
      std::string p = where(key) + "[" + std::to_string(i) + "]";
      if (!t) return Fail(Errc::kBadContract, p + ": expected a table");
      out.emplace_back(*t, p);
    }
    return out;
  }

  Result<std::optional<TableReader>> table(std::string_view key) const {
    const toml::node* n = t_.get(key);
    if (!n) return std::optional<TableReader>{};
    const toml::table* t = n->as_table();
    if (!t) return Fail(Errc::kBadContract, where(key) + ": expected a table ([" + std::string(key) + "])");
    return std::optional<TableReader>(TableReader(*t, where(key)));
  }

  // A string that must be one of `names`; returns its index (or `fallback` when absent).
  Result<std::size_t> choice(std::string_view key, std::initializer_list<std::string_view> names, std::size_t fallback) const {
    PACTUM_TRY(std::optional<std::string> s, text(key));
    if (!s) return fallback;
    std::size_t i = 0;
    std::string list;
    for (std::string_view n : names) {
      if (*s == n) return i;
      list += (list.empty() ? "" : ", ") + std::string(n);
      ++i;
    }
    return Fail(Errc::kBadContract, where(key) + ": '" + *s + "' is not one of " + list);
  }

 private:
  const toml::table& t_;
  std::string path_;
};

}  // namespace pactum::protocol::toml_detail
