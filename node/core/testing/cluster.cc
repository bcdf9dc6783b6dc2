// Cluster: several node cores wired through an in-memory network and fake
// ledgers, driven deterministically by tests and the simulator.
#include "node/core/testing/testing.h"

namespace pactum::node::testing {

Cluster::Node& Cluster::add(const std::string& name, const std::vector<std::string>& partners) {
  auto n = std::make_unique<Node>(name);
  n->partners = partners;
  std::vector<crypto::PublicKey> keys;
  for (const auto& p : partners) keys.push_back(key_from_name("org:" + p).public_key());
  n->policy = test_policy(keys);
  n->certificate = node_certificate(n->org_key, n->node_key, name);
  Node& ref = *n;
  nodes_[name] = std::move(n);
  return ref;
}

void Cluster::create_core(Node& n) {
  // The seed mixes in the name through SHA-256, which (unlike std::hash) is
  // the same on every platform, so a seed replays anywhere.
  n.nonces = std::make_unique<SeededNonces>(seed_ * 1'000'003ULL + from_be64(crypto::sha256(as_bytes(n.name))));
  CoreConfig c;
  c.node_name = n.name;
  c.org_root = n.org_key.public_key();
  c.node_key = &n.node_key;
  c.node_certificate = n.certificate;
  c.policy_toml = to_bytes(n.policy);
  for (const auto& p : n.partners) c.partners.push_back(Partner{p, org(p)});
  c.nonces = n.nonces.get();
  c.proofs = &n.ledger;
  auto core = NodeCore::create(c);
  PACTUM_ASSERT(core.has_value());
  n.core = std::move(*core);
  for (const auto& s : n.ledger.entries()) {
    auto r = n.core->restore(s.index, s.kind, s.payload);
    PACTUM_ASSERT(r.has_value());
  }
  n.checkpointed = 0;
}

void Cluster::start() {
  for (auto& [name, n] : nodes_) create_core(*n);
  if (now_ms_ != 0) tick(now_ms_);
  for (auto& [name, n] : nodes_) {
    for (const auto& p : n->partners) handle(*n, PeerConnected{org(p), {}});
  }
}

void Cluster::connect(const std::string& a, const std::string& b) {
  handle(node(a), PeerConnected{org(b), {}});
  handle(node(b), PeerConnected{org(a), {}});
}

void Cluster::handle(Node& n, const Event& e) {
  std::vector<Effect> effects = n.core->handle(e);
  bool appended = false;
  for (Effect& fx : effects) {
    if (auto* s = std::get_if<SendToPeer>(&fx)) {
      for (auto& [name, other] : nodes_) {
        if (other->org_key.public_key() == s->to) network_.push_back(Packet{name, n.org_key.public_key(), std::move(s->envelope)});
      }
    } else if (auto* a = std::get_if<AppendToLedger>(&fx)) {
      n.ledger.append(*a);
      appended = true;
    } else if (auto* r = std::get_if<AgentReply>(&fx)) {
      n.replies.push_back(std::move(*r));
    } else if (auto* no = std::get_if<AgentNotice>(&fx)) {
      n.notices.push_back(std::move(*no));
    } else if (auto* al = std::get_if<Alarm>(&fx)) {
      n.alarms.push_back(std::move(*al));
    }
  }
  if (appended && n.auto_sync) sync(n);
}

void Cluster::sync(Node& n, bool force) {
  for (const AppendDone& d : n.ledger.sync()) handle(n, d);
  const std::uint64_t fresh = n.ledger.durable_size() - n.checkpointed;
  if (fresh > 0 && (force || fresh >= n.checkpoint_every)) {
    n.checkpointed = n.ledger.durable_size();
    handle(n, n.ledger.checkpoint(n.node_key, n.name));
  }
}

AgentReply Cluster::submit(const std::string& node_name, const Bytes& envelope) {
  Node& n = node(node_name);
  const std::uint64_t id = next_request_++;
  handle(n, AgentSubmit{id, envelope});
  for (const AgentReply& r : n.replies) {
    if (r.request_id == id) return r;
  }
  return AgentReply{id, false, "pending", "no reply yet (append not durable)", {}};
}

void Cluster::tick(std::int64_t now_ms) {
  now_ms_ = now_ms;
  for (auto& [name, n] : nodes_) {
    if (n->core) handle(*n, Tick{now_ms});
  }
}

std::size_t Cluster::run(std::size_t max_packets) {
  std::size_t delivered = 0;
  while (!network_.empty() && delivered < max_packets) {
    Packet p = std::move(network_.front());
    network_.pop_front();
    handle(node(p.to), PeerMessage{p.from, std::move(p.envelope)});
    ++delivered;
  }
  return delivered;
}

bool Cluster::step_random(std::mt19937_64& rng, unsigned duplicate_percent) {
  if (network_.empty()) return false;
  std::size_t i = std::uniform_int_distribution<std::size_t>(0, network_.size() - 1)(rng);
  Packet p = network_[i];
  if (std::uniform_int_distribution<unsigned>(0, 99)(rng) >= duplicate_percent) {
    network_.erase(network_.begin() + static_cast<std::ptrdiff_t>(i));
  }
  handle(node(p.to), PeerMessage{p.from, std::move(p.envelope)});
  return true;
}

void Cluster::crash_and_restart(const std::string& name) {
  Node& n = node(name);
  n.ledger.crash();
  std::erase_if(network_, [&](const Packet& p) { return p.to == name; });
  n.core.reset();
  create_core(n);
  handle(n, Tick{now_ms_});
  // As a daemon does at start: our latest checkpoint, then the sessions.
  const bool was_auto = n.auto_sync;
  n.auto_sync = true;
  sync(n, true);
  n.auto_sync = was_auto;
  for (const auto& p : n.partners) connect(name, p);
}

}  // namespace pactum::node::testing
