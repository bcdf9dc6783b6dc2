// Test fixtures for node/net (net_fixture.h).
#include "tests/node_net/net_fixture.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <future>
#include <random>

#include <gtest/gtest.h>

#include "protocol/protocol.h"

namespace pactum::node::net::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
// crypto::init() once, before any test of the binary runs.
class CryptoEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { ASSERT_TRUE(crypto::init().has_value()); }
};
[[maybe_unused]] auto* const kEnv = ::testing::AddGlobalTestEnvironment(new CryptoEnvironment);

constexpr std::int64_t kDayMs = 86'400'000;
}  // namespace

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Bytes node_certificate(const crypto::SecretKey& signer, const OrgKey& org_root,
                       const crypto::PublicKey& node_key, const crypto::X509Der& tls_cert,
                       std::int64_t not_before_ms, std::int64_t not_after_ms) {
  protocol::EnvelopeBuilder b;
  auto c = b.payload().initNodeCertificate();
  c.setOrgRootKey(protocol::as_data(org_root));
  c.setNodeKey(protocol::as_data(node_key));
  c.setNodeName("node.test");
  c.setTlsCertificateDer(capnp::Data::Reader(tls_cert.der.data(), tls_cert.der.size()));
  c.setNotBeforeMs(not_before_ms);
  c.setNotAfterMs(not_after_ms);
  Result<Bytes> wire = b.seal(signer, 1, wall_ms());
  EXPECT_TRUE(wire.has_value()) << wire.error().to_string();
  return wire ? *wire : Bytes{};
}

Org make_org(const std::string& name) {
  Org o{name, crypto::SecretKey::generate(), crypto::SecretKey::generate(), {}, {}};
  const std::int64_t now_s = wall_ms() / 1000;
  auto cert = crypto::make_certificate(o.root, name + " root", o.node.public_key(), name + " node",
                                       false, now_s - 3600, now_s + 86'400);
  EXPECT_TRUE(cert.has_value());
  o.tls_cert = *cert;
  o.node_certificate = node_certificate(o.root, o.key(), o.node.public_key(), o.tls_cert,
                                        wall_ms() - kDayMs, wall_ms() + kDayMs);
  return o;
}

std::vector<Org> make_orgs(std::size_t count) {
  std::vector<Org> orgs;
  for (std::size_t i = 0; i < count; ++i) orgs.push_back(make_org("org" + std::to_string(i)));
  std::sort(orgs.begin(), orgs.end(), [](const Org& a, const Org& b) { return a.key() < b.key(); });
  for (std::size_t i = 0; i < count; ++i) orgs[i].name = "org" + std::to_string(i);
  return orgs;
}

TransportLimits test_limits() {
  TransportLimits l;
  l.heartbeat_interval = std::chrono::milliseconds(100);
  l.idle_timeout = std::chrono::milliseconds(1500);
  l.handshake_timeout = std::chrono::milliseconds(1500);
  l.backoff_min = std::chrono::milliseconds(20);
  l.backoff_max = std::chrono::milliseconds(200);
  return l;
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = (std::filesystem::temp_directory_path() /
           ("pactum-net-" + std::to_string(rd()) + "-" + std::to_string(counter++)))
              .string();
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

PeerConfig peer(const Org& org, std::uint16_t port) {
  PeerConfig p;
  p.name = org.name;
  p.org_root = org.key();
  if (port != 0) {
    p.host = "127.0.0.1";
    p.port = port;
  }
  return p;
}

Host::Host(const Org& org, std::string data_dir, std::vector<PeerConfig> peers,
           TransportLimits limits, std::uint16_t port)
    : org_(org), data_dir_(std::move(data_dir)), peers_(std::move(peers)), limits_(limits),
      port_(port) {}

Host::~Host() { stop(); }

template <class F>
auto Host::run(F&& f) -> decltype(f()) {
  std::packaged_task<decltype(f())()> task(std::forward<F>(f));
  auto future = task.get_future();
  asio::post(*io_, [&task]() { task(); });
  return future.get();
}

Result<void> Host::start() {
  io_ = std::make_unique<asio::io_context>();
  TransportConfig config;
  config.listen_port = port_;
  config.node_key = &org_.node;
  config.node_cert = org_.tls_cert;
  config.node_certificate = org_.node_certificate;
  config.org_root = org_.key();
  config.peers = peers_;
  config.data_dir = data_dir_;
  config.limits = limits_;
  Handlers h;
  h.on_message = [this](const OrgKey& from, Bytes payload) {
    std::lock_guard lock(mu_);
    received_.push_back(Received{from, std::move(payload)});
    cv_.notify_all();
  };
  h.on_closed = [this](const OrgKey& peer_key, CloseReason reason, const std::string& detail) {
    std::lock_guard lock(mu_);
    closed_.push_back(Closed{peer_key, reason, detail});
    cv_.notify_all();
  };
  h.on_peer_state = [this](const OrgKey& peer_key, PeerState state) {
    std::lock_guard lock(mu_);
    states_.emplace_back(peer_key, state);
    cv_.notify_all();
  };
  h.open_negotiations = open_negotiations;
  h.on_refused = [this](const OrgKey& peer_key, std::uint64_t seq, const Bytes& payload,
                        PayloadRefusal reason, const std::string& detail) {
    std::lock_guard lock(mu_);
    refused_.push_back(RefusedByPeer{peer_key, seq, payload, reason, detail});
    cv_.notify_all();
  };
  auto started = Transport::start(*io_, std::move(config), std::move(h));
  if (!started) return Fail(started.error());
  transport_ = std::move(*started);
  port_ = transport_->listen_port();
  thread_ = std::thread([io = io_.get()]() {
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
  return Ok();
}

void Host::stop() {
  if (!io_) return;
  if (thread_.joinable()) {
    run([this]() {
      transport_->stop();
      transport_.reset();
    });
    io_->stop();
    thread_.join();
  }
  transport_.reset();  // A frozen host: its thread is gone, so this is safe here.
  io_.reset();         // Destroys pending handlers, releasing the transport's state.
}

void Host::freeze() {
  io_->stop();
  thread_.join();
}

Result<std::uint64_t> Host::send(const OrgKey& to, const Bytes& payload) {
  return run([&]() { return transport_->send(to, payload); });
}

Result<std::vector<std::uint64_t>> Host::send_many(
    const std::vector<std::pair<OrgKey, Bytes>>& items) {
  return run([&]() { return transport_->send_many(items); });
}

TransportStats Host::stats() {
  return run([&]() { return transport_->stats(); });
}

PeerStats Host::peer_stats(const OrgKey& key) {
  for (const PeerStats& p : stats().peers) {
    if (p.org_root == key) return p;
  }
  ADD_FAILURE() << "no such peer";
  return {};
}

bool Host::wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

std::vector<Received> Host::received_from(const OrgKey& from) {
  std::lock_guard lock(mu_);
  std::vector<Received> out;
  for (const Received& r : received_) {
    if (r.from == from) out.push_back(r);
  }
  return out;
}

std::size_t Host::count_from(const OrgKey& from) {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(std::count_if(
      received_.begin(), received_.end(), [&](const Received& r) { return r.from == from; }));
}

std::vector<Closed> Host::closed() {
  std::lock_guard lock(mu_);
  return closed_;
}

std::vector<RefusedByPeer> Host::refused() {
  std::lock_guard lock(mu_);
  return refused_;
}

std::vector<PeerState> Host::states_of(const OrgKey& key) {
  std::lock_guard lock(mu_);
  std::vector<PeerState> out;
  for (const auto& [k, s] : states_) {
    if (k == key) out.push_back(s);
  }
  return out;
}

RawClient::RawClient(const Org& org, std::uint16_t port) {
  auto tls = crypto::TlsContext::create(crypto::TlsContext::Role::kClient, org.node, org.tls_cert,
                                        [](const crypto::PublicKey&) { return true; });
  if (!tls) return;
  tls_.emplace(std::move(*tls));
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(tls_->native_handle()));
  stream_ = std::make_unique<asio::ssl::stream<tcp::socket>>(tcp::socket(io_), ssl);
  boost::system::error_code ec;
  stream_->lowest_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return;
  stream_->handshake(asio::ssl::stream_base::client, ec);
  ok_ = !ec;
}

RawClient::~RawClient() {
  if (stream_) {
    boost::system::error_code ignored;
    stream_->lowest_layer().close(ignored);
  }
}

void RawClient::write(ByteSpan bytes) {
  boost::system::error_code ec;
  asio::write(*stream_, asio::buffer(bytes.data(), bytes.size()), ec);
}

bool RawClient::read_exact(MutableByteSpan out, std::chrono::milliseconds timeout) {
  bool done = false, ok = false;
  asio::async_read(*stream_, asio::buffer(out.data(), out.size()),
                   [&](const boost::system::error_code& ec, std::size_t) {
                     done = true;
                     ok = !ec;
                   });
  io_.restart();
  io_.run_for(timeout);
  if (!done) {
    // Timed out: cancel the read and let its handler run.
    boost::system::error_code ignored;
    stream_->lowest_layer().cancel(ignored);
    io_.restart();
    io_.run();
  }
  return ok;
}

std::optional<Bytes> RawClient::read_frame(std::chrono::milliseconds timeout) {
  std::array<std::uint8_t, 4> prefix{};
  if (!read_exact(prefix, timeout)) return std::nullopt;
  const std::uint32_t n = (std::uint32_t{prefix[0]} << 24) | (std::uint32_t{prefix[1]} << 16) |
                          (std::uint32_t{prefix[2]} << 8) | prefix[3];
  Bytes body(n);
  if (!read_exact(body, timeout)) return std::nullopt;
  return body;
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    std::array<std::uint8_t, 1> one{};
    bool done = false, closed = false;
    stream_->async_read_some(asio::buffer(one), [&](const boost::system::error_code& ec, std::size_t) {
      done = true;
      closed = static_cast<bool>(ec);
    });
    io_.restart();
    io_.run_for(std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()));
    if (!done) {
      boost::system::error_code ignored;
      stream_->lowest_layer().cancel(ignored);
      io_.restart();
      io_.run();
      return false;
    }
    if (closed) return true;
  }
  return false;
}

}  // namespace pactum::node::net::testing
