// BudgetBook: an organization's cumulative spending per mandate and period,
// and its open exposure per counterparty, counting committed contracts AND
// in-flight reservations together, so concurrent negotiations with many
// counterparties cannot overspend one budget.
//
// Each open negotiation holds at most one reservation: the total of the
// latest offer this side made or accepted. reserve() replaces it (adjusting
// the totals), release() drops it (reject, withdraw, expire, fail, deny),
// commit() turns it into a committed amount (anchored contract).
//
// Invariant after every call: for every (mandate, period),
// committed + reserved <= the limit given when the amounts were reserved, and
// for every counterparty, its exposure <= the exposure limit given.
// check_reserve() never changes anything; reserve() REQUIRES that
// check_reserve() with the same arguments returned no refusal.
//
// Value type, pure, deterministic (ordered maps only); thread-compatible.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>

#include "protocol/negotiation_types.h"

namespace pactum::protocol {

struct BudgetKey {
  crypto::Digest mandate_id{};
  std::int64_t period = 0;  // floor(timestamp_ms / period_ms) of the first reservation.
  auto operator<=>(const BudgetKey&) const = default;
};

struct BudgetTotals {
  std::int64_t committed_minor = 0;
  std::int64_t reserved_minor = 0;
};

class BudgetBook {
 public:
  // Would setting negotiation `neg`'s reservation to `amount` keep the key's
  // committed + reserved within `cumulative_limit` and the counterparty's
  // exposure within `exposure_limit`? The negotiation's current reservation
  // (if any) is replaced, not added to. Returns the rule that fired, or none.
  std::optional<Refusal> check_reserve(const crypto::Digest& neg, const BudgetKey& key,
                                       const crypto::PublicKey& counterparty, std::int64_t amount,
                                       std::int64_t cumulative_limit,
                                       std::int64_t exposure_limit) const;
  // REQUIRES: check_reserve(...) with the same arguments returned nullopt.
  void reserve(const crypto::Digest& neg, const BudgetKey& key,
               const crypto::PublicKey& counterparty, std::int64_t amount);
  // Drops the negotiation's reservation; no-op if it holds none.
  void release(const crypto::Digest& neg);
  // Turns the reservation into committed spending and exposure; no-op if none.
  void commit(const crypto::Digest& neg);

  BudgetTotals totals(const BudgetKey& key) const;
  std::int64_t exposure(const crypto::PublicKey& counterparty) const;
  std::optional<std::int64_t> reservation(const crypto::Digest& neg) const;
  std::size_t open_reservations() const { return reservations_.size(); }

 private:
  struct Reservation {
    BudgetKey key;
    crypto::PublicKey counterparty{};
    std::int64_t amount = 0;
  };
  // Takes `r`'s amount out of its key's reserved total and its
  // counterparty's exposure (the reservation itself stays).
  void unbook(const Reservation& r);

  std::map<crypto::Digest, Reservation> reservations_;
  std::map<BudgetKey, BudgetTotals> totals_;
  std::map<crypto::PublicKey, std::int64_t> exposure_;
};

}  // namespace pactum::protocol
