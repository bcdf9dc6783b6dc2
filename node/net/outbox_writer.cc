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
  auto pause = kOutboxRetryMin;
  for (;;) {
    Item item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // Stopping, and nothing left.
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    Result<void> r = item.job(outbox_);
    while (!r && item.retry) {
      spdlog::warn("transport: outbox write failed, retrying in {} ms: {}", pause.count(),
                   r.error().to_string());
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, pause, [this] { return stopping_; })) {
        lock.unlock();
        r = item.job(outbox_);  // One last attempt before the thread ends.
        break;
      }
      lock.unlock();
      pause = std::min(pause * 2, kOutboxRetryMax);
      r = item.job(outbox_);
    }
    if (r) pause = kOutboxRetryMin;
    if (item.done) {
      boost::asio::post(io_, [done = std::move(item.done), r = std::move(r)]() mutable { done(std::move(r)); });
    }
  }
}

}  // namespace pactum::node::net
