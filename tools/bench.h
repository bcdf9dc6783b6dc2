// `pactum bench`: every figure printed next to the physical limit it is bound
// by, measured in the same run, with the ratio. Suites are plain functions that
// measure with Google Benchmark (measure_rate) and return rows.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <string>
#include <vector>

namespace pactum::tools {

struct BenchOptions {
  double min_time_s = 0.5;   // Per measurement; --quick lowers it.
  std::string scratch_dir;   // A fresh directory a suite may write to.
};

struct BenchRow {
  std::string figure;          // What we measured, e.g. "envelope verify (our API)".
  double value = 0;            // In `unit`.
  std::string unit;            // e.g. "ops/s", "MB/s", "us".
  std::string limit;           // What bounds it, e.g. "raw crypto_sign_verify_detached".
  double limit_value = 0;      // Same unit; 0 when the figure has no limit to compare with.
  bool higher_is_better = true;
};

// Runs `fn` as one Google Benchmark for at least opt.min_time_s and returns
// items per second (or bytes per second when `bytes`), as the body reports with
// state.SetItemsProcessed / SetBytesProcessed.
double measure_rate(const std::string& name, const std::function<void(benchmark::State&)>& fn,
                    const BenchOptions& opt, bool bytes = false);

// The suites, one file each.
std::vector<BenchRow> bench_crypto(const BenchOptions& opt);
std::vector<BenchRow> bench_escrow(const BenchOptions& opt);
std::vector<BenchRow> bench_settlement(const BenchOptions& opt);
std::vector<BenchRow> bench_protocol(const BenchOptions& opt);
std::vector<BenchRow> bench_negotiation(const BenchOptions& opt);
std::vector<BenchRow> bench_ledger(const BenchOptions& opt);
std::vector<BenchRow> bench_transport(const BenchOptions& opt);
std::vector<BenchRow> bench_node(const BenchOptions& opt);

}  // namespace pactum::tools
