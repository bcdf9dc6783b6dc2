// One TLS connection to a peer node (connection.h).
#include "node/net/connection.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>

namespace pactum::node::net {
namespace {

using wire::frame::Frame;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A token bucket refill never needs more than this much elapsed time: the
// bucket is full long before, and the product below stays far from overflow.
constexpr std::uint64_t kRefillElapsedUsMax = 60'000'000;
// A rate pause lasts at least this long, so a paced peer's frames are
// handled a batch per wake-up rather than one per timer.
constexpr std::chrono::microseconds kPauseMin{1000};

}  // namespace

Connection::Connection(asio::io_context& io, void* ssl, tcp::socket socket, Role role,
                       std::shared_ptr<ConnectionOwner> owner, const TransportLimits& limits)
    : stream_(std::move(socket), static_cast<SSL*>(ssl)),
      role_(role),
      owner_(std::move(owner)),
      limits_(limits),
      watchdog_(io),
      heartbeat_(io),
      linger_(io),
      pace_(io),
      tokens_milli_(std::uint64_t{limits.frames_burst} * 1000),
      tokens_at_(Clock::now()) {}

void Connection::dial(const tcp::resolver::results_type& endpoints) {
  PACTUM_ASSERT(role_ == Role::kDialer);
  deadline_ = Clock::now() + limits_.handshake_timeout;
  arm_watchdog();
  asio::async_connect(stream_.lowest_layer(), endpoints,
                      [self = shared_from_this()](const boost::system::error_code& ec,
                                                  const tcp::endpoint& /*endpoint*/) {
                        if (self->closed_) return;
                        if (ec) return self->close(CloseReason::kIoError, "connect: " + ec.message());
                        boost::system::error_code ignored;
                        self->stream_.lowest_layer().set_option(tcp::no_delay(true), ignored);
                        self->stream_.async_handshake(
                            asio::ssl::stream_base::client,
                            [self](const boost::system::error_code& hec) {
                              if (self->closed_) return;
                              if (hec) return self->close(CloseReason::kTlsFailed, hec.message());
                              self->on_tls_ready();
                            });
                      });
}

void Connection::accept() {
  PACTUM_ASSERT(role_ == Role::kAcceptor);
  deadline_ = Clock::now() + limits_.handshake_timeout;
  arm_watchdog();
  boost::system::error_code ignored;
  stream_.lowest_layer().set_option(tcp::no_delay(true), ignored);
  stream_.async_handshake(asio::ssl::stream_base::server,
                          [self = shared_from_this()](const boost::system::error_code& ec) {
                            if (self->closed_) return;
                            if (ec) return self->close(CloseReason::kTlsFailed, ec.message());
                            self->on_tls_ready();
                          });
}

void Connection::on_tls_ready() {
  tls_ready_ = true;
  if (role_ == Role::kDialer) {
    Result<Bytes> hello = owner_->our_hello();
    if (!hello) return close(CloseReason::kStorage, "our hello: " + hello.error().to_string());
    out_.insert(out_.end(), hello->begin(), hello->end());
    flush();
  }
  read_more();
}

void Connection::read_more() {
  if (closed_) return;
  MutableByteSpan buf = in_.prepare(kReadChunkBytes);
  stream_.async_read_some(
      asio::buffer(buf.data(), buf.size()),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        if (self->closed_) return;
        if (ec) {
          const bool eof = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
          return self->close(CloseReason::kIoError, eof ? "peer closed the connection"
                                                        : "read: " + ec.message());
        }
        self->in_.commit(n);
        if (self->established_) self->deadline_ = Clock::now() + self->limits_.idle_timeout;
        self->handle_frames();
        if (!self->paused_) self->read_more();
      });
}

void Connection::handle_frames() {
  for (;;) {
    if (in_.buffered() == 0) break;
    if (const auto wait = token_wait(); wait.count() > 0) {
      pause_reading(wait);
      break;
    }
    auto next = in_.next();
    if (!next) {
      const bool too_large = next.error().code == Errc::kFrameTooLarge;
      return close(too_large ? CloseReason::kFrameTooLarge : CloseReason::kBadFrame,
                   next.error().to_string());
    }
    if (!next->has_value()) break;
    if (!handle_frame(**next)) return;
  }
  if (established_) owner_->on_read_batch_end(*this);
}

bool Connection::handle_frame(ByteSpan body) {
  tokens_milli_ -= 1000;  // handle_frames() saw the token.
  Result<DecodedFrame> frame = decode_frame(body);
  if (!frame) {
    close(hello_seen_ ? CloseReason::kBadFrame : CloseReason::kBadHello,
          frame.error().to_string());
    return false;
  }
  Frame::Reader f = frame->root();
  const Frame::Which which = f.which();
  if (which != Frame::HELLO && !established_) {
    close(CloseReason::kBadHello, "first frame is not a hello");
    return false;
  }
  switch (which) {
    case Frame::HELLO: {
      if (hello_seen_) {
        close(CloseReason::kBadFrame, "second hello");
        return false;
      }
      hello_seen_ = true;
      Result<crypto::PublicKey> key = crypto::peer_public_key(stream_.native_handle());
      if (!key) {
        close(CloseReason::kTlsFailed, key.error().to_string());
        return false;
      }
      auto admitted = owner_->on_hello(*this, f.getHello(), *key);
      if (!admitted) {
        close(admitted.error().reason, admitted.error().detail);
        return false;
      }
      peer_index = *admitted;
      if (role_ == Role::kAcceptor) {
        Result<Bytes> hello = owner_->our_hello();
        if (!hello) {
          close(CloseReason::kStorage, "our hello: " + hello.error().to_string());
          return false;
        }
        enqueue(*hello);
      }
      established_ = true;
      deadline_ = Clock::now() + limits_.idle_timeout;
      arm_heartbeat();
      owner_->on_established(shared_from_this());
      return !closed_;
    }
    case Frame::HEARTBEAT:
      return true;
    case Frame::DELIVER: {
      auto d = f.getDeliver();
      owner_->on_deliver(*this, d.getSeq(), d.getPayload());
      return !closed_;
    }
    case Frame::ACK:
      owner_->on_ack(*this, f.getAck().getStreamId(), f.getAck().getSeq());
      return !closed_;
    case Frame::REFUSE: {
      auto r = f.getRefuse();
      owner_->on_refuse(*this, r.getSeq(), r.getReason(), std::string(r.getDetail().cStr()));
      return !closed_;
    }
    case Frame::CLOSE: {
      auto c = f.getClose();
      close(CloseReason::kShutdown, "peer closed (reason " + std::to_string(c.getReason()) +
                                        "): " + std::string(c.getDetail().cStr()));
      return false;
    }
  }
  close(CloseReason::kBadFrame, "unknown frame kind " + std::to_string(static_cast<int>(which)));
  return false;
}

std::chrono::microseconds Connection::token_wait() {
  const Clock::time_point now = Clock::now();
  const auto elapsed_us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now - tokens_at_).count());
  tokens_at_ = now;
  const std::uint64_t rate = limits_.frames_per_second;
  const std::uint64_t refill = std::min(elapsed_us, kRefillElapsedUsMax) * rate / 1000;
  const std::uint64_t cap = std::uint64_t{limits_.frames_burst} * 1000;
  tokens_milli_ = std::min(cap, tokens_milli_ + refill);
  if (tokens_milli_ >= 1000) return std::chrono::microseconds(0);
  // Rounded up: after this long the bucket holds a whole token.
  return std::chrono::microseconds(((1000 - tokens_milli_) * 1000 + rate - 1) / rate);
}

void Connection::pause_reading(std::chrono::microseconds wait) {
  paused_ = true;
  owner_->on_rate_paused(*this);
  pace_.expires_after(std::max<std::chrono::microseconds>(wait, kPauseMin));
  pace_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
    if (self->closed_ || self->torn_down_) return;
    self->paused_ = false;
    self->deadline_ = Clock::now() + self->limits_.idle_timeout;  // We, not the peer, were idle.
    self->handle_frames();
    if (!self->paused_ && !self->closed_) self->read_more();
  });
}

void Connection::enqueue(ByteSpan frame, bool write_now) {
  if (closed_) return;
  out_.insert(out_.end(), frame.begin(), frame.end());
  if (write_now) flush();
}

void Connection::set_ack(std::uint64_t stream_id, std::uint64_t seq) {
  if (closed_) return;
  ack_ = std::make_pair(stream_id, seq);
  flush();
}

void Connection::flush() {
  if (writing_ || torn_down_ || !tls_ready_) return;
  write_buf_.clear();
  if (ack_) {
    Result<Bytes> ack = encode_ack(ack_->first, ack_->second);
    PACTUM_ASSERT(ack.has_value());  // A fixed-size frame always encodes.
    write_buf_.insert(write_buf_.end(), ack->begin(), ack->end());
    ack_.reset();
  }
  write_buf_.insert(write_buf_.end(), out_.begin(), out_.end());
  out_.clear();
  if (write_buf_.empty()) {
    if (closed_) hard_close();  // The Close frame went out.
    return;
  }
  writing_ = true;
  write_started_ = Clock::now();
  asio::async_write(stream_, asio::buffer(write_buf_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->writing_ = false;
                      self->write_buf_.clear();
                      if (self->torn_down_) return;
                      if (ec) {
                        if (self->closed_) return self->hard_close();
                        return self->close(CloseReason::kIoError, "write: " + ec.message());
                      }
                      if (!self->closed_) self->owner_->on_writable(*self);
                      self->flush();
                    });
}

void Connection::close(CloseReason reason, std::string detail) {
  if (closed_) return;
  closed_ = true;
  owner_->on_closed(*this, reason, detail);
  const bool graceful = tls_ready_ && !torn_down_ && reason != CloseReason::kIoError &&
                        reason != CloseReason::kTlsFailed;
  if (!graceful) return hard_close();
  out_.clear();
  ack_.reset();
  Result<Bytes> frame = encode_close(reason, detail);
  if (frame) out_ = std::move(*frame);
  linger_.expires_after(kCloseLinger);
  linger_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
    self->hard_close();
  });
  flush();
}

void Connection::hard_close() {
  if (torn_down_) return;
  torn_down_ = true;
  watchdog_.cancel();
  heartbeat_.cancel();
  linger_.cancel();
  pace_.cancel();
  boost::system::error_code ignored;
  stream_.lowest_layer().close(ignored);
}

void Connection::arm_watchdog() {
  watchdog_.expires_at(deadline_);
  watchdog_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
    if (self->closed_ || self->torn_down_) return;
    if (Clock::now() < self->deadline_) return self->arm_watchdog();
    if (self->established_) {
      self->close(CloseReason::kIdleTimeout,
                  "nothing read for " + std::to_string(self->limits_.idle_timeout.count()) + " ms");
    } else {
      self->close(CloseReason::kIdleTimeout,
                  "handshake not done within " +
                      std::to_string(self->limits_.handshake_timeout.count()) + " ms");
    }
  });
}

void Connection::arm_heartbeat() {
  heartbeat_.expires_after(limits_.heartbeat_interval);
  heartbeat_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
    if (self->closed_ || self->torn_down_) return;
    if (self->writing_ && Clock::now() - self->write_started_ > self->limits_.idle_timeout) {
      return self->close(CloseReason::kIdleTimeout, "write stalled: the peer is not reading");
    }
    if (!self->writing_ && self->out_.empty() && !self->ack_) {
      Result<Bytes> hb = encode_heartbeat(wall_ms());
      PACTUM_ASSERT(hb.has_value());  // A fixed-size frame always encodes.
      self->enqueue(*hb);
    }
    self->arm_heartbeat();
  });
}

}  // namespace pactum::node::net
