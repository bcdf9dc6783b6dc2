// Internal: the state behind a Ledger, shared by ledger.cc (writes, group
// commit) and ledger_read.cc (reads, proofs, checkpoints).
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

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
    lmdb::Cursor& ids;
  };

  ~Impl();
  Result<void> load();
  Result<std::vector<AppendResult>> submit(std::vector<AppendRequest> entries);
  void run_writer();
  void commit_batch(std::vector<Request*>& batch);
  Result<void> write_batch(MDB_txn* txn, const std::vector<Request*>& batch, Tip& tip,
                           std::vector<std::vector<AppendResult>>& results);
  Result<void> write_entry(WriteCursors& c, Tip& tip, const AppendRequest& req);

  std::unique_ptr<lmdb::Store> store_;
  Options options_;
  Tip committed_;                        // Writer thread only (after open).
  Bytes scratch_;                        // Writer thread only: the entry being written.
  std::atomic<std::uint64_t> size_{0};   // Durable size, for readers.

  std::mutex mu_;
  std::condition_variable work_cv_;      // Writer waits for requests.
  std::condition_variable space_cv_;     // Callers wait for queue space.
  std::deque<Request*> queue_;           // Borrowed: each caller waits on its Request.
  std::size_t queued_entries_ = 0;
  bool stopping_ = false;
  std::thread writer_;                   // Declared last: joined first (in ~Impl).
};

}  // namespace pactum::ledger
