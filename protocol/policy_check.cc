// Evaluating our own offers against the guardrail policy.
#include <algorithm>

#include "protocol/negotiation_limits.h"
#include "protocol/policy.h"

namespace pactum::protocol {
namespace {

Refusal violation(std::string rule, std::string values) {
  return Refusal{Errc::kPolicyViolation, std::move(rule), std::move(values)};
}

}  // namespace

std::optional<Refusal> check_concession(std::string_view rule, Role role, std::int64_t reference,
                                        std::int64_t price, std::int64_t ppm) {
  Int128 move = 0;
  switch (role) {
    case Role::kBuyer: move = Int128{price} - reference; break;
    case Role::kSeller: move = Int128{reference} - price; break;
  }
  if (move <= 0) return std::nullopt;
  if (move * kPpmOne > Int128{ppm} * reference) {
    return violation(std::string(rule), "price " + std::to_string(reference) + " -> " +
                                            std::to_string(price) + " concedes more than " +
                                            std::to_string(ppm) + " ppm");
  }
  return std::nullopt;
}

std::optional<Refusal> check_policy_offer(const Policy& p, Role our_role,
                                          const crypto::PublicKey& counterparty, const Offer& offer,
                                          std::optional<std::int64_t> our_last_price) {
  if (offer.currency != p.currency) {
    return violation("policy.currency", "currency " + offer.currency + ", policy " + p.currency);
  }
  if (!p.counterparty_allowed(counterparty)) {
    return violation("policy.allowed_counterparties",
                     "counterparty " + crypto::key_id(counterparty) + " not allowed");
  }
  auto it = p.products.find(offer.product);
  if (it == p.products.end()) {
    return violation("policy.products", "product '" + offer.product + "' not in policy");
  }
  const ProductRule& r = it->second;
  std::int64_t price = offer.unit_price_minor;
  if (price < r.floor_minor) {
    return violation("policy.price_floor", "unit price " + std::to_string(price) + " < floor " +
                                               std::to_string(r.floor_minor));
  }
  if (price > r.ceiling_minor) {
    return violation("policy.price_ceiling", "unit price " + std::to_string(price) + " > ceiling " +
                                                 std::to_string(r.ceiling_minor));
  }
  if (our_role == Role::kSeller &&
      Int128{price} * kPpmOne < Int128{r.list_minor} * (kPpmOne - r.max_discount_ppm)) {
    return violation("policy.max_discount", "unit price " + std::to_string(price) + " is more than " +
                                                std::to_string(r.max_discount_ppm) +
                                                " ppm below list " + std::to_string(r.list_minor));
  }
  if (our_last_price) {
    return check_concession("policy.max_concession_per_round", our_role, *our_last_price, price,
                            p.max_concession_ppm);
  }
  return std::nullopt;
}

}  // namespace pactum::protocol
