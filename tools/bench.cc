// `pactum bench [SUITE...] [--json FILE] [--quick]`.
#include "tools/bench.h"

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "tools/cli.h"

namespace pactum::tools {
namespace {

// Collects the runs Google Benchmark reports instead of printing them.
class CollectingReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      auto it = run.counters.find(key_);
      if (it != run.counters.end()) rate_ = it->second.value;
    }
  }
  double rate() const { return rate_; }
  explicit CollectingReporter(std::string key) : key_(std::move(key)) {}

 private:
  std::string key_;
  double rate_ = 0;
};

using Suite = std::vector<BenchRow> (*)(const BenchOptions&);

// The suites in the order `pactum bench` runs them.
const std::vector<std::pair<std::string, Suite>>& suites() {
  static const std::vector<std::pair<std::string, Suite>> kSuites = {
      {"crypto", &bench_crypto},
      {"escrow", &bench_escrow},
      {"settlement", &bench_settlement},
      {"protocol", &bench_protocol},
      {"negotiation", &bench_negotiation},
      {"ledger", &bench_ledger},
      {"transport", &bench_transport},
      {"node", &bench_node},
  };
  return kSuites;
}

std::string format_value(double v) {
  char buf[64];
  if (v >= 100) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

void print_rows(const std::string& suite, const std::vector<BenchRow>& rows) {
  std::printf("\n== %s ==\n", suite.c_str());
  std::printf("%-44s %14s %-7s  %-40s %14s %7s\n", "figure", "value", "unit", "bound by", "limit",
              "ratio");
  for (const BenchRow& r : rows) {
    std::string ratio = "-";
    if (r.limit_value > 0 && r.value > 0) {
      double x = r.higher_is_better ? r.value / r.limit_value : r.limit_value / r.value;
      ratio = format_value(100.0 * x) + "%";
    }
    std::printf("%-44s %14s %-7s  %-40s %14s %7s\n", r.figure.c_str(), format_value(r.value).c_str(),
                r.unit.c_str(), r.limit.c_str(),
                r.limit_value > 0 ? format_value(r.limit_value).c_str() : "-", ratio.c_str());
  }
  std::fflush(stdout);
}

}  // namespace

double measure_rate(const std::string& name, const std::function<void(benchmark::State&)>& fn,
                    const BenchOptions& opt, bool bytes) {
  benchmark::ClearRegisteredBenchmarks();
  benchmark::RegisterBenchmark(name.c_str(), [&fn](benchmark::State& st) { fn(st); })
      ->MinTime(opt.min_time_s)
      ->UseRealTime()  // Wall-clock rates: fsync and thread waits are the point, not CPU time.
      ->Unit(benchmark::kMicrosecond);
  CollectingReporter reporter(bytes ? "bytes_per_second" : "items_per_second");
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::ClearRegisteredBenchmarks();
  return reporter.rate();
}

void add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Run benchmarks; each figure beside the limit it is bound by");
  auto names = std::make_shared<std::vector<std::string>>();
  auto json_out = std::make_shared<std::string>();
  auto quick = std::make_shared<bool>(false);
  std::string known;
  for (const auto& [n, s] : suites()) known += (known.empty() ? "" : ", ") + n;
  cmd->add_option("suite", *names, "Suites to run (default: all): " + known);
  cmd->add_option("--json", *json_out, "Also write the figures as JSON to this file");
  cmd->add_flag("--quick", *quick, "Shorter measurements (less precise)");
  cmd->callback(command([names, json_out, quick]() -> Result<void> {
    for (const std::string& n : *names) {
      bool found = false;
      for (const auto& [name, suite] : suites()) found = found || name == n;
      if (!found) return Fail(Errc::kInvalidArgument, "unknown bench suite '" + n + "'");
    }
    int argc = 1;
    char arg0[] = "pactum";
    char* argv[] = {arg0, nullptr};
    benchmark::Initialize(&argc, argv);
    BenchOptions opt;
    opt.min_time_s = *quick ? 0.1 : 0.5;
    boost::json::object out;
    for (const auto& [name, suite] : suites()) {
      if (!names->empty() && std::find(names->begin(), names->end(), name) == names->end()) continue;
      auto dir = std::filesystem::temp_directory_path() / ("pactum-bench-" + name);
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
      opt.scratch_dir = dir.string();
      std::vector<BenchRow> rows = suite(opt);
      std::filesystem::remove_all(dir);
      print_rows(name, rows);
      boost::json::array arr;
      for (const BenchRow& r : rows) {
        arr.push_back({{"figure", r.figure}, {"value", r.value}, {"unit", r.unit},
                       {"limit", r.limit}, {"limit_value", r.limit_value},
                       {"higher_is_better", r.higher_is_better}});
      }
      out[name] = std::move(arr);
    }
    if (!json_out->empty()) {
      std::ofstream f(*json_out);
      f << boost::json::serialize(out) << "\n";
      if (!f) return Fail(Errc::kIo, "cannot write " + *json_out);
    }
    return Ok();
  }));
}

}  // namespace pactum::tools
