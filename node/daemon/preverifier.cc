// Signature checks off the io thread; see preverifier.h.
#include "node/daemon/preverifier.h"

#include <boost/asio/post.hpp>

#include "protocol/protocol.h"

namespace pactum::node::daemon {

Preverifier::Preverifier(boost::asio::io_context& io, crypto::VerifyMemo& memo,
                         std::uint32_t offload_busy_percent, std::function<void()> on_start)
    : io_(io), memo_(memo), offload_busy_percent_(offload_busy_percent) {
  thread_ = std::thread([this, on_start = std::move(on_start)] { run(on_start); });
}

Preverifier::~Preverifier() { stop(); }

void Preverifier::submit(Bytes envelope, Then then) {
  ++pending_;
  // Runs on the io thread after the check; counts the item done there.
  Then done = [this, then = std::move(then)](Bytes bytes) {
    --pending_;
    then(std::move(bytes));
  };
  std::lock_guard lock(mu_);
  if (stopping_) {
    // No thread to check it: hand it back unchecked (the core checks anyway).
    boost::asio::post(io_, [bytes = std::move(envelope), done = std::move(done)]() mutable {
      done(std::move(bytes));
    });
    return;
  }
  queue_.emplace_back(std::move(envelope), std::move(done));
  cv_.notify_one();
}

void Preverifier::note_io_busy(std::chrono::steady_clock::duration busy,
                               std::chrono::steady_clock::time_point now) {
  window_busy_ += busy;
  const auto elapsed = now - window_start_;
  if (elapsed < kLoadWindow) return;
  busy_percent_ = elapsed > kLoadWindow * 2 ? 0 : 100 * window_busy_ / elapsed;  // Idle gaps count as idle.
  window_start_ = now;
  window_busy_ = {};
}

void Preverifier::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Preverifier::run(const std::function<void()>& on_start) {
  if (on_start) on_start();
  crypto::VerifyMemo::Use use(memo_);
  for (;;) {
    std::deque<std::pair<Bytes, Then>> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // Stopping, and everything was handed back.
      batch.swap(queue_);
    }
    for (auto& [bytes, then] : batch) {
      // The outcome is the core's to act on; a failure here only means its
      // own check will run (and fail) again.
      (void)protocol::open_envelope(bytes);
      boost::asio::post(io_, [bytes = std::move(bytes), then = std::move(then)]() mutable {
        then(std::move(bytes));
      });
    }
  }
}

}  // namespace pactum::node::daemon
