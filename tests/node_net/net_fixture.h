// Test fixtures for node/net: organizations with node keys, TLS certificates
// and NodeCertificate envelopes; a Host that runs one Transport on its own
// io_context thread; a raw TLS client that speaks frames by hand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/base.h"
#include "crypto/crypto.h"
#include "node/net/transport.h"

namespace pactum::node::net::testing {

std::int64_t wall_ms();

// One organization with one node.
struct Org {
  std::string name;
  crypto::SecretKey root;
  crypto::SecretKey node;
  crypto::X509Der tls_cert;
  Bytes node_certificate;  // NodeCertificate envelope, signed by `root`.
  OrgKey key() const { return root.public_key(); }
};

// A NodeCertificate envelope for `node_key` signed by `signer`, claiming org
// `org_root`, valid [not_before, not_after) ms.
Bytes node_certificate(const crypto::SecretKey& signer, const OrgKey& org_root,
                       const crypto::PublicKey& node_key, const crypto::X509Der& tls_cert,
                       std::int64_t not_before_ms, std::int64_t not_after_ms);
Org make_org(const std::string& name);
// `count` orgs sorted by org root key ascending (so orgs[0] dials everyone).
std::vector<Org> make_orgs(std::size_t count);

// Fast limits for tests on loopback.
TransportLimits test_limits();

// A fresh directory under the test temp dir, removed at destruction.
// An org key of 32 bytes `b`: distinct peers for outbox and admission tests.
inline OrgKey key_of(std::uint8_t b) {
  OrgKey k{};
  k.fill(b);
  return k;
}

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Received {
  OrgKey from{};
  Bytes payload;
};
struct RefusedByPeer {
  OrgKey peer{};
  std::uint64_t seq = 0;
  Bytes payload;
  PayloadRefusal reason = PayloadRefusal::kUnknown;
  std::string detail;
};
struct Closed {
  OrgKey peer{};
  CloseReason reason = CloseReason::kNone;
  std::string detail;
};

// One Transport on its own io_context thread. Test-thread methods marshal
// onto that thread and wait.
class Host {
 public:
  Host(const Org& org, std::string data_dir, std::vector<PeerConfig> peers,
       TransportLimits limits = test_limits(), std::uint16_t port = 0);
  ~Host();
  Result<void> start();
  // Stops the transport, then the thread. Safe to call twice.
  void stop();
  // Stops the io thread but keeps the transport and its sockets open: the
  // node stops reading and writing, like a hung process.
  void freeze();

  std::uint16_t port() const { return port_; }
  Result<std::uint64_t> send(const OrgKey& to, const Bytes& payload);
  Result<std::vector<std::uint64_t>> send_many(const std::vector<std::pair<OrgKey, Bytes>>& items);
  TransportStats stats();
  PeerStats peer_stats(const OrgKey& peer);

  // Waits until `pred` holds over the received messages (or timeout).
  bool wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
  std::vector<Received> received_from(const OrgKey& from);
  std::size_t count_from(const OrgKey& from);
  std::vector<Closed> closed();
  std::vector<RefusedByPeer> refused();
  // Set before start(): Handlers::open_negotiations (runs on the io thread).
  std::function<std::size_t(const OrgKey& peer, const crypto::Digest& negotiation_id)>
      open_negotiations;
  std::vector<PeerState> states_of(const OrgKey& peer);

 private:
  template <class F>
  auto run(F&& f) -> decltype(f());

  const Org& org_;
  std::string data_dir_;
  std::vector<PeerConfig> peers_;
  TransportLimits limits_;
  std::uint16_t port_ = 0;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<Transport> transport_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;
  std::vector<Closed> closed_;
  std::vector<RefusedByPeer> refused_;
  std::vector<std::pair<OrgKey, PeerState>> states_;
};

// PeerConfig for `org`, dialable at 127.0.0.1:port when port != 0.
PeerConfig peer(const Org& org, std::uint16_t port = 0);

// A hand-driven TLS client with `org`'s node key (synchronous, own io_context).
class RawClient {
 public:
  RawClient(const Org& org, std::uint16_t port);
  ~RawClient();
  bool connected() const { return ok_; }
  void write(ByteSpan bytes);
  // The next frame body, or nullopt on close/error/timeout.
  std::optional<Bytes> read_frame(std::chrono::milliseconds timeout);
  // True if the server closed the connection within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout);

 private:
  bool read_exact(MutableByteSpan out, std::chrono::milliseconds timeout);
  boost::asio::io_context io_;
  std::optional<crypto::TlsContext> tls_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> stream_;
  bool ok_ = false;
};

}  // namespace pactum::node::net::testing
