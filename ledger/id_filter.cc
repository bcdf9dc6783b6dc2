// The id filter: each id sets kIdFilterHashes bits inside one 64-byte block
// chosen by a seeded hash, so a probe touches one cache line.
#include "ledger/id_filter.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>

namespace pactum::ledger {
namespace {

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

IdFilter::IdFilter() {
  std::random_device rd;
  seed_ = (std::uint64_t{rd()} << 32) ^ rd();
  reset(0);
}

void IdFilter::reset(std::size_t capacity) {
  capacity_ = std::max<std::size_t>(capacity, kIdFilterIdsMin);
  const std::size_t bits = capacity_ * kIdFilterBitsPerId;
  blocks_ = std::bit_ceil((bits + 64 * kIdFilterBlockWords - 1) / (64 * kIdFilterBlockWords));
  words_.assign(blocks_ * kIdFilterBlockWords, 0);
  size_ = 0;
}

std::uint64_t IdFilter::hash(const Id& id) const {
  std::uint64_t w[4];
  std::memcpy(w, id.data(), sizeof w);
  std::uint64_t h = mix(seed_ ^ w[0]);
  h = mix(h ^ w[1]);
  h = mix(h ^ w[2]);
  return mix(h ^ w[3]);
}

void IdFilter::prefetch(const Id& id) const {
  __builtin_prefetch(&words_[(static_cast<std::size_t>(hash(id)) & (blocks_ - 1)) * kIdFilterBlockWords]);
}

IdFilter::Probe IdFilter::probe(const Id& id) const {
  const std::uint64_t h = hash(id);
  Probe p;
  p.block = static_cast<std::size_t>(h) & (blocks_ - 1);
  std::uint64_t bits = mix(h ^ 0x9e3779b97f4a7c15ULL);  // 9 bits per position: 6 positions of 512.
  for (unsigned k = 0; k < kIdFilterHashes; ++k) {
    unsigned pos = static_cast<unsigned>(bits >> (9 * k)) & 511;
    p.bits[pos / 64] |= std::uint64_t{1} << (pos % 64);
  }
  return p;
}

void IdFilter::add(const Id& id) {
  Probe p = probe(id);
  std::uint64_t* block = &words_[p.block * kIdFilterBlockWords];
  for (std::size_t i = 0; i < kIdFilterBlockWords; ++i) block[i] |= p.bits[i];
  ++size_;
}

bool IdFilter::may_contain(const Id& id) const {
  Probe p = probe(id);
  const std::uint64_t* block = &words_[p.block * kIdFilterBlockWords];
  for (std::size_t i = 0; i < kIdFilterBlockWords; ++i) {
    if ((block[i] & p.bits[i]) != p.bits[i]) return false;
  }
  return true;
}

}  // namespace pactum::ledger
