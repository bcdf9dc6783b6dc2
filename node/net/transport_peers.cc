// Transport: what connections report: admission, delivery with dedupe,
// acknowledgements, flow into the write window, closes (transport_impl.h).
#include <spdlog/spdlog.h>

#include "node/net/admission.h"
#include "node/net/frame.h"
#include "node/net/limits.h"
#include "node/net/transport_impl.h"

namespace pactum::node::net {

TransportCore::Peer* TransportCore::peer_of(const Connection& conn) {
  if (!conn.peer_index) return nullptr;
  Peer& p = peers_[*conn.peer_index];
  // Frames from a connection that was replaced or is not yet the peer's are ignored.
  if (p.conn.get() != &conn) return nullptr;
  return &p;
}

tl::expected<std::size_t, Refusal> TransportCore::on_hello(Connection& conn,
                                                           wire::frame::Hello::Reader hello,
                                                           const crypto::PublicKey& tls_key) {
  using Unexpected = tl::unexpected<Refusal>;
  if (stopped_) return Unexpected(Refusal{CloseReason::kShutdown, "transport stopped"});
  if (hello.getProtocolVersion() != kTransportVersion) {
    return Unexpected(Refusal{CloseReason::kWrongVersion,
                              "version " + std::to_string(hello.getProtocolVersion()) +
                                  ", we speak " + std::to_string(kTransportVersion)});
  }
  if (hello.getStreamId() == 0) {
    return Unexpected(Refusal{CloseReason::kBadHello, "stream id 0"});
  }
  if (hello.getLatestCheckpoint().size() > kCheckpointBytesMax) {
    return Unexpected(Refusal{CloseReason::kBadHello,
                              "checkpoint of " + std::to_string(hello.getLatestCheckpoint().size()) +
                                  " bytes"});
  }
  auto cert = hello.getNodeCertificate();
  auto admitted = admit_peer(ByteSpan(cert.begin(), cert.size()), tls_key, partner_keys_, now_ms());
  if (!admitted) return Unexpected(admitted.error());
  const std::optional<std::size_t> index = find_peer(admitted->org_root);
  PACTUM_ASSERT(index.has_value());  // admit_peer only admits partners.
  if (conn.peer_index && *conn.peer_index != *index) {
    return Unexpected(Refusal{CloseReason::kUnknownOrg,
                              "dialed " + peers_[*conn.peer_index].config.name +
                                  " but reached a node of " + peers_[*index].config.name});
  }
  conn.peer_stream_id = hello.getStreamId();
  auto checkpoint = hello.getLatestCheckpoint();
  conn.peer_checkpoint.assign(checkpoint.begin(), checkpoint.end());
  return *index;
}

Result<Bytes> TransportCore::our_hello() {
  Bytes checkpoint;
  if (handlers_.latest_checkpoint) checkpoint = handlers_.latest_checkpoint();
  if (checkpoint.size() > kCheckpointBytesMax) checkpoint.clear();  // Never send what peers refuse.
  if (!outbox_) return Fail(Errc::kInvalidArgument, "transport is stopped");
  return encode_hello(config_.node_certificate, checkpoint, outbox_->stream_id());
}

void TransportCore::on_established(const std::shared_ptr<Connection>& conn) {
  PACTUM_ASSERT(conn->peer_index.has_value());
  Peer& p = peers_[*conn->peer_index];
  if (p.dialing == conn) p.dialing.reset();
  // The newest connection wins: an older one is usually half-open after the
  // peer restarted. It is closed after `conn` took its place, so its close
  // does not schedule a redial.
  std::shared_ptr<Connection> old = std::exchange(p.conn, conn);
  if (old && old != conn) old->close(CloseReason::kReplaced, "a newer connection was admitted");
  p.next_send = 0;  // Everything unacknowledged goes out again on this connection.
  p.attempts = 0;
  ++p.stats.connects;
  if (p.mark.stream_id != conn->peer_stream_id) {
    // A new stream of the peer (its outbox was recreated): start a new window.
    p.mark = Outbox::InboundMark{conn->peer_stream_id, 0};
    p.mark_dirty = true;
  } else if (p.mark_durable.stream_id == p.mark.stream_id && p.mark_durable.seq > 0) {
    // Tell the peer at once what we already have, so it drops it from its outbox.
    conn->set_ack(p.mark_durable.stream_id, p.mark_durable.seq);
  }
  spdlog::info("transport: peer {} connected ({})", p.config.name,
               conn->role() == Connection::Role::kDialer ? "dialed" : "accepted");
  set_state(p, PeerState::kConnected);
  if (!stopped_ && handlers_.on_peer_checkpoint && !conn->peer_checkpoint.empty()) {
    handlers_.on_peer_checkpoint(p.config.org_root, conn->peer_checkpoint);
  }
  pump(p);
}

void TransportCore::on_deliver(Connection& conn, std::uint64_t seq, capnp::Data::Reader payload) {
  Peer* p = peer_of(conn);
  if (p == nullptr || stopped_) return;
  ++p->stats.frames_in;
  p->ack_due = true;
  if (seq <= p->mark.seq) {
    ++p->stats.duplicates;
    return;
  }
  if (payload.size() > kPayloadBytesMax) {
    return conn.close(CloseReason::kBadFrame,
                      "payload of " + std::to_string(payload.size()) + " bytes");
  }
  if (seq != p->mark.seq + 1) {
    // A new stream of the peer continues its seqs after a crash (its outbox
    // opens a new stream then); otherwise only possible if our dedupe marks
    // were lost (a wiped data_dir) while the peer kept its outbox: deliver,
    // and say so.
    spdlog::warn("transport: peer {} skipped from seq {} to {}", p->config.name, p->mark.seq, seq);
  }
  p->mark.seq = seq;
  p->mark_dirty = true;
  // A refused payload is final: its seq is marked and acknowledged like any other.
  if (refuse_payload(*p, conn, seq, ByteSpan(payload.begin(), payload.size()))) return;
  ++p->stats.delivered;
  if (handlers_.on_message) handlers_.on_message(p->config.org_root, Bytes(payload.begin(), payload.end()));
}

bool TransportCore::refuse_payload(Peer& p, Connection& conn, std::uint64_t seq, ByteSpan payload) {
  const std::uint32_t limit = config_.limits.open_negotiations_max;
  if (!handlers_.open_negotiations || limit == 0) return false;
  const std::optional<crypto::Digest> id = proposed_negotiation(payload);
  if (!id) return false;
  const std::size_t open = handlers_.open_negotiations(p.config.org_root, *id);
  if (open < limit) return false;
  const std::string detail = std::to_string(open) + " open negotiations with us, limit " +
                             std::to_string(limit) + "; finish or withdraw one first";
  spdlog::warn("transport: refused a propose from {} (seq {}): {}: {}", p.config.name, seq,
               payload_refusal_name(PayloadRefusal::kOpenNegotiationsLimit), detail);
  ++p.stats.refused_in;
  Result<Bytes> frame = encode_refuse(seq, PayloadRefusal::kOpenNegotiationsLimit, detail);
  PACTUM_ASSERT(frame.has_value());  // A few fixed-size fields and a short text.
  conn.enqueue(*frame);
  return true;
}

void TransportCore::on_refuse(Connection& conn, std::uint64_t seq, std::uint8_t reason,
                              std::string detail) {
  Peer* p = peer_of(conn);
  if (p == nullptr || stopped_) return;
  ++p->stats.frames_in;
  ++p->stats.refused_out;
  if (detail.size() > kCloseDetailBytesMax) detail.resize(kCloseDetailBytesMax);
  PayloadRefusal why = PayloadRefusal::kUnknown;
  if (reason == static_cast<std::uint8_t>(PayloadRefusal::kOpenNegotiationsLimit)) {
    why = PayloadRefusal::kOpenNegotiationsLimit;
  }
  spdlog::warn("transport: {} refused our payload seq {}: {} ({}): {}", p->config.name, seq,
               payload_refusal_name(why), static_cast<int>(reason), detail);
  Bytes payload;
  for (const Outbox::Entry& e : p->pending) {
    if (e.seq == seq) {
      payload = e.payload;
      break;
    }
  }
  if (handlers_.on_refused) handlers_.on_refused(p->config.org_root, seq, payload, why, detail);
}

void TransportCore::on_read_batch_end(Connection& conn) {
  Peer* p = peer_of(conn);
  if (p == nullptr || stopped_ || mark_flush_armed_) return;
  if (!p->mark_dirty && !p->ack_due) return;
  mark_flush_armed_ = true;
  mark_flush_.expires_after(kMarkFlushDelay);
  mark_flush_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->mark_flush_armed_ = false;
    if (!ec && !self->stopped_) self->flush_marks();
  });
}

void TransportCore::flush_marks() {
  if (!writer_) return;
  std::vector<std::pair<OrgKey, Outbox::InboundMark>> marks;
  for (Peer& p : peers_) {
    if (p.mark_dirty) {
      marks.emplace_back(p.config.org_root, p.mark);  // Acked once committed.
    } else if (p.ack_due && p.conn && p.mark_durable.seq > 0) {
      p.conn->set_ack(p.mark_durable.stream_id, p.mark_durable.seq);  // Only duplicates came.
    }
    p.mark_dirty = false;
    p.ack_due = false;
  }
  if (marks.empty()) return;
  // Durable before the ack: an acknowledged payload is never delivered again
  // unless we crash between on_message and this commit.
  auto job = [marks](Outbox& box) { return box.set_inbound(marks); };
  auto done = [self = shared_from_this(), marks](Result<void> r) {
    if (self->stopped_) return;
    for (const auto& [org, mark] : marks) {
      Peer& p = self->peers_[*self->find_peer(org)];
      if (!r) {
        p.mark_dirty = true;  // Written again by the next flush.
        if (p.conn) p.conn->close(CloseReason::kStorage, r.error().to_string());
        continue;
      }
      p.mark_durable = mark;
      if (p.conn) p.conn->set_ack(mark.stream_id, mark.seq);
    }
  };
  writer_->submit(std::move(job), std::move(done), false);
}

void TransportCore::on_ack(Connection& conn, std::uint64_t stream_id, std::uint64_t seq) {
  Peer* p = peer_of(conn);
  if (p == nullptr || stopped_ || !outbox_) return;
  ++p->stats.frames_in;
  if (stream_id != outbox_->stream_id()) return;  // For an older outbox of ours.
  std::size_t popped = 0;
  while (!p->pending.empty() && p->pending.front().seq <= seq) {
    p->queued_bytes -= p->pending.front().payload.size();
    p->pending.pop_front();
    ++popped;
  }
  if (popped == 0) return;
  p->next_send = popped >= p->next_send ? 0 : p->next_send - popped;
  p->acked_unflushed = std::max(p->acked_unflushed, seq);
  pump(*p);
}

void TransportCore::on_rate_paused(Connection& conn) {
  if (Peer* p = peer_of(conn)) ++p->stats.rate_pauses;
}

void TransportCore::on_writable(Connection& conn) {
  Peer* p = peer_of(conn);
  if (p != nullptr && !stopped_) pump(*p);
}

void TransportCore::pump(Peer& p) {
  if (!p.conn) return;
  Connection& conn = *p.conn;
  bool queued = false;
  while (p.next_send < p.pending.size() && conn.can_take_more()) {
    const Outbox::Entry& e = p.pending[p.next_send];
    Result<Bytes> frame = encode_deliver(e.seq, e.payload);
    if (!frame) return conn.close(CloseReason::kStorage, frame.error().to_string());
    conn.enqueue(*frame, false);
    queued = true;
    ++p.next_send;
    ++p.stats.frames_out;
  }
  if (queued) conn.flush();  // One write for all of them.
}

void TransportCore::on_closed(Connection& conn, CloseReason reason, const std::string& detail) {
  std::shared_ptr<Connection> self = conn.shared_from_this();  // Keep alive while we edit sets.
  conns_.erase(self);
  std::string name = "unknown peer";
  OrgKey org{};
  if (conn.peer_index) {
    Peer& p = peers_[*conn.peer_index];
    name = p.config.name;
    org = p.config.org_root;  // Known: we dialed it, or its Hello was admitted.
    if (p.dialing == self) p.dialing.reset();
    if (p.conn == self) p.conn.reset();
  }
  switch (reason) {
    case CloseReason::kBadHello:
    case CloseReason::kWrongVersion:
    case CloseReason::kBadCertificate:
    case CloseReason::kUnknownOrg:
    case CloseReason::kCertificateExpired:
    case CloseReason::kKeyMismatch:
      ++refused_;
      spdlog::warn("transport: refused {} at the handshake: {}: {}", name, close_reason_name(reason), detail);
      break;
    case CloseReason::kFrameTooLarge:
    case CloseReason::kBadFrame:
    case CloseReason::kRateLimited:  // Not sent since reads are paced; a peer's may say it.
      ++closed_bad_frame_;
      spdlog::warn("transport: closed {}: {}: {}", name, close_reason_name(reason), detail);
      break;
    case CloseReason::kNone:
    case CloseReason::kTlsFailed:
    case CloseReason::kIdleTimeout:
    case CloseReason::kIoError:
    case CloseReason::kReplaced:
    case CloseReason::kShutdown:
    case CloseReason::kStorage:
      spdlog::info("transport: closed {}: {}: {}", name, close_reason_name(reason), detail);
      break;
  }
  if (stopped_) return;
  if (handlers_.on_closed) handlers_.on_closed(org, reason, detail);
  if (!conn.peer_index) return;
  Peer& p = peers_[*conn.peer_index];
  if (p.conn || p.dialing) return;  // Another connection of this peer carries on.
  if (p.dial) {
    schedule_redial(*conn.peer_index);
  } else {
    set_state(p, PeerState::kDisconnected);
  }
}

}  // namespace pactum::node::net
