// Mandates: what an organization lets one agent do, signed by the
// organization's root key; and the set of revoked mandates.
//
// A Mandate here is decoded and its signature already verified (by the
// wire decoder, negotiation_wire.cc); check_mandate() checks that it covers
// one message: right organization and agent, role, counterparty, product,
// currency, per-contract limit, validity window, not revoked. Budgets per
// period are the BudgetBook's job; concession and approval limits are
// applied by the engine with the policy's.
//
// Value types and pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocol/negotiation_types.h"

namespace pactum::protocol {

struct Mandate {
  crypto::Digest id{};                    // SHA-256 of the signed mandate.
  crypto::PublicKey org_key{};            // Signer: the organization's root key.
  crypto::PublicKey agent_key{};          // The agent it empowers.
  Role role = Role::kBuyer;
  std::vector<crypto::PublicKey> counterparties;  // Org root keys, sorted.
  std::vector<std::string> products;              // Sorted.
  std::string currency;
  std::int64_t per_contract_limit_minor = 0;      // Contract total at most this.
  std::int64_t cumulative_limit_minor = 0;        // Per period, committed + reserved.
  std::int64_t period_ms = 0;                     // Budget period length; periods start at valid_from_ms.
  std::int64_t max_concession_ppm = 0;            // Own price move per round.
  std::int64_t max_concession_total_ppm = 0;      // Own price move from our first offer.
  std::int64_t approval_threshold_minor = 0;      // Totals above it escalate.
  std::vector<crypto::PublicKey> approvers;       // Whose approvals count, sorted.
  std::int64_t valid_from_ms = 0;
  std::int64_t valid_until_ms = 0;                // Exclusive.
  std::uint32_t max_rounds = 0;                   // 0: the policy's limit applies.
};

// Revoked mandates and keys, learned from signed revocations. An
// organization can only revoke what it issued, so entries are keyed by the
// issuing org root key. Ordered sets keep the engine deterministic.
class RevocationSet {
 public:
  void revoke_mandate(const crypto::PublicKey& org, const crypto::Digest& mandate_id) {
    mandates_.insert({org, mandate_id});
  }
  void revoke_key(const crypto::PublicKey& org, const crypto::PublicKey& key) {
    keys_.insert({org, key});
  }
  // True if the mandate, or the agent key it empowers, is revoked by its org.
  bool is_revoked(const crypto::PublicKey& org, const crypto::Digest& mandate_id,
                  const crypto::PublicKey& agent_key) const {
    return mandates_.count({org, mandate_id}) != 0 || keys_.count({org, agent_key}) != 0;
  }
  std::size_t size() const { return mandates_.size() + keys_.size(); }

 private:
  std::set<std::pair<crypto::PublicKey, crypto::Digest>> mandates_;
  std::set<std::pair<crypto::PublicKey, crypto::PublicKey>> keys_;
};

// kInvalidArgument-free structural check: period > 0, window non-empty,
// limits non-negative, ppm <= 100%, lists sorted and bounded.
std::optional<Refusal> validate_mandate(const Mandate& m);

// Does mandate `m` let the sender of `msg` do what `msg` does at `msg`'s
// signed time? Checks, in order: structure, org (expected_org), agent key ==
// signer, role, validity window, revocation (only for propose/counter/accept;
// a revoked agent may still reject or withdraw), and for offers the
// counterparty, product, currency and per-contract limit. Returns the rule
// that fired, or nullopt.
std::optional<Refusal> check_mandate(const Mandate& m, const crypto::PublicKey& expected_org,
                                     const NegMessage& msg, const RevocationSet& revoked);

// The budget period a timestamp falls in. REQUIRES: period_ms > 0.
std::int64_t budget_period(const Mandate& m, std::int64_t timestamp_ms);

}  // namespace pactum::protocol
