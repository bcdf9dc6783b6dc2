// The simulated agents: each deal is a short script (propose; accept or
// counter; accept) whose messages are built once and re-submitted unchanged
// until the sender's node holds them durably, as a real agent retries an
// unanswered request. Out-of-policy prices are chosen on purpose: their
// refusals are the guardrails at work.
#include <algorithm>

#include "node/sim/sim_limits.h"
#include "node/sim/world.h"

namespace pactum::node::sim {

// Prices straddle the test policy's [800, 1500] so guardrails refuse some.
constexpr std::int64_t kPriceLow = 700, kPriceHigh = 1600, kCounterStep = 100;
// Quantities keep a deal under the policy's approval threshold (10^7 minor)
// while a few hundred deals reach the mandate's cumulative budget (10^9).
constexpr std::int64_t kQuantityLow = 1'000, kQuantityHigh = 6'000;
// Agent activity per step: chance to start a deal, plans advanced.
constexpr std::uint32_t kStartPermille = 250;
constexpr std::size_t kPlansPerStep = 6;
// A plan that has not moved for this long is given up by its agents.
constexpr std::int64_t kStallMs = 20'000;

std::uint32_t World::rounds_on(std::size_t node, const crypto::Digest& id) {
  if (!rounds_cached_[node]) {
    rounds_cache_[node].clear();
    for (const auto& v : nodes_[node]->core->negotiations()) rounds_cache_[node][v.id] = v.rounds;
    rounds_cached_[node] = true;
  }
  auto it = rounds_cache_[node].find(id);
  return it == rounds_cache_[node].end() ? 0 : it->second;
}

void World::on_reply(const AgentReply& r) {
  auto it = requests_.find(r.request_id);
  if (it == requests_.end()) return;
  Plan& p = plans_[it->second];
  requests_.erase(it);
  // A full disk is not a refusal of the deal: the agent just retries.
  if (!r.ok && r.code != errc_name(Errc::kLedgerDb) && ++p.refusals >= kRefusalsPerDealMax) p.abandoned = true;
}

void World::start_deal() {
  Plan p;
  p.buyer = roll(config_.buyers);
  p.seller = config_.buyers + roll(config_.sellers);
  p.id = crypto::sha256(as_bytes("sim-negotiation:" + std::to_string(config_.seed) + "/" + std::to_string(plans_.size())));
  std::fill(p.id.begin() + 16, p.id.end(), 0);  // Ids are 16 bytes on the wire.
  p.counter = roll(2) == 0;
  p.price = kPriceLow + static_cast<std::int64_t>(roll(kPriceHigh - kPriceLow + 1));
  p.counter_price = p.price + kCounterStep;
  p.quantity = kQuantityLow + static_cast<std::int64_t>(roll(kQuantityHigh - kQuantityLow + 1));
  p.last_progress_ms = now_ms_;
  plan_of_[p.id] = plans_.size();
  active_.push_back(plans_.size());
  plans_.push_back(std::move(p));
  ++report_.deals_started;
}

Bytes World::build(Plan& p, std::size_t k) {
  while (p.messages.size() <= k) {
    const std::size_t i = p.messages.size();
    const bool seller_turn = i == 1;
    const bool offer = i == 0 || (i == 1 && p.counter);
    protocol::MessageSpec s;
    s.kind = i == 0 ? protocol::NegEvent::kPropose : offer ? protocol::NegEvent::kCounter : protocol::NegEvent::kAccept;
    s.negotiation_id = p.id;
    s.prev_hash = p.head;
    s.round = static_cast<std::uint32_t>(i + 1);
    s.buyer_org = nodes_[p.buyer]->org_key.public_key();
    s.seller_org = nodes_[p.seller]->org_key.public_key();
    const std::int64_t price = i == 0 ? p.price : p.counter_price;
    if (offer) s.offer = protocol::Offer{"widget", "EUR", price, p.quantity, price * p.quantity};
    s.terms_hash = p.table_terms;
    s.expires_ms = kStartMs + kOfferLifetimeMs;
    testing::Agent& a = agents_[seller_turn ? p.seller : p.buyer];
    // The mandate rides on each agent's first message of this negotiation.
    const bool first = i <= 1;
    Bytes m = testing::agent_message(a, s, first, now_ms_);
    auto ids = testing::ids_of(m);
    p.head = ids.message_hash;
    if (offer) {
      p.table_terms = ids.terms_hash;
      offers_[ids.terms_hash] = OfferInfo{price, price * p.quantity, p.buyer, p.id};
    }
    p.hashes.push_back(ids.message_hash);
    p.messages.push_back(std::move(m));
  }
  return p.messages[k];
}

void World::advance(Plan& p) {
  for (std::size_t k = 0; k < p.total(); ++k) {
    const std::size_t actor = k == 1 ? p.seller : p.buyer;
    SimNode& n = *nodes_[actor];
    if (k < p.hashes.size() && n.ledger.holds_durable(p.hashes[k])) {
      if (k + 1 > p.next) {
        p.next = k + 1;
        p.last_progress_ms = now_ms_;
      }
      continue;
    }
    if (!n.up) return;
    const std::uint32_t rounds = rounds_on(actor, p.id);
    if (rounds >= k + 1 || rounds < k) return;  // Applied and not yet durable, or the peer's message is still to come.
    const std::uint64_t request = request_seq_++;
    requests_[request] = plan_of_[p.id];
    trace_num("submit", request);
    handle(actor, AgentSubmit{request, build(p, k)});
    rounds_cached_[actor] = false;
    return;
  }
  p.next = p.total();
}

void World::agents_act() {
  rounds_cache_.resize(nodes_.size());
  rounds_cached_.assign(nodes_.size(), false);
  if (faults_on_ && plans_.size() < config_.max_deals && chance(kStartPermille)) start_deal();
  for (std::size_t i = 0; i < kPlansPerStep && !active_.empty(); ++i) {
    const std::size_t slot = roll(active_.size());
    Plan& p = plans_[active_[slot]];
    advance(p);
    if (!p.done() && now_ms_ - p.last_progress_ms > kStallMs) p.abandoned = true;
    if (p.done()) {
      active_[slot] = active_.back();
      active_.pop_back();
    }
  }
}

}  // namespace pactum::node::sim
