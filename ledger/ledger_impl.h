// Internal: the state behind a Ledger, shared by ledger.cc (writes, group
// commit) and ledger_read.cc (reads, proofs, checkpoints).
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <vector>

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
  // One caller's append, queued until it leads a batch or a leader has written it.
  struct Request {
    std::vector<AppendRequest> entries;
    std::size_t payload_bytes = 0;
    std::optional<Result<std::vector<AppendResult>>> result;  // Set by the leader, under mu_.
    bool done = false;                                         // Under mu_.
    // Asks for a checkpoint in the batch's transaction (append_batch_and_checkpoint).
    const crypto::SecretKey* checkpoint_key = nullptr;
    std::string_view checkpoint_origin;
    std::optional<SignedCheckpoint> checkpoint;  // Written by the leader before `done`.
    std::condition_variable cv;  // Signalled when done, or when it is the next leader.
  };

  // The write transaction's cursors, opened once per batch (borrowed).
  struct WriteCursors {
    lmdb::Cursor& entries;
    lmdb::Cursor& nodes;
  };

  ~Impl() = default;  // REQUIRES: no append in progress (the Ledger is not shared any more).
  Result<void> load();
  // Checks `entries` against the limits and moves them into `req`.
  Result<void> fill(Request& req, std::vector<AppendRequest> entries) const;
  // Queues `req` (filled) and returns once a leader committed it.
  Result<std::vector<AppendResult>> submit(Request& req);
  // Signs a checkpoint of `size` (root read in `txn`) and stores it and the
  // verifier key in `txn`.
  Result<SignedCheckpoint> sign_and_store_checkpoint(MDB_txn* txn, std::uint64_t size, const crypto::SecretKey& key,
                                                     std::string_view origin);
  // Leader only: takes the waiting requests (at most a batch) off the queue.
  std::vector<Request*> take_batch(std::unique_lock<std::mutex>& lock, Request& leader);
  void commit_batch(std::vector<Request*>& batch);
  Result<void> write_batch(MDB_txn* txn, const std::vector<Request*>& batch, Tip& tip,
                           std::vector<std::vector<AppendResult>>& results);
  Result<void> write_entry(WriteCursors& c, Tip& tip, const AppendRequest& req, std::int64_t timestamp_ms);
  // The index holding `id`: this batch, the tail, then the ids database.
  Result<std::optional<std::uint64_t>> lookup_id(MDB_txn* txn, const Id& id);
  Result<void> load_tail(MDB_txn* txn);
  // Refills `filter` with every id in the ids database, sized for at least
  // `capacity` ids and twice those it holds.
  Result<void> load_filter(MDB_txn* txn, IdFilter& filter, std::size_t capacity);
  Result<void> store_ids_indexed();          // Writes ids_indexed if the ledger has none yet.
  Result<void> merge_tail();                 // Leader only: tail -> ids database.
  std::optional<std::uint64_t> tail_find(const Id& id) const;  // Any thread.
  std::size_t tail_capacity() const;         // A full tail plus a full batch.

  std::unique_ptr<lmdb::Store> store_;
  Options options_;
  // "Leader only": state used by the caller that leads the current batch
  // (one at a time; handed from leader to leader under mu_).
  Tip committed_;                        // Leader only (after open).
  Bytes scratch_;                        // Leader only: the entry being written.
  std::atomic<std::uint64_t> size_{0};   // Durable size, for readers.

  // The id tail: ids of entries [ids_indexed_, size) that are not yet in the
  // ids database, then those new in the batch being written (pending).
  // Durable through the entries themselves; rebuilt by load(). Written by
  // the leader under tail_mu_ (exclusive), read by find_id under
  // tail_mu_ (shared), which sees only the first tail_committed_ ids.
  mutable std::shared_mutex tail_mu_;
  IdTail tail_;
  std::size_t tail_committed_ = 0;       // Ids of committed entries in tail_ (under tail_mu_).
  std::uint64_t ids_indexed_ = 0;        // Leader only (after open).
  IdFilter filter_;                      // Leader only: every id in the ids database.
  bool ids_indexed_stored_ = false;      // The meta record exists.

  // Group commit, leader/follower: the caller at the front of the queue,
  // when no batch is being written, leads: it takes every waiting request
  // into one transaction, commits it, wakes their callers and the next
  // leader. A single caller thus writes its own batch with no thread hand-off.
  std::mutex mu_;
  std::condition_variable space_cv_;     // Callers wait for queue space.
  std::deque<Request*> queue_;           // Borrowed: each caller waits on its Request.
  std::size_t queued_entries_ = 0;
  bool leading_ = false;                 // A leader is writing a batch (under mu_).
};

}  // namespace pactum::ledger
