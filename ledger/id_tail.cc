// The id tail's open-addressing table (linear probing over offsets into the
// vector of ids).
#include "ledger/id_tail.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>

namespace pactum::ledger {
namespace {

// Slots start at this many (a small ledger's tail never rehashes).
constexpr std::size_t kMinSlots = 64;

std::uint64_t word(const Id& id, std::size_t i) {
  std::uint64_t w = 0;
  std::memcpy(&w, id.data() + 8 * i, 8);
  return w;
}

}  // namespace

IdTail::IdTail() {
  std::random_device rd;
  seed_ = (std::uint64_t{rd()} << 32) ^ rd();
  rebuild(kMinSlots);
}

std::size_t IdTail::slot_of(const Id& id) const {
  std::uint64_t h = seed_;
  for (std::size_t i = 0; i < 4; ++i) {
    h = (h ^ word(id, i)) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
  }
  return static_cast<std::size_t>(h) & (slots_.size() - 1);
}

void IdTail::place(std::uint32_t offset) {
  std::size_t s = slot_of(ids_[offset]);
  while (slots_[s] != 0) s = (s + 1) & (slots_.size() - 1);
  slots_[s] = offset + 1;
}

void IdTail::rebuild(std::size_t slots) {
  slots_.assign(std::bit_ceil(std::max(slots, kMinSlots)), 0);
  for (std::size_t k = 0; k < ids_.size(); ++k) place(static_cast<std::uint32_t>(k));
}

void IdTail::reset(std::uint64_t first, std::size_t capacity) {
  first_ = first;
  ids_.clear();
  ids_.reserve(capacity);
  if (slots_.size() < 2 * capacity) slots_.assign(std::bit_ceil(std::max(2 * capacity, kMinSlots)), 0);
  else std::fill(slots_.begin(), slots_.end(), 0);
}

std::optional<std::uint64_t> IdTail::find(const Id& id, std::size_t limit) const {
  for (std::size_t s = slot_of(id);; s = (s + 1) & (slots_.size() - 1)) {
    std::uint32_t v = slots_[s];
    if (v == 0) return std::nullopt;
    if (v - 1 < limit && ids_[v - 1] == id) return first_ + (v - 1);
  }
}

void IdTail::add(const Id& id) {
  PACTUM_ASSERT(ids_.size() < UINT32_MAX);
  ids_.push_back(id);
  if (2 * ids_.size() > slots_.size()) rebuild(2 * slots_.size());
  else place(static_cast<std::uint32_t>(ids_.size() - 1));
}

void IdTail::truncate(std::size_t n) {
  if (n >= ids_.size()) return;
  ids_.resize(n);
  rebuild(slots_.size());
}

}  // namespace pactum::ledger
