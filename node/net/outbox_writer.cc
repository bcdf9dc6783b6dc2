// The outbox's writes on a thread of their own (outbox_writer.h).
#include "node/net/outbox_writer.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "node/net/limits.h"

namespace pactum::node::net {

OutboxWriter::OutboxWriter(boost::asio::io_context& io, Outbox& outbox) : io_(io), outbox_(outbox) {
  thread_ = std::thread([this] { run(); });
}

OutboxWriter::~OutboxWriter() { stop(); }

void OutboxWriter::submit(Job job, Done done, bool retry_until_ok) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Item{std::move(job), std::move(done), retry_until_ok});
  }
  cv_.notify_one();
}

void OutboxWriter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void OutboxWriter::run() {
  for (;;) {
    std::vector<Item> items;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // Stopping, and nothing left.
      while (!queue_.empty() && items.size() < kOutboxJobsPerCommitMax) {
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // Every job queued meanwhile in one commit; if that fails, each alone
    // (so one failing job cannot fail the others), with its retry policy.
    const bool together = items.size() > 1 && outbox_.in_one_commit([&]() -> Result<void> {
      for (Item& item : items) PACTUM_CHECK(item.job(outbox_));
      return Ok();
    }).has_value();
    for (Item& item : items) {
      Result<void> r = together ? Result<void>(Ok()) : run_alone(item);
      if (!item.done) continue;
      boost::asio::post(io_, [done = std::move(item.done), r = std::move(r)]() mutable { done(std::move(r)); });
    }
  }
}

Result<void> OutboxWriter::run_alone(Item& item) {
  Result<void> r = item.job(outbox_);
  while (!r && item.retry) {
    spdlog::warn("transport: outbox write failed, retrying in {} ms: {}", pause_.count(), r.error().to_string());
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, pause_, [this] { return stopping_; })) {
      lock.unlock();
      r = item.job(outbox_);  // One last attempt before the thread ends.
      break;
    }
    lock.unlock();
    pause_ = std::min(pause_ * 2, kOutboxRetryMax);
    r = item.job(outbox_);
  }
  if (r) pause_ = kOutboxRetryMin;
  return r;
}

}  // namespace pactum::node::net
