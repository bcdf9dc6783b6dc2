// Goal: over thousands of generated message sequences on interleaved
// concurrent negotiations (with replays, reorderings, forged senders, wrong
// terms, approvals, kill switches, expiry and anchoring): no acceptance
// without both parties' signatures on the same terms hash, budgets and
// exposure never exceeded, refused inputs change nothing, every refusal has a reason.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <tuple>

#include "tests/negotiation/fixture.h"

namespace pactum::protocol {
namespace {

using namespace negtest;  // NOLINT: test fixture names.
using E = NegEvent;
using S = NegState;

constexpr int kNegotiations = 3;

// Everything observable about the engine, to show a refusal changed nothing.
std::string fingerprint(const NegotiationEngine& e, const std::vector<Chain>& chains, const Mandate& ma) {
  std::string out;
  for (const Chain& c : chains) {
    const Negotiation* n = e.find(c.id);
    if (n == nullptr) {
      out += "-|";
      continue;
    }
    out += std::to_string(static_cast<int>(n->state)) + "," + std::to_string(n->transcript.size()) + "," +
           to_hex(n->head()) + "," + std::to_string(n->rounds) + "," + std::to_string(n->pending.has_value()) +
           "," + std::to_string(n->approvals.size()) + "," +
           std::to_string(e.budget().reservation(c.id).value_or(-1)) + "|";
  }
  BudgetTotals t = e.budget().totals(BudgetKey{ma.id, 0});
  out += std::to_string(t.committed_minor) + "/" + std::to_string(t.reserved_minor) + "/" +
         std::to_string(e.budget().exposure(kOrgB));
  return out;
}

// One generated step: (negotiation, action, price, quantity, variant, time step).
using Step = std::tuple<int, int, int, int, int, int>;

struct World {
  Policy policy = policy_for(kOrgB);
  NegotiationEngine engine{kOrgA, policy};
  Mandate ma = mandate(kOrgA, kAgentA, Role::kBuyer, kOrgB);
  Mandate mb = mandate(kOrgB, kAgentB, Role::kSeller, kOrgA);
  std::vector<Chain> chains;
  std::vector<NegMessage> history;  // Every message sent, for replays.
  std::int64_t now = kT0;
  std::int64_t kill_time = kT0;
  bool kill_on = false;
  int serial = 0;

  World() {
    for (int i = 0; i < kNegotiations; ++i) chains.emplace_back("p" + std::to_string(i));
  }

  NegMessage message(int i, E kind, Role who, std::int64_t price, std::int64_t qty) {
    Chain& c = chains[static_cast<std::size_t>(i)];
    c.now = now;
    NegMessage m = c.make(kind, who, price, qty);
    m.hash = digest_of("msg-" + std::to_string(++serial));
    const Negotiation* n = engine.find(c.id);
    if (n != nullptr) m.prev_hash = n->head();
    if (kind == E::kAccept && n != nullptr) {
      m.terms_hash = n->offer_terms_hash;
      m.offer = n->offer;
    }
    return m;
  }

  Decision run(const Step& s) {
    auto [i, action, price, qty, variant, dt] = s;
    now += dt;
    Chain& c = chains[static_cast<std::size_t>(i)];
    const Negotiation* n = engine.find(c.id);
    Role us = Role::kBuyer, them = Role::kSeller;
    auto send = [&](NegMessage m) {
      history.push_back(m);
      return engine.on_message(m, m.sender_role == Role::kBuyer ? ma : mb, now);
    };
    switch (action) {
      case 0: return send(message(i, E::kPropose, us, price, qty));
      case 1: return send(message(i, E::kCounter, us, price, qty));
      case 2: {
        NegMessage m = message(i, E::kAccept, us, price, qty);
        if (variant % 3 == 0) m.terms_hash = digest_of("wrong terms");
        return send(m);
      }
      case 3: return send(message(i, E::kCounter, them, price, qty));
      case 4: {
        NegMessage m = message(i, E::kAccept, them, price, qty);
        if (variant % 3 == 0) m.terms_hash = digest_of("wrong terms " + std::to_string(variant));
        return send(m);
      }
      case 5: return send(message(i, E::kReject, variant % 2 ? us : them, 0, 1));
      case 6: return send(message(i, E::kWithdraw, variant % 2 ? us : them, 0, 1));
      case 7: {  // Replay of any earlier message.
        if (history.empty()) return send(message(i, E::kPropose, them, price, qty));
        NegMessage m = history[static_cast<std::size_t>(variant) % history.size()];
        return engine.on_message(m, m.sender_role == Role::kBuyer ? ma : mb, now);
      }
      case 8: {  // Reordered: links to an older message of this negotiation.
        NegMessage m = message(i, variant % 2 ? E::kCounter : E::kAccept, variant % 4 < 2 ? us : them, price, qty);
        if (n != nullptr && !n->transcript.empty()) {
          m.prev_hash = n->transcript[static_cast<std::size_t>(variant) % n->transcript.size()].prev_hash;
        }
        return send(m);
      }
      case 9: {  // Forged: signed by a key the mandate does not empower.
        NegMessage m = message(i, variant % 2 ? E::kAccept : E::kCounter, variant % 4 < 2 ? us : them, price, qty);
        m.signer = kStranger;
        return send(m);
      }
      case 10:
      case 11: {
        NegMessage m = message(i, action == 10 ? E::kApprove : E::kDeny, us, 0, 1);
        m.signer = variant % 4 == 0 ? kStranger : kApprover;
        if (n != nullptr && n->pending) {
          m.prev_hash = n->pending->hash;
          m.terms_hash = n->pending->terms_hash;
        }
        return engine.on_approval(m, now);
      }
      case 12: {
        kill_on = !kill_on;
        kill_time += 1 + variant;
        return engine.on_kill_switch({kill_on, KillScope::kOrganization, kOrgA, kOrgA,
                                      digest_of("kill-" + std::to_string(kill_time)), kill_time});
      }
      case 13: return engine.expire(c.id, variant % 2 ? now : now + kDay);
      case 14: return engine.on_anchored(c.id);
      default: return engine.on_revocation({kOrgA, false, ma.id, {}});
    }
  }
};

void check_invariants(const World& w) {
  std::int64_t committed = 0;
  NegotiationEngine::StateCounts by_state{};  // Counted here, to check the engine's running counts.
  for (const Chain& c : w.chains) {
    const Negotiation* n = w.engine.find(c.id);
    if (n == nullptr) continue;
    ++by_state[static_cast<std::size_t>(n->state)];
    if (n->state == S::kAccepted || n->state == S::kCommitted) {
      // Both parties signed the same terms hash: an offer by one, the accept by the other.
      RC_ASSERT(n->transcript.size() >= 2u);
      const TranscriptEntry& acc = n->transcript.back();
      const TranscriptEntry& offer = n->transcript[n->transcript.size() - 2];
      RC_ASSERT(acc.kind == E::kAccept);
      RC_ASSERT(offer.kind == E::kPropose || offer.kind == E::kCounter);
      RC_ASSERT(acc.terms_hash == offer.terms_hash);
      RC_ASSERT(acc.sender != offer.sender);
      RC_ASSERT(acc.signer != offer.signer);
    }
    if (n->state == S::kCommitted) committed += n->offer.total_minor;
    RC_ASSERT(n->rounds <= w.policy.max_rounds);
    // Every link in the transcript chains to the previous message.
    for (std::size_t k = 0; k < n->transcript.size(); ++k) {
      crypto::Digest want = k == 0 ? crypto::Digest{} : n->transcript[k - 1].hash;
      RC_ASSERT(n->transcript[k].prev_hash == want);
    }
  }
  RC_ASSERT(w.engine.count_by_state() == by_state);
  BudgetTotals t = w.engine.budget().totals(BudgetKey{w.ma.id, 0});
  RC_ASSERT(t.committed_minor + t.reserved_minor <= w.ma.cumulative_limit_minor);
  RC_ASSERT(committed == t.committed_minor);
  RC_ASSERT(w.engine.budget().exposure(kOrgB) <= w.policy.max_open_exposure_minor);
}

RC_GTEST_PROP(EngineProperty, SafetyUnderGeneratedSequences, ()) {
  auto steps = *rc::gen::container<std::vector<Step>>(
      rc::gen::tuple(rc::gen::inRange(0, kNegotiations),
                     // Actions weighted toward progress so deals often close.
                     rc::gen::weightedElement<int>({{4, 0}, {3, 1}, {3, 2}, {3, 3}, {5, 4}, {1, 5},
                                                    {1, 6}, {2, 7}, {2, 8}, {2, 9}, {2, 10}, {1, 11},
                                                    {1, 12}, {1, 13}, {5, 14}, {1, 15}}),
                     rc::gen::inRange(700, 1700), rc::gen::inRange(1, 800), rc::gen::inRange(0, 1000),
                     rc::gen::inRange(0, 4000)));
  World w;
  for (const Step& s : steps) {
    std::string before = fingerprint(w.engine, w.chains, w.ma);
    Decision d = w.run(s);
    RC_ASSERT(d.policy_hash == w.engine.policy_hash());
    if (d.outcome == Outcome::kRefused || d.outcome == Outcome::kEscalated) {
      RC_ASSERT(!d.rule.empty());
      RC_ASSERT(!d.values.empty());
      RC_ASSERT(d.code != Errc::kInternal);
    }
    if (d.outcome == Outcome::kRefused || d.outcome == Outcome::kDuplicate) {
      RC_ASSERT(fingerprint(w.engine, w.chains, w.ma) == before);
    }
    check_invariants(w);
  }
  // Coverage of the interesting outcomes (printed by rapidcheck).
  bool accepted = false, committed = false, escalated = false;
  for (const Chain& c : w.chains) {
    const Negotiation* n = w.engine.find(c.id);
    if (n == nullptr) continue;
    accepted = accepted || n->state == S::kAccepted;
    committed = committed || n->state == S::kCommitted;
    escalated = escalated || !n->approvals.empty();
  }
  RC_CLASSIFY(accepted, "accepted");
  RC_CLASSIFY(committed, "committed");
  RC_CLASSIFY(escalated, "approved-or-denied");
}

// Interleaving many negotiations that all try to spend: the committed total
// never passes the cumulative limit, whatever order they close in.
RC_GTEST_PROP(EngineProperty, ConcurrentSpendingNeverOverspends, ()) {
  World w;
  const int count = *rc::gen::inRange(2, 12);
  w.chains.clear();
  for (int i = 0; i < count; ++i) w.chains.emplace_back("c" + std::to_string(i));
  auto order = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, count * 3));
  for (int x : order) {
    int i = x % count;
    int phase = x / count;
    w.now += 10;
    Step s{i, phase == 0 ? 0 : (phase == 1 ? 4 : 14), 1000, *rc::gen::inRange(100, 500), 1, 0};
    Decision d = w.run(s);
    if (d.outcome == Outcome::kRefused) RC_ASSERT(!d.rule.empty());
    check_invariants(w);
  }
}

}  // namespace
}  // namespace pactum::protocol
