// Internal: the append path's hashing stage on its own thread. A batch's new
// entries form one serial chain (each entry holds the leaf hash of the one
// before), so the chain cannot be split; instead the ChainHasher encodes and
// leaf-hashes entry k+1 while the writer thread computes entry k's subtree
// hashes and puts it into LMDB, and while the writer still looks up the ids of
// later entries. Nothing it computes is durable or visible until the writer's
// transaction commits; a batch that does not commit just drops it.
//
// Thread-safety: one producer (the writer thread) calls start, then publish
// and wait_hashed, then close and finish, per batch; the hashing thread reads
// the published requests and writes the outputs of each entry before it
// announces it (release/acquire on a counter).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "ledger/ledger.h"

namespace pactum::ledger {

class ChainHasher {
 public:
  ChainHasher();
  ~ChainHasher();  // Joins the thread. REQUIRES: no batch in progress.
  ChainHasher(const ChainHasher&) = delete;
  ChainHasher& operator=(const ChainHasher&) = delete;

  // Begins a batch of at most `entries_max` new entries, the first of which
  // is entry `first_index` whose prev_hash is `prev_leaf`.
  void start(std::uint64_t first_index, const Hash& prev_leaf, std::int64_t timestamp_ms,
             std::size_t entries_max);
  // Hands over the next new entry (borrowed until finish returns).
  void publish(const AppendRequest& request);
  // No more entries this batch: the thread stops once it has hashed those published.
  void close();
  // Blocks until entry k (0-based in this batch) is encoded and hashed.
  // REQUIRES: k < the number published.
  void wait_hashed(std::size_t k) const;
  const Bytes& entry_bytes(std::size_t k) const { return bytes_[k]; }
  const Hash& leaf(std::size_t k) const { return leaves_[k]; }
  // Ends the batch, done or abandoned: the thread stops at the next entry and
  // touches nothing of the batch afterwards. Idempotent.
  void finish();

 private:
  void run();
  void hash_batch();

  // Written by the producer before start() hands the batch over.
  std::uint64_t first_index_ = 0;
  Hash prev_leaf_{};
  std::int64_t timestamp_ms_ = 0;
  std::vector<const AppendRequest*> requests_;  // Sized once per batch: never reallocated during it.
  std::size_t batch_payload_bytes_ = 0;         // Producer only: decides whether to keep buffers.
  // Written by the hashing thread for entries below hashed_.
  std::vector<Bytes> bytes_;
  std::vector<Hash> leaves_;

  std::atomic<std::size_t> published_{0};
  std::atomic<std::size_t> hashed_{0};
  std::atomic<bool> closed_{false};   // Every entry of the batch is published.
  std::atomic<bool> abandon_{false};  // finish() before every published entry was needed.

  std::mutex mu_;
  std::condition_variable cv_;
  bool busy_ = false;      // Under mu_: a batch is handed over and not yet finished by the thread.
  bool active_ = false;    // Producer only: between start and finish.
  bool stopping_ = false;  // Under mu_.
  std::thread thread_;     // Declared last: started after every member above exists.
};

}  // namespace pactum::ledger
