// BudgetBook: reservations and commitments, with the sums kept exact.
#include "protocol/budget.h"

namespace pactum::protocol {
namespace {

std::string amounts(std::int64_t used, std::int64_t amount, std::int64_t limit) {
  return "used " + std::to_string(used) + " + new " + std::to_string(amount) + " > limit " +
         std::to_string(limit);
}

}  // namespace

std::optional<Refusal> BudgetBook::check_reserve(const crypto::Digest& neg, const BudgetKey& key,
                                                 const crypto::PublicKey& counterparty,
                                                 std::int64_t amount,
                                                 std::int64_t cumulative_limit,
                                                 std::int64_t exposure_limit) const {
  if (amount < 0) {
    return Refusal{Errc::kInvalidArgument, "budget.amount", "amount " + std::to_string(amount) + " < 0"};
  }
  // What this negotiation already holds is replaced, so it is not counted.
  Int128 own_same_key = 0;
  Int128 own_same_cp = 0;
  auto r = reservations_.find(neg);
  if (r != reservations_.end()) {
    if (r->second.key == key) own_same_key = r->second.amount;
    if (r->second.counterparty == counterparty) own_same_cp = r->second.amount;
  }
  BudgetTotals t = totals(key);
  Int128 used = Int128{t.committed_minor} + t.reserved_minor - own_same_key;
  if (used + amount > cumulative_limit) {
    return Refusal{Errc::kBudgetExceeded, "mandate.cumulative_limit",
                   amounts(static_cast<std::int64_t>(used), amount, cumulative_limit)};
  }
  Int128 exp = Int128{exposure(counterparty)} - own_same_cp;
  if (exp + amount > exposure_limit) {
    return Refusal{Errc::kBudgetExceeded, "policy.max_open_exposure",
                   amounts(static_cast<std::int64_t>(exp), amount, exposure_limit)};
  }
  return std::nullopt;
}

void BudgetBook::reserve(const crypto::Digest& neg, const BudgetKey& key,
                         const crypto::PublicKey& counterparty, std::int64_t amount) {
  PACTUM_ASSERT(amount >= 0);
  // One search finds the old reservation or the place of the new one: the
  // map holds every open negotiation, and each search of it is a chain of
  // cache misses.
  auto [r, inserted] = reservations_.try_emplace(neg);
  if (!inserted) unbook(r->second);
  BudgetTotals& t = totals_[key];
  PACTUM_ASSERT(!__builtin_add_overflow(t.reserved_minor, amount, &t.reserved_minor));
  std::int64_t& e = exposure_[counterparty];
  PACTUM_ASSERT(!__builtin_add_overflow(e, amount, &e));
  r->second = Reservation{key, counterparty, amount};
}

void BudgetBook::unbook(const Reservation& r) {
  BudgetTotals& t = totals_[r.key];
  t.reserved_minor -= r.amount;
  PACTUM_ASSERT(t.reserved_minor >= 0);
  std::int64_t& e = exposure_[r.counterparty];
  e -= r.amount;
  PACTUM_ASSERT(e >= 0);
}

void BudgetBook::release(const crypto::Digest& neg) {
  auto r = reservations_.find(neg);
  if (r == reservations_.end()) return;
  unbook(r->second);
  reservations_.erase(r);
}

void BudgetBook::commit(const crypto::Digest& neg) {
  auto r = reservations_.find(neg);
  if (r == reservations_.end()) return;
  BudgetTotals& t = totals_[r->second.key];
  // Moving reserved to committed keeps the sum, so it cannot overflow.
  t.reserved_minor -= r->second.amount;
  t.committed_minor += r->second.amount;
  PACTUM_ASSERT(t.reserved_minor >= 0);
  reservations_.erase(r);  // Exposure stays: the contract is open until settled.
}

BudgetTotals BudgetBook::totals(const BudgetKey& key) const {
  auto it = totals_.find(key);
  return it == totals_.end() ? BudgetTotals{} : it->second;
}

std::int64_t BudgetBook::exposure(const crypto::PublicKey& counterparty) const {
  auto it = exposure_.find(counterparty);
  return it == exposure_.end() ? 0 : it->second;
}

std::optional<std::int64_t> BudgetBook::reservation(const crypto::Digest& neg) const {
  auto it = reservations_.find(neg);
  if (it == reservations_.end()) return std::nullopt;
  return it->second.amount;
}

}  // namespace pactum::protocol
