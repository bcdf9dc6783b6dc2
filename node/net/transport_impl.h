// node/net internal: the transport's state behind the Transport facade.
//
// TransportCore owns the outbox, the listener, the per-peer queues and the
// connections; it is shared (asio handlers hold it) so the facade can be
// destroyed while handlers are pending. Split over transport.cc (start,
// send, dialing, stop) and transport_peers.cc (what connections report).
// Thread-safety: none; one io thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "node/net/connection.h"
#include "node/net/outbox.h"
#include "node/net/outbox_writer.h"
#include "node/net/transport.h"

namespace pactum::node::net {

class TransportCore : public ConnectionOwner,
                      public std::enable_shared_from_this<TransportCore> {
 public:
  struct Peer {
    PeerConfig config;
    bool dial = false;  // We dial it (smaller org root, host set).
    PeerState state = PeerState::kDisconnected;
    std::shared_ptr<Connection> conn;     // Established connection, if any.
    std::shared_ptr<Connection> dialing;  // Outbound connection being set up.
    std::deque<Outbox::Entry> pending;    // Unacknowledged, in sequence order.
    std::size_t next_send = 0;            // Index in `pending` of the next to write on `conn`.
    std::uint64_t next_seq = 1;           // The next seq to assign (the outbox assigns the same).
    std::uint64_t queued_bytes = 0;       // Sum of pending payload sizes.
    std::uint64_t acked_unflushed = 0;    // Acked seq not yet deleted from the outbox (0: none).
    Outbox::InboundMark mark;             // Dedupe: highest delivered seq of the peer's stream.
    bool mark_dirty = false;              // `mark` changed since last handed to the writer.
    Outbox::InboundMark mark_durable;     // The mark last committed: all an ack may claim.
    bool ack_due = false;                 // A Deliver arrived since our last ack.
    std::unique_ptr<asio::steady_timer> redial;
    std::uint32_t attempts = 0;
    PeerStats stats;
  };

  TransportCore(asio::io_context& io, TransportConfig config, Handlers handlers);
  Result<void> open();
  Result<std::vector<std::uint64_t>> send_many(const std::vector<std::pair<OrgKey, ByteSpan>>& items);
  void stop();
  std::uint16_t listen_port() const { return port_; }
  TransportStats stats() const;

  // ConnectionOwner.
  tl::expected<std::size_t, Refusal> on_hello(Connection& conn, wire::frame::Hello::Reader hello,
                                              const crypto::PublicKey& tls_key) override;
  Result<Bytes> our_hello() override;
  void on_established(const std::shared_ptr<Connection>& conn) override;
  void on_deliver(Connection& conn, std::uint64_t seq, capnp::Data::Reader payload) override;
  void on_ack(Connection& conn, std::uint64_t stream_id, std::uint64_t seq) override;
  void on_refuse(Connection& conn, std::uint64_t seq, std::uint8_t reason,
                 std::string detail) override;
  void on_read_batch_end(Connection& conn) override;
  void on_writable(Connection& conn) override;
  void on_rate_paused(Connection& conn) override;
  void on_closed(Connection& conn, CloseReason reason, const std::string& detail) override;

 private:
  Result<void> check_config() const;
  Result<void> make_tls();
  Result<void> listen();
  void accept_next();
  void start_dial(std::size_t index);
  void schedule_redial(std::size_t index);
  void set_state(Peer& peer, PeerState state);
  void pump(Peer& peer);
  void flush_acks();
  void flush_marks();
  // At stop(), with the writer joined: commits the dirty dedupe marks on
  // this thread and acknowledges what they cover, so a graceful stop leaves
  // nothing for the peers to re-send.
  void persist_marks_and_ack();
  void arm_ack_flush();
  std::int64_t now_ms() const;
  Peer* peer_of(const Connection& conn);
  std::optional<std::size_t> find_peer(const OrgKey& key) const;
  // Whether the per-peer limit on open negotiations refuses this payload;
  // if so, answers the peer with a Refuse frame for `seq`.
  bool refuse_payload(Peer& peer, Connection& conn, std::uint64_t seq, ByteSpan payload);

  asio::io_context& io_;
  TransportConfig config_;
  Handlers handlers_;
  std::unique_ptr<Outbox> outbox_;  // Null after stop().
  // Every outbox write after open(); declared after outbox_ so it stops first.
  std::unique_ptr<OutboxWriter> writer_;
  std::optional<crypto::TlsContext> server_tls_, client_tls_;
  tcp::acceptor acceptor_;
  tcp::resolver resolver_;
  asio::steady_timer ack_flush_;
  asio::steady_timer mark_flush_;    // Group commit of dedupe marks, then acks.
  bool mark_flush_armed_ = false;
  asio::steady_timer accept_retry_;  // After an accept error (e.g. out of descriptors).
  std::uint16_t port_ = 0;
  std::vector<Peer> peers_;
  std::vector<OrgKey> partner_keys_;
  std::set<std::shared_ptr<Connection>> conns_;  // Every open connection.
  std::mt19937_64 jitter_;  // Backoff jitter only; never anything secret.
  bool stopped_ = false;
  std::uint64_t refused_ = 0;
  std::uint64_t closed_bad_frame_ = 0;
};

}  // namespace pactum::node::net
