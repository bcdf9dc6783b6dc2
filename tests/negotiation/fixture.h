// Shared builders for the negotiation tests: two organizations (buyer org A,
// seller org B), their agents' mandates, a policy for each side, and
// decoded messages with hashes that chain like real ones.
#pragma once

#include <algorithm>
#include <string>

#include "protocol/negotiation.h"

namespace pactum::protocol::negtest {

inline crypto::PublicKey key(std::uint8_t tag) {
  crypto::PublicKey k{};
  k.fill(tag);
  return k;
}
inline crypto::Digest digest_of(const std::string& s) { return crypto::sha256(as_bytes(s)); }

inline const crypto::PublicKey kOrgA = key(0xA0);    // Buyer organization root.
inline const crypto::PublicKey kOrgB = key(0xB0);    // Seller organization root.
inline const crypto::PublicKey kAgentA = key(0xA1);
inline const crypto::PublicKey kAgentB = key(0xB1);
inline const crypto::PublicKey kApprover = key(0xC1);
inline const crypto::PublicKey kStranger = key(0xEE);
inline constexpr std::int64_t kT0 = 1'800'000'000'000;  // Signed timestamps start here.
inline constexpr std::int64_t kDay = 86'400'000;

// A policy text both organizations use in tests (keys as base64 of key(tag)).
inline std::string policy_text(const crypto::PublicKey& counterparty, std::string extra = "") {
  return "version = 7\n"
         "currency = \"EUR\"\n"
         "max_rounds = 6\n"
         "max_concession_per_round_ppm = 100000\n"
         "approval_threshold_minor = 500000\n"
         "max_open_exposure_minor = 2000000\n"
         "allowed_counterparties = [\"" + crypto::public_key_to_text(counterparty) + "\"]\n"
         "approvers = [\"" + crypto::public_key_to_text(kApprover) + "\"]\n" + extra +
         "[products.widget]\n"
         "floor_minor = 800\n"
         "ceiling_minor = 1500\n"
         "list_minor = 1200\n"
         "max_discount_ppm = 250000\n";
}

inline Policy policy_for(const crypto::PublicKey& counterparty) {
  auto p = load_policy(policy_text(counterparty));
  PACTUM_ASSERT(p.has_value());
  return *p;
}

inline Mandate mandate(const crypto::PublicKey& org, const crypto::PublicKey& agent, Role role,
                       const crypto::PublicKey& counterparty) {
  Mandate m;
  m.id = digest_of("mandate-" + to_hex(agent));
  m.org_key = org;
  m.agent_key = agent;
  m.role = role;
  m.counterparties = {counterparty};
  m.products = {"widget"};
  m.currency = "EUR";
  m.per_contract_limit_minor = 1'000'000;
  m.cumulative_limit_minor = 1'500'000;
  m.period_ms = 30 * kDay;
  m.max_concession_ppm = 200'000;
  m.max_concession_total_ppm = 500'000;
  m.approval_threshold_minor = 800'000;
  m.approvers = {};
  m.valid_from_ms = kT0 - kDay;
  m.valid_until_ms = kT0 + 365 * kDay;
  return m;
}

// Builds the messages of one negotiation, chaining each to the last one built.
struct Chain {
  crypto::Digest id{};
  crypto::Digest head{};
  std::int64_t now = kT0;
  int counter = 0;

  crypto::Digest contract_id{};  // 16 bytes, zero-padded, as on the wire.

  explicit Chain(std::string name) : id(digest_of("neg-" + name)), contract_id(digest_of("contract-" + name)) {
    std::fill(contract_id.begin() + 16, contract_id.end(), 0);
  }

  NegMessage make(NegEvent kind, Role sender, std::int64_t unit_price, std::int64_t qty = 100) {
    NegMessage m;
    m.kind = kind;
    m.negotiation_id = id;
    m.prev_hash = kind == NegEvent::kPropose ? crypto::Digest{} : head;
    m.sender_role = sender;
    bool buyer = sender == Role::kBuyer;
    m.signer = buyer ? kAgentA : kAgentB;
    m.sender_org = buyer ? kOrgA : kOrgB;
    m.counterparty_org = buyer ? kOrgB : kOrgA;
    m.timestamp_ms = now += 1000;
    m.deadline_ms = kT0 + kDay;
    m.offer = Offer{"widget", "EUR", unit_price, qty, unit_price * qty};
    m.terms_hash = digest_of("terms-" + std::to_string(unit_price) + "x" + std::to_string(qty));
    if (kind == NegEvent::kPropose || kind == NegEvent::kCounter) m.contract_id = contract_id;
    m.size_bytes = 400;
    m.hash = digest_of(to_hex(id) + "-" + std::to_string(++counter));
    return m;
  }
  // Marks `m` as processed: the next message links to it.
  void link(const NegMessage& m) { head = m.hash; }
};

}  // namespace pactum::protocol::negtest
