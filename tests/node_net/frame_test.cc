// Goal: transport frames encode to the exact documented bytes, decode back,
// and every malformed, oversized or non-canonical input is refused.
#include "node/net/frame.h"

#include <gtest/gtest.h>

#include <random>

#include "node/net/backoff.h"
#include "node/net/limits.h"

namespace pactum::node::net {
namespace {

std::string hex(const Bytes& b) { return to_hex(b); }

TEST(Frame, DeliverGoldenVector) {
  // docs/transport.md walks through these bytes.
  auto f = encode_deliver(7, as_bytes("abc"));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(hex(*f),
            "00000030"                          // length 48
            "0000000001000100"                  // root: struct, 1 data word, 1 pointer
            "0200000000000000"                  // Frame data: discriminant 2 (deliver)
            "0000000001000100"                  // -> Deliver: 1 data word, 1 pointer
            "0700000000000000"                  // seq 7
            "010000001a000000"                  // -> payload: byte list, 3 elements
            "6162630000000000");                // "abc" + padding
}

TEST(Frame, HeartbeatAckCloseGoldenVectors) {
  EXPECT_EQ(hex(*encode_heartbeat(1)),
            "00000020" "0000000001000100" "0100000000000000" "0000000001000000"
            "0100000000000000");
  EXPECT_EQ(hex(*encode_ack(0x0102030405060708, 9)),
            "00000028" "0000000001000100" "0300000000000000" "0000000002000000"
            "0807060504030201" "0900000000000000");
  EXPECT_EQ(hex(*encode_close(CloseReason::kShutdown, "bye")),
            "00000030" "0000000001000100" "0400000000000000" "0000000001000100"
            "0e00000000000000" "0100000022000000" "6279650000000000");
}

TEST(Frame, RefuseGoldenVector) {
  // docs/transport.md: Refuse{seq = 4, reason = 1 (open_negotiations_limit), detail = "x"}.
  EXPECT_EQ(hex(*encode_refuse(4, PayloadRefusal::kOpenNegotiationsLimit, "x")),
            "00000038"                          // length 56
            "0000000001000100"                  // root: struct, 1 data word, 1 pointer
            "0500000000000000"                  // Frame data: discriminant 5 (refuse)
            "0000000002000100"                  // -> Refuse: 2 data words, 1 pointer
            "0400000000000000"                  // seq 4
            "0100000000000000"                  // reason 1
            "0100000012000000"                  // -> detail: byte list, 2 elements ("x", NUL)
            "7800000000000000");                // "x" + NUL + padding
  // The detail is bounded and ASCII, as a Close's.
  auto f = encode_refuse(9, PayloadRefusal::kOpenNegotiationsLimit, std::string(1000, 'y') + "\xff");
  ASSERT_TRUE(f.has_value());
  auto d = decode_frame(ByteSpan(*f).subspan(kLengthPrefixBytes));
  ASSERT_TRUE(d.has_value());
  ASSERT_TRUE(d->root().isRefuse());
  EXPECT_EQ(d->root().getRefuse().getSeq(), 9u);
  EXPECT_EQ(d->root().getRefuse().getDetail().size(), kCloseDetailBytesMax);
}

TEST(Frame, RoundTripsEveryKind) {
  const Bytes cert(100, 0xCE), checkpoint(33, 0xC7);
  auto hello = encode_hello(cert, checkpoint, 42);
  ASSERT_TRUE(hello.has_value());
  auto d = decode_frame(ByteSpan(*hello).subspan(kLengthPrefixBytes));
  ASSERT_TRUE(d.has_value()) << d.error().to_string();
  ASSERT_EQ(d->root().which(), wire::frame::Frame::HELLO);
  auto h = d->root().getHello();
  EXPECT_EQ(h.getProtocolVersion(), kTransportVersion);
  EXPECT_EQ(Bytes(h.getNodeCertificate().begin(), h.getNodeCertificate().end()), cert);
  EXPECT_EQ(Bytes(h.getLatestCheckpoint().begin(), h.getLatestCheckpoint().end()), checkpoint);
  EXPECT_EQ(h.getStreamId(), 42u);

  const Bytes payload(kPayloadBytesMax, 0x5A);  // The largest payload fits a frame.
  auto deliver = encode_deliver(UINT64_MAX, payload);
  ASSERT_TRUE(deliver.has_value());
  EXPECT_LE(deliver->size() - kLengthPrefixBytes, kFrameBytesMax);
  auto dd = decode_frame(ByteSpan(*deliver).subspan(kLengthPrefixBytes));
  ASSERT_TRUE(dd.has_value()) << dd.error().to_string();
  EXPECT_EQ(dd->root().getDeliver().getSeq(), UINT64_MAX);
  EXPECT_EQ(dd->root().getDeliver().getPayload().size(), kPayloadBytesMax);
}

TEST(Frame, EncoderRefusesOversizedPayload) {
  auto f = encode_deliver(1, Bytes(kPayloadBytesMax + 1, 0));
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, Errc::kMessageTooLarge);
}

TEST(Frame, CloseDetailIsBoundedAndAscii) {
  auto f = encode_close(CloseReason::kBadFrame, std::string(1000, 'x') + "\xff");
  ASSERT_TRUE(f.has_value());
  auto d = decode_frame(ByteSpan(*f).subspan(kLengthPrefixBytes));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->root().getClose().getDetail().size(), kCloseDetailBytesMax);
}

TEST(Frame, DecodeRefusesNonCanonicalGarbageAndTruncation) {
  Bytes body = *encode_heartbeat(5);
  body.erase(body.begin(), body.begin() + kLengthPrefixBytes);
  Bytes padded = body;
  padded.insert(padded.end(), 8, 0);  // A trailing zero word: valid capnp, not canonical.
  auto r = decode_frame(padded);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kNonCanonical);

  Bytes truncated(body.begin(), body.end() - 8);
  EXPECT_FALSE(decode_frame(truncated).has_value());
  EXPECT_FALSE(decode_frame(Bytes(7, 0x11)).has_value());  // Not whole words.
  EXPECT_FALSE(decode_frame(Bytes{}).has_value());
  std::mt19937_64 rng(7);
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    Bytes junk(8 * (1 + rng() % 8));
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    refused += decode_frame(junk).has_value() ? 0 : 1;
  }
  EXPECT_GT(refused, 1900);  // Random words are almost never a canonical Frame.
}

TEST(FrameBuffer, ReassemblesFramesFromAnyChunking) {
  std::vector<Bytes> frames;
  Bytes stream;
  for (std::uint64_t i = 1; i <= 20; ++i) {
    frames.push_back(*encode_deliver(i, Bytes(i * 37, static_cast<std::uint8_t>(i))));
    append(stream, frames.back());
  }
  std::mt19937_64 rng(11);
  for (int round = 0; round < 500; ++round) {
    FrameBuffer buf;
    std::size_t fed = 0, seen = 0;
    while (fed < stream.size()) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 300, stream.size() - fed);
      MutableByteSpan room = buf.prepare(n);
      std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(fed), n, room.begin());
      buf.commit(n);
      fed += n;
      for (;;) {
        auto next = buf.next();
        ASSERT_TRUE(next.has_value());
        if (!next->has_value()) break;
        ASSERT_LT(seen, frames.size());
        EXPECT_TRUE(std::equal((*next)->begin(), (*next)->end(),
                               frames[seen].begin() + kLengthPrefixBytes, frames[seen].end()));
        ++seen;
      }
    }
    EXPECT_EQ(seen, frames.size());
    EXPECT_EQ(buf.buffered(), 0u);
  }
}

TEST(FrameBuffer, RefusesOversizedAndEmptyLengths) {
  for (std::uint32_t length : {std::uint32_t(kFrameBytesMax + 1), 0xFFFFFFFFu}) {
    FrameBuffer buf;
    MutableByteSpan room = buf.prepare(4);
    room[0] = static_cast<std::uint8_t>(length >> 24);
    room[1] = static_cast<std::uint8_t>(length >> 16);
    room[2] = static_cast<std::uint8_t>(length >> 8);
    room[3] = static_cast<std::uint8_t>(length);
    buf.commit(4);
    auto next = buf.next();
    ASSERT_FALSE(next.has_value());
    EXPECT_EQ(next.error().code, Errc::kFrameTooLarge);
  }
  FrameBuffer buf;
  MutableByteSpan room = buf.prepare(4);
  std::fill(room.begin(), room.end(), 0);
  buf.commit(4);
  auto next = buf.next();
  ASSERT_FALSE(next.has_value());
  EXPECT_EQ(next.error().code, Errc::kMalformedMessage);

  // Exactly the maximum is allowed (it waits for the body).
  FrameBuffer ok;
  room = ok.prepare(4);
  const auto max = static_cast<std::uint32_t>(kFrameBytesMax);
  room[0] = static_cast<std::uint8_t>(max >> 24);
  room[1] = static_cast<std::uint8_t>(max >> 16);
  room[2] = static_cast<std::uint8_t>(max >> 8);
  room[3] = static_cast<std::uint8_t>(max);
  ok.commit(4);
  auto wait = ok.next();
  ASSERT_TRUE(wait.has_value());
  EXPECT_FALSE(wait->has_value());
}

TEST(Backoff, DoublesToTheCapWithEqualJitter) {
  using std::chrono::milliseconds;
  const milliseconds lo(100), hi(10'000);
  // random 0 picks the low end of [ceiling/2, ceiling].
  EXPECT_EQ(backoff_delay(0, lo, hi, 0), milliseconds(50));
  EXPECT_EQ(backoff_delay(1, lo, hi, 0), milliseconds(100));
  EXPECT_EQ(backoff_delay(3, lo, hi, 0), milliseconds(400));
  EXPECT_EQ(backoff_delay(7, lo, hi, 0), milliseconds(5'000));    // 12800 capped to 10000.
  EXPECT_EQ(backoff_delay(1000, lo, hi, 0), milliseconds(5'000)); // No shift overflow.
  // The top of the range: ceiling/2 + (ceiling - ceiling/2).
  EXPECT_EQ(backoff_delay(0, lo, hi, 50), milliseconds(100));
  EXPECT_EQ(backoff_delay(0, lo, hi, 51), milliseconds(50));
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) {
    const auto attempt = static_cast<std::uint32_t>(rng() % 40);
    const auto d = backoff_delay(attempt, lo, hi, rng());
    const std::int64_t ceiling = std::min<std::int64_t>(10'000, 100LL << std::min(attempt, 20u));
    EXPECT_GE(d.count(), ceiling / 2);
    EXPECT_LE(d.count(), ceiling);
  }
}

}  // namespace
}  // namespace pactum::node::net
