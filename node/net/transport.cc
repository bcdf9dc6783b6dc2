// Transport: start, send, dialing with backoff, stop (transport.h).
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>

#include "node/net/admission.h"
#include "node/net/backoff.h"
#include "node/net/frame.h"
#include "node/net/limits.h"
#include "node/net/transport_impl.h"

namespace pactum::node::net {

std::string_view peer_state_name(PeerState state) {
  switch (state) {
    case PeerState::kDisconnected: return "disconnected";
    case PeerState::kConnecting: return "connecting";
    case PeerState::kConnected: return "connected";
    case PeerState::kBackoff: return "backoff";
  }
  return "unknown";
}

std::string_view close_reason_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::kNone: return "none";
    case CloseReason::kTlsFailed: return "tls_failed";
    case CloseReason::kBadHello: return "bad_hello";
    case CloseReason::kWrongVersion: return "wrong_version";
    case CloseReason::kBadCertificate: return "bad_certificate";
    case CloseReason::kUnknownOrg: return "unknown_org";
    case CloseReason::kCertificateExpired: return "certificate_expired";
    case CloseReason::kKeyMismatch: return "key_mismatch";
    case CloseReason::kFrameTooLarge: return "frame_too_large";
    case CloseReason::kBadFrame: return "bad_frame";
    case CloseReason::kRateLimited: return "rate_limited";
    case CloseReason::kIdleTimeout: return "idle_timeout";
    case CloseReason::kIoError: return "io_error";
    case CloseReason::kReplaced: return "replaced";
    case CloseReason::kShutdown: return "shutdown";
    case CloseReason::kStorage: return "storage";
  }
  return "unknown";
}

std::string_view payload_refusal_name(PayloadRefusal reason) {
  switch (reason) {
    case PayloadRefusal::kUnknown: return "unknown";
    case PayloadRefusal::kOpenNegotiationsLimit: return "open_negotiations_limit";
  }
  return "unknown";
}

TransportCore::TransportCore(asio::io_context& io, TransportConfig config, Handlers handlers)
    : io_(io),
      config_(std::move(config)),
      handlers_(std::move(handlers)),
      acceptor_(io),
      resolver_(io),
      ack_flush_(io),
      mark_flush_(io),
      accept_retry_(io),
      jitter_(std::random_device{}()) {}

std::int64_t TransportCore::now_ms() const {
  if (config_.now_ms) return config_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<void> TransportCore::check_config() const {
  const TransportConfig& c = config_;
  if (c.node_key == nullptr) return Fail(Errc::kBadConfig, "node_key is not set");
  if (c.data_dir.empty()) return Fail(Errc::kBadConfig, "data_dir is empty");
  if (c.peers.size() > kPeersMax) {
    return Fail(Errc::kBadConfig, std::to_string(c.peers.size()) + " peers, at most " +
                                      std::to_string(kPeersMax));
  }
  const TransportLimits& l = c.limits;
  if (l.queued_bytes_max < kPayloadBytesMax || l.queued_bytes_max > kQueuedBytesMaxLimit) {
    return Fail(Errc::kBadConfig, "queued_bytes_max must be in [" +
                                      std::to_string(kPayloadBytesMax) + ", " +
                                      std::to_string(kQueuedBytesMaxLimit) + "]");
  }
  if (l.frames_per_second == 0 || l.frames_burst == 0) {
    return Fail(Errc::kBadConfig, "frames_per_second and frames_burst must be positive");
  }
  if (l.open_negotiations_max > kOpenNegotiationsPerPeerMax) {
    return Fail(Errc::kBadConfig, "open_negotiations_max " + std::to_string(l.open_negotiations_max) +
                                      " is above " + std::to_string(kOpenNegotiationsPerPeerMax));
  }
  if (l.backoff_min.count() <= 0 || l.backoff_max < l.backoff_min ||
      l.heartbeat_interval.count() <= 0 || l.idle_timeout <= l.heartbeat_interval ||
      l.handshake_timeout.count() <= 0) {
    return Fail(Errc::kBadConfig,
                "need 0 < backoff_min <= backoff_max, 0 < heartbeat_interval < idle_timeout, "
                "handshake_timeout > 0");
  }
  for (std::size_t i = 0; i < c.peers.size(); ++i) {
    const PeerConfig& p = c.peers[i];
    if (p.org_root == c.org_root) return Fail(Errc::kBadConfig, "peer '" + p.name + "' is us");
    for (std::size_t j = 0; j < i; ++j) {
      if (c.peers[j].org_root == p.org_root)
        return Fail(Errc::kBadConfig, "peer '" + p.name + "' listed twice");
    }
    if (!p.host.empty() && p.port == 0)
      return Fail(Errc::kBadConfig, "peer '" + p.name + "' has a host but port 0");
  }
  return check_own_certificate(c.node_certificate, c.node_key->public_key(), c.org_root, now_ms());
}

Result<void> TransportCore::make_tls() {
  // The TLS layer admits any Ed25519 certificate: admission is decided by
  // the Hello's NodeCertificate (admission.h) before any payload flows.
  auto any = [](const crypto::PublicKey&) { return true; };
  PACTUM_TRY(crypto::TlsContext server,
             crypto::TlsContext::create(crypto::TlsContext::Role::kServer, *config_.node_key,
                                        config_.node_cert, any));
  PACTUM_TRY(crypto::TlsContext client,
             crypto::TlsContext::create(crypto::TlsContext::Role::kClient, *config_.node_key,
                                        config_.node_cert, any));
  server_tls_.emplace(std::move(server));
  client_tls_.emplace(std::move(client));
  return Ok();
}

Result<void> TransportCore::listen() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config_.listen_host, ec);
  if (ec) return Fail(Errc::kBadConfig, "listen_host '" + config_.listen_host + "': " + ec.message());
  tcp::endpoint endpoint(address, config_.listen_port);
  if (acceptor_.open(endpoint.protocol(), ec) ||
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec) ||
      acceptor_.bind(endpoint, ec) || acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
    return Fail(Errc::kIo, "cannot listen on " + config_.listen_host + ":" +
                               std::to_string(config_.listen_port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return Fail(Errc::kIo, "local_endpoint: " + ec.message());
  return Ok();
}

Result<void> TransportCore::open() {
  PACTUM_CHECK(check_config());
  PACTUM_CHECK(make_tls());
  PACTUM_TRY(outbox_, Outbox::open(config_.data_dir + "/transport"));
  peers_.resize(config_.peers.size());
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    Peer& p = peers_[i];
    p.config = config_.peers[i];
    p.dial = !p.config.host.empty() && config_.org_root < p.config.org_root;
    p.stats.org_root = p.config.org_root;
    p.stats.name = p.config.name;
    partner_keys_.push_back(p.config.org_root);
    PACTUM_TRY(std::vector<Outbox::Entry> entries, outbox_->load(p.config.org_root));
    for (Outbox::Entry& e : entries) {
      p.queued_bytes += e.payload.size();
      p.pending.push_back(std::move(e));
    }
    PACTUM_TRY(p.next_seq, outbox_->next_seq(p.config.org_root));
    PACTUM_TRY(p.mark, outbox_->inbound(p.config.org_root));
    p.mark_durable = p.mark;
  }
  writer_ = std::make_unique<OutboxWriter>(io_, *outbox_);
  PACTUM_CHECK(listen());
  accept_next();
  arm_ack_flush();
  for (std::size_t i = 0; i < peers_.size(); ++i) start_dial(i);
  return Ok();
}

void TransportCore::accept_next() {
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec,
                                                      tcp::socket socket) {
    if (self->stopped_) return;
    if (!ec) {
      const auto unadmitted = static_cast<std::size_t>(
          std::count_if(self->conns_.begin(), self->conns_.end(),
                        [](const std::shared_ptr<Connection>& c) { return !c->established(); }));
      SSL* ssl = SSL_new(static_cast<SSL_CTX*>(self->server_tls_->native_handle()));
      if (unadmitted >= kPendingConnectionsMax || ssl == nullptr) {
        if (ssl != nullptr) SSL_free(ssl);
        spdlog::warn("transport: refusing connection: {} handshakes pending", unadmitted);
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        auto conn = std::make_shared<Connection>(self->io_, ssl, std::move(socket),
                                                 Connection::Role::kAcceptor, self,
                                                 self->config_.limits);
        self->conns_.insert(conn);
        conn->accept();
      }
    } else {
      // Accepting again at once would spin while the error lasts (EMFILE).
      spdlog::warn("transport: accept: {}", ec.message());
      self->accept_retry_.expires_after(kAcceptRetryDelay);
      self->accept_retry_.async_wait([self](const boost::system::error_code& wec) {
        if (!wec && !self->stopped_) self->accept_next();
      });
      return;
    }
    self->accept_next();
  });
}

void TransportCore::start_dial(std::size_t index) {
  Peer& p = peers_[index];
  if (stopped_ || !p.dial || p.conn || p.dialing) return;
  set_state(p, PeerState::kConnecting);
  resolver_.async_resolve(
      p.config.host, std::to_string(p.config.port),
      [self = shared_from_this(), index](const boost::system::error_code& ec,
                                         const tcp::resolver::results_type& results) {
        if (self->stopped_) return;
        Peer& peer = self->peers_[index];
        if (ec) {
          spdlog::warn("transport: cannot resolve peer {} ({}): {}", peer.config.name,
                       peer.config.host, ec.message());
          return self->schedule_redial(index);
        }
        SSL* ssl = SSL_new(static_cast<SSL_CTX*>(self->client_tls_->native_handle()));
        if (ssl == nullptr) return self->schedule_redial(index);
        auto conn = std::make_shared<Connection>(self->io_, ssl, tcp::socket(self->io_),
                                                 Connection::Role::kDialer, self,
                                                 self->config_.limits);
        conn->peer_index = index;
        peer.dialing = conn;
        self->conns_.insert(conn);
        conn->dial(results);
      });
}

void TransportCore::schedule_redial(std::size_t index) {
  Peer& p = peers_[index];
  if (stopped_ || !p.dial || p.conn || p.dialing) return;
  set_state(p, PeerState::kBackoff);
  const auto delay = backoff_delay(p.attempts, config_.limits.backoff_min,
                                   config_.limits.backoff_max, jitter_());
  if (p.attempts < UINT32_MAX) ++p.attempts;
  if (!p.redial) p.redial = std::make_unique<asio::steady_timer>(io_);
  p.redial->expires_after(delay);
  p.redial->async_wait([self = shared_from_this(), index](const boost::system::error_code& ec) {
    if (ec || self->stopped_) return;
    self->start_dial(index);
  });
}

void TransportCore::set_state(Peer& peer, PeerState state) {
  if (peer.state == state) return;
  peer.state = state;
  if (!stopped_ && handlers_.on_peer_state) handlers_.on_peer_state(peer.config.org_root, state);
}

Result<std::vector<std::uint64_t>> TransportCore::send_many(
    const std::vector<std::pair<OrgKey, ByteSpan>>& items) {
  if (stopped_) return Fail(Errc::kInvalidArgument, "transport is stopped");
  if (items.size() > kSendManyMax) {
    return Fail(Errc::kLimitExceeded, std::to_string(items.size()) + " payloads in one send, at most " +
                                          std::to_string(kSendManyMax));
  }
  std::vector<std::size_t> index(items.size());
  std::vector<std::uint64_t> extra(peers_.size(), 0);
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto found = find_peer(items[i].first);
    if (!found) return Fail(Errc::kNotFound, "not a configured peer: " + crypto::key_id(items[i].first));
    if (items[i].second.size() > kPayloadBytesMax) {
      return Fail(Errc::kMessageTooLarge, "payload of " + std::to_string(items[i].second.size()) +
                                              " bytes exceeds " + std::to_string(kPayloadBytesMax));
    }
    index[i] = *found;
    extra[*found] += items[i].second.size();
  }
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    if (extra[i] > 0 && peers_[i].queued_bytes + extra[i] > config_.limits.queued_bytes_max) {
      return Fail(Errc::kPeerOverloaded,
                  "peer " + peers_[i].config.name + " has " + std::to_string(peers_[i].queued_bytes) +
                      " bytes queued; limit " + std::to_string(config_.limits.queued_bytes_max));
    }
  }
  // Numbered here as the outbox will number them: its jobs run in this
  // order and an append is retried until it commits. Written to the peer at
  // once, before the commit (a round need not wait for it): if we crash
  // first, the outbox opens with a new stream id, so the peer never drops a
  // payload whose seq it saw from us before.
  std::vector<std::uint64_t> seqs(items.size());
  std::vector<std::pair<OrgKey, Bytes>> copies;
  copies.reserve(items.size());
  std::vector<bool> touched(peers_.size(), false);
  for (std::size_t i = 0; i < items.size(); ++i) {
    Peer& p = peers_[index[i]];
    seqs[i] = p.next_seq++;
    Bytes payload(items[i].second.begin(), items[i].second.end());
    copies.emplace_back(items[i].first, payload);
    p.pending.push_back(Outbox::Entry{seqs[i], std::move(payload)});
    p.queued_bytes += items[i].second.size();
    touched[index[i]] = true;
  }
  auto job = [copies = std::move(copies), expected = seqs](Outbox& box) -> Result<void> {
    std::vector<std::pair<OrgKey, ByteSpan>> views;
    views.reserve(copies.size());
    for (const auto& [to, payload] : copies) views.emplace_back(to, ByteSpan(payload));
    PACTUM_TRY(std::vector<std::uint64_t> got, box.append(views));
    PACTUM_ASSERT(got == expected);  // Only this writer numbers, in submission order.
    return Ok();
  };
  // No completion: the writer retries until the append commits, and if it
  // gives up at stop() the outbox marks itself unclean (a new stream next time).
  writer_->submit(std::move(job), {}, true);
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    if (touched[i]) pump(peers_[i]);
  }
  return seqs;
}

void TransportCore::arm_ack_flush() {
  ack_flush_.expires_after(kAckFlushInterval);
  ack_flush_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopped_) return;
    self->flush_acks();
    self->arm_ack_flush();
  });
}

void TransportCore::flush_acks() {
  for (Peer& p : peers_) {
    if (p.acked_unflushed == 0 || !writer_) continue;
    auto job = [peer = p.config.org_root, upto = p.acked_unflushed](Outbox& box) { return box.ack(peer, upto); };
    // A failed deletion only means a resend later, which the peer dedupes.
    auto done = [name = p.config.name](Result<void> r) {
      if (!r) spdlog::warn("transport: outbox ack for {}: {}", name, r.error().to_string());
    };
    writer_->submit(std::move(job), std::move(done), false);
    p.acked_unflushed = 0;
  }
}

void TransportCore::stop() {
  if (stopped_) return;
  flush_acks();
  writer_.reset();  // Commits every write queued so far and joins; its completions find us stopped.
  persist_marks_and_ack();
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  resolver_.cancel();
  ack_flush_.cancel();
  accept_retry_.cancel();
  mark_flush_.cancel();
  for (Peer& p : peers_) {
    if (p.redial) p.redial->cancel();
  }
  // close() reports back through on_closed, which edits conns_: work on a copy.
  std::vector<std::shared_ptr<Connection>> open(conns_.begin(), conns_.end());
  for (const auto& c : open) c->close(CloseReason::kShutdown, "transport stopped");
  conns_.clear();
  for (Peer& p : peers_) {
    p.conn.reset();
    p.dialing.reset();
    p.state = PeerState::kDisconnected;
  }
  outbox_.reset();  // Closes the LMDB environment now, so a new start() may open it.
}

void TransportCore::persist_marks_and_ack() {
  if (!outbox_) return;  // open() failed before the outbox existed.
  std::vector<std::pair<OrgKey, Outbox::InboundMark>> marks;
  for (const Peer& p : peers_) {
    if (p.mark_dirty) marks.emplace_back(p.config.org_root, p.mark);
  }
  Result<void> r = marks.empty() ? Result<void>(Ok()) : outbox_->set_inbound(marks);
  if (!r) spdlog::warn("transport: dedupe marks at stop: {}", r.error().to_string());
  for (Peer& p : peers_) {
    // The writer has committed every mark handed to it; the rest just now.
    if (r) p.mark_durable = p.mark;
    p.mark_dirty = p.mark_dirty && !r;
    if (p.conn && p.mark_durable.seq > 0) p.conn->set_ack(p.mark_durable.stream_id, p.mark_durable.seq);
  }
}

std::optional<std::size_t> TransportCore::find_peer(const OrgKey& key) const {
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    if (peers_[i].config.org_root == key) return i;
  }
  return std::nullopt;
}

TransportStats TransportCore::stats() const {
  TransportStats s;
  for (const Peer& p : peers_) {
    PeerStats ps = p.stats;
    ps.state = p.state;
    ps.queued_frames = p.pending.size();
    ps.queued_bytes = p.queued_bytes;
    s.peers.push_back(std::move(ps));
  }
  s.refused = refused_;
  s.closed_bad_frame = closed_bad_frame_;
  return s;
}

namespace {

class TransportImpl final : public Transport {
 public:
  explicit TransportImpl(std::shared_ptr<TransportCore> core) : core_(std::move(core)) {}
  ~TransportImpl() override { core_->stop(); }
  Result<std::uint64_t> send(const OrgKey& to, ByteSpan payload) override {
    PACTUM_TRY(std::vector<std::uint64_t> seqs, core_->send_many({{to, payload}}));
    return seqs.front();
  }
  Result<std::vector<std::uint64_t>> send_many(
      const std::vector<std::pair<OrgKey, Bytes>>& items) override {
    std::vector<std::pair<OrgKey, ByteSpan>> views;
    views.reserve(items.size());
    for (const auto& [to, payload] : items) views.emplace_back(to, ByteSpan(payload));
    return core_->send_many(views);
  }
  void stop() override { core_->stop(); }
  std::uint16_t listen_port() const override { return core_->listen_port(); }
  TransportStats stats() const override { return core_->stats(); }

 private:
  std::shared_ptr<TransportCore> core_;
};

}  // namespace

Result<std::unique_ptr<Transport>> Transport::start(asio::io_context& io, TransportConfig config,
                                                    Handlers handlers) {
  auto core = std::make_shared<TransportCore>(io, std::move(config), std::move(handlers));
  Result<void> opened = core->open();
  if (!opened) {
    core->stop();
    return Fail(opened.error());
  }
  return std::unique_ptr<Transport>(std::make_unique<TransportImpl>(std::move(core)));
}

}  // namespace pactum::node::net
