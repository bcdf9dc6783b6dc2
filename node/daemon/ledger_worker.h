// Internal to node/daemon: carries out the core's AppendToLedger effects on a
// worker thread, so the io thread never waits for an fsync. Appends queued
// while a commit runs share the next one (group commit, up to
// kAppendBatchMax). Each outcome is posted back to the io thread as an
// AppendDone, in append order. Checkpoints, at most one per
// kCheckpointIntervalMin, are posted as CheckpointTaken after the appends
// they cover: one that is due is signed and stored in the next batch's own
// commit (no commit of its own for the appends behind it to wait for), and
// when the queue runs empty after appends without one, one is taken alone.
//
// Thread-safety: submit(), pending() and stop() are called on the io thread;
// callbacks run on the io thread (posted).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "node/core/core.h"

namespace pactum::node::daemon {

class LedgerWorker {
 public:
  struct Callbacks {
    std::function<void(std::vector<AppendDone>)> on_done;
    std::function<void(CheckpointTaken)> on_checkpoint;
    std::function<void(double seconds, std::size_t entries)> on_commit;
    std::function<void(const std::string& what)> on_error;  // Checkpoint failures.
  };
  // `ledger` and `key` are borrowed and must outlive the worker.
  LedgerWorker(boost::asio::io_context& io, ledger::Ledger& ledger, const crypto::SecretKey& key,
               std::string origin, Callbacks callbacks);
  ~LedgerWorker();  // stop()s.
  LedgerWorker(const LedgerWorker&) = delete;
  LedgerWorker& operator=(const LedgerWorker&) = delete;

  // Queues appends in order, all or none: kLimitExceeded past
  // kAppendQueueMax. One call per io handler, so the worker wakes once and
  // its next commit takes all of them.
  Result<void> submit(std::vector<AppendToLedger> appends);
  // Appends queued or being committed whose AppendDone is not yet posted.
  std::size_t pending() const;
  // Finishes the queue, then joins the thread. Idempotent.
  void stop();

 private:
  void run();
  using Clock = std::chrono::steady_clock;
  // Appends the batch (with a checkpoint in the same commit if asked; alone
  // if that fails) and posts the outcome; true if a checkpoint was made.
  bool commit(std::vector<AppendToLedger> batch, bool with_checkpoint);
  // Signs and stores a checkpoint of the current size; posts it (or the error).
  void take_checkpoint();

  boost::asio::io_context& io_;
  ledger::Ledger& ledger_;
  const crypto::SecretKey& key_;
  std::string origin_;
  Callbacks callbacks_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<AppendToLedger> queue_;  // Guarded by mu_.
  std::size_t in_flight_ = 0;         // Guarded by mu_: taken but not yet posted.
  bool stopping_ = false;             // Guarded by mu_.
  std::thread thread_;
};

}  // namespace pactum::node::daemon
