// The Ledger: appends through one writer thread that batches every waiting
// request into one durable LMDB write transaction (group commit); reads and
// proofs in read transactions from any thread.
//
// Databases (docs/ledger.md):
//   entries:     be64(index)                    -> entry bytes        (MDB_APPEND)
//   nodes:       be64(last leaf) || u8(level)    -> 32-byte node hash  (MDB_APPEND)
//   ids:         32-byte id                      -> be64(index)
//   checkpoints: be64(tree size)                 -> signed note text
//   meta:        "verifier_key"                  -> verifier key text
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "ledger/entry_codec.h"
#include "ledger/ledger_impl.h"

namespace pactum::ledger {

using lmdb::Store;

Result<Hash> TxnNodes::node(unsigned level, std::uint64_t index) {
  auto key = lmdb::node_key(level, index);
  PACTUM_TRY(auto v, lmdb::get(txn_, dbi_, key));
  if (!v || v->size() != sizeof(Hash))
    return Fail(Errc::kLedgerCorrupt, "missing Merkle node (" + std::to_string(level) + ", " +
                                          std::to_string(index) + ")");
  Hash h{};
  std::copy(v->begin(), v->end(), h.begin());
  return h;
}

Ledger::Impl::~Impl() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Result<void> Ledger::Impl::load() {
  return store_->read([this](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto cur, lmdb::Cursor::open(txn, store_->entries));
    PACTUM_TRY(auto last, cur.get(MDB_LAST));
    committed_ = Tip{};
    if (!last) return Ok();
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
    return Ok();
  });
}

// Appends one new leaf through the batch's cursors, advancing `tip`. Every
// put is an MDB_APPEND (entries and nodes are keyed in append order), and the
// entry bytes go through one reused buffer: no allocation per entry.
Result<void> Ledger::Impl::write_entry(WriteCursors& c, Tip& tip, const AppendRequest& req) {
  encode_entry_into(EntryHeader{tip.size, options_.clock_ms(), req.kind, tip.last_leaf, req.id},
                    req.payload, scratch_);
  if (int injected = store_->fault(WritePoint::kBeforePut); injected != 0)
    return Fail(lmdb::db_error(injected, "mdb_put (injected)"));
  const auto key = be64(tip.size);
  PACTUM_CHECK(c.entries.append(key, scratch_));
  Hash h = leaf_hash(scratch_);
  tip.last_leaf = h;
  PACTUM_CHECK(c.nodes.append(lmdb::node_key(0, tip.size), h));
  unsigned level = 0;
  while (((tip.size >> level) & 1) == 1) {
    h = node_hash(tip.frontier[level], h);
    ++level;
    PACTUM_CHECK(c.nodes.append(lmdb::node_key(level, tip.size >> level), h));
  }
  tip.frontier[level] = h;
  ++tip.size;
  return Ok();
}

// Writes one batch: for each entry, the id goes in first (MDB_NOOVERWRITE):
// if it is already there, from an earlier commit or earlier in this batch,
// LMDB hands back the stored index and nothing else is written. One B-tree
// search per id, no separate lookup and no in-memory set of the batch's ids.
Result<void> Ledger::Impl::write_batch(MDB_txn* txn, const std::vector<Request*>& batch, Tip& tip,
                                       std::vector<std::vector<AppendResult>>& results) {
  tip = committed_;  // A retry after map growth starts again from the committed tip.
  results.assign(batch.size(), {});
  PACTUM_TRY(auto entries, lmdb::Cursor::open(txn, store_->entries));
  PACTUM_TRY(auto nodes, lmdb::Cursor::open(txn, store_->nodes));
  PACTUM_TRY(auto ids, lmdb::Cursor::open(txn, store_->ids));
  WriteCursors c{entries, nodes, ids};
  for (std::size_t i = 0; i < batch.size(); ++i) {
    results[i].reserve(batch[i]->entries.size());
    for (const AppendRequest& req : batch[i]->entries) {
      const auto key = be64(tip.size);
      PACTUM_TRY(auto existing, c.ids.insert(req.id, key));
      if (existing) {
        if (existing->size() != 8) return Fail(Errc::kLedgerCorrupt, "id index value is not 8 bytes");
        results[i].push_back({from_be64(*existing), true});
        continue;
      }
      results[i].push_back({tip.size, false});
      PACTUM_CHECK(write_entry(c, tip, req));
    }
  }
  return Ok();
}

void Ledger::Impl::commit_batch(std::vector<Request*>& batch) {
  Tip tip;
  std::vector<std::vector<AppendResult>> results;
  Result<void> r = store_->write([&](MDB_txn* txn) { return write_batch(txn, batch, tip, results); });
  if (r) {
    committed_ = tip;
    size_.store(tip.size);
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (r) batch[i]->done.set_value(std::move(results[i]));
    else batch[i]->done.set_value(Fail(r.error()));
  }
}

void Ledger::Impl::run_writer() {
  for (;;) {
    std::vector<Request*> batch;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // Stopping with nothing left to write.
      if (options_.batch_wait.count() > 0 && !stopping_) {
        work_cv_.wait_for(lock, options_.batch_wait,
                          [this] { return stopping_ || queued_entries_ >= kBatchEntriesMax; });
      }
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
    }
    space_cv_.notify_all();
    commit_batch(batch);
  }
}

Result<std::vector<AppendResult>> Ledger::Impl::submit(std::vector<AppendRequest> entries) {
  if (entries.empty()) return std::vector<AppendResult>{};
  if (entries.size() > kBatchEntriesMax)
    return Fail(Errc::kLimitExceeded, std::to_string(entries.size()) + " entries over kBatchEntriesMax");
  Request req;
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
  auto done = req.done.get_future();
  {
    std::unique_lock lock(mu_);
    space_cv_.wait(lock, [&] { return queued_entries_ + req.entries.size() <= kPendingRequestsMax; });
    queue_.push_back(&req);
    queued_entries_ += req.entries.size();
  }
  work_cv_.notify_one();
  return done.get();
}

Result<std::unique_ptr<Ledger>> Ledger::open(const std::string& dir, Options options) {
  if (options.batch_wait > kBatchWaitMax) return Fail(Errc::kInvalidArgument, "batch_wait over kBatchWaitMax");
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
  Impl* raw = impl.get();
  impl->writer_ = std::thread([raw] { raw->run_writer(); });
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;

Result<AppendResult> Ledger::append(AppendRequest request) {
  std::vector<AppendRequest> one;
  one.push_back(std::move(request));
  PACTUM_TRY(auto results, impl_->submit(std::move(one)));
  PACTUM_ASSERT(results.size() == 1);
  return results[0];
}

Result<std::vector<AppendResult>> Ledger::append_batch(std::vector<AppendRequest> requests) {
  return impl_->submit(std::move(requests));
}

std::uint64_t Ledger::size() const { return impl_->size_.load(); }

}  // namespace pactum::ledger
