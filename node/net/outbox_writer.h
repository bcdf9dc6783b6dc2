// node/net internal: runs the outbox's LMDB write transactions (each an
// fsync) on a thread of their own, so the io thread that reads frames and
// runs the node core never waits for the disk.
//
// Jobs run in submission order; those queued while a commit runs share the
// next commit (group commit, up to kOutboxJobsPerCommitMax); each one's
// completion is posted to the io_context in submission order. An append job is retried
// until it commits (a full disk is freed by an operator; the jobs behind it
// wait, keeping each peer's payloads in order); other jobs report failure.
//
// Thread-safety: submit() and stop() are called on the io thread;
// completions run on the io thread (posted).
#pragma once

#include <boost/asio/io_context.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "base/base.h"
#include "node/net/limits.h"
#include "node/net/outbox.h"

namespace pactum::node::net {

class OutboxWriter {
 public:
  using Job = std::function<Result<void>(Outbox&)>;
  using Done = std::function<void(Result<void>)>;

  // `outbox` is borrowed and must outlive the writer; after construction only
  // the writer's thread uses it.
  OutboxWriter(boost::asio::io_context& io, Outbox& outbox);
  ~OutboxWriter();  // stop()s.
  OutboxWriter(const OutboxWriter&) = delete;
  OutboxWriter& operator=(const OutboxWriter&) = delete;

  // Queues `job`; `done` (may be empty) is posted with its outcome.
  // `retry_until_ok`: a failed job is run again after a pause, until it
  // commits or stop() is called.
  void submit(Job job, Done done, bool retry_until_ok);
  // Runs what is queued (a retried job gets one last attempt), then joins
  // the thread. Completions are still posted. Idempotent.
  void stop();

 private:
  struct Item {
    Job job;
    Done done;
    bool retry = false;
  };
  void run();
  // Runs one job in a commit of its own, retried as it asks.
  Result<void> run_alone(Item& item);

  boost::asio::io_context& io_;
  Outbox& outbox_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // Guarded by mu_.
  bool stopping_ = false;   // Guarded by mu_.
  std::chrono::milliseconds pause_ = kOutboxRetryMin;  // Writer thread only: the next retry's wait.
  std::thread thread_;
};

}  // namespace pactum::node::net
