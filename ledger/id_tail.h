// Internal: the id tail's table. The ids of consecutive entries [first,
// first + size) in a vector, found through an open-addressing table of
// offsets: no allocation per id, emptied in one pass. Not thread-safe (the
// Ledger guards it with its tail mutex).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ledger/ledger.h"

namespace pactum::ledger {

class IdTail {
 public:
  IdTail();
  // Empties the tail; the next id added is entry `first`. Reserves room for `capacity` ids.
  void reset(std::uint64_t first, std::size_t capacity);
  std::uint64_t first() const { return first_; }
  std::size_t size() const { return ids_.size(); }
  const std::vector<Id>& ids() const { return ids_; }
  // The entry index of `id` if it is among the first `limit` ids added (exact: full ids compared).
  std::optional<std::uint64_t> find(const Id& id, std::size_t limit) const;
  // Starts loading the table slot find(id) reads first (a hint: no effect on results).
  void prefetch(const Id& id) const { __builtin_prefetch(&slots_[slot_of(id)]); }
  // Adds the id of entry first + size(). REQUIRES: find(id, size()) is empty.
  void add(const Id& id);
  // Keeps only the first `n` ids (a batch that did not commit).
  void truncate(std::size_t n);

 private:
  std::size_t slot_of(const Id& id) const;
  void place(std::uint32_t offset);
  void rebuild(std::size_t slots);

  std::uint64_t seed_ = 0;            // Per process: ids are caller-chosen, slots must not be predictable.
  std::uint64_t first_ = 0;
  std::vector<Id> ids_;
  std::vector<std::uint32_t> slots_;  // offset + 1, 0 = empty; a power of two, over twice ids_.size().
};

}  // namespace pactum::ledger
