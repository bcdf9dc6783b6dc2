// Transport frame encoding and decoding (frame.h).
#include "node/net/frame.h"

#include <capnp/message.h>
#include <kj/exception.h>

#include <cstring>
#include <string>

#include "protocol/canonical.h"

namespace pactum::node::net {
namespace {

using wire::frame::Frame;

// length || canonical(root of `message`), bounded by kFrameBytesMax.
Result<Bytes> finish(capnp::MallocMessageBuilder& message) {
  Bytes out;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                auto words = capnp::canonicalize(message.getRoot<Frame>().asReader());
                auto bytes = words.asBytes();
                if (bytes.size() > kFrameBytesMax) return;  // Leaves `out` empty.
                out.resize(kLengthPrefixBytes + bytes.size());
                const auto n = static_cast<std::uint32_t>(bytes.size());
                out[0] = static_cast<std::uint8_t>(n >> 24);
                out[1] = static_cast<std::uint8_t>(n >> 16);
                out[2] = static_cast<std::uint8_t>(n >> 8);
                out[3] = static_cast<std::uint8_t>(n);
                std::memcpy(out.data() + kLengthPrefixBytes, bytes.begin(), bytes.size());
              })) {
    return Fail(protocol::error_from_exception(*e, "encode frame"));
  }
  if (out.empty()) {
    return Fail(Errc::kMessageTooLarge,
                "frame exceeds " + std::to_string(kFrameBytesMax) + " bytes");
  }
  return out;
}

capnp::Data::Reader data(ByteSpan b) { return capnp::Data::Reader(b.data(), b.size()); }

// Builds with `fill`, catching the library's exceptions (e.g. a list too
// long for the wire format), then finishes.
template <class Fill>
Result<Bytes> build(Fill&& fill) {
  capnp::MallocMessageBuilder message;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() { fill(message.initRoot<Frame>()); })) {
    return Fail(protocol::error_from_exception(*e, "build frame"));
  }
  return finish(message);
}

}  // namespace

Result<Bytes> encode_hello(ByteSpan node_certificate, ByteSpan checkpoint, std::uint64_t stream_id,
                           std::uint16_t version) {
  return build([&](Frame::Builder f) {
    auto h = f.initHello();
    h.setProtocolVersion(version);
    h.setNodeCertificate(data(node_certificate));
    h.setLatestCheckpoint(data(checkpoint));
    h.setStreamId(stream_id);
  });
}

Result<Bytes> encode_heartbeat(std::int64_t sent_ms) {
  return build([&](Frame::Builder f) { f.initHeartbeat().setSentMs(sent_ms); });
}

Result<Bytes> encode_deliver(std::uint64_t seq, ByteSpan payload) {
  if (payload.size() > kPayloadBytesMax) {
    return Fail(Errc::kMessageTooLarge, "payload of " + std::to_string(payload.size()) +
                                            " bytes exceeds " + std::to_string(kPayloadBytesMax));
  }
  return build([&](Frame::Builder f) {
    auto d = f.initDeliver();
    d.setSeq(seq);
    d.setPayload(data(payload));
  });
}

Result<Bytes> encode_ack(std::uint64_t stream_id, std::uint64_t seq) {
  return build([&](Frame::Builder f) {
    auto a = f.initAck();
    a.setStreamId(stream_id);
    a.setSeq(seq);
  });
}

namespace {
// Text must be valid UTF-8 for readers that check; our details are ASCII,
// and anything else is replaced rather than sent.
std::string detail_text(std::string_view detail) {
  if (detail.size() > kCloseDetailBytesMax) detail = detail.substr(0, kCloseDetailBytesMax);
  std::string text(detail);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\0') c = '?';
  }
  return text;
}
}  // namespace

Result<Bytes> encode_close(CloseReason reason, std::string_view detail) {
  const std::string text = detail_text(detail);
  return build([&](Frame::Builder f) {
    auto c = f.initClose();
    c.setReason(static_cast<std::uint8_t>(reason));
    c.setDetail(text);
  });
}

Result<Bytes> encode_refuse(std::uint64_t seq, PayloadRefusal reason, std::string_view detail) {
  const std::string text = detail_text(detail);
  return build([&](Frame::Builder f) {
    auto r = f.initRefuse();
    r.setSeq(seq);
    r.setReason(static_cast<std::uint8_t>(reason));
    r.setDetail(text);
  });
}

Result<DecodedFrame> decode_frame(ByteSpan body) {
  protocol::DecodeLimits limits;
  limits.max_bytes = kFrameBytesMax;
  // The same eight passes of headroom the protocol gives its messages.
  limits.traversal_limit_words = 8 * (kFrameBytesMax / protocol::kWordBytes);
  limits.nesting_limit = protocol::kNestingLimit;
  return protocol::decode<Frame>(body, protocol::Canonical::kRequire, limits);
}

MutableByteSpan FrameBuffer::prepare(std::size_t n) {
  // Compact first, so the buffer never holds consumed bytes when it grows.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buf_.size() < end_ + n) buf_.resize(end_ + n);
  return MutableByteSpan(buf_.data() + end_, n);
}

void FrameBuffer::commit(std::size_t n) {
  PACTUM_ASSERT(end_ + n <= buf_.size());
  end_ += n;
}

Result<std::optional<ByteSpan>> FrameBuffer::next() {
  const std::size_t have = end_ - begin_;
  if (have < kLengthPrefixBytes) return std::optional<ByteSpan>();
  const std::uint8_t* p = buf_.data() + begin_;
  const std::uint32_t length = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                               (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
  if (length == 0) return Fail(Errc::kMalformedMessage, "frame of length 0");
  if (length > kFrameBytesMax) {
    return Fail(Errc::kFrameTooLarge, "frame length " + std::to_string(length) + " exceeds " +
                                          std::to_string(kFrameBytesMax));
  }
  if (have < kLengthPrefixBytes + length) return std::optional<ByteSpan>();
  ByteSpan body(p + kLengthPrefixBytes, length);
  begin_ += kLengthPrefixBytes + length;
  return std::optional<ByteSpan>(body);
}

}  // namespace pactum::node::net
