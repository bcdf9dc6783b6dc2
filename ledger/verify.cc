// Full verification of a ledger directory: every entry (decoding, index, leaf
// hash against the stored leaf node, id index, payload signatures through the
// EntryCheck callback) in parallel; then the hash chain, that ids are unique
// (the ids database holds exactly the indexed entries; the tail's ids are
// distinct and not indexed), every stored Merkle node against a
// recomputation, and every checkpoint's root and signature.
#include <algorithm>
#include <atomic>
#include <bit>
#include <mutex>
#include <thread>

#include "ledger/ledger_impl.h"

namespace pactum::ledger {
namespace {

// Entries between two progress reports of one worker.
constexpr std::uint64_t kProgressStride = 1024;

struct Failure {
  std::uint64_t index = UINT64_MAX;  // UINT64_MAX: no failure.
  Error error;
};

// Keeps the failure with the lowest entry index. Thread-safe.
class FirstFailure {
 public:
  void offer(std::uint64_t index, Error e) {
    std::lock_guard lock(mu_);
    if (index < first_.index) first_ = Failure{index, std::move(e)};
  }
  Failure get() const {
    std::lock_guard lock(mu_);
    return first_;
  }

 private:
  mutable std::mutex mu_;
  Failure first_;
};

struct Scan {
  lmdb::Store* store = nullptr;
  const VerifyOptions* opt = nullptr;
  std::vector<Hash>* leaves = nullptr;
  std::vector<Hash>* prevs = nullptr;
  std::atomic<std::uint64_t>* done = nullptr;
  std::atomic<std::uint64_t>* checked = nullptr;
  std::uint64_t total = 0;
  std::uint64_t ids_indexed = 0;           // Entries [0, ids_indexed) are in the ids database.
  std::vector<Id>* tail_ids = nullptr;     // tail_ids[i - ids_indexed]: ids of the rest.
  FirstFailure* failures = nullptr;
};

// Checks one stored entry; returns the reason it is bad, if it is.
Result<void> check_entry(const Scan& s, MDB_txn* txn, std::uint64_t i, ByteSpan bytes) {
  auto entry = decode_entry(bytes);
  if (!entry) return Fail(entry.error());
  if (entry->index != i)
    return Fail(Errc::kLedgerCorrupt, "holds index " + std::to_string(entry->index));
  Hash leaf = leaf_hash(bytes);
  (*s.leaves)[i] = leaf;
  (*s.prevs)[i] = entry->prev_hash;
  TxnNodes nodes(txn, s.store->nodes);
  PACTUM_TRY(Hash stored_leaf, nodes.node(0, i));
  if (stored_leaf != leaf) return Fail(Errc::kLedgerCorrupt, "bytes do not match the stored leaf hash");
  PACTUM_TRY(auto id_index, lmdb::get(txn, s.store->ids, entry->id));
  if (i < s.ids_indexed) {
    if (!id_index || id_index->size() != 8 || from_be64(*id_index) != i)
      return Fail(Errc::kLedgerCorrupt, "id index does not point at this entry");
  } else {
    if (id_index) return Fail(Errc::kLedgerCorrupt, "id of this tail entry is in the id index");
    (*s.tail_ids)[i - s.ids_indexed] = entry->id;
  }
  if (s.opt->entry_check) {
    auto r = s.opt->entry_check(*entry);
    if (!r) return Fail(r.error());
    if (*r) s.checked->fetch_add(1, std::memory_order_relaxed);
  }
  return Ok();
}

// Scans entries [begin, end) in one read transaction.
void scan_range(const Scan& s, std::uint64_t begin, std::uint64_t end) {
  auto r = s.store->read([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto cur, lmdb::Cursor::open(txn, s.store->entries));
    auto start = be64(begin);
    PACTUM_TRY(auto kv, cur.get(MDB_SET_RANGE, start));
    std::uint64_t since_report = 0;
    for (std::uint64_t i = begin; i < end; ++i) {
      if (!kv || kv.key.size() != 8 || from_be64(kv.key) != i) {
        s.failures->offer(i, Error{Errc::kLedgerChainBroken, "entry is missing"});
        return Ok();
      }
      if (auto bad = check_entry(s, txn, i, kv.value); !bad) {
        s.failures->offer(i, bad.error());
        return Ok();
      }
      if (++since_report == kProgressStride) {
        std::uint64_t d = s.done->fetch_add(since_report) + since_report;
        since_report = 0;
        if (s.opt->progress) s.opt->progress(d, s.total);
      }
      PACTUM_TRY(kv, cur.get(MDB_NEXT));
    }
    s.done->fetch_add(since_report);
    return Ok();
  });
  if (!r) s.failures->offer(begin, r.error());
}

// Compares every stored node with the recomputed tree; returns the first mismatch.
Result<void> check_nodes(lmdb::Store& store, MemoryTree& tree, std::uint64_t n,
                         FirstFailure& failures) {
  std::uint64_t count = 0;
  PACTUM_CHECK(store.read([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto cur, lmdb::Cursor::open(txn, store.nodes));
    PACTUM_TRY(auto kv, cur.get(MDB_FIRST));
    for (; kv; ++count) {
      if (kv.key.size() != 9 || kv.key[8] >= 64 || kv.value.size() != sizeof(Hash)) {
        failures.offer(n, Error{Errc::kLedgerCorrupt, "malformed Merkle node record"});
        return Ok();
      }
      std::uint64_t last = from_be64(kv.key);
      unsigned level = kv.key[8];
      std::uint64_t index = ((last + 1) >> level) - 1;
      auto want = tree.node(level, index);
      if (!want || !std::equal(want->begin(), want->end(), kv.value.begin())) {
        failures.offer(index << level, Error{Errc::kLedgerCorrupt,
                                             "stored Merkle node (" + std::to_string(level) + ", " +
                                                 std::to_string(index) + ") differs from the recomputed hash"});
        return Ok();
      }
      PACTUM_TRY(kv, cur.get(MDB_NEXT));
    }
    return Ok();
  }));
  std::uint64_t want = 2 * n - static_cast<std::uint64_t>(std::popcount(n));
  if (count != want)
    failures.offer(n, Error{Errc::kLedgerCorrupt, std::to_string(count) + " Merkle nodes stored, " +
                                                      std::to_string(want) + " expected"});
  return Ok();
}

// Reads ids_indexed (absent: a ledger from before the id tail, all indexed)
// and the number of records in the ids database.
Result<void> read_id_layout(lmdb::Store& store, std::uint64_t n, std::uint64_t& indexed,
                            std::uint64_t& records) {
  return store.read([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto meta, lmdb::get(txn, store.meta, as_bytes(kIdsIndexedMeta)));
    indexed = n;
    if (meta && meta->size() != 8) return Fail(Errc::kLedgerCorrupt, "ids_indexed is not 8 bytes");
    if (meta) indexed = from_be64(*meta);
    MDB_stat st{};
    int rc = mdb_stat(txn, store.ids, &st);
    if (rc != 0) return Fail(lmdb::db_error(rc, "mdb_stat ids"));
    records = st.ms_entries;
    return Ok();
  });
}

// Ids are unique: every indexed entry's id points at it (checked per entry)
// and the ids database holds nothing else; the tail's ids are distinct.
void check_ids(const std::vector<Id>& tail_ids, std::uint64_t indexed, std::uint64_t records,
               std::uint64_t n, FirstFailure& failures) {
  if (records != indexed)
    failures.offer(n, Error{Errc::kLedgerCorrupt, "id index holds " + std::to_string(records) +
                                                      " ids, " + std::to_string(indexed) + " expected"});
  std::vector<std::pair<Id, std::uint64_t>> sorted;
  sorted.reserve(tail_ids.size());
  for (std::size_t k = 0; k < tail_ids.size(); ++k) sorted.emplace_back(tail_ids[k], indexed + k);
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t k = 1; k < sorted.size(); ++k) {
    if (sorted[k].first == sorted[k - 1].first)
      failures.offer(sorted[k].second, Error{Errc::kLedgerCorrupt, "repeats the id of entry " +
                                                                       std::to_string(sorted[k - 1].second)});
  }
}

// Checks every stored checkpoint; the first failure, if any.
Result<void> check_checkpoints(lmdb::Store& store, const VerifyOptions& opt, MemoryTree& tree,
                               VerifyReport& report) {
  std::vector<VerifierKey> keys = opt.checkpoint_keys;
  return store.read([&](MDB_txn* txn) -> Result<void> {
    if (keys.empty()) {
      PACTUM_TRY(auto stored, lmdb::get(txn, store.meta, as_bytes("verifier_key")));
      if (stored) {
        auto k = parse_verifier_key(as_chars(*stored));
        if (!k) return Fail(Errc::kBadCheckpoint, "stored verifier key: " + k.error().to_string());
        keys.push_back(*k);
      }
    }
    PACTUM_TRY(auto cur, lmdb::Cursor::open(txn, store.checkpoints));
    PACTUM_TRY(auto kv, cur.get(MDB_FIRST));
    for (; kv; ++report.checkpoints) {
      std::uint64_t size = kv.key.size() == 8 ? from_be64(kv.key) : UINT64_MAX;
      std::string where = "checkpoint of size " + std::to_string(size) + ": ";
      if (keys.empty()) return Fail(Errc::kBadCheckpoint, where + "no verifier key to check it with");
      Result<Checkpoint> cp = Fail(Errc::kBadCheckpoint, "unchecked");
      for (const VerifierKey& k : keys) {
        cp = open_checkpoint(as_chars(kv.value), k);
        if (cp) break;
      }
      if (!cp) return Fail(cp.error().code, where + cp.error().detail);
      if (cp->size != size || size > tree.size())
        return Fail(Errc::kBadCheckpoint, where + "size does not match its key or the ledger");
      PACTUM_TRY(Hash root, tree_root(tree, size));
      if (root != cp->root) return Fail(Errc::kBadCheckpoint, where + "root differs from the recomputed root");
      PACTUM_TRY(kv, cur.get(MDB_NEXT));
    }
    return Ok();
  });
}

}  // namespace

Result<VerifyReport> verify_ledger(const std::string& dir, const VerifyOptions& opt) {
  const unsigned threads = std::clamp(opt.threads, 1u, kVerifyThreadsMax);
  PACTUM_TRY(auto store, lmdb::Store::open(dir, Durability::kDurable, kMapBytesInitial,
                                           /*read_only=*/true, FaultHook()));
  std::uint64_t n = 0;
  PACTUM_CHECK(store->read([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto cur, lmdb::Cursor::open(txn, store->entries));
    PACTUM_TRY(auto last, cur.get(MDB_LAST));
    if (last && last.key.size() == 8) n = from_be64(last.key) + 1;
    return Ok();
  }));
  if (n > kTreeSizeMax) return Fail(Errc::kLedgerCorrupt, "last entry index is absurd");
  std::uint64_t ids_indexed = 0, id_records = 0;
  PACTUM_CHECK(read_id_layout(*store, n, ids_indexed, id_records));
  VerifyReport report;
  report.entries = n;
  if (ids_indexed > n) {
    report.ok = false;
    report.failure = Error{Errc::kLedgerCorrupt, "ids_indexed " + std::to_string(ids_indexed) +
                                                     " above the ledger size"};
    return report;
  }
  FirstFailure failures;
  std::vector<Hash> leaves(n), prevs(n);
  std::vector<Id> tail_ids(n - ids_indexed);
  std::atomic<std::uint64_t> done{0}, checked{0};
  Scan scan{store.get(), &opt, &leaves, &prevs, &done, &checked, n, ids_indexed, &tail_ids, &failures};
  {
    std::vector<std::jthread> pool;
    std::uint64_t chunk = (n + threads - 1) / threads;
    for (unsigned t = 0; t < threads; ++t) {
      std::uint64_t begin = std::min<std::uint64_t>(n, t * chunk);
      std::uint64_t end = std::min<std::uint64_t>(n, begin + chunk);
      if (begin < end) pool.emplace_back([&scan, begin, end] { scan_range(scan, begin, end); });
    }
  }
  if (opt.progress) opt.progress(done.load(), n);
  report.entries_checked = checked.load();
  Failure first = failures.get();
  std::uint64_t scanned = std::min(first.index, n);  // Entries whose leaves are known good.
  for (std::uint64_t i = 0; i < scanned; ++i) {
    Hash want = i == 0 ? Hash{} : leaves[i - 1];
    if (prevs[i] != want) {
      failures.offer(i, Error{Errc::kLedgerChainBroken, "prev_hash is not the leaf hash of the entry before"});
      break;
    }
  }
  if (failures.get().index == UINT64_MAX) check_ids(tail_ids, ids_indexed, id_records, n, failures);
  MemoryTree tree;
  if (failures.get().index == UINT64_MAX) {
    for (const Hash& h : leaves) tree.append(h);
    PACTUM_CHECK(check_nodes(*store, tree, n, failures));
  }
  first = failures.get();
  if (first.index != UINT64_MAX) {
    report.ok = false;
    report.bad_entry = first.index < n;
    report.first_bad_index = first.index;
    report.failure = Error{first.error.code, (report.bad_entry ? "entry " + std::to_string(first.index) + ": " : "") +
                                                 first.error.detail};
    return report;
  }
  PACTUM_TRY(report.root, tree_root(tree, n));
  if (auto r = check_checkpoints(*store, opt, tree, report); !r) {
    report.ok = false;
    report.failure = r.error();
  }
  return report;
}

}  // namespace pactum::ledger
