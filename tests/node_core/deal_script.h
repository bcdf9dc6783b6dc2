// Scripted negotiations for the node-core tests: builds each agent message
// against the chain built so far (hash link, round, mandate on first use).
#pragma once

#include <gtest/gtest.h>

#include "node/core/testing/testing.h"

namespace pactum::node::coretest {

using protocol::NegEvent;
using protocol::Role;
using testing::Agent;
using testing::Cluster;

inline constexpr std::int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z.
inline constexpr std::int64_t kDayMs = 86'400'000;

struct Script {
  Agent* buyer = nullptr;
  Agent* seller = nullptr;
  crypto::Digest id{};
  crypto::Digest head{};
  crypto::Digest table_terms{};
  std::uint32_t round = 0;
  bool buyer_spoke = false, seller_spoke = false;
  testing::TermsExtras extras;
  std::optional<protocol::AmendmentRef> amends;  // Set: every offer amends this contract version.

  Script(Agent& b, Agent& s, const std::string& name) : buyer(&b), seller(&s) {
    id = crypto::sha256(as_bytes("negotiation:" + name));
    std::fill(id.begin() + 16, id.end(), 0);  // Ids are 16 bytes on the wire.
  }

  // Builds the next message by `by`; the chain advances as if it applied.
  Bytes next(NegEvent kind, Role by, std::int64_t unit_price, std::int64_t qty, std::int64_t ts) {
    protocol::MessageSpec s;
    s.kind = kind;
    s.negotiation_id = id;
    s.prev_hash = head;
    s.round = ++round;
    s.buyer_org = buyer->org;
    s.seller_org = seller->org;
    s.offer = protocol::Offer{"widget", "EUR", unit_price, qty, unit_price * qty};
    s.terms_hash = table_terms;
    s.expires_ms = kT0 + kDayMs;
    s.amends = amends;
    Agent& a = by == Role::kBuyer ? *buyer : *seller;
    bool& spoke = by == Role::kBuyer ? buyer_spoke : seller_spoke;
    Bytes m = testing::agent_message(a, s, !spoke, ts, extras);
    spoke = true;
    auto ids = testing::ids_of(m);
    head = ids.message_hash;
    if (kind == NegEvent::kPropose || kind == NegEvent::kCounter) table_terms = ids.terms_hash;
    return m;
  }
  Bytes propose(std::int64_t price, std::int64_t qty, std::int64_t ts) {
    return next(NegEvent::kPropose, Role::kBuyer, price, qty, ts);
  }
  Bytes accept(Role by, std::int64_t ts) { return next(NegEvent::kAccept, by, 0, 0, ts); }
};

inline const ContractView* contract_of(const std::vector<ContractView>& all, const crypto::Digest& neg) {
  for (const auto& c : all) {
    if (c.negotiation_id == neg) return &c;
  }
  return nullptr;
}

inline std::size_t count_alarms(const Cluster::Node& n, const std::string& type) {
  std::size_t k = 0;
  for (const auto& a : n.alarms) k += a.type == type ? 1 : 0;
  return k;
}

inline std::size_t ledger_count(const Cluster::Node& n, ledger::EntryKind kind) {
  std::size_t k = 0;
  for (const auto& e : n.ledger.entries()) k += e.kind == static_cast<std::uint16_t>(kind) ? 1 : 0;
  return k;
}

}  // namespace pactum::node::coretest
