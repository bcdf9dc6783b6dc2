// The invariants the simulator checks: after every step (ledgers verify, no
// acknowledged entry lost, no contract without both parties' signed
// messages, guardrails and budgets hold) and at quiescence (both parties hold
// the same contracts with equal, agreed settlement and escrow digests).
#include <algorithm>

#include "node/sim/world.h"

namespace pactum::node::sim {
namespace {

// The mandate's cumulative limit (node/core/testing make_agent) and the test
// policy's price range (testing::test_policy).
constexpr std::int64_t kBudgetMinor = 1'000'000'000;
constexpr std::int64_t kPerContractMinor = 100'000'000;
constexpr std::int64_t kFloorMinor = 800, kCeilingMinor = 1'500;

// RFC 6962 Merkle tree hash, computed independently of ledger::MemoryTree.
crypto::Digest mth(const std::vector<crypto::Digest>& leaves, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1) return leaves[lo];
  std::size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return ledger::node_hash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

}  // namespace

bool World::check_ledger(std::size_t i, bool full) {
  SimNode& n = *nodes_[i];
  const auto& entries = n.ledger.entries();
  // No acknowledged entry is lost: every acknowledged index still holds the
  // same leaf, durably.
  for (const auto& [index, leaf] : n.acked) {
    if (index >= entries.size() || !entries[index].durable || entries[index].leaf != leaf) {
      return fail("acknowledged-entry-kept", n.name + " lost acknowledged entry " + std::to_string(index) + " (ledger holds " +
                                                 std::to_string(entries.size()) + ")");
    }
  }
  // The hash chain: each entry's leaf is the hash of its encoding, linked to
  // its predecessor's leaf; ids are unique.
  for (std::uint64_t k = full ? 0 : n.verified; k < entries.size(); ++k) {
    const auto& s = entries[k];
    ledger::Entry e;
    e.index = k;
    e.kind = static_cast<ledger::EntryKind>(s.kind);
    e.prev_hash = k == 0 ? ledger::Hash{} : entries[k - 1].leaf;
    e.id = s.id;
    e.payload = s.payload;
    if (s.index != k || ledger::leaf_hash(ledger::encode_entry(e)) != s.leaf) {
      return fail("ledger-verifies", n.name + " entry " + std::to_string(k) + " does not match its chained leaf hash");
    }
  }
  n.verified = entries.size();
  if (full) {
    std::set<crypto::Digest> ids;
    std::vector<crypto::Digest> leaves;
    for (const auto& s : entries) {
      if (!ids.insert(s.id).second) return fail("ledger-verifies", n.name + " holds entry id twice at " + std::to_string(s.index));
      if (s.durable) leaves.push_back(s.leaf);
    }
    auto note = n.ledger.checkpoint(n.node_key, n.name);
    auto vk = ledger::make_verifier_key(n.name, n.node_key.public_key());
    auto cp = vk ? ledger::open_checkpoint(std::string(note.signed_note.begin(), note.signed_note.end()), *vk)
                 : Result<ledger::Checkpoint>(Fail(Errc::kInternal, "verifier key"));
    const crypto::Digest root = leaves.empty() ? ledger::empty_root() : mth(leaves, 0, leaves.size());
    if (!cp || cp->size != leaves.size() || cp->root != root) {
      return fail("ledger-verifies", n.name + " checkpoint does not match the Merkle tree of its durable entries");
    }
  }
  return true;
}

bool World::check_contracts(std::size_t i) {
  SimNode& n = *nodes_[i];
  for (const ContractView& c : n.core->contracts()) {
    const std::string what = n.name + " contract " + to_hex(ByteSpan(c.negotiation_id.data(), 16));
    auto plan = plan_of_.find(c.negotiation_id);
    auto offer = offers_.find(c.id);
    if (plan == plan_of_.end() || offer == offers_.end() || offer->second.negotiation != c.negotiation_id) {
      return fail("signed-by-both", what + " has terms no agent of this negotiation offered");
    }
    // Both parties signed: the offer of these terms by one, the accept by
    // the other, both in this node's ledger.
    const Plan& p = plans_[plan->second];
    const std::size_t last = p.total() - 1;
    if (p.hashes.size() <= last || !n.ledger.holds(p.hashes[last]) || !n.ledger.holds(p.hashes[last - 1])) {
      return fail("signed-by-both", what + " is committed without both parties' signed offer and accept in its ledger");
    }
    const std::int64_t price = offer->second.price;
    if (price < kFloorMinor || price > kCeilingMinor || offer->second.total > kPerContractMinor) {
      return fail("guardrails", what + " at unit price " + std::to_string(price) + " total " + std::to_string(offer->second.total));
    }
  }
  return true;
}

bool World::check_step() {
  ++report_.invariant_checks;
  // Every kFullCheckEvery steps the whole ledger is re-verified (a silent
  // corruption of an old entry); in between only the new entries.
  constexpr std::uint64_t kFullCheckEvery = 256;
  bool contracts_changed = false;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    SimNode& n = *nodes_[i];
    if (!check_ledger(i, step_ % kFullCheckEvery == 0)) return false;
    if (!n.up) continue;
    // Contracts only change when the core says so (its count) or it restarts.
    const std::uint64_t count = n.core->stats().contracts;
    if (count == n.contracts_checked && n.incarnation == n.incarnation_checked) continue;
    if (!check_contracts(i)) return false;
    n.contracts_checked = count;
    n.incarnation_checked = n.incarnation;
    contracts_changed = true;
  }
  if (!contracts_changed && step_ % kFullCheckEvery != 0) return true;
  // Budgets: what each buyer node committed stays within its agent's mandate.
  for (std::size_t i = 0; i < config_.buyers; ++i) {
    if (!nodes_[i]->up) continue;
    std::int64_t spent = 0;
    for (const ContractView& c : nodes_[i]->core->contracts()) spent += offers_.at(c.id).total;
    if (spent > kBudgetMinor) {
      return fail("budget", nodes_[i]->name + " committed " + std::to_string(spent) + " > mandate budget " + std::to_string(kBudgetMinor));
    }
  }
  return true;
}

bool World::check_end() {
  std::map<std::pair<crypto::Digest, std::size_t>, ContractView> all;  // (negotiation, node) -> view.
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!check_ledger(i, true)) return false;
    for (const ContractView& c : nodes_[i]->core->contracts()) all[{c.negotiation_id, i}] = c;
  }
  for (const Plan& p : plans_) {
    auto b = all.find({p.id, p.buyer});
    auto s = all.find({p.id, p.seller});
    const std::string what = "negotiation " + to_hex(ByteSpan(p.id.data(), 16));
    if ((b == all.end()) != (s == all.end())) {
      return fail("same-contracts", what + " committed only by " + nodes_[b == all.end() ? p.seller : p.buyer]->name);
    }
    if (b == all.end()) continue;
    const ContractView& x = b->second;
    const ContractView& y = s->second;
    if (x.id != y.id) return fail("same-contracts", what + " has different terms on the two sides");
    if (!x.peer_anchored || !y.peer_anchored) return fail("anchored-both", what + " lacks a peer anchor receipt");
    if (x.settlement_digest != y.settlement_digest || x.settlement_status != "agreed" || y.settlement_status != "agreed" ||
        x.peer_settlement_digest != y.settlement_digest || x.invoiced_total_minor != y.invoiced_total_minor) {
      return fail("settlement-agrees", what + " statuses " + x.settlement_status + "/" + y.settlement_status);
    }
    if (x.escrow_digest != y.escrow_digest || x.escrow_state != y.escrow_state) {
      return fail("escrow-agrees", what + " escrow " + x.escrow_state + "/" + y.escrow_state);
    }
    ++report_.contracts;
  }
  std::size_t held = all.size();
  if (held != 2 * report_.contracts) return fail("same-contracts", "a node holds a contract of no simulated deal");
  return true;
}

}  // namespace pactum::node::sim
