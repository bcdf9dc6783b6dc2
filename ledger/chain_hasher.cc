// The hashing stage of the append path (ledger/chain_hasher.h).
#include "ledger/chain_hasher.h"

#include "ledger/entry_codec.h"

namespace pactum::ledger {
namespace {

// Waits for `ready()` by spinning briefly, then yielding the core: each side
// waits only for the other's next entry (microseconds) while that side works.
template <typename Ready>
void wait_until(Ready ready) {
  for (unsigned spins = 0; !ready(); ++spins) {
    if (spins < kStageSpinsBeforeYield) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else {
      std::this_thread::yield();
    }
  }
}

}  // namespace

ChainHasher::ChainHasher() : thread_([this] { run(); }) {}

ChainHasher::~ChainHasher() {
  PACTUM_ASSERT(!active_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ChainHasher::start(std::uint64_t first_index, const Hash& prev_leaf, std::int64_t timestamp_ms,
                        std::size_t entries_max) {
  PACTUM_ASSERT(!active_);
  PACTUM_ASSERT(entries_max <= kBatchEntriesMax);
  first_index_ = first_index;
  prev_leaf_ = prev_leaf;
  timestamp_ms_ = timestamp_ms;
  requests_.assign(entries_max, nullptr);
  if (bytes_.size() < entries_max) bytes_.resize(entries_max);
  if (leaves_.size() < entries_max) leaves_.resize(entries_max);
  batch_payload_bytes_ = 0;
  published_.store(0, std::memory_order_relaxed);
  hashed_.store(0, std::memory_order_relaxed);
  closed_.store(false, std::memory_order_relaxed);
  abandon_.store(false, std::memory_order_relaxed);
  active_ = true;
  {
    std::lock_guard lock(mu_);  // Publishes every write above to the thread.
    busy_ = true;
  }
  cv_.notify_one();
}

void ChainHasher::publish(const AppendRequest& request) {
  PACTUM_ASSERT(active_);
  const std::size_t k = published_.load(std::memory_order_relaxed);
  PACTUM_ASSERT(k < requests_.size());
  requests_[k] = &request;
  batch_payload_bytes_ += request.payload.size();
  published_.store(k + 1, std::memory_order_release);
}

void ChainHasher::close() { closed_.store(true, std::memory_order_release); }

void ChainHasher::wait_hashed(std::size_t k) const {
  PACTUM_ASSERT(k < published_.load(std::memory_order_relaxed));
  wait_until([&] { return hashed_.load(std::memory_order_acquire) > k; });
}

void ChainHasher::finish() {
  if (!active_) return;
  abandon_.store(true, std::memory_order_release);
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !busy_; });
  active_ = false;
  // A batch of large payloads leaves large buffers: keep them only up to a bound.
  if (batch_payload_bytes_ > kStageBufferBytesKept) {
    bytes_.clear();
    bytes_.shrink_to_fit();
  }
}

void ChainHasher::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || busy_; });
      if (stopping_) return;
    }
    hash_batch();
    {
      std::lock_guard lock(mu_);
      busy_ = false;
    }
    cv_.notify_all();
  }
}

// Encodes and leaf-hashes the published entries in order, each announced
// through hashed_ once its bytes and leaf hash are written.
void ChainHasher::hash_batch() {
  enum class Next { kWait, kEntry, kStop };
  Hash prev = prev_leaf_;
  for (std::size_t k = 0;; ++k) {
    auto next = [&] {
      if (abandon_.load(std::memory_order_acquire)) return Next::kStop;
      if (published_.load(std::memory_order_acquire) > k) return Next::kEntry;
      if (!closed_.load(std::memory_order_acquire)) return Next::kWait;
      // Closed after its last publish: published_ is final now.
      return published_.load(std::memory_order_acquire) > k ? Next::kEntry : Next::kStop;
    };
    Next n = Next::kWait;
    wait_until([&] { return (n = next()) != Next::kWait; });
    if (n == Next::kStop) return;
    const AppendRequest& req = *requests_[k];
    encode_entry_into(EntryHeader{first_index_ + k, timestamp_ms_, req.kind, prev, req.id}, req.payload,
                      bytes_[k]);
    prev = leaf_hash(bytes_[k]);
    leaves_[k] = prev;
    hashed_.store(k + 1, std::memory_order_release);
  }
}

}  // namespace pactum::ledger
