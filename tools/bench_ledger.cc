// `pactum bench ledger`: durable appends beside raw LMDB appends of the same
// entry bytes at the same batch size (and beside raw appends of the bare
// 300-byte payloads) and the disk's fsync rate, proof
// generation at one million entries beside the raw LMDB reads it needs, and
// verification beside raw Ed25519 verifications on the same cores, all
// measured in the same run.
// The raw-hashing bound uses OpenSSL's SHA256_* calls, as crypto/ does
// (the fastest path: no EVP fetch per hash).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <fcntl.h>
#include <lmdb.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
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
constexpr int kVerifyRounds = 3;                    // Interleaved verify / raw rounds.

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

// The shared disk's fsync latency drifts by several times within seconds
// (other processes' writes), so the three append figures of one batch size are
// measured in interleaved rounds, each keeping its database across rounds:
// every figure sees the same disk conditions. A figure is the mean of its rounds.
constexpr int kAppendRounds = 5;

// Durable ledger appends of `batch` entries per append_batch call. The id
// tail is merged into the ids database once per kIdTailEntriesMax entries;
// when a merge cycle is at most kWholeCycleBatchesMax batches, each round
// times whole cycles (exactly one merge each), so the figure carries the
// merges' cost. Smaller batches would need minutes per cycle: their rounds
// are time-bound and the merge cost per entry is stated in docs/ledger.md.
constexpr std::size_t kWholeCycleBatchesMax = 100;

class LedgerAppends {
 public:
  LedgerAppends(const BenchOptions& opt, std::size_t batch)
      : batch_(batch), ledger_(lg::Ledger::open(fresh_dir(opt, "ledger-" + std::to_string(batch)))) {}
  double measure(const BenchOptions& opt) {
    if (!ledger_) return 0;
    const std::size_t cycle = (lg::kIdTailEntriesMax + batch_ - 1) / batch_;  // Batches per merge.
    if (cycle <= kWholeCycleBatchesMax) return measure_cycle(cycle);
    return measure_rate("ledger/append/" + std::to_string(batch_), [&](benchmark::State& st) {
      for (auto _ : st) {
        st.PauseTiming();
        auto reqs = batch_of(batch_, counter_);
        st.ResumeTiming();
        if (!(*ledger_)->append_batch(std::move(reqs))) st.SkipWithError("append");
      }
      st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * batch_));
    }, opt);
  }

 private:
  // One merge cycle, timed as a whole (request building excluded).
  double measure_cycle(std::size_t cycle) {
    std::vector<std::vector<lg::AppendRequest>> batches;
    for (std::size_t i = 0; i < cycle; ++i) batches.push_back(batch_of(batch_, counter_));
    auto start = std::chrono::steady_clock::now();
    for (auto& b : batches) {
      if (!(*ledger_)->append_batch(std::move(b))) return 0;
    }
    return static_cast<double>(cycle * batch_) / seconds_since(start);
  }

  std::size_t batch_ = 0;
  Result<std::unique_ptr<lg::Ledger>> ledger_;
  std::uint64_t counter_ = 0;
};

// Raw LMDB: one synced write txn of `batch` MDB_APPEND puts of `value_bytes`
// values under 8-byte big-endian keys, as the ledger's entries database. The
// bound is the ledger's own entry bytes for a 300-byte payload (the payload
// plus index, timestamp, kind, previous hash and id: what an entry must
// hold); the bare 300-byte payload is shown too.
class RawAppends {
 public:
  RawAppends(const BenchOptions& opt, std::size_t batch, std::size_t value_bytes, bool merkle = false)
      : batch_(batch), merkle_(merkle), value_(value_bytes, 0x5a) {
    std::string dir = fresh_dir(opt, std::string(merkle ? "raw-merkle-" : "raw-") + std::to_string(value_bytes) +
                                         "-" + std::to_string(batch));
    if (mdb_env_create(&env_) != 0) return;
    ok_ = mdb_env_set_mapsize(env_, std::size_t{1} << 30) == 0 && mdb_env_set_maxdbs(env_, 2) == 0 &&
          mdb_env_open(env_, dir.c_str(), 0, 0640) == 0;
    MDB_txn* txn = nullptr;
    ok_ = ok_ && mdb_txn_begin(env_, nullptr, 0, &txn) == 0 && mdb_dbi_open(txn, "raw", MDB_CREATE, &dbi_) == 0 &&
          mdb_dbi_open(txn, "nodes", MDB_CREATE, &nodes_) == 0 && mdb_txn_commit(txn) == 0;
  }
  ~RawAppends() {
    if (env_ != nullptr) mdb_env_close(env_);
  }
  RawAppends(const RawAppends&) = delete;
  RawAppends& operator=(const RawAppends&) = delete;

  double measure(const BenchOptions& opt) {
    if (!ok_) return 0;
    const std::string name = "lmdb/raw/" + std::to_string(value_.size()) + "/" + std::to_string(batch_);
    return measure_rate(name, [&](benchmark::State& st) {
      for (auto _ : st) {
        MDB_txn* t = nullptr;
        if (mdb_txn_begin(env_, nullptr, 0, &t) != 0) st.SkipWithError("begin");
        for (std::size_t i = 0; i < batch_; ++i) put_one(st, t);
        if (mdb_txn_commit(t) != 0) st.SkipWithError("commit");
      }
      st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * batch_));
    }, opt);
  }

 private:
  void put_one(benchmark::State& st, MDB_txn* t) {
    const std::uint64_t index = next_++;
    auto key = be64(index);
    MDB_val k{key.size(), key.data()};
    if (merkle_) std::memcpy(value_.data(), leaf_.data(), leaf_.size());  // The previous leaf: a chain.
    MDB_val v{value_.size(), value_.data()};
    if (mdb_put(t, dbi_, &k, &v, MDB_APPEND) != 0) st.SkipWithError("put");
    if (merkle_) put_hashes(st, t, index, k);
  }
  // RFC 6962 with stored subtrees, in raw OpenSSL: the leaf hash of the
  // entry (which the next entry carries), each subtree the leaf completes,
  // and one record of those hashes under the entry's key.
  void put_hashes(benchmark::State& st, MDB_txn* t, std::uint64_t index, MDB_val& k) {
    const unsigned char leaf_prefix = 0x00;
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, &leaf_prefix, 1);
    SHA256_Update(&ctx, value_.data(), value_.size());
    SHA256_Final(leaf_.data(), &ctx);
    std::uint8_t record[65 * 32];
    std::memcpy(record, leaf_.data(), 32);
    unsigned level = 0;
    for (; ((index >> level) & 1) == 1; ++level) {
      std::uint8_t node[65];
      node[0] = 0x01;
      std::memcpy(node + 1, frontier_[level].data(), 32);
      std::memcpy(node + 33, record + 32 * level, 32);
      SHA256(node, sizeof node, record + 32 * (level + 1));
    }
    std::memcpy(frontier_[level].data(), record + 32 * level, 32);
    MDB_val nv{32 * (level + 1), record};
    if (mdb_put(t, nodes_, &k, &nv, MDB_APPEND) != 0) st.SkipWithError("put nodes");
  }

  std::size_t batch_ = 0;
  bool merkle_ = false;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0, nodes_ = 0;
  bool ok_ = false;
  std::uint64_t next_ = 0;
  Bytes value_;
  std::array<std::uint8_t, 32> leaf_{};
  std::array<std::array<std::uint8_t, 32>, 64> frontier_{};
};

// Bytes the ledger stores per entry for a 300-byte payload.
std::size_t entry_bytes_for_payload() {
  lg::Entry probe;
  probe.payload.assign(kPayloadBytes, 0);
  return lg::encode_entry(probe).size();
}

void add_append_rows(const BenchOptions& opt, std::size_t batch, std::vector<BenchRow>& rows) {
  const std::size_t entry_bytes = entry_bytes_for_payload();
  RawAppends raw_entry(opt, batch, entry_bytes);
  RawAppends raw_payload(opt, batch, kPayloadBytes);
  RawAppends raw_merkle(opt, batch, entry_bytes, true);
  LedgerAppends ours(opt, batch);
  BenchOptions round = opt;
  round.min_time_s = opt.min_time_s / kAppendRounds;
  double entry_sum = 0, payload_sum = 0, merkle_sum = 0, ours_sum = 0;
  for (int r = 0; r < kAppendRounds; ++r) {
    entry_sum += raw_entry.measure(round);
    ours_sum += ours.measure(round);
    merkle_sum += raw_merkle.measure(round);
    payload_sum += raw_payload.measure(round);
  }
  const std::string b = std::to_string(batch);
  const std::string what = "durable append, batch " + b;
  const double ours_rate = ours_sum / kAppendRounds;
  const std::string entry = std::to_string(entry_bytes) + " B (entry), batch " + b;
  rows.push_back({what, ours_rate, "entries/s", "raw LMDB APPEND+sync, " + entry, entry_sum / kAppendRounds, true});
  rows.push_back({what, ours_rate, "entries/s", "raw LMDB APPEND+sync, 300 B (payload), batch " + b,
                  payload_sum / kAppendRounds, true});
  rows.push_back({what, ours_rate, "entries/s", "raw LMDB+sync + RFC 6962 hashing, " + entry,
                  merkle_sum / kAppendRounds, true});
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
  // Raw crypto_sign_verify_detached of the same message length on the same number of threads.
  std::array<std::uint8_t, 64> sig{};
  Bytes msg(kPayloadBytes - 96, 1);
  Bytes sk(crypto_sign_SECRETKEYBYTES);
  std::array<std::uint8_t, 32> pk{};
  crypto_sign_keypair(pk.data(), sk.data());
  crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), sk.data());
  auto raw_round = [&]() -> double {
    std::atomic<std::uint64_t> done{0};
    auto start = std::chrono::steady_clock::now();
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
    return static_cast<double>(done.load()) / seconds_since(start);
  };
  // Interleaved rounds, as for appends: the two cores are shared with other
  // processes whose load drifts, so both figures are taken under the same load.
  double ours = 0, raw = 0;
  for (int r = 0; r < kVerifyRounds; ++r) {
    auto start = std::chrono::steady_clock::now();
    auto report = lg::verify_ledger(dir, vo);
    if (!report || !report->ok) return;
    ours += static_cast<double>(kVerifyEntries) / seconds_since(start) / kVerifyRounds;
    raw += raw_round() / kVerifyRounds;
  }
  rows.push_back({"ledger verify (" + std::to_string(threads) + " threads)", ours, "entries/s",
                  "raw Ed25519 verify, same threads", raw, true});
}

}  // namespace

std::vector<BenchRow> bench_ledger(const BenchOptions& opt) {
  std::vector<BenchRow> rows;
  double fsyncs = fsync_rate(opt);
  rows.push_back({"disk fdatasync (4 KiB)", fsyncs, "ops/s", "", 0, true});
  for (std::size_t batch : {std::size_t{1}, std::size_t{100}, std::size_t{1000}}) add_append_rows(opt, batch, rows);
  add_proof_rows(opt, rows);
  add_verify_rows(opt, rows);
  return rows;
}

}  // namespace pactum::tools
