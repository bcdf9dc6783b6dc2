// node/net internal: one TLS connection to a peer node, from TCP connect (or
// accept) through the Hello exchange to close. It owns the socket, the read
// buffer, the write buffers and the timers; what the frames mean is decided
// by its ConnectionOwner (the transport).
//
// Inbound rate: each frame takes a token from a bucket (frames_per_second,
// frames_burst). An empty bucket pauses reading until it refills, so a peer
// sending faster than the limit is slowed by TCP flow control, not
// disconnected: a busy partner keeps its connection and a flooding one
// costs at most the limit.
//
// Handshake: the dialer sends its Hello right after TLS and waits for the
// acceptor's; the acceptor waits for the dialer's Hello, asks the owner to
// admit it, and only then sends its own. Any frame other than Hello first, a
// refusal, or the handshake timeout closes the connection with a reason.
//
// Thread-safety: none; everything runs on the io_context's one thread.
// Lifetime: shared_ptr; asio handlers hold `self`, the owner holds it while
// it is registered. close() reports to the owner exactly once.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <tl/expected.hpp>

#include "base/base.h"
#include "node/net/admission.h"
#include "node/net/frame.h"
#include "node/net/transport.h"

namespace pactum::node::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Connection;

// What a connection reports; implemented by the transport. Called on the io thread.
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  // The peer's Hello (TLS authenticated with `tls_key`). Return the index of
  // the admitted peer, or a Refusal that closes the connection.
  virtual tl::expected<std::size_t, Refusal> on_hello(Connection& conn,
                                                      wire::frame::Hello::Reader hello,
                                                      const crypto::PublicKey& tls_key) = 0;
  // Our Hello frame (encoded), sent once per connection.
  virtual Result<Bytes> our_hello() = 0;
  virtual void on_established(const std::shared_ptr<Connection>& conn) = 0;
  virtual void on_deliver(Connection& conn, std::uint64_t seq, capnp::Data::Reader payload) = 0;
  virtual void on_ack(Connection& conn, std::uint64_t stream_id, std::uint64_t seq) = 0;
  // The peer refused our payload `seq` (a Refuse frame).
  virtual void on_refuse(Connection& conn, std::uint64_t seq, std::uint8_t reason,
                         std::string detail) = 0;
  // After the frames of one read have been handled (group the dedupe commit and the ack).
  virtual void on_read_batch_end(Connection& conn) = 0;
  // The inbound token bucket ran empty: reading pauses until it refills.
  virtual void on_rate_paused(Connection& conn) = 0;
  // The write window has room again.
  virtual void on_writable(Connection& conn) = 0;
  virtual void on_closed(Connection& conn, CloseReason reason, const std::string& detail) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class Role { kDialer, kAcceptor };
  using Clock = std::chrono::steady_clock;

  // `ssl` is an SSL* made from the role's TlsContext; ownership passes to the stream.
  Connection(asio::io_context& io, void* ssl, tcp::socket socket, Role role,
             std::shared_ptr<ConnectionOwner> owner, const TransportLimits& limits);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Dialer: connects to one of `endpoints`, then handshakes.
  void dial(const tcp::resolver::results_type& endpoints);
  // Acceptor: the socket is connected; handshake.
  void accept();

  // Appends an encoded frame to the write buffer and, with `write_now`,
  // starts writing. Callers queuing several frames pass false and call
  // flush() after the last, so they leave in one TLS write: a write in
  // flight holds back the rest until its completion runs on the io thread.
  void enqueue(ByteSpan frame, bool write_now = true);
  // Starts writing what is buffered; while a write is in flight its
  // completion does.
  void flush();
  // Sends Ack(stream, seq) before the next buffered frames; coalesces.
  void set_ack(std::uint64_t stream_id, std::uint64_t seq);
  // Bytes buffered or being written.
  std::size_t queued_bytes() const { return out_.size() + write_buf_.size(); }
  bool can_take_more() const { return established_ && !closed_ && queued_bytes() < kWriteWindowBytes; }

  // Closes with `reason`: reports to the owner once, sends a Close frame when
  // the socket is still usable (bounded by kCloseLinger), then closes.
  void close(CloseReason reason, std::string detail);

  Role role() const { return role_; }
  bool established() const { return established_; }
  bool closed() const { return closed_; }
  // Set by the owner: the peer this connection is for (dialer: before
  // dial(); acceptor: from on_hello), and the peer's stream and checkpoint.
  std::optional<std::size_t> peer_index;
  std::uint64_t peer_stream_id = 0;
  Bytes peer_checkpoint;

 private:
  void on_tls_ready();
  void read_more();
  void handle_frames();
  bool handle_frame(ByteSpan body);  // False when the connection closed.
  // Refills the bucket; zero when a frame may be taken now, else how long
  // until one may.
  std::chrono::microseconds token_wait();
  // Out of tokens: stop reading (TCP pushes back on the peer) until the
  // bucket has one again, then handle what is buffered and read on.
  void pause_reading(std::chrono::microseconds wait);
  void hard_close();
  void arm_watchdog();
  void arm_heartbeat();

  asio::ssl::stream<tcp::socket> stream_;
  Role role_;
  std::shared_ptr<ConnectionOwner> owner_;
  TransportLimits limits_;
  asio::steady_timer watchdog_;   // Handshake / idle deadline.
  asio::steady_timer heartbeat_;  // Heartbeats and write-stall checks.
  asio::steady_timer linger_;     // Bounds a graceful close.
  asio::steady_timer pace_;       // Resumes reading after a rate pause.
  bool paused_ = false;           // Reading stopped by the token bucket.
  Clock::time_point deadline_{};
  FrameBuffer in_;
  Bytes out_;        // Frames waiting for the next write.
  Bytes write_buf_;  // Frames being written.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> ack_;  // (stream, seq) to send.
  bool writing_ = false;
  Clock::time_point write_started_{};
  bool tls_ready_ = false;
  bool hello_seen_ = false;
  bool established_ = false;
  bool closed_ = false;      // close() was called (reported to the owner).
  bool torn_down_ = false;   // The socket is closed.
  // Inbound frame token bucket, in thousandths of a frame (integers only).
  std::uint64_t tokens_milli_ = 0;
  Clock::time_point tokens_at_{};
};

}  // namespace pactum::node::net
