// Internal: the state behind a Ledger, shared by ledger.cc (writes, group
// commit) and ledger_read.cc (reads, proofs, checkpoints).
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "ledger/chain_hasher.h"
#include "ledger/id_filter.h"
#include "ledger/id_tail.h"
#include "ledger/ledger.h"
#include "ledger/lmdb_store.h"

namespace pactum::ledger {

// NodeReader over the nodes database inside one transaction (borrowed).
class TxnNodes final : public NodeReader {
 public:
  TxnNodes(MDB_txn* txn, MDB_dbi dbi) : txn_(txn), dbi_(dbi) {}
  Result<Hash> node(unsigned level, std::uint64_t index) override;

 private:
  MDB_txn* txn_ = nullptr;
  MDB_dbi dbi_ = 0;
};

// Meta key of be64(number of leading entries whose ids are in the ids
// database); absent in ledgers written before the id tail: all of them.
inline constexpr std::string_view kIdsIndexedMeta = "ids_indexed";

class Ledger::Impl {
 public:
  // The right edge of the tree: what appending the next leaf needs.
  struct Tip {
    std::uint64_t size = 0;
    Hash last_leaf{};                  // Zero for the empty log (entry 0's prev_hash).
    std::array<Hash, 64> frontier{};   // frontier[l]: perfect subtree of 2^l leaves, where bit l of size is set.
  };
  // One caller's append, waiting for the writer thread.
  struct Request {
    std::vector<AppendRequest> entries;
    std::size_t payload_bytes = 0;
    std::promise<Result<std::vector<AppendResult>>> done;
  };

  // The write transaction's cursors, opened once per batch (borrowed).
  struct WriteCursors {
    lmdb::Cursor& entries;
    lmdb::Cursor& nodes;
  };

  ~Impl();
  Result<void> load();
  Result<std::vector<AppendResult>> submit(std::vector<AppendRequest> entries);
  void run_writer();
  void commit_batch(std::vector<Request*>& batch);
  Result<void> write_batch(MDB_txn* txn, const std::vector<Request*>& batch, Tip& tip,
                           std::vector<std::vector<AppendResult>>& results);
  Result<void> write_entry(WriteCursors& c, Tip& tip, const AppendRequest& req, std::int64_t timestamp_ms);
  Result<void> put_leaf(WriteCursors& c, Tip& tip, ByteSpan entry, const Hash& leaf);
  // The index holding `id`: this batch, the tail, then the ids database.
  Result<std::optional<std::uint64_t>> lookup_id(MDB_txn* txn, const Id& id);
  Result<void> load_tail(MDB_txn* txn);
  // Refills `filter` with every id in the ids database, sized for at least
  // `capacity` ids and twice those it holds.
  Result<void> load_filter(MDB_txn* txn, IdFilter& filter, std::size_t capacity);
  Result<void> store_ids_indexed();          // Writes ids_indexed if the ledger has none yet.
  Result<void> merge_tail();                 // Writer thread: tail -> ids database.
  std::optional<std::uint64_t> tail_find(const Id& id) const;  // Any thread.
  std::size_t tail_capacity() const;         // A full tail plus a full batch.

  std::unique_ptr<lmdb::Store> store_;
  Options options_;
  Tip committed_;                        // Writer thread only (after open).
  Bytes scratch_;                        // Writer thread only: the entry being written.
  ChainHasher hasher_;                   // Writer thread only: hashes large batches ahead of the puts.
  std::atomic<std::uint64_t> size_{0};   // Durable size, for readers.

  // The id tail: ids of entries [ids_indexed_, size) that are not yet in the
  // ids database, then those new in the batch being written (pending).
  // Durable through the entries themselves; rebuilt by load(). Written by
  // the writer thread under tail_mu_ (exclusive), read by find_id under
  // tail_mu_ (shared), which sees only the first tail_committed_ ids.
  mutable std::shared_mutex tail_mu_;
  IdTail tail_;
  std::size_t tail_committed_ = 0;       // Ids of committed entries in tail_ (under tail_mu_).
  std::uint64_t ids_indexed_ = 0;        // Writer thread only (after open).
  IdFilter filter_;                      // Writer thread only: every id in the ids database.
  bool ids_indexed_stored_ = false;      // The meta record exists.

  std::mutex mu_;
  std::condition_variable work_cv_;      // Writer waits for requests.
  std::condition_variable space_cv_;     // Callers wait for queue space.
  std::deque<Request*> queue_;           // Borrowed: each caller waits on its Request.
  std::size_t queued_entries_ = 0;
  bool stopping_ = false;
  std::thread writer_;                   // Declared last: joined first (in ~Impl).
};

}  // namespace pactum::ledger
