// `pactum bench ledger`: durable appends beside raw LMDB appends at the same
// batch size and the disk's fsync rate, proof generation at one million
// entries beside the raw LMDB reads it needs, and verification beside raw
// Ed25519 verifications on the same cores, all measured in the same run.
#include <fcntl.h>
#include <lmdb.h>
#include <sodium.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "tools/bench.h"

namespace pactum::tools {
namespace {

namespace lg = ::pactum::ledger;
constexpr std::size_t kPayloadBytes = 300;          // The figure for one entry.
constexpr std::uint64_t kProofTreeSize = 1000000;   // Proof generation at one million entries.
constexpr std::uint64_t kVerifyEntries = 20000;     // Signed entries for the verification rate.

std::string fresh_dir(const BenchOptions& opt, const std::string& name) {
  auto p = std::filesystem::path(opt.scratch_dir) / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

double fsync_rate(const BenchOptions& opt) {
  std::string path = fresh_dir(opt, "fsync") + "/probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 0;
  std::vector<char> page(4096, 'x');
  double rate = measure_rate("fsync", [&](benchmark::State& st) {
    for (auto _ : st) {
      if (::pwrite(fd, page.data(), page.size(), 0) < 0 || ::fdatasync(fd) != 0) st.SkipWithError("fsync");
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  }, opt);
  ::close(fd);
  return rate;
}

std::vector<lg::AppendRequest> batch_of(std::size_t n, std::uint64_t& counter) {
  std::vector<lg::AppendRequest> out(n);
  for (auto& r : out) {
    r.payload.assign(kPayloadBytes, 0x5a);
    std::uint64_t c = counter++;
    for (int i = 0; i < 8; ++i) r.payload[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(c >> (8 * i));
    r.id = crypto::sha256(r.payload);
  }
  return out;
}

double ledger_append_rate(const BenchOptions& opt, std::size_t batch) {
  auto ledger = lg::Ledger::open(fresh_dir(opt, "ledger-" + std::to_string(batch)));
  if (!ledger) return 0;
  std::uint64_t counter = 0;
  return measure_rate("ledger/append/" + std::to_string(batch), [&](benchmark::State& st) {
    for (auto _ : st) {
      st.PauseTiming();
      auto reqs = batch_of(batch, counter);
      st.ResumeTiming();
      if (!(*ledger)->append_batch(std::move(reqs))) st.SkipWithError("append");
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * batch));
  }, opt);
}

// Raw LMDB: one synced write txn of `batch` MDB_APPEND puts of 300-byte values.
double raw_lmdb_rate(const BenchOptions& opt, std::size_t batch) {
  std::string dir = fresh_dir(opt, "raw-" + std::to_string(batch));
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;
  if (mdb_env_create(&env) != 0) return 0;
  bool ok = mdb_env_set_mapsize(env, std::size_t{1} << 30) == 0 && mdb_env_set_maxdbs(env, 2) == 0 &&
            mdb_env_open(env, dir.c_str(), 0, 0640) == 0;
  MDB_txn* txn = nullptr;
  ok = ok && mdb_txn_begin(env, nullptr, 0, &txn) == 0 && mdb_dbi_open(txn, "raw", MDB_CREATE, &dbi) == 0 &&
       mdb_txn_commit(txn) == 0;
  std::uint64_t next = 0;
  Bytes value(kPayloadBytes, 0x5a);
  double rate = !ok ? 0 : measure_rate("lmdb/raw/" + std::to_string(batch), [&](benchmark::State& st) {
    for (auto _ : st) {
      MDB_txn* t = nullptr;
      if (mdb_txn_begin(env, nullptr, 0, &t) != 0) st.SkipWithError("begin");
      for (std::size_t i = 0; i < batch; ++i) {
        auto key = be64(next++);
        MDB_val k{key.size(), key.data()};
        MDB_val v{value.size(), value.data()};
        if (mdb_put(t, dbi, &k, &v, MDB_APPEND) != 0) st.SkipWithError("put");
      }
      if (mdb_txn_commit(t) != 0) st.SkipWithError("commit");
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * batch));
  }, opt);
  mdb_env_close(env);
  return rate;
}

void add_proof_rows(const BenchOptions& opt, std::vector<BenchRow>& rows) {
  lg::Options o;
  o.durability = lg::Durability::kUnsafeNoSyncForTests;  // Bulk set-up only; not what is measured.
  auto ledger = lg::Ledger::open(fresh_dir(opt, "proofs"), o);
  if (!ledger) return;
  std::uint64_t counter = 0;
  while ((*ledger)->size() < kProofTreeSize) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(lg::kBatchEntriesMax, kProofTreeSize - (*ledger)->size()));
    if (!(*ledger)->append_batch(batch_of(n, counter))) return;
  }
  std::mt19937_64 rng(1);
  double incl = measure_rate("proof/inclusion", [&](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize((*ledger)->prove_inclusion(rng() % kProofTreeSize, kProofTreeSize));
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  }, opt);
  double cons = measure_rate("proof/consistency", [&](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize((*ledger)->prove_consistency(1 + rng() % (kProofTreeSize - 1), kProofTreeSize));
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  }, opt);
  // The bound: the same number of random point reads (about 2·log2 n = 40) in one read txn.
  double reads = measure_rate("proof/raw-reads", [&](benchmark::State& st) {
    for (auto _ : st) {
      for (int i = 0; i < 40; ++i) benchmark::DoNotOptimize((*ledger)->find_id(lg::Id{}));
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  }, opt);
  auto us = [](double per_s) { return per_s > 0 ? 1e6 / per_s : 0; };
  rows.push_back({"inclusion proof at 1M entries", us(incl), "us", "40 ledger point reads (1 txn each)", us(reads), false});
  rows.push_back({"consistency proof at 1M entries", us(cons), "us", "40 ledger point reads (1 txn each)", us(reads), false});
}

void add_verify_rows(const BenchOptions& opt, std::vector<BenchRow>& rows) {
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::string dir = fresh_dir(opt, "verify");
  crypto::SecretKey key = crypto::SecretKey::generate();
  {
    lg::Options o;
    o.durability = lg::Durability::kUnsafeNoSyncForTests;
    auto ledger = lg::Ledger::open(dir, o);
    if (!ledger) return;
    std::vector<lg::AppendRequest> batch;
    for (std::uint64_t i = 0; i < kVerifyEntries; ++i) {
      Bytes msg(kPayloadBytes - 96, static_cast<std::uint8_t>(i));
      for (int b = 0; b < 8; ++b) msg[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(i >> (8 * b));
      crypto::Signature sig = key.sign_raw(msg);
      lg::AppendRequest r;
      append(r.payload, key.public_key());
      append(r.payload, sig);
      append(r.payload, msg);
      r.id = crypto::sha256(r.payload);
      batch.push_back(std::move(r));
      if (batch.size() == lg::kBatchEntriesMax || i + 1 == kVerifyEntries) {
        if (!(*ledger)->append_batch(std::move(batch))) return;
        batch.clear();
      }
    }
  }
  // Each payload: public key || signature || message, checked like an envelope.
  lg::VerifyOptions vo;
  vo.threads = threads;
  vo.entry_check = [](const lg::Entry& e) -> Result<bool> {
    crypto::PublicKey pk{};
    crypto::Signature sig{};
    std::copy_n(e.payload.begin(), pk.size(), pk.begin());
    std::copy_n(e.payload.begin() + 32, sig.size(), sig.begin());
    PACTUM_CHECK(crypto::verify_raw(pk, ByteSpan(e.payload).subspan(96), sig));
    return true;
  };
  auto start = std::chrono::steady_clock::now();
  auto report = lg::verify_ledger(dir, vo);
  double ours = report && report->ok ? static_cast<double>(kVerifyEntries) / seconds_since(start) : 0;
  // Raw crypto_sign_verify_detached on the same number of threads.
  std::array<std::uint8_t, 64> sig{};
  Bytes msg(kPayloadBytes - 96, 1);
  std::atomic<std::uint64_t> done{0};
  Bytes sk(crypto_sign_SECRETKEYBYTES);
  std::array<std::uint8_t, 32> pk{};
  crypto_sign_keypair(pk.data(), sk.data());
  crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), sk.data());
  start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (std::uint64_t i = 0; i < kVerifyEntries / threads; ++i) {
          if (crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), pk.data()) == 0) done.fetch_add(1);
        }
      });
    }
  }
  double raw = static_cast<double>(done.load()) / seconds_since(start);
  rows.push_back({"ledger verify (" + std::to_string(threads) + " threads)", ours, "entries/s",
                  "raw Ed25519 verify, same threads", raw, true});
}

}  // namespace

std::vector<BenchRow> bench_ledger(const BenchOptions& opt) {
  std::vector<BenchRow> rows;
  double fsyncs = fsync_rate(opt);
  rows.push_back({"disk fdatasync (4 KiB)", fsyncs, "ops/s", "", 0, true});
  for (std::size_t batch : {std::size_t{1}, std::size_t{100}, std::size_t{1000}}) {
    double raw = raw_lmdb_rate(opt, batch);
    double ours = ledger_append_rate(opt, batch);
    rows.push_back({"durable append, batch " + std::to_string(batch), ours, "entries/s",
                    "raw LMDB MDB_APPEND+sync, batch " + std::to_string(batch), raw, true});
  }
  add_proof_rows(opt, rows);
  add_verify_rows(opt, rows);
  return rows;
}

}  // namespace pactum::tools
