// Internal to node/daemon: checks the signatures of inbound envelopes (peer
// frames, agent submissions) on a thread of its own, before the io thread
// feeds them to the core, and records those that verify in the node's
// VerifyMemo, so the core's own checks of the same signatures are memo hits.
// The core still checks everything; this moves Ed25519 work off the io
// thread and decides nothing. Each item is handed back to the io thread,
// whatever the outcome, in submission order (one FIFO), so a peer's
// payloads reach the core in the order sent.
//
// The hand-off costs two thread wake-ups (a few hundred microseconds on a
// busy 2-core machine, measured), more than the checks it moves (70-140 us),
// so it pays only when the io thread is the bottleneck. offload() says when:
// the io thread was busy at least the configured share of the last
// kLoadWindow (daemon_limits.h kSignatureOffloadPercentDefault), or items
// are still queued (a later one must not overtake them).
//
// Thread-safety: submit(), pending() and stop() are called on the io thread;
// `then` runs on the io thread (posted).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "crypto/crypto.h"

namespace pactum::node::daemon {

class Preverifier {
 public:
  using Then = std::function<void(Bytes envelope)>;
  // `memo` is borrowed and must outlive the preverifier. Items are offloaded
  // when the io thread was at least `offload_busy_percent` busy (0: always).
  // `on_start`, when set, runs first on the new thread.
  Preverifier(boost::asio::io_context& io, crypto::VerifyMemo& memo, std::uint32_t offload_busy_percent,
              std::function<void()> on_start = {});
  ~Preverifier();  // stop()s.
  Preverifier(const Preverifier&) = delete;
  Preverifier& operator=(const Preverifier&) = delete;

  // Checks `envelope`, then posts then(envelope) to the io thread (after
  // stop(), posts it unchecked). Memory is bounded by what feeds it: the
  // transport's per-peer frame rate and the API's pending-request limit.
  void submit(Bytes envelope, Then then);
  // Items submitted whose `then` has not run yet.
  std::size_t pending() const { return pending_; }
  // The io thread spent `busy` handling an event that ended at `now`.
  void note_io_busy(std::chrono::steady_clock::duration busy, std::chrono::steady_clock::time_point now);
  // Whether the next item should go through the thread (see above).
  bool offload() const { return pending_ > 0 || busy_percent_ >= offload_busy_percent_; }
  static constexpr std::chrono::milliseconds kLoadWindow{10};
  // Checks and posts what is queued, then joins the thread. Idempotent.
  void stop();

 private:
  void run(const std::function<void()>& on_start);

  boost::asio::io_context& io_;
  crypto::VerifyMemo& memo_;
  const std::int64_t offload_busy_percent_;
  std::size_t pending_ = 0;  // io thread only, as are the load figures.
  std::chrono::steady_clock::time_point window_start_{};
  std::chrono::steady_clock::duration window_busy_{};
  std::int64_t busy_percent_ = 0;  // Of the last whole window.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Bytes, Then>> queue_;  // Guarded by mu_.
  bool stopping_ = false;                     // Guarded by mu_.
  std::thread thread_;
};

}  // namespace pactum::node::daemon
