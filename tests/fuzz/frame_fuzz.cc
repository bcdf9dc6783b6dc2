// Fuzz body: transport frames (node/net/frame.h). The input is a byte stream
// as read from a peer socket, fed to FrameBuffer in chunks whose sizes come
// from the input; each complete body goes to decode_frame. Checks: refusals
// carry the documented codes; a decoded frame re-encodes to exactly its bytes
// (one accepted encoding) and its fields are readable.
#include <algorithm>
#include <cstring>

#include "node/net/frame.h"
#include "protocol/canonical.h"
#include "tests/fuzz/targets.h"

namespace pactum::fuzz {
namespace {

bool frame_init() { return crypto::init().has_value(); }

void check_decoded(ByteSpan body) {
  auto f = node::net::decode_frame(body);
  if (!f) {
    const Errc c = f.error().code;
    PACTUM_ASSERT(c == Errc::kMessageTooLarge || c == Errc::kMalformedMessage || c == Errc::kNonCanonical);
    return;
  }
  auto again = protocol::canonical_bytes(f->root());
  PACTUM_ASSERT(again.has_value());
  PACTUM_ASSERT(std::ranges::equal(*again, body));
  auto r = f->root();
  switch (r.which()) {
    case wire::frame::Frame::HELLO:
      (void)r.getHello().getNodeCertificate().size();
      (void)r.getHello().getLatestCheckpoint().size();
      break;
    case wire::frame::Frame::HEARTBEAT:
      (void)r.getHeartbeat().getSentMs();
      break;
    case wire::frame::Frame::DELIVER: {
      // Re-encoding a decoded Deliver gives a frame that decodes to the same
      // seq and payload. (Not the same bytes: a canonical struct may carry
      // fields of a newer schema, e.g. an Ack's read as a Deliver -- found by
      // the replay's byte flips -- which the encoder does not write.)
      auto d = r.getDeliver();
      ByteSpan payload(d.getPayload().begin(), d.getPayload().size());
      auto enc = node::net::encode_deliver(d.getSeq(), payload);
      if (enc) {
        auto back = node::net::decode_frame(ByteSpan(*enc).subspan(4));
        PACTUM_ASSERT(back.has_value() && back->root().isDeliver());
        auto d2 = back->root().getDeliver();
        PACTUM_ASSERT(d2.getSeq() == d.getSeq());
        PACTUM_ASSERT(std::ranges::equal(ByteSpan(d2.getPayload().begin(), d2.getPayload().size()), payload));
      }
      break;
    }
    case wire::frame::Frame::ACK:
      (void)r.getAck().getSeq();
      break;
    case wire::frame::Frame::CLOSE:
      (void)r.getClose().getDetail().size();
      break;
    case wire::frame::Frame::REFUSE:
      (void)r.getRefuse().getDetail().size();
      break;
  }
}

void frame_one(const std::uint8_t* data, std::size_t size) {
  // The body alone, as decode_frame sees it.
  try {
    check_decoded(ByteSpan(data, size));
  } catch (...) {
    PACTUM_ASSERT(false && "decode_frame threw");
  }
  // The stream: the first byte picks the read chunk size, as a socket would.
  if (size == 0) return;
  const std::size_t chunk = 1 + data[0] % 64;
  node::net::FrameBuffer buf;
  std::size_t at = 1;
  while (at < size) {
    const std::size_t n = std::min(chunk, size - at);
    MutableByteSpan room = buf.prepare(n);
    PACTUM_ASSERT(room.size() >= n);
    std::memcpy(room.data(), data + at, n);
    buf.commit(n);
    at += n;
    for (;;) {
      auto next = buf.next();
      if (!next) {
        const Errc c = next.error().code;
        PACTUM_ASSERT(c == Errc::kFrameTooLarge || c == Errc::kMalformedMessage);
        return;  // The stream must be closed now.
      }
      if (!next->has_value()) break;
      check_decoded(**next);
    }
  }
}

}  // namespace

const Target& frame_target() {
  static const Target t{"frame", frame_init, frame_one};
  return t;
}

}  // namespace pactum::fuzz
