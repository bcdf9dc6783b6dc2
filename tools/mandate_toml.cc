#include "tools/mandate_toml.h"

#include <chrono>
#include <set>
#include <toml++/toml.h>

#include "settlement/money.h"
#include "tools/key_io.h"

namespace pactum::tools {
namespace {

constexpr std::uint32_t kPpmMax = 1'000'000;  // 100 %.
// Longest list a mandate may name (counterparties, products, approvers).
constexpr std::size_t kMandateListMax = 1024;

const std::set<std::string, std::less<>> kKnownKeys = {
    "role", "counterparties", "products", "currency", "per_contract_limit", "cumulative_limit",
    "period_days", "max_concession_per_round_ppm", "max_concession_total_ppm",
    "approval_threshold", "approvers", "valid_from", "valid_until", "max_rounds"};

Error key_error(std::string_view key, std::string what) {
  return Error{Errc::kParse, "mandate key '" + std::string(key) + "': " + what};
}

Result<std::string> get_string(const toml::table& t, std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Fail(key_error(key, "missing"));
  auto v = n->value<std::string>();
  if (!v) return Fail(key_error(key, "must be a string"));
  return *v;
}

Result<std::int64_t> get_int(const toml::table& t, std::string_view key, std::int64_t lo,
                             std::int64_t hi, std::optional<std::int64_t> fallback) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    if (fallback) return *fallback;
    return Fail(key_error(key, "missing"));
  }
  auto v = n->value<std::int64_t>();
  if (!n->is_integer() || !v) return Fail(key_error(key, "must be an integer"));
  if (*v < lo || *v > hi) {
    return Fail(key_error(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi)));
  }
  return *v;
}

Result<std::vector<std::string>> get_strings(const toml::table& t, std::string_view key,
                                             bool required) {
  const toml::node* n = t.get(key);
  std::vector<std::string> out;
  if (n == nullptr) {
    if (required) return Fail(key_error(key, "missing"));
    return out;
  }
  const toml::array* a = n->as_array();
  if (a == nullptr) return Fail(key_error(key, "must be an array of strings"));
  if (a->size() > kMandateListMax) return Fail(key_error(key, "more than 1024 entries"));
  for (const toml::node& item : *a) {
    auto s = item.value<std::string>();
    if (!item.is_string() || !s) return Fail(key_error(key, "must be an array of strings"));
    out.push_back(*s);
  }
  return out;
}

Result<std::int64_t> get_time_ms(const toml::table& t, std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Fail(key_error(key, "missing"));
  const auto* dt = n->as_date_time();
  if (dt == nullptr || !dt->get().offset) {
    return Fail(key_error(key, "must be an offset date-time, e.g. 2026-12-01T00:00:00Z"));
  }
  const toml::date_time& v = dt->get();
  using namespace std::chrono;
  year_month_day ymd{year{v.date.year}, month{v.date.month}, day{v.date.day}};
  if (!ymd.ok()) return Fail(key_error(key, "not a calendar date"));
  std::int64_t days = sys_days{ymd}.time_since_epoch().count();
  std::int64_t secs = days * 86400 + v.time.hour * 3600 + v.time.minute * 60 + v.time.second -
                      static_cast<std::int64_t>(v.offset->minutes) * 60;
  return secs * 1000 + v.time.nanosecond / 1'000'000;
}

Result<void> set_keys(capnp::List<capnp::Data>::Builder list, const std::vector<std::string>& keys,
                      std::string_view key) {
  for (unsigned i = 0; i < keys.size(); ++i) {
    auto pk = load_public_key(keys[i]);
    if (!pk) return Fail(key_error(key, "entry " + std::to_string(i + 1) + ": " + pk.error().to_string()));
    list.set(i, capnp::Data::Reader(pk->data(), pk->size()));
  }
  return Ok();
}

Result<void> fill(const toml::table& t, wire::Mandate::Builder out) {
  for (const auto& [k, v] : t) {
    if (!kKnownKeys.contains(k.str())) return Fail(key_error(k.str(), "unknown key"));
  }
  PACTUM_TRY(std::string role, get_string(t, "role"));
  if (role == "buyer") out.setRole(wire::Role::BUYER);
  else if (role == "seller") out.setRole(wire::Role::SELLER);
  else return Fail(key_error("role", "must be \"buyer\" or \"seller\""));

  PACTUM_TRY(std::string currency, get_string(t, "currency"));
  if (!settlement::find_currency(currency)) return Fail(key_error("currency", "unknown ISO 4217 code " + currency));
  out.setCurrency(currency);

  PACTUM_TRY(std::vector<std::string> parties, get_strings(t, "counterparties", true));
  PACTUM_CHECK(set_keys(out.initCounterparties(static_cast<unsigned>(parties.size())), parties, "counterparties"));
  PACTUM_TRY(std::vector<std::string> approvers, get_strings(t, "approvers", false));
  PACTUM_CHECK(set_keys(out.initApprovers(static_cast<unsigned>(approvers.size())), approvers, "approvers"));
  PACTUM_TRY(std::vector<std::string> products, get_strings(t, "products", true));
  auto plist = out.initProducts(static_cast<unsigned>(products.size()));
  for (unsigned i = 0; i < products.size(); ++i) plist.set(i, products[i]);

  std::int64_t limits[3] = {};
  const char* amount_keys[3] = {"per_contract_limit", "cumulative_limit", "approval_threshold"};
  for (int i = 0; i < 3; ++i) {
    PACTUM_TRY(std::string text, get_string(t, amount_keys[i]));
    auto minor = parse_amount_minor(text, currency);
    if (!minor) return Fail(key_error(amount_keys[i], minor.error().detail));
    if (*minor < 0) return Fail(key_error(amount_keys[i], "must not be negative"));
    limits[i] = *minor;
  }
  if (limits[1] < limits[0]) {
    return Fail(key_error("cumulative_limit", "is smaller than per_contract_limit"));
  }
  out.setPerContractLimitMinor(limits[0]);
  out.setCumulativeLimitMinor(limits[1]);
  out.setApprovalThresholdMinor(limits[2]);

  PACTUM_TRY(std::int64_t period_days, get_int(t, "period_days", 1, 3660, std::nullopt));
  out.setPeriodMs(period_days * 86'400'000);
  PACTUM_TRY(std::int64_t per_round, get_int(t, "max_concession_per_round_ppm", 0, kPpmMax, std::nullopt));
  PACTUM_TRY(std::int64_t total, get_int(t, "max_concession_total_ppm", 0, kPpmMax, std::nullopt));
  if (per_round > total) return Fail(key_error("max_concession_per_round_ppm", "exceeds max_concession_total_ppm"));
  out.setMaxConcessionPerRoundPpm(static_cast<std::uint32_t>(per_round));
  out.setMaxConcessionTotalPpm(static_cast<std::uint32_t>(total));
  PACTUM_TRY(std::int64_t rounds, get_int(t, "max_rounds", 0, 1000, 0));
  out.setMaxRounds(static_cast<std::uint32_t>(rounds));

  PACTUM_TRY(std::int64_t from, get_time_ms(t, "valid_from"));
  PACTUM_TRY(std::int64_t until, get_time_ms(t, "valid_until"));
  if (until <= from) return Fail(key_error("valid_until", "is not after valid_from"));
  out.setNotBeforeMs(from);
  out.setNotAfterMs(until);
  return Ok();
}

}  // namespace

Result<std::int64_t> parse_amount_minor(std::string_view text, std::string_view currency_code) {
  PACTUM_TRY(settlement::Currency currency, settlement::find_currency(currency_code));
  PACTUM_TRY(settlement::Decimal d, settlement::parse_decimal(text));
  if (d.scale > currency.exponent) {
    return Fail(Errc::kInvalidArgument, "\"" + std::string(text) + "\" has more decimals than " +
                                            std::string(currency_code) + " allows (" +
                                            std::to_string(currency.exponent) + ")");
  }
  std::int64_t factor = 1;
  for (int i = d.scale; i < currency.exponent; ++i) factor *= 10;
  return checked_mul<std::int64_t>(d.mantissa, factor);
}

Result<void> mandate_from_toml(std::string_view toml_text, wire::Mandate::Builder out) {
  // toml++ is built with exceptions; this is the one place they are caught.
  toml::table table;
  try {
    table = toml::parse(toml_text);
  } catch (const toml::parse_error& err) {
    return Fail(Errc::kParse, "line " + std::to_string(err.source().begin.line) + ": " +
                                  std::string(err.description()));
  }
  return fill(table, out);
}

}  // namespace pactum::tools
