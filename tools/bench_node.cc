// `pactum bench node`: end-to-end deals between two pactumd nodes on loopback
// (bench_node_pair.h: real node cores, LMDB ledgers, durable outboxes, mutual
// TLS) -- deals/s at peak, round latency at half of peak (paced, open loop)
// and at peak, process memory -- beside the limits measured in the same run:
// raw Ed25519 sign and verify rates times the signature operations each deal
// actually needed, and the filesystem's fdatasync rate times the syncs each
// deal actually needed.
//
// The operations are counted, not estimated: this file interposes
// libsodium's crypto_sign_detached / crypto_sign_verify_detached and libc's
// fdatasync / fsync for the whole `pactum` executable (the real function is
// found with dlsym(RTLD_NEXT)), counting per thread group: each node's io
// thread, the agents' driver thread, and everything else (the ledger
// workers, which sign checkpoints and commit, and the transports' outbox
// writers). Cost: one relaxed atomic add.
#include <dlfcn.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "crypto/crypto.h"
#include "tools/bench.h"
#include "tools/bench_node_pair.h"

namespace pactum::tools {
namespace {

OpCounts g_counts[kCountGroups];
thread_local OpCounts* t_counts = &g_counts[0];

template <class Fn>
Fn real_function(const char* name) {
  void* f = ::dlsym(RTLD_NEXT, name);
  PACTUM_ASSERT(f != nullptr);  // libsodium and libc are linked dynamically.
  return reinterpret_cast<Fn>(f);
}

}  // namespace

OpCounts& op_counts(CountGroup group) { return g_counts[static_cast<std::size_t>(group)]; }
void set_thread_count_group(CountGroup group) { t_counts = &op_counts(group); }

}  // namespace pactum::tools

extern "C" {
int crypto_sign_detached(unsigned char* sig, unsigned long long* siglen_p, const unsigned char* m,
                         unsigned long long mlen, const unsigned char* sk) {
  using Fn = int (*)(unsigned char*, unsigned long long*, const unsigned char*, unsigned long long,
                     const unsigned char*);
  static const Fn real = pactum::tools::real_function<Fn>("crypto_sign_detached");
  pactum::tools::t_counts->sign.fetch_add(1, std::memory_order_relaxed);
  return real(sig, siglen_p, m, mlen, sk);
}
int crypto_sign_verify_detached(const unsigned char* sig, const unsigned char* m,
                                unsigned long long mlen, const unsigned char* pk) {
  using Fn = int (*)(const unsigned char*, const unsigned char*, unsigned long long,
                     const unsigned char*);
  static const Fn real = pactum::tools::real_function<Fn>("crypto_sign_verify_detached");
  pactum::tools::t_counts->verify.fetch_add(1, std::memory_order_relaxed);
  return real(sig, m, mlen, pk);
}
int fdatasync(int fd) {
  static const auto real = pactum::tools::real_function<int (*)(int)>("fdatasync");
  pactum::tools::t_counts->sync.fetch_add(1, std::memory_order_relaxed);
  return real(fd);
}
int fsync(int fd) {
  static const auto real = pactum::tools::real_function<int (*)(int)>("fsync");
  pactum::tools::t_counts->sync.fetch_add(1, std::memory_order_relaxed);
  return real(fd);
}
}

namespace pactum::tools {
namespace {

// Deals kept open at once in the closed-loop (peak) phase: enough that group
// commits batch well, few enough that a round's queueing stays visible.
constexpr std::size_t kInFlight = 64;
// A signed negotiation envelope is about this size; Ed25519 cost grows a
// little with the message (SHA-512), so raw rates use the same size.
constexpr std::size_t kSignedBytes = 1024;
// LMDB syncs twice per commit (data, then meta page), and a round waits for
// two commits in series: the sender's ledger append and the receiver's
// (the sender's outbox commit runs while the payload is on the wire, and the
// receiver's dedupe mark is off the path).
constexpr double kSerialSyncsPerRound = 4;

struct Snapshot {
  std::uint64_t sign[kCountGroups] = {}, verify[kCountGroups] = {}, sync[kCountGroups] = {};
};
Snapshot snapshot() {
  Snapshot s;
  for (std::size_t g = 0; g < kCountGroups; ++g) {
    s.sign[g] = g_counts[g].sign.load();
    s.verify[g] = g_counts[g].verify.load();
    s.sync[g] = g_counts[g].sync.load();
  }
  return s;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// VmRSS or VmHWM of this process in MiB.
double proc_mib(const std::string& key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  }
  return 0;
}

double raw_rate(const BenchOptions& opt, bool verify) {
  const crypto::SecretKey key = crypto::SecretKey::generate();
  const Bytes msg(kSignedBytes, 0x5a);
  const crypto::Signature sig = key.sign("pactum/bench", msg);
  return measure_rate(verify ? "ed25519 verify" : "ed25519 sign", [&](benchmark::State& st) {
    for (auto _ : st) {
      if (verify) {
        benchmark::DoNotOptimize(crypto::verify(key.public_key(), "pactum/bench", msg, sig).has_value());
      } else {
        benchmark::DoNotOptimize(key.sign("pactum/bench", msg));
      }
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  }, opt);
}

// write + fdatasync of one 4 KiB page on the filesystem the nodes use.
double fsync_rate(const BenchOptions& opt, const std::string& dir) {
  const std::string path = dir + "/fsync-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 0;
  std::vector<char> page(4096, 'x');
  const double rate = measure_rate("fdatasync", [&](benchmark::State& st) {
    for (auto _ : st) {
      if (::pwrite(fd, page.data(), page.size(), 0) < 0 || ::fdatasync(fd) != 0) st.SkipWithError("fdatasync");
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  }, opt);
  ::close(fd);
  std::filesystem::remove(path);
  return rate;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Raw rates measured on both sides of the deals, averaged: the shared
// machine's load drifts, and the limit should see the same drift.
struct Limits {
  double sign = 0, verify = 0, fsync = 0;
};

// Where the half-peak rounds' time goes: per stage its p99 (p50 beside it),
// and its mean over the slowest 1 % of rounds, which says what makes the tail.
void add_stage_rows(const PhaseResult& half, double fsync_per_s, std::vector<BenchRow>& rows) {
  if (half.stage_us.empty()) return;
  std::vector<double> totals;
  for (const auto& st : half.stage_us) totals.push_back(st[0] + st[1] + st[2] + st[3]);
  const double tail_from = percentile(totals, 0.99);
  const char* names[kRoundStages] = {"submission -> own core", "own ledger commit", "relay (outbox, TLS, peer queue)",
                                     "peer ledger commit -> notice"};
  // What bounds a stage: each ledger commit stage waits for one LMDB commit
  // (2 syncs); the relay for none (the outbox commits while the payload travels).
  const double commit_us = 2e6 / fsync_per_s;
  const double bounds[kRoundStages] = {0, commit_us, 0, commit_us};
  const std::string coverage = std::to_string(half.stage_us.size()) + " of " + std::to_string(half.round_us.size());
  for (std::size_t k = 0; k < kRoundStages; ++k) {
    std::vector<double> v;
    double tail_sum = 0;
    std::size_t tail_n = 0;
    for (std::size_t i = 0; i < half.stage_us.size(); ++i) {
      v.push_back(half.stage_us[i][k]);
      if (totals[i] >= tail_from) {
        tail_sum += half.stage_us[i][k];
        ++tail_n;
      }
    }
    const std::string label = "p50 " + fmt(percentile(v, 0.5)) + ", slowest 1% mean " +
                              fmt(tail_n ? tail_sum / static_cast<double>(tail_n) : 0) +
                              (bounds[k] > 0 ? "; 1 commit (2 syncs) " + fmt(bounds[k]) : std::string()) +
                              (k == 0 ? " (" + coverage + " rounds stamped)" : std::string());
    rows.push_back({std::string("round stage p99 at half peak: ") + names[k], percentile(v, 0.99), "us", label,
                    0, false});
  }
}

}  // namespace

std::vector<BenchRow> bench_node(const BenchOptions& opt) {
  // Per-message info logs of two nodes would cost time and bury the table.
  spdlog::set_level(spdlog::level::warn);
  std::vector<BenchRow> rows;
  Limits before{raw_rate(opt, false), raw_rate(opt, true), fsync_rate(opt, opt.scratch_dir)};
  auto pair = NodePair::start(opt.scratch_dir);
  if (!pair) {
    std::fprintf(stderr, "bench node: %s\n", pair.error().to_string().c_str());
    return rows;
  }
  const double phase_s = 2.0 + 8.0 * opt.min_time_s;
  set_thread_count_group(CountGroup::kAgents);
  (void)(*pair)->run_closed(kInFlight, 1.0);  // Warm-up: mandates learned, caches filled.
  const double rss_start = proc_mib("VmRSS"), anon_start = proc_mib("RssAnon");
  const Snapshot s0 = snapshot();
  PhaseResult peak = (*pair)->run_closed(kInFlight, phase_s);
  const Snapshot s1 = snapshot();
  const double peak_rate = static_cast<double>(peak.deals) / peak.seconds;
  PhaseResult half = (*pair)->run_paced(peak_rate / 2, phase_s, 4 * kInFlight);
  const double rss_end = proc_mib("VmRSS"), anon_end = proc_mib("RssAnon");
  (*pair)->stop();
  set_thread_count_group(CountGroup::kOther);
  Limits after{raw_rate(opt, false), raw_rate(opt, true), fsync_rate(opt, opt.scratch_dir)};
  const Limits lim{(before.sign + after.sign) / 2, (before.verify + after.verify) / 2,
                   (before.fsync + after.fsync) / 2};
  if (peak.failures + half.failures > 0) {
    std::fprintf(stderr, "bench node: %llu deals failed; first: %s\n",
                 static_cast<unsigned long long>(peak.failures + half.failures),
                 (peak.first_failure.empty() ? half.first_failure : peak.first_failure).c_str());
  }
  // Operations per finished deal of the peak phase (its drain included).
  const double n = static_cast<double>(std::max<std::uint64_t>(peak.finished, 1));
  auto per = [&](std::uint64_t (Snapshot::*field)[kCountGroups], CountGroup g) {
    const auto i = static_cast<std::size_t>(g);
    return static_cast<double>((s1.*field)[i] - (s0.*field)[i]) / n;
  };
  const double sb = per(&Snapshot::sign, CountGroup::kBuyerNode), vb = per(&Snapshot::verify, CountGroup::kBuyerNode);
  const double ss = per(&Snapshot::sign, CountGroup::kSellerNode), vs = per(&Snapshot::verify, CountGroup::kSellerNode);
  const double so = per(&Snapshot::sign, CountGroup::kOther), vo = per(&Snapshot::verify, CountGroup::kOther);
  const double sa = per(&Snapshot::sign, CountGroup::kAgents), va = per(&Snapshot::verify, CountGroup::kAgents);
  double syncs = 0;
  for (CountGroup g : {CountGroup::kOther, CountGroup::kBuyerNode, CountGroup::kSellerNode, CountGroup::kAgents}) {
    syncs += per(&Snapshot::sync, g);
  }
  const double ts = 1 / lim.sign, tv = 1 / lim.verify;
  // The ledger workers' checkpoint signatures are split evenly between the nodes.
  const double cost_b = sb * ts + vb * tv + (so * ts + vo * tv) / 2;
  const double cost_s = ss * ts + vs * tv + (so * ts + vo * tv) / 2;
  const double nodes_sign = sb + ss + so, nodes_verify = vb + vs + vo;
  const std::string in_flight = std::to_string(kInFlight);
  rows.push_back({"deals/s, " + in_flight + " in flight (peak)", peak_rate, "deals/s",
                  "Ed25519 of the busier node/deal, 1 thread", 1 / std::max(cost_b, cost_s)});
  rows.push_back({"deals/s, " + in_flight + " in flight (peak)", peak_rate, "deals/s",
                  "Ed25519 of both nodes/deal, 1 core", 1 / (cost_b + cost_s)});
  rows.push_back({"deals/s, " + in_flight + " in flight (peak)", peak_rate, "deals/s",
                  "fdatasync/s / " + fmt(syncs) + " syncs per deal", lim.fsync / std::max(syncs, 1e-9)});
  const double serial_us = kSerialSyncsPerRound * 1e6 / lim.fsync;
  const std::string paced = "paced " + fmt(peak_rate / 2) + "/s";
  rows.push_back({"round p50 at half peak (" + paced + ")", percentile(half.round_us, 0.5), "us",
                  "4 serial fdatasyncs per round", serial_us, false});
  rows.push_back({"round p99 at half peak (" + paced + ")", percentile(half.round_us, 0.99), "us",
                  "4 serial fdatasyncs per round", serial_us, false});
  rows.push_back({"round p50 at peak", percentile(peak.round_us, 0.5), "us", "4 serial fdatasyncs per round",
                  serial_us, false});
  rows.push_back({"round p99 at peak", percentile(peak.round_us, 0.99), "us", "4 serial fdatasyncs per round",
                  serial_us, false});
  add_stage_rows(half, lim.fsync, rows);
  rows.push_back({"deal p50 at half peak (propose..agreed)", percentile(half.deal_us, 0.5), "us", "", 0, false});
  rows.push_back({"half-peak deals/s achieved", static_cast<double>(half.deals) / half.seconds, "deals/s",
                  "offered load", peak_rate / 2});
  rows.push_back({"process RSS after run (2 nodes)", rss_end, "MiB", "", 0, false});
  rows.push_back({"RSS growth over peak+half phases", rss_end - rss_start, "MiB", "", 0, false});
  // The rest of RSS is file-backed: the LMDB maps' pages, which the kernel may reclaim.
  const double phase_deals = static_cast<double>(std::max<std::uint64_t>(peak.finished + half.finished, 1));
  rows.push_back({"anonymous memory growth over peak+half", anon_end - anon_start, "MiB",
                  fmt((anon_end - anon_start) * 1024 / phase_deals) + " KiB per deal (both nodes)", 0, false});
  rows.push_back({"Ed25519 sign+verify per deal, buyer node", sb + vb, "ops", "sign " + fmt(sb) + ", verify " + fmt(vb), 0, false});
  rows.push_back({"Ed25519 sign+verify per deal, seller node", ss + vs, "ops", "sign " + fmt(ss) + ", verify " + fmt(vs), 0, false});
  rows.push_back({"Ed25519 per deal, ledger workers", so + vo, "ops", "sign " + fmt(so) + ", verify " + fmt(vo), 0, false});
  rows.push_back({"Ed25519 per deal, agents (not nodes)", sa + va, "ops", "sign " + fmt(sa) + ", verify " + fmt(va), 0, false});
  rows.push_back({"Ed25519 per deal, both nodes", nodes_sign + nodes_verify, "ops",
                  "sign " + fmt(nodes_sign) + ", verify " + fmt(nodes_verify), 0, false});
  rows.push_back({"raw Ed25519 sign (1 KiB)", lim.sign, "ops/s", "", 0});
  rows.push_back({"raw Ed25519 verify (1 KiB)", lim.verify, "ops/s", "", 0});
  rows.push_back({"raw write+fdatasync 4 KiB (same fs)", lim.fsync, "ops/s", "", 0});
  return rows;
}

}  // namespace pactum::tools
