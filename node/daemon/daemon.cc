// Start-up, the event loop's adapters and shutdown of pactumd; see daemon.h.
#include "node/daemon/daemon.h"

#include <boost/asio/post.hpp>
#include <chrono>
#include <filesystem>

#include "node/daemon/daemon_limits.h"
#include "node/daemon/log.h"

namespace pactum::node::daemon {
namespace json = boost::json;
using spdlog::level::info;
using spdlog::level::warn;

class Daemon::Nonces final : public NonceSource {
 public:
  crypto::Nonce next() override { return crypto::random_nonce(); }
};

// The core's LedgerProofs port: consistency proofs and entries of our own
// ledger, read on the io thread (a Ledger is thread-safe; the worker appends
// meanwhile).
class Daemon::Proofs final : public LedgerProofs {
 public:
  explicit Proofs(ledger::Ledger& ledger) : ledger_(ledger) {}
  Result<std::vector<crypto::Digest>> consistency_proof(std::uint64_t from_size, std::uint64_t to_size) override {
    PACTUM_TRY(ledger::ConsistencyProof p, ledger_.prove_consistency(from_size, to_size));
    return std::move(p.path);
  }
  Result<Bytes> durable_payload(const crypto::Digest& id) override {
    PACTUM_TRY(std::optional<std::uint64_t> index, ledger_.find_id(id));
    if (!index) return Fail(Errc::kNotFound, "no ledger entry has id " + to_hex(id));
    PACTUM_TRY(ledger::Entry e, ledger_.entry(*index));
    return std::move(e.payload);
  }

 private:
  ledger::Ledger& ledger_;
};

namespace {
std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Daemon::Daemon(boost::asio::io_context& io, DaemonConfig config, NodeIdentity identity)
    : io_(io), config_(std::move(config)), identity_(std::move(identity)),
      nonces_(std::make_unique<Nonces>()), tick_timer_(io) {}

Daemon::~Daemon() {
  if (api_) api_->stop();
  if (preverifier_) preverifier_->stop();
  if (transport_) transport_->stop();
  if (worker_) worker_->stop();
}

Result<std::unique_ptr<Daemon>> Daemon::start(boost::asio::io_context& io, DaemonConfig config,
                                              NodeIdentity identity, CoreFactory make_core,
                                              std::function<void()> on_thread_start) {
  std::unique_ptr<Daemon> d(new Daemon(io, std::move(config), std::move(identity)));
  PACTUM_CHECK(d->open_and_restore(make_core));
  PACTUM_CHECK(d->start_io(std::move(on_thread_start)));
  return d;
}

Result<void> Daemon::open_and_restore(const CoreFactory& make_core) {
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) return Fail(Errc::kIo, "node.data_dir: cannot create " + config_.data_dir + ": " + ec.message());
  ledger::Options opt;
  opt.durability = config_.ledger_fsync ? ledger::Durability::kDurable
                                        : ledger::Durability::kUnsafeNoSyncForTests;
  auto lg = ledger::Ledger::open(config_.data_dir + "/ledger", opt);
  if (!lg) return Fail(lg.error().code, "node.data_dir: ledger: " + lg.error().detail);
  ledger_ = std::move(*lg);

  CoreConfig cc;
  cc.node_name = config_.node_name;
  cc.org_root = config_.org_root;
  cc.node_key = &identity_.node_key;
  cc.node_certificate = identity_.certificate_envelope;
  cc.policy_toml = identity_.policy_toml;
  for (const PartnerConfig& p : config_.partners) cc.partners.push_back(Partner{p.name, p.org_root});
  cc.nonces = nonces_.get();
  proofs_ = std::make_unique<Proofs>(*ledger_);
  cc.proofs = proofs_.get();
  auto core = make_core(cc);
  if (!core) {
    // The core refuses only its configuration; name the config key it came from.
    std::string detail = core.error().detail;
    if (detail.rfind("policy_toml: ", 0) == 0) return Fail(Errc::kBadConfig, "node.policy: " + detail.substr(13));
    return Fail(Errc::kBadConfig, "node core: " + core.error().to_string());
  }
  core_ = std::move(*core);

  // Replay our own ledger so in-flight negotiations and deals resume.
  crypto::VerifyMemo::Use memo(signatures_);
  const std::uint64_t size = ledger_->size();
  for (std::uint64_t i = 0; i < size; ++i) {
    PACTUM_TRY(ledger::Entry e, ledger_->entry(i));
    auto r = core_->restore(e.index, static_cast<std::uint16_t>(e.kind), e.payload);
    if (!r) {
      return Fail(r.error().code, "restore of ledger entry " + std::to_string(i) + ": " +
                                      r.error().detail);
    }
  }
  log_event(info, "restored", {{"ledger_size", size},
                               {"negotiations", core_->negotiations().size()},
                               {"contracts", core_->contracts().size()}});
  last_tick_ms_ = unix_ms();
  feed(Tick{last_tick_ms_});
  if (size > 0) {
    PACTUM_TRY(auto latest, ledger_->latest_checkpoint());
    if (!latest || latest->checkpoint.size != size) {
      PACTUM_TRY(auto cp, ledger_->checkpoint(identity_.node_key, config_.node_name));
      latest = std::move(cp);
    }
    feed(CheckpointTaken{to_bytes(latest->note), latest->checkpoint.size});
  }
  return Ok();
}

Result<void> Daemon::start_io(std::function<void()> on_thread_start) {
  LedgerWorker::Callbacks cb;
  // What a commit made sendable (relays, receipts) goes out at once, in one
  // outbox job, not after a trip to the back of the io queue: that trip is
  // a round's wait whenever the io thread is busy.
  cb.on_done = [this](std::vector<AppendDone> done) {
    holding_appends_ = true;  // The entries these make due reach the worker in one call.
    for (AppendDone& d : done) {
      if (!d.ok) log_event(warn, "append_failed", {{"append_id", d.append_id}, {"error", d.error}});
      feed(d);
    }
    holding_appends_ = false;
    submit_appends();
    flush_sends();
  };
  cb.on_checkpoint = [this](CheckpointTaken cp) {
    feed(cp);
    flush_sends();
  };
  cb.on_commit = [this](double secs, std::size_t n) {
    if (metrics_) metrics_->observe_commit(secs, n);
  };
  cb.on_error = [](const std::string& what) { log_event(warn, "checkpoint_failed", {{"error", what}}); };
  worker_ = std::make_unique<LedgerWorker>(io_, *ledger_, identity_.node_key, config_.node_name,
                                           std::move(cb));

  PACTUM_TRY(metrics_, Metrics::start(config_.metrics_listen, config_.partners));
  preverifier_ = std::make_unique<Preverifier>(io_, signatures_, config_.limits.signature_offload_percent,
                                               std::move(on_thread_start));

  net::TransportConfig tc;
  tc.listen_host = config_.peer_listen.host;
  tc.listen_port = config_.peer_listen.port;
  tc.node_key = &identity_.node_key;
  tc.node_cert = identity_.certificate;
  tc.node_certificate = identity_.certificate_envelope;
  tc.org_root = config_.org_root;
  for (const PartnerConfig& p : config_.partners) {
    tc.peers.push_back(net::PeerConfig{p.name, p.address.host, p.address.port, p.org_root});
  }
  tc.data_dir = config_.data_dir;
  tc.limits.open_negotiations_max = config_.limits.open_negotiations_per_peer;
  if (config_.limits.peer_frames_per_second != 0) {
    tc.limits.frames_per_second = config_.limits.peer_frames_per_second;
  }
  if (config_.limits.peer_frames_burst != 0) tc.limits.frames_burst = config_.limits.peer_frames_burst;
  net::Handlers h;
  h.on_message = [this](const OrgKey& from, Bytes payload) {
    if (!preverifier_->offload()) return feed(PeerMessage{from, std::move(payload)});
    preverifier_->submit(std::move(payload),
                         [this, from](Bytes checked) { feed(PeerMessage{from, std::move(checked)}); });
  };
  h.on_peer_checkpoint = [this](const OrgKey& peer, Bytes cp) {
    peer_checkpoints_[peer] = std::move(cp);
  };
  h.on_peer_state = [this](const OrgKey& peer, net::PeerState state) {
    log_event(info, "peer_state", {{"peer", crypto::key_id(peer)},
                                   {"state", std::string(net::peer_state_name(state))}});
    if (state == net::PeerState::kConnected) {
      // Posted: the transport reports the Hello's checkpoint right after this
      // call, and the core's catch-up sends are better made outside the
      // transport's own state change.
      boost::asio::post(io_, [this, peer] {
        if (draining_) return;
        auto it = peer_checkpoints_.find(peer);
        feed(PeerConnected{peer, it == peer_checkpoints_.end() ? Bytes{} : it->second});
      });
    }
  };
  h.latest_checkpoint = [this]() -> Bytes {
    auto cp = ledger_->latest_checkpoint();
    return cp && *cp ? to_bytes((*cp)->note) : Bytes{};
  };
  h.on_closed = [](const OrgKey& peer, net::CloseReason reason, const std::string& detail) {
    log_event(info, "peer_closed", {{"peer", peer == OrgKey{} ? std::string() : crypto::key_id(peer)},
                                    {"reason", std::string(net::close_reason_name(reason))},
                                    {"detail", detail}});
  };
  // The per-peer limit on open negotiations counts what the core holds.
  h.open_negotiations = [this](const OrgKey& peer, const crypto::Digest& id) {
    return core_->open_negotiations(peer, id);
  };
  h.on_refused = [](const OrgKey& peer, std::uint64_t seq, const Bytes&, net::PayloadRefusal reason,
                    const std::string& detail) {
    log_event(warn, "peer_refused_payload", {{"peer", crypto::key_id(peer)}, {"seq", seq},
                                             {"reason", std::string(net::payload_refusal_name(reason))},
                                             {"detail", detail}});
  };
  auto t = net::Transport::start(io_, std::move(tc), std::move(h));
  if (!t) return Fail(t.error().code, "listen.peer: transport: " + t.error().detail);
  transport_ = std::move(*t);

  PACTUM_TRY(api_, ApiServer::start(io_, config_.api_listen, config_.limits, *this, metrics_.get()));
  Ports p = ports();
  log_event(info, "listening", {{"peer", p.peer}, {"api", p.api}, {"metrics", p.metrics}});
  on_tick();
  return Ok();
}

Ports Daemon::ports() const {
  return Ports{transport_ ? transport_->listen_port() : std::uint16_t{0},
               api_ ? api_->port() : std::uint16_t{0},
               metrics_ ? metrics_->port() : std::uint16_t{0}};
}

void Daemon::feed(const Event& event) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<Effect> effects;
  {
    crypto::VerifyMemo::Use memo(signatures_);
    effects = core_->handle(event);
  }
  apply(std::move(effects));
  const auto end = std::chrono::steady_clock::now();
  if (preverifier_) preverifier_->note_io_busy(end - start, end);
}

void Daemon::apply(std::vector<Effect> effects) {
  for (Effect& fx : effects) {
    if (auto* s = std::get_if<SendToPeer>(&fx)) {
      unsent_.emplace_back(s->to, std::move(s->envelope));
    } else if (auto* a = std::get_if<AppendToLedger>(&fx)) {
      unsubmitted_.push_back(std::move(*a));
    } else if (auto* r = std::get_if<AgentReply>(&fx)) {
      log_event(info, "agent_reply", {{"request_id", r->request_id}, {"ok", r->ok},
                                      {"code", r->code}, {"negotiation_id", digest_hex(r->negotiation_id)},
                                      {"detail", r->detail}});
      auto it = replies_.find(r->request_id);
      if (it != replies_.end()) {
        ReplyFn fn = std::move(it->second);
        replies_.erase(it);
        fn(*r);
      }
    } else if (auto* n = std::get_if<AgentNotice>(&fx)) {
      log_event(info, "agent_notice", {{"type", n->type}, {"negotiation_id", digest_hex(n->negotiation_id)},
                                       {"detail", n->detail}});
      if (metrics_) metrics_->count_notice(n->type);
      if (api_) api_->publish(*n);
    } else if (auto* al = std::get_if<Alarm>(&fx)) {
      log_event(warn, "alarm", {{"type", al->type}, {"peer", crypto::key_id(al->peer)},
                                {"detail", al->detail}, {"evidence_bytes", al->evidence.size()}});
      if (metrics_) metrics_->count_alarm(al->type);
    }
  }
  if (!holding_appends_) submit_appends();
  schedule_flush();
}

void Daemon::submit_appends() {
  if (unsubmitted_.empty()) return;
  std::vector<AppendToLedger> batch;
  batch.swap(unsubmitted_);
  std::vector<std::uint64_t> ids;
  ids.reserve(batch.size());
  for (const AppendToLedger& a : batch) ids.push_back(a.append_id);
  if (auto r = worker_->submit(std::move(batch)); !r) {
    // The core hears of the failure like of a failed commit and may retry.
    for (std::uint64_t id : ids) feed(AppendDone{id, false, 0, r.error().to_string(), {}});
  }
}

void Daemon::schedule_flush() {
  if (unsent_.empty() || flush_posted_) return;
  flush_posted_ = true;
  boost::asio::post(io_, [this] {
    flush_posted_ = false;
    flush_sends();
  });
}

void Daemon::flush_sends() {
  if (unsent_.empty() || !transport_) return;
  // One outbox commit for everything queued since the last flush.
  std::vector<std::pair<OrgKey, Bytes>> batch(unsent_.begin(), unsent_.end());
  auto r = transport_->send_many(batch);
  if (r) {
    unsent_.clear();
    return;
  }
  if (r.error().code == Errc::kNotFound || r.error().code == Errc::kMessageTooLarge) {
    // A payload no retry can deliver: send the rest one by one, drop only it.
    while (!unsent_.empty()) {
      auto& [to, bytes] = unsent_.front();
      auto one = transport_->send(to, bytes);
      if (!one && one.error().code != Errc::kNotFound &&
          one.error().code != Errc::kMessageTooLarge) {
        break;  // Overloaded or I/O: keep this and the rest, in order, for the next tick.
      }
      if (!one) log_event(warn, "send_dropped", {{"peer", crypto::key_id(to)}, {"error", one.error().to_string()}});
      unsent_.pop_front();
    }
    return;
  }
  log_event(warn, "send_deferred", {{"queued", unsent_.size()}, {"error", r.error().to_string()}});
}

void Daemon::on_tick() {
  if (draining_) return;
  std::int64_t now = unix_ms();
  if (now > last_tick_ms_) last_tick_ms_ = now;  // The core's clock never goes backwards.
  feed(Tick{last_tick_ms_});
  flush_sends();
  auto steady = std::chrono::steady_clock::now();
  if (metrics_ && steady - last_refresh_ >= std::chrono::seconds(1)) {
    last_refresh_ = steady;
    net::TransportStats ts = transport_ ? transport_->stats() : net::TransportStats{};
    metrics_->refresh(core_->stats(), &ts, ledger_->size(), signatures_.stats());
  }
  tick_timer_.expires_after(std::chrono::milliseconds(config_.limits.tick_ms));
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_tick();
  });
}

void Daemon::shutdown(std::function<void()> done) {
  if (draining_) return;
  draining_ = true;
  drained_ = std::move(done);
  log_event(info, "draining", {{"pending_appends", worker_->pending()}, {"unsent", unsent_.size()}});
  if (api_) api_->stop();
  tick_timer_.cancel();
  drain_step(std::chrono::steady_clock::now() + kDrainTimeout);
}

void Daemon::drain_step(std::chrono::steady_clock::time_point deadline) {
  flush_sends();
  bool idle = preverifier_->pending() == 0 && worker_->pending() == 0 && unsubmitted_.empty() &&
              unsent_.empty();
  if (!idle && std::chrono::steady_clock::now() < deadline) {
    tick_timer_.expires_after(std::chrono::milliseconds(10));
    tick_timer_.async_wait([this, deadline](boost::system::error_code) { drain_step(deadline); });
    return;
  }
  preverifier_->stop();
  worker_->stop();
  transport_->stop();
  log_event(idle ? info : warn, "stopped", {{"ledger_size", ledger_->size()},
                                            {"unsent", unsent_.size()}});
  spdlog::default_logger()->flush();
  if (drained_) boost::asio::post(io_, std::move(drained_));
}

}  // namespace pactum::node::daemon
