// Group commit on a worker thread; see ledger_worker.h.
#include "node/daemon/ledger_worker.h"

#include <boost/asio/post.hpp>
#include <chrono>

#include "node/daemon/daemon_limits.h"

namespace pactum::node::daemon {

LedgerWorker::LedgerWorker(boost::asio::io_context& io, ledger::Ledger& ledger,
                           const crypto::SecretKey& key, std::string origin, Callbacks callbacks)
    : io_(io), ledger_(ledger), key_(key), origin_(std::move(origin)),
      callbacks_(std::move(callbacks)) {
  thread_ = std::thread([this] { run(); });
}

LedgerWorker::~LedgerWorker() { stop(); }

Result<void> LedgerWorker::submit(std::vector<AppendToLedger> appends) {
  std::lock_guard lock(mu_);
  if (stopping_) return Fail(Errc::kInvalidArgument, "ledger worker stopped");
  if (queue_.size() + appends.size() > kAppendQueueMax) {
    return Fail(Errc::kLimitExceeded, "ledger append queue holds " + std::to_string(queue_.size()) +
                                          " entries; " + std::to_string(appends.size()) + " more would pass " +
                                          std::to_string(kAppendQueueMax));
  }
  for (AppendToLedger& a : appends) queue_.push_back(std::move(a));
  cv_.notify_one();
  return Ok();
}

std::size_t LedgerWorker::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + in_flight_;
}

void LedgerWorker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void LedgerWorker::run() {
  bool appended_since_checkpoint = false;
  Clock::time_point last_checkpoint{};
  for (;;) {
    std::vector<AppendToLedger> batch;
    {
      std::unique_lock lock(mu_);
      if (appended_since_checkpoint) {
        // Idle after appends: a checkpoint is due, but not sooner than the
        // interval after the last; appends arriving meanwhile go first.
        const Clock::time_point due = last_checkpoint + kCheckpointIntervalMin;
        cv_.wait_until(lock, due, [this] { return stopping_ || !queue_.empty(); });
      } else {
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      }
      if (queue_.empty() && appended_since_checkpoint) {
        lock.unlock();
        appended_since_checkpoint = false;
        last_checkpoint = Clock::now();
        take_checkpoint();
        continue;
      }
      if (queue_.empty() && stopping_) break;
      while (!queue_.empty() && batch.size() < kAppendBatchMax) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      in_flight_ += batch.size();
    }
    // A checkpoint that is due rides in this batch's commit; otherwise one
    // is taken once the queue runs dry (above).
    const bool with_checkpoint = Clock::now() >= last_checkpoint + kCheckpointIntervalMin;
    const bool checkpointed = commit(std::move(batch), with_checkpoint);
    // A failed checkpoint still counts as one for the spacing: retried no sooner than the next is due.
    if (with_checkpoint) last_checkpoint = Clock::now();
    appended_since_checkpoint = !checkpointed;
  }
}

void LedgerWorker::take_checkpoint() {
  auto cp = ledger_.checkpoint(key_, origin_);
  if (!cp) {
    if (callbacks_.on_error) {
      boost::asio::post(io_, [cb = callbacks_.on_error, e = cp.error().to_string()] { cb(e); });
    }
    return;
  }
  CheckpointTaken taken{to_bytes(cp->note), cp->checkpoint.size};
  boost::asio::post(io_, [cb = callbacks_.on_checkpoint, taken = std::move(taken)]() mutable {
    cb(std::move(taken));
  });
}

bool LedgerWorker::commit(std::vector<AppendToLedger> batch, bool with_checkpoint) {
  auto requests = [&batch] {
    std::vector<ledger::AppendRequest> reqs;
    reqs.reserve(batch.size());
    for (const AppendToLedger& a : batch) {
      ledger::AppendRequest r;
      r.kind = static_cast<ledger::EntryKind>(a.kind);
      std::copy(a.id.begin(), a.id.end(), r.id.begin());
      r.payload = a.payload;
      reqs.push_back(std::move(r));
    }
    return reqs;
  };
  auto start = std::chrono::steady_clock::now();
  Result<std::vector<ledger::AppendResult>> results = std::vector<ledger::AppendResult>{};
  std::optional<CheckpointTaken> taken;
  bool checkpointed = false;
  if (with_checkpoint) {
    auto both = ledger_.append_batch_and_checkpoint(requests(), key_, origin_);
    if (both) {
      results = std::move(both->results);
      taken = CheckpointTaken{to_bytes(both->checkpoint.note), both->checkpoint.checkpoint.size};
      checkpointed = true;
    } else if (callbacks_.on_error) {
      // Appends never wait on a checkpoint that cannot be made (e.g. a node
      // key that is not the ledger's): reported, and the batch written alone.
      boost::asio::post(io_, [cb = callbacks_.on_error, e = both.error().to_string()] { cb(e); });
    }
  }
  if (!checkpointed) results = ledger_.append_batch(requests());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<AppendDone> done;
  done.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    AppendDone d;
    d.append_id = batch[i].append_id;
    if (!results) {
      d.error = results.error().to_string();
    } else {
      d.ok = true;
      d.index = (*results)[i].index;
      // The leaf hash goes into our anchor receipt; reading it back also
      // checks that the entry is there.
      auto bytes = ledger_.entry_bytes(d.index);
      if (bytes) d.entry_hash = ledger::leaf_hash(*bytes);
    }
    done.push_back(std::move(d));
  }
  std::size_t n = batch.size();
  boost::asio::post(io_, [this, done = std::move(done), secs, n, taken = std::move(taken)]() mutable {
    {
      std::lock_guard lock(mu_);
      in_flight_ -= n;
    }
    if (callbacks_.on_commit) callbacks_.on_commit(secs, n);
    callbacks_.on_done(std::move(done));
    if (taken) callbacks_.on_checkpoint(std::move(*taken));  // After the appends it covers.
  });
  return checkpointed;
}

}  // namespace pactum::node::daemon
