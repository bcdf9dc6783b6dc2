// Two pactumd nodes in one process and the agents that drive deals through
// them (bench_node_pair.h).
#include "tools/bench_node_pair.h"

#include <pthread.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "node/core/testing/testing.h"
#include "node/daemon/daemon.h"
#include "node/daemon/daemon_limits.h"
#include "ledger/ledger.h"

namespace pactum::tools {
namespace {

namespace nd = node::daemon;
using Clock = std::chrono::steady_clock;
using node::Effect;
using node::NodeCore;

constexpr std::size_t kBuyer = 0, kSeller = 1;
// Connecting two nodes on loopback takes milliseconds; seconds mean a fault.
constexpr auto kConnectTimeout = std::chrono::seconds(20);
// Deals still open after a phase get this long to finish before the next.
constexpr auto kDrainTimeout = std::chrono::seconds(60);

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// What the driver hears from a node: a notice, a refused submission, a connect.
struct Note {
  std::size_t node = 0;
  std::string type;
  crypto::Digest id{};
  std::string detail;
  Clock::time_point at{};
};

// When each step of one negotiation message happened (RoundStage), by node.
struct MessageStamps {
  Clock::time_point handled{};      // Its node's core took the agent's submission.
  Clock::time_point durable[2]{};   // Its ledger append committed, per node.
  Clock::time_point received{};     // The peer's core took it from the wire.
};
enum class StampKind : std::uint8_t { kHandled, kDurable, kReceived };

// The real core, with every effect it emits copied to the driver, and the
// steps of each negotiation message stamped (by its hash, which is the id of
// its ledger entry on both nodes).
class ObservedCore final : public NodeCore {
 public:
  using Sink = std::function<void(Note)>;
  using Stamp = std::function<void(std::size_t node, StampKind, const crypto::Digest&, Clock::time_point)>;
  ObservedCore(std::unique_ptr<NodeCore> inner, std::size_t node, Sink sink, Stamp stamp)
      : inner_(std::move(inner)), node_(node), sink_(std::move(sink)), stamp_(std::move(stamp)) {}
  std::vector<Effect> handle(const node::Event& e) override {
    const Clock::time_point in = Clock::now();
    if (const auto* done = std::get_if<node::AppendDone>(&e)) {
      if (auto it = appends_.find(done->append_id); it != appends_.end()) {
        if (done->ok) stamp_(node_, StampKind::kDurable, it->second, in);
        appends_.erase(it);
      }
    }
    std::vector<Effect> fx = inner_->handle(e);
    const Clock::time_point now = Clock::now();
    if (std::holds_alternative<node::PeerConnected>(e)) sink_(Note{node_, "connected", {}, {}, now});
    const bool submitted = std::holds_alternative<node::AgentSubmit>(e);
    const bool received = std::holds_alternative<node::PeerMessage>(e);
    for (const Effect& f : fx) {
      if (const auto* a = std::get_if<node::AppendToLedger>(&f);
          a != nullptr && a->kind == static_cast<std::uint16_t>(ledger::EntryKind::kNegotiationMessage)) {
        appends_.emplace(a->append_id, a->id);
        if (submitted || received) stamp_(node_, submitted ? StampKind::kHandled : StampKind::kReceived, a->id, in);
      }
      if (const auto* n = std::get_if<node::AgentNotice>(&f)) {
        sink_(Note{node_, n->type, n->negotiation_id, n->detail, now});
      } else if (const auto* r = std::get_if<node::AgentReply>(&f); r != nullptr && !r->ok) {
        sink_(Note{node_, "reply-refused", r->negotiation_id, r->code + ": " + r->detail, now});
      }
    }
    return fx;
  }
  Result<void> restore(std::uint64_t index, std::uint16_t kind, ByteSpan payload) override {
    return inner_->restore(index, kind, payload);
  }
  std::vector<node::NegotiationView> negotiations() const override { return inner_->negotiations(); }
  std::vector<node::ContractView> contracts() const override { return inner_->contracts(); }
  std::optional<node::NegotiationView> negotiation(const crypto::Digest& id, std::size_t prefix_bytes) const override {
    return inner_->negotiation(id, prefix_bytes);
  }
  Result<std::vector<Bytes>> negotiation_messages(const crypto::Digest& id) const override {
    return inner_->negotiation_messages(id);
  }
  std::optional<node::ContractView> contract(const crypto::Digest& terms_hash, std::size_t prefix_bytes) const override {
    return inner_->contract(terms_hash, prefix_bytes);
  }
  node::CoreStats stats() const override { return inner_->stats(); }
  std::size_t open_negotiations(const node::OrgKey& peer, const crypto::Digest& id) const override {
    return inner_->open_negotiations(peer, id);
  }

 private:
  std::unique_ptr<NodeCore> inner_;
  std::size_t node_ = 0;
  Sink sink_;
  Stamp stamp_;
  std::unordered_map<std::uint64_t, crypto::Digest> appends_;  // Negotiation-message appends in flight.
};

struct Deal {
  crypto::Digest head{};    // Hash of the last message.
  crypto::Digest terms{};   // Terms hash on the table.
  Clock::time_point started{}, submitted{};
  int round = 0;            // The message in flight: 1 propose, 2 counter, 3 accept; 4 settling.
  unsigned flags = 0;       // "agreed" and "peer-anchored" on each node: 4 bits.
  std::vector<double> rounds_us;
  std::vector<std::array<double, kRoundStages>> stages_us;  // Of the rounds with every stamp.
};

}  // namespace

struct NodePair::Impl {
  struct Node {
    std::string name;
    crypto::SecretKey org_key = crypto::SecretKey::generate();  // Replaced by start().
    crypto::SecretKey node_key = crypto::SecretKey::generate();
    std::unique_ptr<boost::asio::io_context> io = std::make_unique<boost::asio::io_context>();
    std::unique_ptr<nd::Daemon> daemon;
    std::thread thread;
    std::atomic<bool> connected{false};
  };
  Node nodes[2];
  node::testing::Agent buyer, seller;
  bool buyer_spoke = false, seller_spoke = false;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Note> notes;               // Guarded by mu.
  std::map<crypto::Digest, Deal> deals;  // Driver thread only.
  std::mutex stamps_mu;
  std::map<crypto::Digest, MessageStamps> stamps;  // By message hash; guarded by stamps_mu.

  void stamp(std::size_t node, StampKind kind, const crypto::Digest& hash, Clock::time_point at) {
    std::lock_guard lock(stamps_mu);
    MessageStamps& s = stamps[hash];
    if (kind == StampKind::kHandled) s.handled = at;
    else if (kind == StampKind::kReceived) s.received = at;
    else s.durable[node] = at;
  }
  // The stages of the round that carried message `hash` from node `from`,
  // submitted at `submitted` and reported by the peer at `reported`; empty
  // if a stamp is missing. Forgets the message's stamps.
  std::optional<std::array<double, kRoundStages>> stages_of(const crypto::Digest& hash, std::size_t from,
                                                            Clock::time_point submitted,
                                                            Clock::time_point reported) {
    std::lock_guard lock(stamps_mu);
    auto it = stamps.find(hash);
    if (it == stamps.end()) return std::nullopt;
    const MessageStamps s = it->second;
    stamps.erase(it);
    const Clock::time_point zero{};
    if (s.handled == zero || s.durable[from] == zero || s.received == zero) return std::nullopt;
    return std::array<double, kRoundStages>{micros(s.handled - submitted), micros(s.durable[from] - s.handled),
                                            micros(s.received - s.durable[from]), micros(reported - s.received)};
  }
  std::uint64_t next_deal = 0;
  bool stopped = false;

  void post_note(Note n) {
    if (n.type == "connected") nodes[n.node].connected = true;
    std::lock_guard lock(mu);
    notes.push_back(std::move(n));
    cv.notify_one();
  }
  Result<void> start_node(std::size_t i, const std::string& dir, std::uint16_t dial_port);
  void submit(std::size_t i, Bytes envelope);
  Bytes message(protocol::NegEvent kind, const crypto::Digest& id, const Deal& d, std::int64_t price);
  void start_deal();
  void handle(const Note& n, PhaseResult& r, Clock::time_point end);
  void pump(PhaseResult& r, Clock::time_point end, Clock::time_point until);
  void drain(PhaseResult& r, Clock::time_point end);
};

Result<void> NodePair::Impl::start_node(std::size_t i, const std::string& dir, std::uint16_t dial_port) {
  Node& n = nodes[i];
  const Node& peer = nodes[1 - i];
  nd::DaemonConfig c;
  c.node_name = n.name;
  c.data_dir = dir + "/" + n.name;
  c.ledger_fsync = true;
  c.org_root = n.org_key.public_key();
  c.peer_listen = c.api_listen = c.metrics_listen = nd::Endpoint{"127.0.0.1", 0};
  nd::Endpoint peer_at{dial_port != 0 ? "127.0.0.1" : "", dial_port};
  c.partners.push_back(nd::PartnerConfig{peer.name, peer.org_key.public_key(), peer_at});
  c.limits = nd::DaemonLimits{nd::kApiBodyBytesDefault, nd::kApiConnectionsDefault,
                              nd::kSseSubscribersDefault, nd::kTickMsDefault,
                              node::net::kOpenNegotiationsPerPeerDefault};
  nd::NodeIdentity id{node::testing::key_from_name("node:" + n.name), {}, {}, {}};
  PACTUM_TRY(id.certificate, crypto::make_certificate(n.org_key, "org", n.node_key.public_key(), "node",
                                                      false, 0, 4102444800));
  id.certificate_envelope = node::testing::node_certificate(n.org_key, n.node_key, n.name);
  id.policy_toml = to_bytes(node::testing::test_policy({peer.org_key.public_key()}));
  auto factory = [this, i](const node::CoreConfig& cc) -> Result<std::unique_ptr<NodeCore>> {
    PACTUM_TRY(auto core, NodeCore::create(cc));
    return std::unique_ptr<NodeCore>(
        new ObservedCore(std::move(core), i, [this](Note note) { post_note(std::move(note)); },
                         [this](std::size_t node, StampKind kind, const crypto::Digest& hash, Clock::time_point at) {
                           stamp(node, kind, hash, at);
                         }));
  };
  // The node's signature checks on its preverifier thread count as the node's.
  auto verifier_thread = [i] {
    set_thread_count_group(i == kBuyer ? CountGroup::kBuyerNode : CountGroup::kSellerNode);
    pthread_setname_np(pthread_self(), i == kBuyer ? "verify-buyer" : "verify-seller");
  };
  PACTUM_TRY(n.daemon, nd::Daemon::start(*n.io, std::move(c), std::move(id), factory, verifier_thread));
  n.thread = std::thread([&n, i] {
    set_thread_count_group(i == kBuyer ? CountGroup::kBuyerNode : CountGroup::kSellerNode);
    // Named, so that `perf report --sort comm` tells each node's io thread apart.
    pthread_setname_np(pthread_self(), i == kBuyer ? "io-buyer" : "io-seller");
    n.io->run();
  });
  return Ok();
}

void NodePair::Impl::submit(std::size_t i, Bytes envelope) {
  nd::Daemon* d = nodes[i].daemon.get();
  boost::asio::post(*nodes[i].io, [this, d, i, env = std::move(envelope)]() mutable {
    // Refusals are reported by the observer; a full request table is one too.
    auto r = d->submit(std::move(env), [](const node::AgentReply&) {});
    if (!r) post_note(Note{i, "reply-refused", {}, r.error().to_string(), Clock::now()});
  });
}

Bytes NodePair::Impl::message(protocol::NegEvent kind, const crypto::Digest& id, const Deal& d,
                              std::int64_t price) {
  protocol::MessageSpec s;
  s.kind = kind;
  s.negotiation_id = id;
  s.prev_hash = d.head;
  s.round = static_cast<std::uint32_t>(d.round);
  s.buyer_org = buyer.org;
  s.seller_org = seller.org;
  s.offer = protocol::Offer{"widget", "EUR", price, 3, price * 3};
  s.terms_hash = d.terms;
  const std::int64_t now = unix_ms();
  s.expires_ms = now + 86'400'000;
  const bool by_buyer = kind != protocol::NegEvent::kCounter;
  bool& spoke = by_buyer ? buyer_spoke : seller_spoke;
  Bytes m = node::testing::agent_message(by_buyer ? buyer : seller, s, !spoke, now);
  spoke = true;
  return m;
}

void NodePair::Impl::start_deal() {
  crypto::Digest id = crypto::sha256(as_bytes("pactum-bench-deal:" + std::to_string(next_deal++)));
  std::fill(id.begin() + 16, id.end(), 0);  // Ids are 16 bytes on the wire.
  Deal& d = deals[id];
  d.round = 1;
  Bytes m = message(protocol::NegEvent::kPropose, id, d, 1000);
  auto ids = node::testing::ids_of(m);
  d.head = ids.message_hash;
  d.terms = ids.terms_hash;
  d.started = d.submitted = Clock::now();
  submit(kBuyer, std::move(m));
}

void NodePair::Impl::handle(const Note& n, PhaseResult& r, Clock::time_point end) {
  auto it = deals.find(n.id);
  if (n.type == "reply-refused" || n.type == "refused" || n.type == "expired") {
    if (++r.failures == 1) r.first_failure = n.type + " on node " + nodes[n.node].name + ": " + n.detail;
    if (it != deals.end()) deals.erase(it);
    return;
  }
  if (it == deals.end()) return;
  Deal& d = it->second;
  // The round just reported ends at the peer (n.node) for the message in flight (d.head).
  auto close_round = [&]() {
    d.rounds_us.push_back(micros(n.at - d.submitted));
    if (auto st = stages_of(d.head, 1 - n.node, d.submitted, n.at)) d.stages_us.push_back(*st);
  };
  auto next = [&](std::size_t node, protocol::NegEvent kind, std::int64_t price) {
    close_round();
    ++d.round;
    Bytes m = message(kind, n.id, d, price);
    auto ids = node::testing::ids_of(m);
    d.head = ids.message_hash;
    if (kind == protocol::NegEvent::kCounter) d.terms = ids.terms_hash;
    d.submitted = Clock::now();
    submit(node, std::move(m));
  };
  if (n.node == kSeller && n.type == "PROPOSED" && d.round == 1) {
    next(kSeller, protocol::NegEvent::kCounter, 1100);
  } else if (n.node == kBuyer && n.type == "COUNTERED" && d.round == 2) {
    next(kBuyer, protocol::NegEvent::kAccept, 0);
  } else if (n.node == kSeller && n.type == "ACCEPTED" && d.round == 3) {
    close_round();
    d.round = 4;
  } else if (n.type == "agreed") {
    d.flags |= 1u << (2 * n.node);
  } else if (n.type == "peer-anchored") {
    d.flags |= 2u << (2 * n.node);
  }
  if (d.round == 4 && d.flags == 0xF) {
    ++r.finished;
    if (n.at <= end) {
      ++r.deals;
      r.deal_us.push_back(micros(n.at - d.started));
      r.round_us.insert(r.round_us.end(), d.rounds_us.begin(), d.rounds_us.end());
      r.stage_us.insert(r.stage_us.end(), d.stages_us.begin(), d.stages_us.end());
    }
    deals.erase(it);
  }
}

// Handles notes until `until` (returns early after handling a batch).
void NodePair::Impl::pump(PhaseResult& r, Clock::time_point end, Clock::time_point until) {
  std::deque<Note> batch;
  {
    std::unique_lock lock(mu);
    cv.wait_until(lock, until, [this] { return !notes.empty(); });
    batch.swap(notes);
  }
  for (const Note& n : batch) handle(n, r, end);
}

void NodePair::Impl::drain(PhaseResult& r, Clock::time_point end) {
  const Clock::time_point give_up = Clock::now() + kDrainTimeout;
  while (!deals.empty() && Clock::now() < give_up) pump(r, end, Clock::now() + std::chrono::milliseconds(50));
  if (!deals.empty()) {
    r.failures += deals.size();
    if (r.first_failure.empty()) r.first_failure = std::to_string(deals.size()) + " deals did not finish";
    deals.clear();
  }
}

Result<std::unique_ptr<NodePair>> NodePair::start(const std::string& dir) {
  auto impl = std::make_unique<Impl>();
  const char* names[2] = {"bench-buyer", "bench-seller"};
  for (std::size_t i = 0; i < 2; ++i) {
    impl->nodes[i].name = names[i];
    impl->nodes[i].org_key = node::testing::key_from_name(std::string("org:") + names[i]);
    impl->nodes[i].node_key = node::testing::key_from_name(std::string("node:") + names[i]);
  }
  const std::int64_t now = unix_ms();
  const crypto::PublicKey b = impl->nodes[kBuyer].org_key.public_key();
  const crypto::PublicKey s = impl->nodes[kSeller].org_key.public_key();
  impl->buyer = node::testing::make_agent("bench-buyer-agent", names[kBuyer], protocol::Role::kBuyer, {s}, now);
  impl->seller = node::testing::make_agent("bench-seller-agent", names[kSeller], protocol::Role::kSeller, {b}, now);
  // The node with the smaller org root dials; the other must listen first.
  const std::size_t dialer = b < s ? kBuyer : kSeller;
  PACTUM_CHECK(impl->start_node(1 - dialer, dir, 0));
  PACTUM_CHECK(impl->start_node(dialer, dir, impl->nodes[1 - dialer].daemon->ports().peer));
  std::unique_ptr<NodePair> pair(new NodePair(std::move(impl)));
  const Clock::time_point give_up = Clock::now() + kConnectTimeout;
  while (!(pair->impl_->nodes[0].connected && pair->impl_->nodes[1].connected)) {
    if (Clock::now() > give_up) return Fail(Errc::kIo, "the two bench nodes did not connect within 20 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pair;
}

NodePair::NodePair(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

NodePair::~NodePair() { stop(); }

PhaseResult NodePair::run_closed(std::size_t in_flight, double seconds) {
  PhaseResult r;
  const Clock::time_point t0 = Clock::now();
  const Clock::time_point end = t0 + std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6));
  while (Clock::now() < end) {
    while (impl_->deals.size() < in_flight) impl_->start_deal();
    impl_->pump(r, end, std::min(end, Clock::now() + std::chrono::milliseconds(5)));
  }
  r.seconds = micros(Clock::now() - t0) / 1e6;
  impl_->drain(r, end);
  return r;
}

PhaseResult NodePair::run_paced(double deals_per_s, double seconds, std::size_t in_flight_max) {
  PhaseResult r;
  const Clock::time_point t0 = Clock::now();
  const Clock::time_point end = t0 + std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6));
  const auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / deals_per_s));
  Clock::time_point next = t0;
  while (Clock::now() < end) {
    // Offered load is paced by the clock, not by completions (open loop).
    while (Clock::now() >= next && next < end) {
      if (impl_->deals.size() < in_flight_max) impl_->start_deal();
      next += interval;
    }
    impl_->pump(r, end, std::min(end, next));
  }
  r.seconds = micros(Clock::now() - t0) / 1e6;
  impl_->drain(r, end);
  return r;
}

void NodePair::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  for (auto& n : impl_->nodes) {
    if (!n.daemon) continue;
    std::promise<void> drained;
    boost::asio::post(*n.io, [&] {
      n.daemon->shutdown([&] {
        drained.set_value();
        n.io->stop();
      });
    });
    drained.get_future().wait();
    n.thread.join();
    n.daemon.reset();
  }
}

}  // namespace pactum::tools
