// The Ledger: appends are batched into one durable LMDB write transaction
// (group commit, led by the first waiting caller); reads and proofs in read
// transactions from any thread.
//
// Databases (docs/ledger.md):
//   entries:     be64(index)                    -> entry bytes        (MDB_APPEND)
//   nodes:       be64(leaf j)                    -> leaf hash of j || nodes j completes (MDB_APPEND)
//   ids:         32-byte id                      -> be64(index)   (entries [0, ids_indexed))
//   checkpoints: be64(tree size)                 -> signed note text
//   meta:        "verifier_key"                  -> verifier key text
//                "ids_indexed"                   -> be64(entries whose ids are in `ids`)
//                "format"                        -> "pactum-ledger-2"
//
// The ids of the newest entries (the tail) live in memory and, durably, in
// their entries; every kIdTailEntriesMax entries they are merged into `ids`
// in key order, so appends never insert random keys into a large B-tree.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "ledger/entry_codec.h"
#include "ledger/ledger_impl.h"

namespace pactum::ledger {

using lmdb::Store;

Result<Hash> TxnNodes::node(unsigned level, std::uint64_t index) {
  auto key = lmdb::node_record_key(level, index);
  PACTUM_TRY(auto v, lmdb::get(txn_, dbi_, key));
  const std::size_t hashes = lmdb::node_record_hashes(from_be64(key));
  if (!v || v->size() != hashes * sizeof(Hash) || level >= hashes)
    return Fail(Errc::kLedgerCorrupt, "missing Merkle node (" + std::to_string(level) + ", " +
                                          std::to_string(index) + ")");
  Hash h{};
  std::copy_n(v->begin() + level * sizeof(Hash), sizeof(Hash), h.begin());
  return h;
}

Result<void> Ledger::Impl::load() {
  return store_->read([this](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto cur, lmdb::Cursor::open(txn, store_->entries));
    PACTUM_TRY(auto last, cur.get(MDB_LAST));
    committed_ = Tip{};
    if (!last) return load_tail(txn);
    if (last.key.size() != 8) return Fail(Errc::kLedgerCorrupt, "entry key is not 8 bytes");
    committed_.size = from_be64(last.key) + 1;
    committed_.last_leaf = leaf_hash(last.value);
    TxnNodes nodes(txn, store_->nodes);
    std::uint64_t offset = 0;
    for (int level = 63; level >= 0; --level) {
      std::uint64_t width = std::uint64_t{1} << level;
      if ((committed_.size & width) == 0) continue;
      PACTUM_TRY(committed_.frontier[level], nodes.node(static_cast<unsigned>(level), offset >> level));
      offset += width;
    }
    size_.store(committed_.size);
    return load_tail(txn);
  });
}

// Rebuilds the id tail from the entries past ids_indexed (absent: a ledger
// written before the tail existed, whose every id is in the ids database).
Result<void> Ledger::Impl::load_tail(MDB_txn* txn) {
  PACTUM_TRY(auto meta, lmdb::get(txn, store_->meta, as_bytes(kIdsIndexedMeta)));
  ids_indexed_ = committed_.size;
  ids_indexed_stored_ = meta.has_value();
  if (meta) {
    if (meta->size() != 8) return Fail(Errc::kLedgerCorrupt, "ids_indexed is not 8 bytes");
    ids_indexed_ = from_be64(*meta);
  }
  if (ids_indexed_ > committed_.size)
    return Fail(Errc::kLedgerCorrupt, "ids_indexed " + std::to_string(ids_indexed_) + " above ledger size " +
                                          std::to_string(committed_.size));
  PACTUM_CHECK(load_filter(txn, filter_, 0));
  tail_.reset(ids_indexed_, tail_capacity());
  tail_committed_ = 0;
  PACTUM_TRY(auto cur, lmdb::Cursor::open(txn, store_->entries));
  PACTUM_TRY(auto kv, cur.get(MDB_SET_RANGE, be64(ids_indexed_)));
  for (std::uint64_t i = ids_indexed_; i < committed_.size; ++i) {
    if (!kv || kv.key.size() != 8 || from_be64(kv.key) != i)
      return Fail(Errc::kLedgerCorrupt, "entry " + std::to_string(i) + " is missing");
    PACTUM_TRY(Entry e, decode_entry(kv.value));
    if (auto twin = tail_.find(e.id, tail_.size()))
      return Fail(Errc::kLedgerCorrupt, "entry " + std::to_string(i) + " repeats the id of entry " +
                                            std::to_string(*twin));
    tail_.add(e.id);
    PACTUM_TRY(kv, cur.get(MDB_NEXT));
  }
  tail_committed_ = tail_.size();
  return Ok();
}

Result<void> Ledger::Impl::load_filter(MDB_txn* txn, IdFilter& filter, std::size_t capacity) {
  MDB_stat st{};
  int rc = mdb_stat(txn, store_->ids, &st);
  if (rc != 0) return Fail(lmdb::db_error(rc, "mdb_stat ids"));
  filter.reset(std::max<std::size_t>(capacity, 2 * st.ms_entries));
  PACTUM_TRY(auto cur, lmdb::Cursor::open(txn, store_->ids));
  PACTUM_TRY(auto kv, cur.get(MDB_FIRST));
  for (; kv; ) {
    if (kv.key.size() != sizeof(Id)) return Fail(Errc::kLedgerCorrupt, "id index key is not 32 bytes");
    Id id{};
    std::copy(kv.key.begin(), kv.key.end(), id.begin());
    filter.add(id);
    PACTUM_TRY(kv, cur.get(MDB_NEXT));
  }
  return Ok();
}

// Records ids_indexed once, so that from now on the tail is well defined on disk.
Result<void> Ledger::Impl::store_ids_indexed() {
  if (ids_indexed_stored_) return Ok();
  PACTUM_CHECK(store_->write([&](MDB_txn* txn) {
    return lmdb::put(txn, store_->meta, as_bytes(kIdsIndexedMeta), be64(ids_indexed_), 0);
  }));
  ids_indexed_stored_ = true;
  return Ok();
}

std::size_t Ledger::Impl::tail_capacity() const { return options_.id_tail_entries + kBatchEntriesMax; }

std::optional<std::uint64_t> Ledger::Impl::tail_find(const Id& id) const {
  std::shared_lock lock(tail_mu_);
  return tail_.find(id, tail_committed_);
}

// The batch's own new ids are pending in the tail, so one probe covers both.
Result<std::optional<std::uint64_t>> Ledger::Impl::lookup_id(MDB_txn* txn, const Id& id) {
  if (auto at = tail_.find(id, tail_.size())) return at;
  if (!filter_.may_contain(id)) return std::optional<std::uint64_t>();
  PACTUM_TRY(auto v, lmdb::get(txn, store_->ids, id));
  if (!v) return std::optional<std::uint64_t>();
  if (v->size() != 8) return Fail(Errc::kLedgerCorrupt, "id index value is not 8 bytes");
  return std::optional<std::uint64_t>(from_be64(*v));
}

// Moves the tail into the ids database: its ids sorted, so the B-tree is
// walked once in key order and each of its pages is dirtied at most once,
// with ids_indexed in the same transaction. A failure leaves the tail in
// memory (its ids stay exact) and the next batch tries again.
Result<void> Ledger::Impl::merge_tail() {
  // Sorted by the first 8 id bytes as an integer, then the whole id: LMDB's
  // key order (memcmp), at a fraction of the cost of comparing std::arrays.
  struct Item {
    std::uint64_t head = 0;
    const Id* id = nullptr;
    std::uint64_t index = 0;
  };
  std::vector<Item> sorted;
  sorted.reserve(tail_.size());
  for (std::size_t k = 0; k < tail_.size(); ++k) {
    const Id& id = tail_.ids()[k];
    sorted.push_back({from_be64(ByteSpan(id).first(8)), &id, tail_.first() + k});
  }
  std::sort(sorted.begin(), sorted.end(), [](const Item& a, const Item& b) {
    if (a.head != b.head) return a.head < b.head;
    return std::memcmp(a.id->data(), b.id->data(), a.id->size()) < 0;
  });
  const std::uint64_t upto = committed_.size;
  PACTUM_ASSERT(upto - ids_indexed_ == sorted.size());
  // The filter covers the merged ids before they leave the tail (a failed
  // merge leaves it a superset: false positives only, never a missed id).
  if (upto > filter_.capacity()) {
    IdFilter larger;
    PACTUM_CHECK(store_->read([&](MDB_txn* txn) { return load_filter(txn, larger, 2 * upto); }));
    filter_ = std::move(larger);
  }
  for (const Item& item : sorted) filter_.add(*item.id);
  PACTUM_CHECK(store_->write([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto cur, lmdb::Cursor::open(txn, store_->ids));
    for (const Item& item : sorted) {
      PACTUM_TRY(auto existing, cur.insert(*item.id, be64(item.index)));
      if (existing)
        return Fail(Errc::kLedgerCorrupt, "id of entry " + std::to_string(item.index) + " is already indexed");
    }
    return lmdb::put(txn, store_->meta, as_bytes(kIdsIndexedMeta), be64(upto), 0);
  }));
  std::unique_lock lock(tail_mu_);
  tail_.reset(upto, tail_capacity());
  tail_committed_ = 0;
  ids_indexed_ = upto;
  return Ok();
}

// Appends one new leaf through the batch's cursors, advancing `tip`: the
// entry and one nodes record (the leaf hash and every subtree it completes),
// both MDB_APPEND, through reused buffers: no allocation per entry.
Result<void> Ledger::Impl::write_entry(WriteCursors& c, Tip& tip, const AppendRequest& req,
                                       std::int64_t timestamp_ms) {
  encode_entry_into(EntryHeader{tip.size, timestamp_ms, req.kind, tip.last_leaf, req.id},
                    req.payload, scratch_);
  if (int injected = store_->fault(WritePoint::kBeforePut); injected != 0)
    return Fail(lmdb::db_error(injected, "mdb_put (injected)"));
  const auto key = be64(tip.size);
  PACTUM_CHECK(c.entries.append(key, scratch_));
  std::uint8_t record[65 * sizeof(Hash)];  // The leaf and at most 64 levels above it.
  Hash h = leaf_hash(scratch_);
  tip.last_leaf = h;
  std::memcpy(record, h.data(), sizeof(Hash));
  unsigned level = 0;
  while (((tip.size >> level) & 1) == 1) {
    h = node_hash(tip.frontier[level], h);
    ++level;
    std::memcpy(record + level * sizeof(Hash), h.data(), sizeof(Hash));
  }
  PACTUM_ASSERT(level + 1 == lmdb::node_record_hashes(tip.size));
  PACTUM_CHECK(c.nodes.append(key, ByteSpan(record, (level + 1) * sizeof(Hash))));
  tip.frontier[level] = h;
  ++tip.size;
  return Ok();
}

// Writes one batch: an entry whose id is already present (earlier in this
// batch, in the tail, or in the ids database: one hash probe each and one
// read-only B-tree search) gets the stored index and writes nothing. New ids
// are only added to the tail as pending; no index page is written per entry.
Result<void> Ledger::Impl::write_batch(MDB_txn* txn, const std::vector<Request*>& batch, Tip& tip,
                                       std::vector<std::vector<AppendResult>>& results) {
  tip = committed_;  // A retry after map growth starts again from the committed tip.
  // Held while the batch adds pending ids (not during the commit): find_id waits at most this long.
  std::unique_lock tail_lock(tail_mu_);
  tail_.truncate(tail_committed_);
  results.assign(batch.size(), {});
  PACTUM_TRY(auto entries, lmdb::Cursor::open(txn, store_->entries));
  PACTUM_TRY(auto nodes, lmdb::Cursor::open(txn, store_->nodes));
  WriteCursors c{entries, nodes};
  // One timestamp per batch: its entries become durable in the same commit.
  const std::int64_t timestamp_ms = options_.clock_ms();
  // The lookups below each start with a cache miss in the tail table and one
  // in the filter; requested together up front, the misses overlap.
  for (const Request* r : batch) {
    for (const AppendRequest& req : r->entries) {
      tail_.prefetch(req.id);
      filter_.prefetch(req.id);
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    results[i].reserve(batch[i]->entries.size());
    for (const AppendRequest& req : batch[i]->entries) {
      PACTUM_TRY(auto existing, lookup_id(txn, req.id));
      if (existing) {
        results[i].push_back({*existing, true});
        continue;
      }
      tail_.add(req.id);
      results[i].push_back({tip.size, false});
      PACTUM_CHECK(write_entry(c, tip, req, timestamp_ms));
    }
  }
  // Checkpoints asked for with the batch cover all of it, in the same commit.
  for (Request* r : batch) {
    if (r->checkpoint_key == nullptr) continue;
    PACTUM_TRY(r->checkpoint, sign_and_store_checkpoint(txn, tip.size, *r->checkpoint_key, r->checkpoint_origin));
  }
  return Ok();
}

// Writes the batch and tells its callers (but the leader itself) the outcome.
void Ledger::Impl::commit_batch(std::vector<Request*>& batch) {
  Tip tip;
  std::vector<std::vector<AppendResult>> results;
  Result<void> r = store_->write([&](MDB_txn* txn) { return write_batch(txn, batch, tip, results); });
  if (r) {
    std::unique_lock lock(tail_mu_);  // Before size_: find_id sees every id of the published size.
    tail_committed_ = tail_.size();
    committed_ = tip;
    size_.store(tip.size);
  } else {
    std::unique_lock lock(tail_mu_);
    tail_.truncate(tail_committed_);
  }
  {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (r) batch[i]->result.emplace(std::move(results[i]));
      else batch[i]->result.emplace(Fail(r.error()));
      batch[i]->done = true;
      batch[i]->cv.notify_one();  // Under mu_: the Request may vanish once its caller sees done.
    }
  }
  // After the callers heard: the merge's commit delays the next batch, not this one.
  if (r && tail_committed_ >= options_.id_tail_entries) (void)merge_tail();
}

std::vector<Ledger::Impl::Request*> Ledger::Impl::take_batch(std::unique_lock<std::mutex>& lock, Request& leader) {
  if (options_.batch_wait.count() > 0) {
    leader.cv.wait_for(lock, options_.batch_wait, [this] { return queued_entries_ >= kBatchEntriesMax; });
  }
  std::vector<Request*> batch;
  std::size_t entries = 0, bytes = 0;
  while (!queue_.empty()) {
    Request* next = queue_.front();
    if (!batch.empty() && (entries + next->entries.size() > kBatchEntriesMax ||
                           bytes + next->payload_bytes > kBatchBytesMax))
      break;
    entries += next->entries.size();
    bytes += next->payload_bytes;
    batch.push_back(next);
    queue_.pop_front();
  }
  queued_entries_ -= entries;
  PACTUM_ASSERT(!batch.empty() && batch.front() == &leader);
  return batch;
}

Result<void> Ledger::Impl::fill(Request& req, std::vector<AppendRequest> entries) const {
  if (entries.size() > kBatchEntriesMax)
    return Fail(Errc::kLimitExceeded, std::to_string(entries.size()) + " entries over kBatchEntriesMax");
  for (const AppendRequest& e : entries) {
    if (e.payload.size() > kEntryPayloadBytesMax)
      return Fail(Errc::kLimitExceeded, "payload of " + std::to_string(e.payload.size()) +
                                            " bytes over kEntryPayloadBytesMax");
    if (static_cast<std::uint16_t>(e.kind) > kEntryKindLast)
      return Fail(Errc::kInvalidArgument, "unknown entry kind");
    req.payload_bytes += e.payload.size();
  }
  if (req.payload_bytes > kBatchBytesMax) return Fail(Errc::kLimitExceeded, "batch over kBatchBytesMax");
  req.entries = std::move(entries);
  return Ok();
}

Result<std::vector<AppendResult>> Ledger::Impl::submit(Request& req) {
  std::unique_lock lock(mu_);
  space_cv_.wait(lock, [&] { return queued_entries_ + req.entries.size() <= kPendingRequestsMax; });
  queue_.push_back(&req);
  queued_entries_ += req.entries.size();
  // A leader waiting for its batch to fill (batch_wait) checks whether it is full.
  if (queue_.front() != &req) queue_.front()->cv.notify_one();
  req.cv.wait(lock, [&] { return req.done || (!leading_ && queue_.front() == &req); });
  if (!req.done) {
    leading_ = true;
    std::vector<Request*> batch = take_batch(lock, req);
    lock.unlock();
    space_cv_.notify_all();
    commit_batch(batch);  // Also merges the tail when it is full.
    lock.lock();
    leading_ = false;
    if (!queue_.empty()) queue_.front()->cv.notify_one();
  }
  PACTUM_ASSERT(req.done && req.result.has_value());
  return std::move(*req.result);
}

Result<std::unique_ptr<Ledger>> Ledger::open(const std::string& dir, Options options) {
  if (options.batch_wait > kBatchWaitMax) return Fail(Errc::kInvalidArgument, "batch_wait over kBatchWaitMax");
  if (options.id_tail_entries < 1 || options.id_tail_entries > kIdTailEntriesMax)
    return Fail(Errc::kInvalidArgument, "id_tail_entries outside 1..kIdTailEntriesMax");
  if (!options.clock_ms) {
    options.clock_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  auto impl = std::make_unique<Impl>();
  PACTUM_TRY(impl->store_, Store::open(dir, options.durability, options.map_bytes, false,
                                       options.fault_hook));
  impl->options_ = std::move(options);
  PACTUM_CHECK(impl->load());
  PACTUM_CHECK(impl->store_ids_indexed());
  if (impl->tail_committed_ >= impl->options_.id_tail_entries) PACTUM_CHECK(impl->merge_tail());
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;

Result<AppendResult> Ledger::append(AppendRequest request) {
  std::vector<AppendRequest> one;
  one.push_back(std::move(request));
  PACTUM_TRY(auto results, append_batch(std::move(one)));
  PACTUM_ASSERT(results.size() == 1);
  return results[0];
}

Result<std::vector<AppendResult>> Ledger::append_batch(std::vector<AppendRequest> requests) {
  if (requests.empty()) return std::vector<AppendResult>{};
  Impl::Request req;
  PACTUM_CHECK(impl_->fill(req, std::move(requests)));
  return impl_->submit(req);
}

Result<Ledger::BatchAndCheckpoint> Ledger::append_batch_and_checkpoint(std::vector<AppendRequest> requests,
                                                                       const crypto::SecretKey& key,
                                                                       std::string_view origin) {
  Impl::Request req;
  PACTUM_CHECK(impl_->fill(req, std::move(requests)));
  req.checkpoint_key = &key;
  req.checkpoint_origin = origin;
  PACTUM_TRY(std::vector<AppendResult> results, impl_->submit(req));
  PACTUM_ASSERT(req.checkpoint.has_value());  // Written with the batch that committed.
  return BatchAndCheckpoint{std::move(results), std::move(*req.checkpoint)};
}

std::uint64_t Ledger::size() const { return impl_->size_.load(); }

}  // namespace pactum::ledger
