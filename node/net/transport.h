// node/net: the mutual-TLS transport between partner nodes (issue 7, Peers).
// The one public header of this module.
//
// A Transport carries opaque payloads (canonical Envelope bytes from the node
// core) to and from the nodes of configured partner organizations:
//   - TCP + TLS 1.3 (crypto::TlsContext, mutual, Ed25519 certificates). A
//     connection is admitted only when the peer's Hello carries a
//     NodeCertificate envelope signed by a configured partner's org root,
//     valid now, whose nodeKey equals the key of the peer's TLS certificate.
//     Anyone else is refused during the handshake, with a logged, typed
//     reason (on_refused, stats). The dialing side sends its Hello first;
//     the accepting side answers only after admitting it.
//   - Frames: 4-byte big-endian length + canonical Cap'n Proto Frame
//     (protocol/frame.capnp; byte grammar in docs/transport.md). An
//     oversized, non-canonical or garbage frame closes that connection only.
//   - Heartbeats, an idle timeout, reconnection with exponential backoff and
//     jitter. Between two nodes exactly one side dials: the one whose org
//     root key is smaller (bytewise), and only when the peer has a host.
//     The newest admitted connection of a peer replaces an older one.
//   - Durable outbox: send() queues the payload and numbers it; a writer
//     thread commits it to the transport's own LMDB environment under
//     data_dir, and only then is it written to the peer, so the io thread
//     never waits for an fsync and no sequence number a peer has seen can be
//     lost. stop() commits everything queued before it returns. An entry is
//     removed when the peer acknowledges it, and re-sent after reconnects
//     and restarts. Each outbound stream has a random 64-bit id and per-peer
//     sequence numbers starting at 1.
//   - Dedupe: the receiver keeps, durably, the highest sequence delivered per
//     (peer, stream id), so a duplicate never reaches on_message under normal
//     operation. Across a crash a payload may be delivered again (the mark is
//     persisted after on_message returns and before the ack is sent): delivery
//     is at-least-once across crashes, exactly-once otherwise. Payloads of
//     one peer are delivered in send() order.
//   - Per-peer limits: queued (unacknowledged) bytes per peer (send() fails
//     with kPeerOverloaded beyond it), an inbound frames-per-second token
//     bucket (a peer past it has its reads paused, which TCP flow control
//     turns into backpressure; it is not disconnected), open negotiations (see
//     below), handshake and read timeouts. Writes are asynchronous, so a
//     peer that stops reading stalls only its own connection.
//   - Open negotiations per peer: when Handlers::open_negotiations is set,
//     the transport peeks at each inbound payload's kind (the only thing it
//     reads inside a payload). A Propose from a peer that already holds
//     limits.open_negotiations_max open negotiations with us (the node
//     core's count) is not handed to on_message: it is acknowledged and
//     answered with a Refuse frame (PayloadRefusal::kOpenNegotiationsLimit),
//     which the peer's transport reports to its on_refused handler. Other
//     payloads of that peer, and every other peer, flow on.
//
// Lifetime: destroy the Transport before its io_context.
// Thread-safety: none. A Transport lives on one io_context run by one thread;
// call every method on that thread (from a handler, or via asio::post), and
// every handler is invoked on it. Outbox writes (appends, acknowledged
// deletions, dedupe marks) run on the transport's own writer thread, one
// LMDB commit each: batch with send_many() when sending many payloads.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/base.h"
#include "crypto/crypto.h"

namespace pactum::node::net {

// A partner organization, named by its org root public key.
using OrgKey = crypto::PublicKey;

// Persisted nowhere; reported to on_peer_state and in stats.
enum class PeerState : std::uint8_t {
  kDisconnected = 0,  // No connection; we do not dial this peer (it dials us) or we stopped.
  kConnecting = 1,    // TCP connect or TLS/Hello handshake in progress.
  kConnected = 2,     // Admitted; payloads flow.
  kBackoff = 3,       // Waiting before the next dial attempt.
};
std::string_view peer_state_name(PeerState state);

// Why a connection was refused at the handshake or closed afterwards.
enum class CloseReason : std::uint8_t {
  kNone = 0,
  kTlsFailed = 1,          // TLS handshake failed (e.g. no or non-Ed25519 certificate).
  kBadHello = 2,           // First frame not a well-formed Hello.
  kWrongVersion = 3,       // Unsupported protocol version.
  kBadCertificate = 4,     // NodeCertificate envelope malformed or signature invalid.
  kUnknownOrg = 5,         // Certificate signed by an org root that is not a partner.
  kCertificateExpired = 6, // Outside its validity window.
  kKeyMismatch = 7,        // NodeCertificate nodeKey != TLS certificate key.
  kFrameTooLarge = 8,      // Length prefix above the frame limit.
  kBadFrame = 9,           // Garbage, non-canonical or unexpected frame.
  kRateLimited = 10,       // Inbound rate exceeded. Not sent by this version: reads are paced.
  kIdleTimeout = 11,       // Nothing read within the idle or handshake timeout.
  kIoError = 12,           // Socket or TLS error, or the peer closed.
  kReplaced = 13,          // A newer connection of the same peer was admitted.
  kShutdown = 14,          // stop(), or the peer said close.
  kStorage = 15,           // The outbox or dedupe store failed.
};
std::string_view close_reason_name(CloseReason reason);

// Why a delivered payload was not handed to the receiving node core. Sent
// in Refuse frames: values are on the wire, never renumber.
enum class PayloadRefusal : std::uint8_t {
  kUnknown = 0,                 // A value this build does not know (from a newer peer).
  kOpenNegotiationsLimit = 1,   // A Propose from a peer at open_negotiations_max.
};
std::string_view payload_refusal_name(PayloadRefusal reason);

// Open negotiations one peer may hold with us before its Proposes are
// refused: the federation test runs 200 concurrent negotiations with one
// partner, and each open negotiation costs the core a few KiB of state and
// a ledger entry per message, so 1000 bounds a hostile peer to a few MiB.
inline constexpr std::uint32_t kOpenNegotiationsPerPeerDefault = 1000;
// Largest configurable value: the negotiation engine's own total bound
// (protocol/negotiation_limits.h kOpenNegotiationsMax).
inline constexpr std::uint32_t kOpenNegotiationsPerPeerMax = 1'000'000;
// Inbound frames per second from one peer before its reads are paced. A
// deal costs about 4 frames each way (3 negotiation messages or receipts
// and acks, plus checkpoints), and `pactum bench node` completes 600-800
// deals/s between two nodes on a 2-core machine: 5000/s keeps a busy
// partner unpaced there, while a flooding one gets at most that many
// frames' worth of our io thread. The burst covers a reconnect's re-sends.
inline constexpr std::uint32_t kFramesPerSecondDefault = 5000;
inline constexpr std::uint32_t kFramesBurstDefault = 10000;
inline constexpr std::uint32_t kFramesPerSecondMax = 1'000'000;

struct PeerConfig {
  std::string name;        // For logs.
  std::string host;        // Empty: never dialed (the peer dials us).
  std::uint16_t port = 0;
  OrgKey org_root{};
};

// Limits; the defaults (node/net/limits.h) fit a node on one machine.
struct TransportLimits {
  std::size_t queued_bytes_max = std::size_t{16} << 20;   // Unacked payload bytes per peer.
  std::uint32_t frames_per_second = kFramesPerSecondDefault;  // Inbound token bucket refill.
  std::uint32_t frames_burst = kFramesBurstDefault;           // Inbound token bucket size.
  // Open negotiations per peer (Handlers::open_negotiations); 0: no limit.
  std::uint32_t open_negotiations_max = kOpenNegotiationsPerPeerDefault;
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds idle_timeout{5000};           // No bytes read: close.
  std::chrono::milliseconds handshake_timeout{5000};      // Connect + TLS + Hello.
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{10000};
};

struct TransportConfig {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;              // 0: an ephemeral port (see listen_port()).
  const crypto::SecretKey* node_key = nullptr;  // Borrowed; must outlive the Transport.
  crypto::X509Der node_cert;                  // Our TLS certificate (key = node_key's).
  Bytes node_certificate;                     // Our NodeCertificate envelope (wire bytes).
  OrgKey org_root{};                          // Our organization's root key.
  std::vector<PeerConfig> peers;              // Partners; at most kPeersMax.
  std::string data_dir;                       // Outbox LMDB lives in data_dir/transport.
  TransportLimits limits;
  // Unix ms for certificate validity checks; empty: the system clock.
  std::function<std::int64_t()> now_ms;
};

// Called on the io_context thread. Each may be empty (then ignored).
struct Handlers {
  // A payload from a partner, in its send() order, once per sequence number.
  std::function<void(const OrgKey& from, Bytes payload)> on_message;
  std::function<void(const OrgKey& peer, PeerState state)> on_peer_state;
  // Our latest signed checkpoint, put in every Hello (may return empty).
  std::function<Bytes()> latest_checkpoint;
  // The checkpoint from an admitted peer's Hello (not called when empty).
  std::function<void(const OrgKey& peer, Bytes checkpoint)> on_peer_checkpoint;
  // A refused or closed connection; `peer` is zero when not yet known (an
  // accepted connection closed before its Hello was admitted).
  std::function<void(const OrgKey& peer, CloseReason reason, const std::string& detail)>
      on_closed;
  // The node core's count of open negotiations with `peer`, not counting
  // `negotiation_id` itself (a Propose re-sent for a negotiation already open
  // is never refused). Empty: no limit on open negotiations.
  std::function<std::size_t(const OrgKey& peer, const crypto::Digest& negotiation_id)>
      open_negotiations;
  // The peer refused our payload number `seq` (a Refuse frame). `payload` is
  // its bytes when still queued here (normally; empty if already acknowledged).
  std::function<void(const OrgKey& peer, std::uint64_t seq, const Bytes& payload,
                     PayloadRefusal reason, const std::string& detail)>
      on_refused;
};

struct PeerStats {
  OrgKey org_root{};
  std::string name;
  PeerState state = PeerState::kDisconnected;
  std::uint64_t queued_frames = 0;   // Unacknowledged payloads in the outbox.
  std::uint64_t queued_bytes = 0;
  std::uint64_t frames_in = 0, frames_out = 0;
  std::uint64_t delivered = 0;       // Payloads handed to on_message.
  std::uint64_t duplicates = 0;      // Deliver frames dropped by dedupe.
  std::uint64_t connects = 0;        // Admitted connections.
  std::uint64_t refused_in = 0;      // Its payloads we refused (Refuse frames sent).
  std::uint64_t refused_out = 0;     // Our payloads it refused (Refuse frames received).
  std::uint64_t rate_pauses = 0;     // Reads paused: it sent faster than frames_per_second.
};

struct TransportStats {
  std::vector<PeerStats> peers;      // In configuration order.
  std::uint64_t refused = 0;         // Connections refused at the handshake.
  std::uint64_t closed_bad_frame = 0;  // Closed for oversized or garbage frames.
};

// Resource type: non-copyable, non-movable (asio handlers point at it).
class Transport {
 public:
  // Opens (or creates) the outbox under config.data_dir, binds the listener
  // and starts dialing. Errors: kBadConfig (no node key, certificate or
  // envelope not matching the key, too many or duplicate peers, empty
  // data_dir), kIo (cannot bind or open the outbox), kBadCertificate, kTls.
  static Result<std::unique_ptr<Transport>> start(boost::asio::io_context& io,
                                                  TransportConfig config, Handlers handlers);
  virtual ~Transport() = default;

  // Queues `payload` for `to` and returns its sequence number. The outbox
  // commit follows on the writer thread (retried until it succeeds, keeping
  // the order); the payload goes on the wire only after it, and stop()
  // waits for it. Errors: kNotFound (not a configured peer),
  // kMessageTooLarge (payload above kPayloadBytesMax), kPeerOverloaded (the
  // peer's queued bytes would exceed queued_bytes_max: retry later),
  // kInvalidArgument after stop().
  virtual Result<std::uint64_t> send(const OrgKey& to, ByteSpan payload) = 0;
  // As send() for many payloads in one commit; all or none are queued.
  // Returns the sequence numbers in input order.
  virtual Result<std::vector<std::uint64_t>> send_many(
      const std::vector<std::pair<OrgKey, Bytes>>& items) = 0;

  // Closes every connection and the listener, cancels timers. Queued payloads
  // stay in the outbox for the next start(). Idempotent. The Transport may be
  // destroyed at any time on the io thread (the destructor stops it); pending
  // asio handlers keep the internal state alive until the io_context runs
  // them, and no handler in Handlers is called after stop().
  virtual void stop() = 0;

  // The bound listening port (useful with listen_port 0).
  virtual std::uint16_t listen_port() const = 0;
  virtual TransportStats stats() const = 0;
};

}  // namespace pactum::node::net
