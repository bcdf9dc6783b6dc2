// `pactum bench transport`: payloads delivered between two transports over
// TLS 1.3 on loopback (durable outbox, dedupe marks and acks included), beside
// raw TLS 1.3 writes of the same size over loopback and the disk's fsync rate,
// all measured in the same run.
#include <fcntl.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "crypto/crypto.h"
#include "node/net/transport.h"
#include "protocol/protocol.h"
#include "tools/bench.h"

namespace pactum::tools {
namespace {

namespace asio = boost::asio;
namespace net = ::pactum::node::net;
using tcp = asio::ip::tcp;

constexpr std::size_t kSmallPayload = 1024;        // A typical signed envelope.
constexpr std::size_t kLargePayload = 64 * 1024;   // A contract with its transcript.
constexpr std::size_t kFramingBytes = 44;          // Length prefix + Frame/Deliver words.
constexpr auto kDeliveryTimeout = std::chrono::seconds(20);

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Org {
  crypto::SecretKey root = crypto::SecretKey::generate();
  crypto::SecretKey node = crypto::SecretKey::generate();
  crypto::X509Der cert;
  Bytes envelope;
};

Result<void> make_identity(Org& o) {
  const std::int64_t s = now_ms() / 1000;
  PACTUM_TRY(o.cert, crypto::make_certificate(o.root, "bench root", o.node.public_key(),
                                              "bench node", false, s - 3600, s + 86'400));
  protocol::EnvelopeBuilder b;
  auto c = b.payload().initNodeCertificate();
  c.setOrgRootKey(protocol::as_data(o.root.public_key()));
  c.setNodeKey(protocol::as_data(o.node.public_key()));
  c.setNodeName("bench");
  c.setNotBeforeMs(now_ms() - 3'600'000);
  c.setNotAfterMs(now_ms() + 86'400'000);
  PACTUM_TRY(o.envelope, b.seal(o.root, 1, now_ms()));
  return Ok();
}

// One transport on its own io thread, counting what it receives.
class Side {
 public:
  Result<void> start(const Org& me, const Org& other, std::uint16_t other_port, const std::string& dir) {
    net::TransportConfig c;
    c.node_key = &me.node;
    c.node_cert = me.cert;
    c.node_certificate = me.envelope;
    c.org_root = me.root.public_key();
    net::PeerConfig p;
    p.name = "peer";
    p.org_root = other.root.public_key();
    if (other_port != 0) {
      p.host = "127.0.0.1";
      p.port = other_port;
    }
    c.peers = {p};
    c.data_dir = dir;
    c.limits.queued_bytes_max = std::size_t{64} << 20;
    c.limits.frames_per_second = 1'000'000;  // The bench floods on purpose.
    c.limits.frames_burst = 1'000'000;
    net::Handlers h;
    h.on_message = [this](const net::OrgKey&, Bytes) {
      {
        std::lock_guard lock(mu_);  // So a waiter cannot miss the wake-up.
        received_.fetch_add(1, std::memory_order_relaxed);
      }
      cv_.notify_all();
    };
    h.on_peer_state = [this](const net::OrgKey&, net::PeerState s) {
      {
        std::lock_guard lock(mu_);
        connected_.store(s == net::PeerState::kConnected);
      }
      cv_.notify_all();
    };
    PACTUM_TRY(transport_, net::Transport::start(io_, std::move(c), std::move(h)));
    thread_ = std::thread([this]() {
      auto guard = asio::make_work_guard(io_);
      io_.run();
    });
    return Ok();
  }
  ~Side() {
    if (thread_.joinable()) {
      call([this]() {
        transport_->stop();
        transport_.reset();
        return 0;
      });
      io_.stop();
      thread_.join();
    }
  }
  template <class F>
  auto call(F&& f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto fut = task.get_future();
    asio::post(io_, [&task]() { task(); });
    return fut.get();
  }
  bool send_many(const std::vector<std::pair<net::OrgKey, Bytes>>& items) {
    return call([&]() { return transport_->send_many(items).has_value(); });
  }
  std::uint16_t port() { return transport_->listen_port(); }
  std::uint64_t received() const { return received_.load(); }
  bool wait(const std::function<bool()>& pred) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeliveryTimeout, pred);
  }
  bool connected() const { return connected_.load(); }

 private:
  asio::io_context io_;
  std::unique_ptr<net::Transport> transport_;
  std::thread thread_;
  std::atomic<std::uint64_t> received_{0};
  std::atomic<bool> connected_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

std::string fresh_dir(const BenchOptions& opt, const std::string& name) {
  auto p = std::filesystem::path(opt.scratch_dir) / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

// Delivered payloads per second (or bytes when `bytes`) from A to B, with
// up to two batches of `batch` payloads in flight; each batch is one
// durable send_many().
double delivered_rate(const BenchOptions& opt, const Org& a, const Org& b, std::size_t size,
                      std::size_t batch, bool bytes, const std::string& name) {
  const bool a_dials = a.root.public_key() < b.root.public_key();
  const Org& listener = a_dials ? b : a;
  const Org& dialer = a_dials ? a : b;
  Side l, d;
  if (!l.start(listener, dialer, 0, fresh_dir(opt, name + "-l"))) return 0;
  if (!d.start(dialer, listener, l.port(), fresh_dir(opt, name + "-d"))) return 0;
  Side& sender = d;
  Side& receiver = l;
  if (!sender.wait([&] { return sender.connected(); })) return 0;
  std::vector<std::pair<net::OrgKey, Bytes>> items(batch, {listener.root.public_key(), Bytes(size, 0x5a)});
  std::uint64_t sent = 0;
  return measure_rate("transport/" + name, [&](benchmark::State& st) {
    for (auto _ : st) {
      if (!sender.send_many(items)) st.SkipWithError("send_many");
      sent += batch;
      if (!receiver.wait([&] { return receiver.received() + batch >= sent; })) st.SkipWithError("timeout");
    }
    if (!receiver.wait([&] { return receiver.received() >= sent; })) st.SkipWithError("timeout");
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * batch));
    st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * batch * size));
  }, opt, bytes);
}

// Raw TLS 1.3 over loopback: one synchronous write of `frame` bytes per item,
// drained by a reader thread, with the same contexts the transport uses.
double raw_tls_rate(const BenchOptions& opt, const Org& a, const Org& b, std::size_t frame, bool bytes) {
  auto any = [](const crypto::PublicKey&) { return true; };
  auto server_ctx = crypto::TlsContext::create(crypto::TlsContext::Role::kServer, b.node, b.cert, any);
  auto client_ctx = crypto::TlsContext::create(crypto::TlsContext::Role::kClient, a.node, a.cert, any);
  if (!server_ctx || !client_ctx) return 0;
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  std::thread reader([&]() {
    boost::system::error_code ec;
    tcp::socket sock(io);
    acceptor.accept(sock, ec);
    if (ec) return;
    asio::ssl::stream<tcp::socket> s(std::move(sock), SSL_new(static_cast<SSL_CTX*>(server_ctx->native_handle())));
    s.handshake(asio::ssl::stream_base::server, ec);
    std::vector<std::uint8_t> buf(256 * 1024);
    while (!ec) s.read_some(asio::buffer(buf), ec);
  });
  asio::ssl::stream<tcp::socket> c(tcp::socket(io), SSL_new(static_cast<SSL_CTX*>(client_ctx->native_handle())));
  boost::system::error_code ec;
  c.lowest_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (!ec) c.lowest_layer().set_option(tcp::no_delay(true), ec);
  if (!ec) c.handshake(asio::ssl::stream_base::client, ec);
  double rate = 0;
  if (!ec) {
    Bytes data(frame, 0x5a);
    rate = measure_rate("tls/raw/" + std::to_string(frame), [&](benchmark::State& st) {
      for (auto _ : st) {
        boost::system::error_code wec;
        asio::write(c, asio::buffer(data), wec);
        if (wec) st.SkipWithError("write");
      }
      st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * frame));
    }, opt, bytes);
  }
  c.lowest_layer().close(ec);
  reader.join();
  (void)opt;
  return rate;
}

double fsync_rate(const BenchOptions& opt) {
  std::string path = fresh_dir(opt, "fsync") + "/probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 0;
  std::vector<char> page(4096, 'x');
  double rate = measure_rate("fsync", [&](benchmark::State& st) {
    for (auto _ : st) {
      if (::pwrite(fd, page.data(), page.size(), 0) < 0 || ::fdatasync(fd) != 0) st.SkipWithError("fsync");
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  }, opt);
  ::close(fd);
  return rate;
}

}  // namespace

std::vector<BenchRow> bench_transport(const BenchOptions& opt) {
  // Connection logs would interleave with the table.
  spdlog::set_level(spdlog::level::warn);
  Org a, b;
  if (!make_identity(a) || !make_identity(b)) return {};
  std::vector<BenchRow> rows;
  const double raw_small = raw_tls_rate(opt, a, b, kSmallPayload + kFramingBytes, false);
  const double raw_large = raw_tls_rate(opt, a, b, kLargePayload + kFramingBytes, true) / 1e6;
  const double fsyncs = fsync_rate(opt);
  rows.push_back({"delivered 1 KiB payloads, 256 per send_many", delivered_rate(opt, a, b, kSmallPayload, 256, false, "small"),
                  "frames/s", "raw TLS 1.3 loopback writes, same size", raw_small});
  rows.push_back({"delivered 64 KiB payloads, 32 per send_many",
                  delivered_rate(opt, a, b, kLargePayload, 32, true, "large") / 1e6, "MB/s",
                  "raw TLS 1.3 loopback writes, same size", raw_large});
  rows.push_back({"delivered 1 KiB payloads, 1 per send()", delivered_rate(opt, a, b, kSmallPayload, 1, false, "single"),
                  "frames/s", "write + fdatasync of 4 KiB", fsyncs});
  return rows;
}

}  // namespace pactum::tools
