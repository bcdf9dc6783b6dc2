// `pactum bench settlement`: invoice lines rated per second on one core and
// contracts fully settled per second, each beside the arithmetic floor
// measured in the same run (the bare Int128 multiply-and-round loop), so the
// ratio shows what rating adds on top of the arithmetic.
#include <cstdint>
#include <vector>

#include "protocol/settlement_codec.h"
#include "settlement/settlement.h"
#include "tools/bench.h"

namespace pactum::tools {
namespace {

namespace st = ::pactum::settlement;

// Lines rated per measured iteration: enough to amortize the loop, small enough for L1.
constexpr std::size_t kLinesPerBatch = 1024;

struct LineInput {
  st::Charge charge;
  st::Decimal quantity;
  st::Period service;
  st::Period period;
};

// A year of monthly seats with usage tiers, a ramp, tax and three amendments:
// the shape of a typical B2B contract.
st::Contract typical_contract() {
  st::Contract k;
  k.id = "bench";
  k.buyer = "buyer";
  k.buyer_jurisdiction = "DE";
  k.currency = *st::find_currency("EUR");
  k.start = *st::make_date(2024, 1, 15);
  k.end = *st::make_date(2025, 1, 15);
  st::Charge seats;
  seats.id = "seats";
  seats.tax_code = "saas";
  seats.unit_price = *st::parse_decimal("12.00");
  seats.quantity = *st::parse_decimal("25");
  seats.ramp = {{*st::make_date(2024, 7, 1), *st::parse_decimal("13.50")}};
  st::Charge api;
  api.id = "api";
  api.tax_code = "saas";
  api.kind = st::ChargeKind::kUsage;
  api.model = st::ChargeModel::kGraduated;
  api.tiers = {{st::Decimal{100000, 0}, *st::parse_decimal("0.0015"), {}},
               {std::nullopt, *st::parse_decimal("0.0010"), {}}};
  k.charges = {seats, api};
  for (int m = 0; m < 12; ++m) {
    k.usage.push_back({"api", st::add_days(k.start, 30 * m + 3), st::Decimal{123457 + m, 0}});
  }
  st::Amendment more{st::AmendmentKind::kQuantityChange, *st::make_date(2024, 3, 3), "seats"};
  more.quantity = st::Decimal{30, 0};
  st::Amendment up{st::AmendmentKind::kUpgrade, *st::make_date(2024, 9, 20), "seats"};
  up.unit_price = *st::parse_decimal("15.00");
  st::Amendment cancel{st::AmendmentKind::kCancel, *st::make_date(2024, 12, 1), "api"};
  k.amendments = {more, up, cancel};
  k.tax_table = {1, {{"DE", "*", 190000}}, {}};
  return k;
}

std::vector<LineInput> line_inputs() {
  std::vector<LineInput> out;
  st::Period month{*st::make_date(2024, 2, 1), *st::make_date(2024, 3, 1)};
  for (std::size_t i = 0; i < kLinesPerBatch; ++i) {
    LineInput in;
    in.charge.id = "c";
    in.charge.model = (i % 3 == 0) ? st::ChargeModel::kGraduated : st::ChargeModel::kFlat;
    in.charge.unit_price = st::Decimal{static_cast<std::int64_t>(1995 + i), 2};
    in.charge.tiers = {{st::Decimal{100, 0}, st::Decimal{10, 2}, {}}, {std::nullopt, st::Decimal{5, 2}, {}}};
    in.quantity = st::Decimal{static_cast<std::int64_t>(1 + i % 250), 0};
    in.service = {st::add_days(month.start, static_cast<std::int64_t>(i % 28)), month.end};
    in.period = month;
    out.push_back(in);
  }
  return out;
}

}  // namespace

std::vector<BenchRow> bench_settlement(const BenchOptions& opt) {
  std::vector<BenchRow> rows;
  const st::Currency eur = *st::find_currency("EUR");
  const st::Conventions conv;
  const std::vector<LineInput> lines = line_inputs();

  // The floor: one exact Int128 product (price x quantity x days) and one
  // rounding per line, with nothing else.
  double floor = measure_rate("int128 multiply-and-round", [&](benchmark::State& state) {
    for (auto _ : state) {
      std::int64_t sum = 0;
      for (const LineInput& in : lines) {
        Int128 num = Int128{in.charge.unit_price.mantissa} * in.quantity.mantissa * 100 *
                     st::days_between(in.service.start, in.service.end);
        sum += st::round_ratio_i128(num, Int128{100} * 29, st::RoundingMode::kHalfEven) & 1;
      }
      benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lines.size()));
  }, opt);

  double rated = measure_rate("lines rated", [&](benchmark::State& state) {
    for (auto _ : state) {
      std::int64_t sum = 0;
      for (const LineInput& in : lines) {
        auto exact = st::rate_exact(in.charge, in.charge.unit_price, in.quantity, eur);
        auto amount = st::prorate(*exact, in.service, in.period, st::BillingCycle::kMonthly, conv);
        auto tax = st::tax_of(*amount, 190000, conv.rounding);
        sum += *amount + *tax;
      }
      benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lines.size()));
  }, opt);
  rows.push_back({"invoice lines rated (rate+prorate+tax)", rated, "lines/s", "bare Int128 multiply-and-round loop",
                  floor, true});

  const st::Contract contract = typical_contract();
  const auto sample = st::settle(contract);
  std::size_t lines_per_contract = 0;
  if (sample) {
    for (const st::Invoice& inv : sample->invoices) lines_per_contract += inv.lines.size();
  }
  double settled = measure_rate("contracts settled", [&](benchmark::State& state) {
    for (auto _ : state) {
      auto r = st::settle(contract);
      benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  }, opt);
  double floor_contracts = lines_per_contract ? floor / static_cast<double>(lines_per_contract) : 0;
  rows.push_back({"contracts settled (12 months, " + std::to_string(lines_per_contract) + " lines)", settled,
                  "contracts/s", "floor / lines per contract", floor_contracts, true});
  rows.push_back({"lines produced inside settle()", settled * static_cast<double>(lines_per_contract), "lines/s",
                  "bare Int128 multiply-and-round loop", floor, true});

  double digests = measure_rate("settlement digests", [&](benchmark::State& state) {
    for (auto _ : state) {
      auto d = protocol::settlement_digest(*sample);
      benchmark::DoNotOptimize(d);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  }, opt);
  const Bytes bytes = sample ? protocol::settlement_bytes(*sample).value_or(Bytes{}) : Bytes{};
  double raw_sha = measure_rate("sha256 of the same bytes", [&](benchmark::State& state) {
    for (auto _ : state) {
      auto d = crypto::sha256(bytes);
      benchmark::DoNotOptimize(d);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  }, opt);
  rows.push_back({"settlement digest (capnp + SHA-256)", digests, "digests/s",
                  "raw SHA-256 of the " + std::to_string(bytes.size()) + " canonical bytes", raw_sha, true});
  return rows;
}

}  // namespace pactum::tools
