// Guardrail policy: an organization's rules for what its agents may commit
// to, loaded from a TOML file (format: docs/policy.md).
//
// load_policy() parses and validates the whole file: on success every rule
// is in range and consistent (floor <= list <= ceiling, ppm <= 100%, ...);
// on error it returns kBadPolicy (or kParse for TOML syntax) with the name
// of the offending key, and no Policy. The policy hash (policy_hash())
// is SHA-256 over the canonical encoding described in docs/policy.md; it is
// recorded with every decision so a decision can be replayed.
//
// Value types; thread-compatible. Pure: no I/O (the caller reads the file).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/base.h"
#include "crypto/crypto.h"
#include "protocol/negotiation_types.h"

namespace pactum::protocol {

// Per-product price rules, in minor units of the policy currency per unit.
struct ProductRule {
  std::int64_t floor_minor = 0;            // No unit price below.
  std::int64_t ceiling_minor = 0;          // No unit price above.
  std::int64_t list_minor = 0;             // List price; the discount base.
  std::int64_t max_discount_ppm = 0;       // Seller side: price >= list * (1 - d).
};

struct Policy {
  std::int64_t version = 0;                // Operator's version number, >= 1.
  std::string currency;                    // ISO 4217 code every rule is in.
  std::uint32_t max_rounds = 0;            // Offers (propose + counters) per negotiation.
  std::int64_t max_concession_ppm = 0;     // Our own price move per round, vs our last offer.
  std::int64_t approval_threshold_minor = 0;  // Contract totals above it need an approver.
  std::int64_t max_open_exposure_minor = 0;   // Per counterparty: reserved + committed.
  std::vector<crypto::PublicKey> allowed_counterparties;  // Org root keys, sorted.
  std::vector<crypto::PublicKey> approvers;               // Approver keys, sorted.
  std::map<std::string, ProductRule> products;            // Sorted by name.

  bool counterparty_allowed(const crypto::PublicKey& org) const;
  bool is_approver(const crypto::PublicKey& key) const;
};

// Parses and validates a policy file's text. kParse on TOML syntax errors
// (with line and column), kBadPolicy naming the key for unknown keys, wrong
// types, missing keys and contradictory bounds.
Result<Policy> load_policy(std::string_view toml_text);

// The canonical byte encoding (docs/policy.md, "Canonical encoding").
Bytes policy_canonical_bytes(const Policy& p);
// SHA-256("pactum/policy/v1" || 0x00 || policy_canonical_bytes(p)).
crypto::Digest policy_hash(const Policy& p);

// ---- evaluation (policy_check.cc) ----

// Checks an offer our own side makes or accepts: currency, counterparty
// allowed, product listed, unit price within [floor, ceiling], for a seller
// the discount from list, and the concession from our last price. Returns the
// rule that fired ("policy.price_floor", ...) with its values, or nullopt.
std::optional<Refusal> check_policy_offer(const Policy& p, Role our_role,
                                          const crypto::PublicKey& counterparty, const Offer& offer,
                                          std::optional<std::int64_t> our_last_price);

// Concession limit: moving from `reference` to `price` toward the other side
// (up for a buyer, down for a seller) by more than `ppm` of `reference` fires
// `rule` (kPolicyViolation). Moves away from the other side are free.
std::optional<Refusal> check_concession(std::string_view rule, Role role, std::int64_t reference,
                                        std::int64_t price, std::int64_t ppm);

}  // namespace pactum::protocol
