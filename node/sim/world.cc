// The simulated federation: nodes, the seeded network and clock, the faults,
// and the main loop of run_simulation().
#include "node/sim/world.h"

#include <algorithm>
#include <cstdio>

#include "node/sim/sim_limits.h"

namespace pactum::node::sim {

SimNode::SimNode(std::string n, bool b)
    : name(std::move(n)),
      buyer(b),
      org_key(testing::key_from_name("org:" + name)),
      node_key(testing::key_from_name("node:" + name)) {}

World::World(const SimConfig& config, const SimHooks& hooks) : config_(config), hooks_(hooks), rng_(config.seed) {
  now_ms_ = kStartMs;
  for (std::uint32_t i = 0; i < config_.buyers; ++i) nodes_.push_back(std::make_unique<SimNode>("b" + std::to_string(i), true));
  for (std::uint32_t i = 0; i < config_.sellers; ++i) nodes_.push_back(std::make_unique<SimNode>("s" + std::to_string(i), false));
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    SimNode& n = *nodes_[i];
    std::vector<crypto::PublicKey> keys;
    for (std::size_t j = 0; j < nodes_.size(); ++j) {
      if (nodes_[j]->buyer == n.buyer) continue;
      n.partners.push_back(j);
      keys.push_back(nodes_[j]->org_key.public_key());
    }
    n.policy = testing::test_policy(keys);
    n.certificate = testing::node_certificate(n.org_key, n.node_key, n.name);
    agents_.push_back(testing::make_agent("agent:" + n.name, n.name, n.buyer ? protocol::Role::kBuyer : protocol::Role::kSeller,
                                          keys, kStartMs));
  }
}

void World::trace(std::string_view tag, ByteSpan bytes) {
  trace_.update(as_bytes(tag));
  trace_num("len", bytes.size());
  trace_.update(bytes);
}

void World::trace_num(std::string_view tag, std::uint64_t v) {
  std::uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
  trace_.update(as_bytes(tag));
  trace_.update(ByteSpan(b, 8));
}

void World::create_core(SimNode& n) {
  n.nonces = std::make_unique<testing::SeededNonces>(config_.seed * 1'000'003ULL + std::hash<std::string>{}(n.name) +
                                                     (static_cast<std::uint64_t>(n.incarnation) << 40));
  CoreConfig c;
  c.node_name = n.name;
  c.org_root = n.org_key.public_key();
  c.node_key = &n.node_key;
  c.node_certificate = n.certificate;
  c.policy_toml = to_bytes(n.policy);
  for (std::size_t p : n.partners) c.partners.push_back(Partner{nodes_[p]->name, nodes_[p]->org_key.public_key()});
  c.nonces = n.nonces.get();
  c.proofs = &n.ledger;
  auto core = NodeCore::create(c);
  PACTUM_ASSERT(core.has_value());
  n.core = std::move(*core);
  for (const auto& s : n.ledger.entries()) {
    auto r = n.core->restore(s.index, s.kind, s.payload);
    if (!r) fail("restore", n.name + " entry " + std::to_string(s.index) + ": " + r.error().detail);
  }
  n.checkpointed = 0;
  n.up = true;
  n.ledger_failed = false;
}

void World::handle(std::size_t i, const Event& e) {
  SimNode& n = *nodes_[i];
  if (!n.up) return;
  trace_num("event", i * 16 + e.index());
  std::vector<Effect> effects = n.core->handle(e);
  for (Effect& fx : effects) {
    trace_num("effect", fx.index());
    if (auto* s = std::get_if<SendToPeer>(&fx)) {
      trace("send", s->envelope);
      for (std::size_t j : n.partners) {
        if (nodes_[j]->org_key.public_key() == s->to) send(i, j, std::move(s->envelope));
      }
    } else if (auto* a = std::get_if<AppendToLedger>(&fx)) {
      trace("append", a->payload);
      if (n.disk_full_until > now_ms_) {
        n.ledger.refuse(*a, "disk full");
        ++report_.appends_failed;
      } else {
        n.ledger.append(*a);
      }
    } else if (auto* r = std::get_if<AgentReply>(&fx)) {
      trace(r->ok ? "reply-ok" : "reply-refused", as_bytes(r->code));
      if (!r->ok) ++report_.refusals;
      on_reply(*r);
    } else if (auto* al = std::get_if<Alarm>(&fx)) {
      trace("alarm", as_bytes(al->type));
      if (al->type == "ledger-failure") {
        n.ledger_failed = true;
      } else {
        fail("no-false-alarm", n.name + " raised " + al->type + ": " + al->detail);
      }
    } else {
      trace("notice", {});
    }
  }
}

bool World::linked(std::size_t a, std::size_t b) const {
  if (!nodes_[a]->up || !nodes_[b]->up) return false;
  return partitioned_.count({std::min(a, b), std::max(a, b)}) == 0 && reconnect_.count({std::min(a, b), std::max(a, b)}) == 0;
}

void World::send(std::size_t from, std::size_t to, Bytes envelope) {
  if (!linked(from, to)) {
    ++report_.packets_lost;  // The link is down: the next connect's catch-up re-sends.
    return;
  }
  if (faults_on_ && chance(config_.loss_permille)) {
    ++report_.packets_lost;
    // A lost packet means a broken connection: it is re-established later.
    reconnect_[{std::min(from, to), std::max(from, to)}] = now_ms_ + 1 + static_cast<std::int64_t>(roll(kReconnectMaxMs));
    trace_num("lost", from * 16 + to);
    return;
  }
  const std::uint64_t copies = faults_on_ && chance(config_.duplicate_permille) ? 2 : 1;
  report_.packets_duplicated += copies - 1;
  for (std::uint64_t c = 0; c < copies; ++c) {
    const std::int64_t delay = 1 + static_cast<std::int64_t>(roll(faults_on_ ? config_.max_delay_ms : 1));
    in_flight_[{now_ms_ + delay, packet_seq_++}] = Packet{to, from, c + 1 == copies ? std::move(envelope) : envelope};
  }
}

void World::deliver_due() {
  while (!in_flight_.empty() && in_flight_.begin()->first.first <= now_ms_) {
    Packet p = std::move(in_flight_.begin()->second);
    in_flight_.erase(in_flight_.begin());
    if (!linked(p.from, p.to)) continue;  // Cut while in flight.
    ++report_.packets_delivered;
    handle(p.to, PeerMessage{nodes_[p.from]->org_key.public_key(), std::move(p.envelope)});
  }
}

void World::sync(std::size_t i) {
  SimNode& n = *nodes_[i];
  if (!n.up) return;
  for (const AppendDone& d : n.ledger.sync()) {
    if (d.ok) n.acked[d.index] = d.entry_hash;
    handle(i, d);
  }
  if (n.ledger.durable_size() > n.checkpointed) {
    n.checkpointed = n.ledger.durable_size();
    handle(i, n.ledger.checkpoint(n.node_key, n.name));
  }
}

void World::crash(std::size_t i) {
  SimNode& n = *nodes_[i];
  if (!n.up) return;
  ++report_.crashes;
  trace_num("crash", i);
  n.ledger.crash();
  n.core.reset();
  n.up = false;
  n.restart_at = now_ms_ + 1 + static_cast<std::int64_t>(roll(kRestartMaxMs));
}

void World::restart(std::size_t i) {
  SimNode& n = *nodes_[i];
  trace_num("restart", i);
  ++n.incarnation;
  create_core(n);
  n.verified = std::min<std::uint64_t>(n.verified, n.ledger.entries().size());
  handle(i, Tick{now_ms_});
  for (std::size_t p : n.partners) {
    if (linked(i, p)) connect(i, p);
  }
}

void World::connect(std::size_t a, std::size_t b) {
  trace_num("connect", a * 16 + b);
  handle(a, PeerConnected{nodes_[b]->org_key.public_key(), {}});
  handle(b, PeerConnected{nodes_[a]->org_key.public_key(), {}});
}

void World::inject_faults() {
  const std::size_t n = nodes_.size();
  if (chance(config_.crash_permille)) crash(roll(n));
  if (chance(config_.disk_full_permille)) {
    SimNode& d = *nodes_[roll(n)];
    if (d.up && d.disk_full_until <= now_ms_) {
      ++report_.disk_full_periods;
      d.disk_full_until = now_ms_ + 1 + static_cast<std::int64_t>(roll(kDiskFullMaxMs));
    }
  }
  if (chance(config_.partition_permille)) {
    std::size_t b = roll(config_.buyers);
    std::size_t s = config_.buyers + roll(config_.sellers);
    if (partitioned_.emplace(std::make_pair(b, s), now_ms_ + 1 + static_cast<std::int64_t>(roll(kPartitionMaxMs))).second) {
      ++report_.partitions;
      trace_num("partition", b * 16 + s);
    }
  }
}

void World::timers() {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    SimNode& n = *nodes_[i];
    // A full disk needs no restart: the core retries its failed appends.
    if (!n.up && n.restart_at <= now_ms_) restart(i);
  }
  for (auto* links : {&partitioned_, &reconnect_}) {
    for (auto it = links->begin(); it != links->end();) {
      if (it->second > now_ms_) {
        ++it;
        continue;
      }
      auto [a, b] = it->first;
      it = links->erase(it);
      if (linked(a, b)) connect(a, b);
    }
  }
}

void World::heal_all() {
  faults_on_ = false;
  for (auto& n : nodes_) n->disk_full_until = std::min(n->disk_full_until, now_ms_);
  for (auto& [pair, at] : partitioned_) at = now_ms_;
  for (auto& [pair, at] : reconnect_) at = now_ms_;
  for (auto& n : nodes_) {
    if (!n->up) n->restart_at = now_ms_;
  }
  timers();
}

void World::inject_bug() {
  if (hooks_.bug == InjectedBug::kNone || step_ != hooks_.bug_step) return;
  // The node with the most durable entries, so the corruption hits real data.
  std::size_t victim = 0;
  for (std::size_t i = 1; i < nodes_.size(); ++i) {
    if (nodes_[i]->ledger.durable_size() > nodes_[victim]->ledger.durable_size()) victim = i;
  }
  switch (hooks_.bug) {
    case InjectedBug::kNone:
      return;
    case InjectedBug::kDropDurableEntry:
      nodes_[victim]->ledger.drop_last_durable();
      return;
    case InjectedBug::kTamperDurableEntry:
      nodes_[victim]->ledger.flip_payload_byte(0);
      return;
  }
}

SimReport World::run() {
  for (std::size_t i = 0; i < nodes_.size(); ++i) create_core(*nodes_[i]);
  for (std::size_t i = 0; i < nodes_.size(); ++i) handle(i, Tick{now_ms_});
  for (std::size_t i = 0; i < config_.buyers; ++i) {
    for (std::size_t p : nodes_[i]->partners) connect(i, p);
  }
  const std::uint64_t total = config_.steps + kHealStepsMax;
  std::uint64_t quiet = 0;
  for (step_ = 0; step_ < total && report_.ok; ++step_) {
    if (step_ == config_.steps) heal_all();
    now_ms_ += 1 + static_cast<std::int64_t>(roll(kStepMaxMs));
    trace_num("step", step_);
    if (faults_on_) inject_faults();
    inject_bug();
    timers();
    for (std::size_t i = 0; i < nodes_.size(); ++i) handle(i, Tick{now_ms_});
    deliver_due();
    agents_act();
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (!faults_on_ || chance(kSyncPermille)) sync(i);
    }
    if (report_.ok && config_.check_every_step) check_step();
    if (config_.verbose && step_ % 1000 == 0) {
      std::fprintf(stderr, "sim seed %llu step %llu: plans %zu active %zu in flight %zu contracts(b0) %zu\n",
                   static_cast<unsigned long long>(config_.seed), static_cast<unsigned long long>(step_), plans_.size(),
                   active_.size(), in_flight_.size(), nodes_[0]->up ? nodes_[0]->core->contracts().size() : 0);
    }
    if (!faults_on_) {
      bool idle = in_flight_.empty() && std::all_of(plans_.begin(), plans_.end(), [](const Plan& p) { return p.done(); });
      for (auto& n : nodes_) idle = idle && !n->ledger.has_unacked();
      quiet = idle ? quiet + 1 : 0;
      if (quiet >= kQuietSteps) break;
    }
  }
  report_.steps = step_;
  if (report_.ok && step_ >= total) fail("quiescence", "no quiescence within " + std::to_string(kHealStepsMax) + " healing steps");
  if (report_.ok) check_step();
  if (report_.ok) check_end();
  for (auto& n : nodes_) report_.ledger_entries += n->ledger.entries().size();
  report_.trace = trace_.finish();
  return report_;
}

bool World::fail(const std::string& invariant, const std::string& detail) {
  if (report_.ok) {
    report_.ok = false;
    report_.failed_step = step_;
    report_.failure = "seed " + std::to_string(config_.seed) + " step " + std::to_string(step_) + ": " + invariant + ": " + detail;
  }
  return false;
}

SimReport run_simulation(const SimConfig& config, const SimHooks& hooks) {
  World w(config, hooks);
  return w.run();
}

std::string describe(const SimConfig& config, const SimReport& r) {
  return "seed " + std::to_string(config.seed) + (r.ok ? " ok" : " FAILED") + " steps=" + std::to_string(r.steps) +
         " deals=" + std::to_string(r.deals_started) + " contracts=" + std::to_string(r.contracts) +
         " delivered=" + std::to_string(r.packets_delivered) + " lost=" + std::to_string(r.packets_lost) +
         " duplicated=" + std::to_string(r.packets_duplicated) + " partitions=" + std::to_string(r.partitions) +
         " crashes=" + std::to_string(r.crashes) + " disk_full=" + std::to_string(r.disk_full_periods) +
         " appends_failed=" + std::to_string(r.appends_failed) + " refusals=" + std::to_string(r.refusals) +
         " entries=" + std::to_string(r.ledger_entries) + " checks=" + std::to_string(r.invariant_checks) +
         " trace=" + to_hex(r.trace) + (r.ok ? "" : "\n  " + r.failure);
}

}  // namespace pactum::node::sim
