// Fuzz body of the transport's frame reader (frame_fuzz.h).
#include "tests/node_net/frame_fuzz.h"

#include <cstdio>
#include <cstdlib>

#include "node/net/frame.h"
#include "node/net/limits.h"

namespace pactum::node::net::fuzz {
namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "frame fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

ByteSpan span_of(capnp::Data::Reader d) { return {d.begin(), d.size()}; }

// The encoding of `f` from its fields, or nullopt where our encoder would
// not produce it (a non-ASCII or long close detail, an unknown kind).
std::optional<Bytes> reencode(wire::frame::Frame::Reader f) {
  using wire::frame::Frame;
  switch (f.which()) {
    case Frame::HELLO: {
      auto h = f.getHello();
      return *encode_hello(span_of(h.getNodeCertificate()), span_of(h.getLatestCheckpoint()),
                           h.getStreamId(), h.getProtocolVersion());
    }
    case Frame::HEARTBEAT: return *encode_heartbeat(f.getHeartbeat().getSentMs());
    case Frame::DELIVER: {
      auto d = f.getDeliver();
      if (d.getPayload().size() > kPayloadBytesMax) return std::nullopt;
      return *encode_deliver(d.getSeq(), span_of(d.getPayload()));
    }
    case Frame::ACK: return *encode_ack(f.getAck().getStreamId(), f.getAck().getSeq());
    case Frame::CLOSE: {
      auto c = f.getClose();
      std::string_view detail(c.getDetail().cStr(), c.getDetail().size());
      if (detail.size() > kCloseDetailBytesMax) return std::nullopt;
      for (char ch : detail) {
        if (static_cast<unsigned char>(ch) >= 0x80 || ch == '\0') return std::nullopt;
      }
      return *encode_close(static_cast<CloseReason>(c.getReason()), detail);
    }
    case Frame::REFUSE: {
      auto r = f.getRefuse();
      std::string_view detail(r.getDetail().cStr(), r.getDetail().size());
      if (detail.size() > kCloseDetailBytesMax) return std::nullopt;
      for (char ch : detail) {
        if (static_cast<unsigned char>(ch) >= 0x80 || ch == '\0') return std::nullopt;
      }
      return *encode_refuse(r.getSeq(), static_cast<PayloadRefusal>(r.getReason()), detail);
    }
  }
  return std::nullopt;
}

}  // namespace

std::size_t fuzz_frames(ByteSpan data) {
  if (data.empty()) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  data = data.subspan(1);
  FrameBuffer buf;
  std::size_t decoded = 0, fed = 0;
  while (fed < data.size()) {
    const std::size_t n = std::min(chunk, data.size() - fed);
    MutableByteSpan room = buf.prepare(n);
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(fed), n, room.begin());
    buf.commit(n);
    fed += n;
    for (;;) {
      auto next = buf.next();
      if (!next) return decoded;  // The stream is unusable after an error, as on a socket.
      if (!next->has_value()) break;
      const Bytes body((*next)->begin(), (*next)->end());
      require(body.size() <= kFrameBytesMax, "frame above the limit passed");
      auto frame = decode_frame(body);
      if (!frame) continue;
      ++decoded;
      std::optional<Bytes> again = reencode(frame->root());
      if (!again) continue;
      // A canonical frame may carry bits only a newer schema knows (they are
      // kept, not interpreted), so the re-encoding from the known fields may
      // be shorter; it must decode and be a fixed point.
      auto second = decode_frame(ByteSpan(*again).subspan(kLengthPrefixBytes));
      require(second.has_value(), "our re-encoding does not decode");
      std::optional<Bytes> third = reencode(second->root());
      require(third.has_value() && *third == *again, "re-encoding is not a fixed point");
      require(again->size() <= kLengthPrefixBytes + body.size(), "re-encoding grew");
    }
  }
  return decoded;
}

}  // namespace pactum::node::net::fuzz
