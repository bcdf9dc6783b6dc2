// Internal: a blocked Bloom filter over the ids in the ids database, so that
// the writer searches that B-tree only for an id it may hold. An append's id
// is almost always new, and the search (a descent through a tree of random
// 32-byte keys) was a sixth of a batch-1000 append's CPU time. No false
// negatives: every id in the database is added. Not thread-safe (the writer
// thread alone uses it).
#pragma once

#include <cstdint>
#include <vector>

#include "ledger/ledger.h"

namespace pactum::ledger {

class IdFilter {
 public:
  IdFilter();
  // Empties the filter, sized for `capacity` ids at kIdFilterBitsPerId.
  void reset(std::size_t capacity);
  void add(const Id& id);
  // False only if `id` was never added since the last reset.
  bool may_contain(const Id& id) const;
  // Starts loading the block may_contain(id) reads (a hint: no effect on results).
  void prefetch(const Id& id) const;
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }

 private:
  struct Probe {
    std::size_t block = 0;
    std::uint64_t bits[kIdFilterBlockWords] = {};
  };
  std::uint64_t hash(const Id& id) const;
  Probe probe(const Id& id) const;

  std::uint64_t seed_ = 0;             // Per process: ids are caller-chosen.
  std::vector<std::uint64_t> words_;   // Blocks of kIdFilterBlockWords words (one cache line).
  std::size_t blocks_ = 0;             // A power of two.
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace pactum::ledger
