// Goal: whatever the network does -- any interleaving, duplicated packets,
// reconnects that trigger catch-up -- both parties of every deal end with the
// same contracts, the same settlement digests and an "agreed" status, and no
// ledger holds an entry twice.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "tests/node_core/deal_script.h"

namespace pactum::node::coretest {
namespace {

struct Plan {
  Script script;
  std::string seller_node;
  bool counter = false;  // propose -> counter -> buyer accepts, else propose -> seller accepts.
  int step = 0;          // Messages submitted so far.
  bool done() const { return step == (counter ? 3 : 2); }
};

std::string state_on(Cluster& c, const std::string& node, const crypto::Digest& id) {
  for (const auto& n : c.node(node).core->negotiations()) {
    if (n.id == id) return n.state;
  }
  return "";
}

// Submits the plan's next message if the acting agent's node is ready for it.
bool try_advance(Cluster& c, Plan& p, std::int64_t ts) {
  Script& s = p.script;
  if (p.step == 0) {
    RC_ASSERT(c.submit("buyer", s.propose(1000 + static_cast<std::int64_t>(s.id[0]), 10, ts)).ok);
  } else if (p.step == 1) {
    if (state_on(c, p.seller_node, s.id) != "PROPOSED") return false;
    Bytes m = p.counter ? s.next(NegEvent::kCounter, Role::kSeller, 1200, 10, ts) : s.accept(Role::kSeller, ts);
    auto r = c.submit(p.seller_node, m);
    RC_ASSERT(r.ok);
  } else {
    if (state_on(c, "buyer", s.id) != "COUNTERED") return false;
    RC_ASSERT(c.submit("buyer", s.accept(Role::kBuyer, ts)).ok);
  }
  ++p.step;
  return true;
}

RC_GTEST_PROP(NodeCoreProperty, RandomDeliveryConverges, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const int deals = *rc::gen::inRange(1, 5);
  const unsigned dup_percent = *rc::gen::inRange(0u, 40u);
  std::mt19937_64 rng(seed);
  Cluster c(seed);
  c.add("buyer", {"seller1", "seller2"});
  c.add("seller1", {"buyer"});
  c.add("seller2", {"buyer"});
  c.start();
  c.tick(kT0);
  Agent alice = testing::make_agent("alice", "buyer", Role::kBuyer, {c.org("seller1"), c.org("seller2")}, kT0);
  Agent bob = testing::make_agent("bob", "seller1", Role::kSeller, {c.org("buyer")}, kT0);
  Agent carol = testing::make_agent("carol", "seller2", Role::kSeller, {c.org("buyer")}, kT0);
  std::vector<Plan> plans;
  for (int i = 0; i < deals; ++i) {
    bool first = (rng() & 1) == 0;
    plans.push_back(Plan{Script(alice, first ? bob : carol, std::to_string(seed) + "/" + std::to_string(i)),
                         first ? "seller1" : "seller2", (rng() & 1) == 0});
  }
  std::int64_t ts = kT0 + 1000;
  for (int steps = 0; steps < 20'000; ++steps) {
    bool all_done = std::all_of(plans.begin(), plans.end(), [](const Plan& p) { return p.done(); });
    if (all_done && c.network().empty()) break;
    const unsigned roll = std::uniform_int_distribution<unsigned>(0, 99)(rng);
    if (roll < 25 || c.network().empty()) {
      Plan& p = plans[std::uniform_int_distribution<std::size_t>(0, plans.size() - 1)(rng)];
      if (!p.done()) try_advance(c, p, ts += 10);
      if (c.network().empty() && all_done) break;
      continue;
    }
    if (roll < 27) {
      c.connect("buyer", (rng() & 1) == 0 ? "seller1" : "seller2");  // Catch-up re-sends.
      continue;
    }
    c.step_random(rng, dup_percent);
  }
  RC_ASSERT(c.network().empty());
  for (const Plan& p : plans) {
    RC_ASSERT(p.done());
    auto buyer = c.node("buyer").core->contracts();
    auto seller = c.node(p.seller_node).core->contracts();
    const ContractView* b = contract_of(buyer, p.script.id);
    const ContractView* s = contract_of(seller, p.script.id);
    RC_ASSERT(b != nullptr);
    RC_ASSERT(s != nullptr);
    RC_ASSERT(b->id == p.script.table_terms);
    RC_ASSERT(s->id == b->id);
    RC_ASSERT(b->settlement_digest == s->settlement_digest);
    RC_ASSERT(b->settlement_status == std::string("agreed"));
    RC_ASSERT(s->settlement_status == std::string("agreed"));
    RC_ASSERT(b->peer_anchored && s->peer_anchored);
    RC_ASSERT(b->invoiced_total_minor == s->invoiced_total_minor);
  }
  std::size_t seller_contracts = 0;
  for (const char* n : {"buyer", "seller1", "seller2"}) {
    const auto& node = c.node(n);
    RC_ASSERT(node.alarms.empty());
    std::set<crypto::Digest> ids;
    for (const auto& e : node.ledger.entries()) RC_ASSERT(ids.insert(e.id).second);
    if (std::string(n) != "buyer") seller_contracts += node.core->contracts().size();
  }
  RC_ASSERT(c.node("buyer").core->contracts().size() == plans.size());
  RC_ASSERT(seller_contracts == plans.size());
}

}  // namespace
}  // namespace pactum::node::coretest
