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
  Bytes last;            // The last message submitted (agents retry it).
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
    p.last = s.propose(1000 + static_cast<std::int64_t>(s.id[0]), 10, ts);
    auto r = c.submit("buyer", p.last);
    RC_ASSERT(r.ok || r.code == std::string("pending"));
  } else if (p.step == 1) {
    if (state_on(c, p.seller_node, s.id) != "PROPOSED") return false;
    p.last = p.counter ? s.next(NegEvent::kCounter, Role::kSeller, 1200, 10, ts) : s.accept(Role::kSeller, ts);
    auto r = c.submit(p.seller_node, p.last);
    RC_ASSERT(r.ok || r.code == std::string("pending"));
  } else {
    if (state_on(c, "buyer", s.id) != "COUNTERED") return false;
    p.last = s.accept(Role::kBuyer, ts);
    auto r = c.submit("buyer", p.last);
    RC_ASSERT(r.ok || r.code == std::string("pending"));
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

namespace pactum::node::coretest {
namespace {

// As above, plus crashes: a node stops syncing its ledger for a while and
// then either syncs or crashes, losing what was not durable (and the agent's
// unanswered submissions, which the agent then retries).
RC_GTEST_PROP(NodeCoreProperty, CrashesLoseNothingAcknowledged, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const int deals = *rc::gen::inRange(1, 4);
  std::mt19937_64 rng(seed);
  Cluster c(seed);
  c.add("buyer", {"seller1"});
  c.add("seller1", {"buyer"});
  c.start();
  c.tick(kT0);
  Agent alice = testing::make_agent("alice", "buyer", Role::kBuyer, {c.org("seller1")}, kT0);
  Agent bob = testing::make_agent("bob", "seller1", Role::kSeller, {c.org("buyer")}, kT0);
  std::vector<Plan> plans;
  for (int i = 0; i < deals; ++i) {
    plans.push_back(Plan{Script(alice, bob, "crash/" + std::to_string(seed) + "/" + std::to_string(i)), "seller1",
                         (rng() & 1) == 0});
  }
  // Submissions not yet answered ok, by plan: (node, envelope).
  std::map<std::size_t, std::pair<std::string, Bytes>> unanswered;
  std::int64_t ts = kT0 + 1000;
  std::size_t crashes = 0;
  for (int steps = 0; steps < 20'000; ++steps) {
    bool all_done = unanswered.empty() &&
                    std::all_of(plans.begin(), plans.end(), [](const Plan& p) { return p.done(); });
    bool quiet = c.network().empty() && c.node("buyer").auto_sync && c.node("seller1").auto_sync;
    if (all_done && quiet) break;
    const unsigned roll = std::uniform_int_distribution<unsigned>(0, 99)(rng);
    const std::string who = (rng() & 1) == 0 ? "buyer" : "seller1";
    Cluster::Node& n = c.node(who);
    if (roll < 4 && crashes < 6) {
      n.auto_sync = false;  // Appends pile up undurable.
    } else if (roll < 8 && !n.auto_sync) {
      n.auto_sync = true;
      if ((rng() & 1) == 0) {
        ++crashes;
        c.crash_and_restart(who);
      } else {
        c.sync(n);
      }
    } else if (roll < 30 || c.network().empty()) {
      std::size_t i = std::uniform_int_distribution<std::size_t>(0, plans.size() - 1)(rng);
      if (auto it = unanswered.find(i); it != unanswered.end()) {
        auto r = c.submit(it->second.first, it->second.second);  // The agent retries.
        if (r.ok) unanswered.erase(it);
        continue;
      }
      Plan& p = plans[i];
      if (p.done()) continue;
      const int before = p.step;
      const std::size_t replies = c.node("buyer").replies.size() + c.node("seller1").replies.size();
      if (!try_advance(c, p, ts += 10)) continue;
      (void)before;
      // The submission just made: answered ok now, or retried until it is.
      const bool answered = c.node("buyer").replies.size() + c.node("seller1").replies.size() > replies;
      if (!answered) {
        const std::string node = p.step == 2 ? p.seller_node : "buyer";
        unanswered[i] = {node, p.last};
      }
    } else {
      c.step_random(rng, 10);
    }
  }
  if (std::getenv("NODE_CORE_DEBUG") != nullptr) {
    for (const Plan& p : plans) {
      std::fprintf(stderr, "plan step %d counter %d unanswered %zu net %zu crashes %zu\n", p.step, p.counter ? 1 : 0,
                   unanswered.size(), c.network().size(), crashes);
      for (const char* nm : {"buyer", "seller1"})
        std::fprintf(stderr, " %s entries %zu durable %zu refusals %llu deals %zu\n", nm, c.node(nm).ledger.entries().size(),
                     c.node(nm).ledger.durable_size(), (unsigned long long)c.node(nm).core->stats().refusals,
                     c.node(nm).core->negotiations().size());
      for (const char* nm : {"buyer", "seller1"})
        for (const auto& v : c.node(nm).core->negotiations())
          std::fprintf(stderr, "  %s %s rounds %u auto %d\n", nm, v.state.c_str(), v.rounds, c.node(nm).auto_sync ? 1 : 0);
    }
  }
  RC_ASSERT(unanswered.empty());
  RC_ASSERT(c.network().empty());
  for (const Plan& p : plans) {
    RC_ASSERT(p.done());
    auto buyers = c.node("buyer").core->contracts();  // Owned here: contract_of points into it.
    const ContractView* b = contract_of(buyers, p.script.id);
    auto sellers = c.node("seller1").core->contracts();
    const ContractView* s = contract_of(sellers, p.script.id);
    RC_ASSERT(b != nullptr);
    RC_ASSERT(s != nullptr);
    RC_ASSERT(b->id == s->id);
    RC_ASSERT(b->settlement_digest == s->settlement_digest);
    RC_ASSERT(b->settlement_status == std::string("agreed"));
    RC_ASSERT(s->settlement_status == std::string("agreed"));
  }
  for (const char* name : {"buyer", "seller1"}) {
    const auto& node = c.node(name);
    RC_ASSERT(node.alarms.empty());
    RC_ASSERT(node.core->contracts().size() == plans.size());
    RC_ASSERT(ledger_count(node, ledger::EntryKind::kContractAnchor) == plans.size());
  }
}

}  // namespace
}  // namespace pactum::node::coretest
