// Mandate scope checks.
#include "protocol/mandate.h"

#include <algorithm>

#include "protocol/negotiation_limits.h"

namespace pactum::protocol {
namespace {

Refusal scope(std::string rule, std::string values) {
  return Refusal{Errc::kMandateScope, std::move(rule), std::move(values)};
}

bool is_offer(NegEvent k) {
  return k == NegEvent::kPropose || k == NegEvent::kCounter || k == NegEvent::kAccept;
}

}  // namespace

std::optional<Refusal> validate_mandate(const Mandate& m) {
  if (m.period_ms <= 0 || m.valid_until_ms <= m.valid_from_ms || m.per_contract_limit_minor < 0 ||
      m.cumulative_limit_minor < 0 || m.approval_threshold_minor < 0 || m.max_concession_ppm < 0 ||
      m.max_concession_ppm > kPpmOne || m.max_concession_total_ppm < 0 ||
      m.max_concession_total_ppm > kPpmOne || m.max_rounds > kNegotiationRoundsMax) {
    return scope("mandate.structure",
                 "period_ms " + std::to_string(m.period_ms) + ", window [" +
                     std::to_string(m.valid_from_ms) + ", " + std::to_string(m.valid_until_ms) +
                     "), limits " + std::to_string(m.per_contract_limit_minor) + "/" +
                     std::to_string(m.cumulative_limit_minor) + ", concession " +
                     std::to_string(m.max_concession_ppm) + " ppm");
  }
  if (m.products.size() > kMandateProductsMax || m.counterparties.size() > kMandateCounterpartiesMax ||
      !std::is_sorted(m.products.begin(), m.products.end()) ||
      !std::is_sorted(m.counterparties.begin(), m.counterparties.end()) ||
      !std::is_sorted(m.approvers.begin(), m.approvers.end())) {
    return scope("mandate.structure", "product or counterparty list unsorted or too long");
  }
  return std::nullopt;
}

std::optional<Refusal> check_mandate(const Mandate& m, const crypto::PublicKey& expected_org,
                                     const NegMessage& msg, const RevocationSet& revoked) {
  if (auto r = validate_mandate(m)) return r;
  if (m.org_key != expected_org) {
    return scope("mandate.org", "mandate signed by " + crypto::key_id(m.org_key) + ", expected " +
                                    crypto::key_id(expected_org));
  }
  if (m.agent_key != msg.signer) {
    return scope("mandate.agent", "message signed by " + crypto::key_id(msg.signer) +
                                      ", mandate empowers " + crypto::key_id(m.agent_key));
  }
  if (m.role != msg.sender_role) {
    return scope("mandate.role", "mandate role " + std::string(role_name(m.role)) +
                                     ", message role " + std::string(role_name(msg.sender_role)));
  }
  if (msg.timestamp_ms < m.valid_from_ms || msg.timestamp_ms >= m.valid_until_ms) {
    return Refusal{Errc::kMandateExpired, "mandate.validity",
                   "timestamp " + std::to_string(msg.timestamp_ms) + " outside [" +
                       std::to_string(m.valid_from_ms) + ", " + std::to_string(m.valid_until_ms) + ")"};
  }
  if (!is_offer(msg.kind)) return std::nullopt;
  if (revoked.is_revoked(m.org_key, m.id, m.agent_key)) {
    return Refusal{Errc::kMandateRevoked, "mandate.revoked", "mandate " + to_hex(m.id) + " is revoked"};
  }
  if (!std::binary_search(m.counterparties.begin(), m.counterparties.end(), msg.counterparty_org)) {
    return scope("mandate.counterparties",
                 "counterparty " + crypto::key_id(msg.counterparty_org) + " not in mandate");
  }
  if (!std::binary_search(m.products.begin(), m.products.end(), msg.offer.product)) {
    return scope("mandate.products", "product '" + msg.offer.product + "' not in mandate");
  }
  if (msg.offer.currency != m.currency) {
    return scope("mandate.currency",
                 "currency " + msg.offer.currency + ", mandate currency " + m.currency);
  }
  if (msg.offer.total_minor > m.per_contract_limit_minor) {
    return scope("mandate.per_contract_limit",
                 "total " + std::to_string(msg.offer.total_minor) + " > limit " +
                     std::to_string(m.per_contract_limit_minor));
  }
  return std::nullopt;
}

std::int64_t budget_period(const Mandate& m, std::int64_t timestamp_ms) {
  PACTUM_ASSERT(m.period_ms > 0);
  // Floor division, so negative timestamps fall in the right period.
  std::int64_t since = timestamp_ms - m.valid_from_ms;  // Periods start at valid_from.
  std::int64_t q = since / m.period_ms;
  if (since % m.period_ms < 0) --q;
  return q;
}

}  // namespace pactum::protocol
