// crypto: the memo of verified signatures (VerifyMemo in crypto.h).
#include <sodium.h>

#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include "crypto/crypto.h"

namespace pactum::crypto {
namespace {

thread_local VerifyMemo* t_memo = nullptr;

static_assert((VerifyMemo::kSlots & (VerifyMemo::kSlots - 1)) == 0, "slot index is a mask");
static_assert(VerifyMemo::kSlots * kSha256Bytes <= std::size_t{1} << 20, "the memo stays small");

std::size_t slot_of(const Digest& tag) {
  std::uint64_t v = 0;
  std::memcpy(&v, tag.data(), sizeof v);
  return static_cast<std::size_t>(v) & (VerifyMemo::kSlots - 1);
}

}  // namespace

struct VerifyMemo::State {
  mutable std::mutex mu;
  // An all-zero slot is empty: BLAKE2b output is all-zero with negligible
  // probability, and such a tag would only miss.
  std::vector<Digest> slots = std::vector<Digest>(kSlots);
  Stats stats;
};

VerifyMemo::VerifyMemo() : state_(std::make_unique<State>()) {}
VerifyMemo::~VerifyMemo() = default;

VerifyMemo::Use::Use(VerifyMemo& memo) : previous_(std::exchange(t_memo, &memo)) {}
VerifyMemo::Use::~Use() { t_memo = previous_; }

VerifyMemo* VerifyMemo::current() { return t_memo; }

VerifyMemo::Stats VerifyMemo::stats() const {
  std::lock_guard lock(state_->mu);
  return state_->stats;
}

Digest VerifyMemo::tag(const PublicKey& key, ByteSpan message, const Signature& sig) {
  // Key and signature have fixed sizes, so the concatenation is unambiguous.
  crypto_generichash_state st;
  Digest out{};
  static_assert(crypto_generichash_BYTES == kSha256Bytes);
  PACTUM_ASSERT(crypto_generichash_init(&st, nullptr, 0, out.size()) == 0);
  crypto_generichash_update(&st, key.data(), key.size());
  crypto_generichash_update(&st, sig.data(), sig.size());
  crypto_generichash_update(&st, message.data(), message.size());
  PACTUM_ASSERT(crypto_generichash_final(&st, out.data(), out.size()) == 0);
  return out;
}

bool VerifyMemo::seen(const Digest& tag) {
  std::lock_guard lock(state_->mu);
  bool hit = state_->slots[slot_of(tag)] == tag;
  ++(hit ? state_->stats.hits : state_->stats.misses);
  return hit;
}

void VerifyMemo::remember(const Digest& tag) {
  std::lock_guard lock(state_->mu);
  state_->slots[slot_of(tag)] = tag;
}

}  // namespace pactum::crypto
