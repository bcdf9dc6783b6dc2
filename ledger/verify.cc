// Full verification of a ledger directory. Threads claim chunks of 1024
// entries and check, per entry: decoding, index, leaf hash against its nodes
// record, the hash chain, every node record's subtree hashes inside the chunk,
// the id index, payload signatures (EntryCheck). Then the main thread: the
// chain across chunks, node records above chunk height, that ids are unique
// (the ids database holds exactly the indexed entries; the tail's ids are
// distinct and not indexed), and every checkpoint's root and signature.
#include <algorithm>
#include <atomic>
#include <bit>
#include <mutex>
#include <thread>

#include "ledger/entry_codec.h"
#include "ledger/ledger_impl.h"

namespace pactum::ledger {
namespace {


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

// Entries per unit of work a verification thread claims: a power of two, so
// every complete subtree of height up to kChunkLevels lies inside one chunk
// and its thread checks it; the main thread checks only the levels above.
constexpr unsigned kChunkLevels = 10;
constexpr std::uint64_t kChunkEntries = std::uint64_t{1} << kChunkLevels;

struct Scan {
  lmdb::Store* store = nullptr;
  const VerifyOptions* opt = nullptr;
  std::uint64_t total = 0;
  std::uint64_t ids_indexed = 0;           // Entries [0, ids_indexed) are in the ids database.
  std::atomic<std::uint64_t> next_chunk{0};
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> checked{0};
  std::vector<Id> tail_ids;                // tail_ids[i - ids_indexed]: ids of the rest.
  std::vector<Hash> chunk_prev;            // prev_hash of each chunk's first entry.
  std::vector<Hash> chunk_last;            // Leaf hash of each chunk's last entry.
  std::vector<Hash> chunk_root;            // node(kChunkLevels, k) of each full chunk k.
  FirstFailure failures;
};

// One thread's state for a chunk: the right edge of the chunk's subtree, as
// the writer keeps it for the whole tree.
struct ChunkTree {
  std::uint64_t size = 0;
  Hash frontier[kChunkLevels + 1];
};

// Checks one stored entry (its bytes decoded into `e`) and its nodes record
// against the recomputed leaf and the subtrees it completes inside the chunk;
// returns the reason and the index it names, if it is bad.
Result<void> check_entry(Scan& s, MDB_txn* txn, std::uint64_t i, ByteSpan bytes, ByteSpan record,
                         ChunkTree& tree, Entry& e, Bytes& scratch, std::uint64_t& bad_index) {
  bad_index = i;
  PACTUM_CHECK(decode_entry_into(bytes, e, scratch));
  if (e.index != i) return Fail(Errc::kLedgerCorrupt, "holds index " + std::to_string(e.index));
  Hash h = leaf_hash(bytes);
  if (record.size() != lmdb::node_record_hashes(i) * sizeof(Hash))
    return Fail(Errc::kLedgerCorrupt, "malformed Merkle node record");
  if (!std::equal(h.begin(), h.end(), record.begin()))
    return Fail(Errc::kLedgerCorrupt, "bytes do not match the stored leaf hash");
  if (tree.size == 0) s.chunk_prev[i >> kChunkLevels] = e.prev_hash;
  else if (e.prev_hash != s.chunk_last[i >> kChunkLevels])
    return Fail(Errc::kLedgerChainBroken, "prev_hash is not the leaf hash of the entry before");
  s.chunk_last[i >> kChunkLevels] = h;
  unsigned level = 0;
  for (; ((tree.size >> level) & 1) == 1; ++level) {
    h = node_hash(tree.frontier[level], h);
    if (!std::equal(h.begin(), h.end(), record.begin() + (level + 1) * sizeof(Hash))) {
      bad_index = (i >> (level + 1)) << (level + 1);
      return Fail(Errc::kLedgerCorrupt, "stored Merkle node (" + std::to_string(level + 1) + ", " +
                                            std::to_string(i >> (level + 1)) + ") differs from the recomputed hash");
    }
  }
  tree.frontier[level] = h;
  if (++tree.size == kChunkEntries) s.chunk_root[i >> kChunkLevels] = h;
  PACTUM_TRY(auto id_index, lmdb::get(txn, s.store->ids, e.id));
  if (i < s.ids_indexed) {
    if (!id_index || id_index->size() != 8 || from_be64(*id_index) != i)
      return Fail(Errc::kLedgerCorrupt, "id index does not point at this entry");
  } else {
    if (id_index) return Fail(Errc::kLedgerCorrupt, "id of this tail entry is in the id index");
    s.tail_ids[i - s.ids_indexed] = e.id;
  }
  if (s.opt->entry_check) {
    auto r = s.opt->entry_check(e);
    if (!r) return Fail(r.error());
    if (*r) s.checked.fetch_add(1, std::memory_order_relaxed);
  }
  return Ok();
}

// Scans chunk k's entries and node records side by side; true unless it failed.
Result<bool> scan_chunk(Scan& s, MDB_txn* txn, lmdb::Cursor& entries, lmdb::Cursor& nodes,
                        std::uint64_t k, Entry& e, Bytes& scratch) {
  const std::uint64_t begin = k << kChunkLevels;
  const std::uint64_t end = std::min(s.total, begin + kChunkEntries);
  const auto start = be64(begin);
  PACTUM_TRY(auto kv, entries.get(MDB_SET_RANGE, start));
  PACTUM_TRY(auto node, nodes.get(MDB_SET_RANGE, start));
  ChunkTree tree;
  for (std::uint64_t i = begin; i < end; ++i) {
    if (!kv || kv.key.size() != 8 || from_be64(kv.key) != i) {
      s.failures.offer(i, Error{Errc::kLedgerChainBroken, "entry is missing"});
      return false;
    }
    if (!node || node.key.size() != 8 || from_be64(node.key) != i) {
      s.failures.offer(i, Error{Errc::kLedgerCorrupt, "Merkle node record is missing"});
      return false;
    }
    std::uint64_t bad_index = i;
    if (auto bad = check_entry(s, txn, i, kv.value, node.value, tree, e, scratch, bad_index); !bad) {
      s.failures.offer(bad_index, bad.error());
      return false;
    }
    PACTUM_TRY(kv, entries.get(MDB_NEXT));
    PACTUM_TRY(node, nodes.get(MDB_NEXT));
  }
  std::uint64_t d = s.done.fetch_add(end - begin) + (end - begin);
  if (s.opt->progress) s.opt->progress(d, s.total);
  return true;
}

// One verification thread: claims chunks until none is left, in one read
// transaction, skipping chunks past a failure already found.
void scan_chunks(Scan& s) {
  const std::uint64_t chunks = (s.total + kChunkEntries - 1) >> kChunkLevels;
  auto r = s.store->read([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto entries, lmdb::Cursor::open(txn, s.store->entries));
    PACTUM_TRY(auto nodes, lmdb::Cursor::open(txn, s.store->nodes));
    Entry e;
    Bytes scratch;
    for (std::uint64_t k = s.next_chunk.fetch_add(1); k < chunks; k = s.next_chunk.fetch_add(1)) {
      if (s.failures.get().index < (k << kChunkLevels)) continue;
      if (auto scanned = scan_chunk(s, txn, entries, nodes, k, e, scratch); !scanned)
        s.failures.offer(k << kChunkLevels, scanned.error());
    }
    return Ok();
  });
  if (!r) s.failures.offer(0, r.error());
}

// After the chunks: the hash chain across chunk boundaries, the node records
// above chunk height (against a tree of the full chunks' roots), and that the
// nodes database holds one record per entry and nothing else.
Result<void> check_across_chunks(Scan& s) {
  const std::uint64_t n = s.total;
  const std::uint64_t chunks = (n + kChunkEntries - 1) >> kChunkLevels;
  for (std::uint64_t k = 0; k < chunks; ++k) {
    Hash want = k == 0 ? Hash{} : s.chunk_last[k - 1];
    if (s.chunk_prev[k] != want) {
      s.failures.offer(k << kChunkLevels, Error{Errc::kLedgerChainBroken,
                                                "prev_hash is not the leaf hash of the entry before"});
      return Ok();
    }
  }
  if (s.failures.get().index != UINT64_MAX) return Ok();  // A chunk stopped early: its nodes are unchecked.
  MemoryTree upper;
  for (std::uint64_t k = 0; k < (n >> kChunkLevels); ++k) upper.append(s.chunk_root[k]);
  return s.store->read([&](MDB_txn* txn) -> Result<void> {
    MDB_stat st{};
    int rc = mdb_stat(txn, s.store->nodes, &st);
    if (rc != 0) return Fail(lmdb::db_error(rc, "mdb_stat nodes"));
    if (st.ms_entries != n) {
      s.failures.offer(n, Error{Errc::kLedgerCorrupt, std::to_string(st.ms_entries) +
                                                          " Merkle node records stored, " + std::to_string(n) + " expected"});
      return Ok();
    }
    // A record reaches above the chunk height only at the last leaf of a chunk
    // whose index has more than kChunkLevels trailing one bits.
    for (std::uint64_t k = 1; k <= (n >> kChunkLevels); ++k) {
      const std::uint64_t leaf = (k << kChunkLevels) - 1;
      const std::size_t hashes = lmdb::node_record_hashes(leaf);
      if (hashes <= kChunkLevels + 1) continue;
      PACTUM_TRY(auto record, lmdb::get(txn, s.store->nodes, be64(leaf)));
      if (!record || record->size() != hashes * sizeof(Hash))  // Its chunk checked it: changed since.
        return Fail(Errc::kLedgerCorrupt, "Merkle node record of leaf " + std::to_string(leaf) + " changed during verification");
      for (unsigned level = kChunkLevels + 1; level < hashes; ++level) {
        std::uint64_t index = leaf >> level;
        PACTUM_TRY(Hash want, upper.node(level - kChunkLevels, index));
        if (!std::equal(want.begin(), want.end(), record->begin() + level * sizeof(Hash))) {
          s.failures.offer(index << level,
                           Error{Errc::kLedgerCorrupt, "stored Merkle node (" + std::to_string(level) + ", " +
                                                           std::to_string(index) + ") differs from the recomputed hash"});
          return Ok();
        }
      }
    }
    return Ok();
  });
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
Result<void> check_checkpoints(lmdb::Store& store, const VerifyOptions& opt, std::uint64_t n,
                               VerifyReport& report) {
  std::vector<VerifierKey> keys = opt.checkpoint_keys;
  return store.read([&](MDB_txn* txn) -> Result<void> {
    TxnNodes tree(txn, store.nodes);
    PACTUM_TRY(report.root, tree_root(tree, n));
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
      if (cp->size != size || size > n)
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
  const std::uint64_t chunks = (n + kChunkEntries - 1) >> kChunkLevels;
  Scan scan;
  scan.store = store.get();
  scan.opt = &opt;
  scan.total = n;
  scan.ids_indexed = ids_indexed;
  scan.tail_ids.resize(n - ids_indexed);
  scan.chunk_prev.resize(chunks);
  scan.chunk_last.resize(chunks);
  scan.chunk_root.resize(chunks);
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 0; t < std::min<std::uint64_t>(threads, chunks); ++t)
      pool.emplace_back([&scan] { scan_chunks(scan); });
  }
  if (opt.progress) opt.progress(scan.done.load(), n);
  report.entries_checked = scan.checked.load();
  FirstFailure& failures = scan.failures;
  PACTUM_CHECK(check_across_chunks(scan));
  if (failures.get().index == UINT64_MAX) check_ids(scan.tail_ids, ids_indexed, id_records, n, failures);
  Failure first = failures.get();
  if (first.index != UINT64_MAX) {
    report.ok = false;
    report.bad_entry = first.index < n;
    report.first_bad_index = first.index;
    report.failure = Error{first.error.code, (report.bad_entry ? "entry " + std::to_string(first.index) + ": " : "") +
                                                 first.error.detail};
    return report;
  }
  // Every stored node now equals its recomputation: roots read from them are recomputed roots.
  if (auto r = check_checkpoints(*store, opt, n, report); !r) {
    report.ok = false;
    report.failure = r.error();
  }
  return report;
}

}  // namespace pactum::ledger
