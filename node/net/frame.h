// node/net internal: encoding and decoding of transport frames.
//
// Wire form of one frame (docs/transport.md):
//   frame  = length body
//   length = 4 bytes, big-endian, 1..kFrameBytesMax   ; size of body
//   body   = canonical Cap'n Proto of wire::frame::Frame (protocol/frame.capnp)
// Encoders return length || body. Decoding requires canonical bytes (decode.h
// Canonical::kRequire), so the layout of a frame is fixed.
//
// Thread-safety: free functions are thread-safe; FrameBuffer is not.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/base.h"
#include "node/net/limits.h"
#include "node/net/transport.h"
#include "protocol/decode.h"
#include "protocol/frame.capnp.h"

namespace pactum::node::net {

using DecodedFrame = protocol::Decoded<wire::frame::Frame>;

// Each returns length || canonical body. Errors: kMessageTooLarge when the
// body would exceed kFrameBytesMax (a payload above kPayloadBytesMax),
// kMalformedMessage if the library fails.
Result<Bytes> encode_hello(ByteSpan node_certificate, ByteSpan checkpoint, std::uint64_t stream_id,
                           std::uint16_t version = kTransportVersion);
Result<Bytes> encode_heartbeat(std::int64_t sent_ms);
Result<Bytes> encode_deliver(std::uint64_t seq, ByteSpan payload);
Result<Bytes> encode_ack(std::uint64_t stream_id, std::uint64_t seq);
Result<Bytes> encode_close(CloseReason reason, std::string_view detail);
// Detail is cut to kCloseDetailBytesMax and non-ASCII bytes become '?', as for Close.
Result<Bytes> encode_refuse(std::uint64_t seq, PayloadRefusal reason, std::string_view detail);

// Decodes one frame body (without its length prefix). Errors as
// protocol::decode(): kMessageTooLarge, kMalformedMessage, kNonCanonical.
Result<DecodedFrame> decode_frame(ByteSpan body);

// Reassembles frames from a byte stream. Resource type: owns its buffer,
// which never grows beyond kLengthPrefixBytes + kFrameBytesMax + kReadChunkBytes.
class FrameBuffer {
 public:
  // Room for up to `n` more bytes; write into it, then commit(written).
  MutableByteSpan prepare(std::size_t n);
  void commit(std::size_t n);
  // The body of the next complete frame (valid until the next call of any
  // method), std::nullopt if more bytes are needed. Errors: kFrameTooLarge
  // for a length above kFrameBytesMax, kMalformedMessage for length 0; after
  // an error the stream cannot be resynchronized and must be closed.
  Result<std::optional<ByteSpan>> next();
  std::size_t buffered() const { return end_ - begin_; }

 private:
  Bytes buf_;
  std::size_t begin_ = 0;  // First unconsumed byte.
  std::size_t end_ = 0;    // One past the last received byte.
};

}  // namespace pactum::node::net
