// node/net limits: every bound the transport applies, each with its reason.
// Internal to node/net (tests may include it); the configurable per-peer
// limits and their defaults are TransportLimits in transport.h.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "protocol/limits.h"

namespace pactum::node::net {

// Transport protocol version in Hello; a peer with another version is refused.
inline constexpr std::uint16_t kTransportVersion = 1;

// A payload is one canonical Envelope, which the protocol bounds already.
inline constexpr std::size_t kPayloadBytesMax = protocol::kMaxMessageBytes;
// A Deliver frame adds a few words of framing around its payload; 4 KiB of
// headroom covers them. Hello carries a NodeCertificate and a checkpoint note,
// both far below this.
inline constexpr std::size_t kFrameBytesMax = kPayloadBytesMax + 4096;
// The length prefix in front of every frame.
inline constexpr std::size_t kLengthPrefixBytes = 4;
// A NodeCertificate envelope holds a DER certificate of < 1 KiB and a few
// fields; 16 KiB bounds what we verify before admission.
inline constexpr std::size_t kNodeCertificateBytesMax = 16 * 1024;
// A checkpoint note with a few cosignatures is well below 8 KiB.
inline constexpr std::size_t kCheckpointBytesMax = 64 * 1024;
// Close.detail is one line for logs.
inline constexpr std::size_t kCloseDetailBytesMax = 256;

// Partners of one node: a B2B node talks to tens, not thousands; bounds the
// per-peer state and the outbox map size below.
inline constexpr std::size_t kPeersMax = 256;
// Connections accepted but not yet admitted: bounds what unauthenticated
// clients can make us hold (each costs a TLS state and a read buffer).
inline constexpr std::size_t kPendingConnectionsMax = 64;
// Largest per-peer queued_bytes_max a configuration may ask for.
inline constexpr std::size_t kQueuedBytesMaxLimit = std::size_t{256} << 20;
// Bytes handed to one connection's socket but not yet written: a peer that
// stops reading holds at most this much of our memory in its write buffer;
// the rest of its queue waits in the outbox.
inline constexpr std::size_t kWriteWindowBytes = std::size_t{2} << 20;
// One async_read_some into a buffer of this size; a frame may span reads.
inline constexpr std::size_t kReadChunkBytes = 64 * 1024;
// Acknowledged entries are deleted from the outbox lazily, in one commit per
// interval: losing a deletion in a crash only causes a resend, which the
// receiver's dedupe drops, so it need not cost an fsync per ack.
inline constexpr std::chrono::milliseconds kAckFlushInterval{100};
// send_many() commits at most this many payloads at once (one LMDB txn).
inline constexpr std::size_t kSendManyMax = 4096;
// A graceful close waits this long for the Close frame to be written before
// the socket is closed anyway (the peer may not be reading).
inline constexpr std::chrono::milliseconds kCloseLinger{200};

// Dedupe marks are committed (and acks sent) at most this long after the
// frames that advanced them were read, in one commit for every peer: a TLS
// read yields one record (<= 16 KiB), and an fsync per record would cap a
// peer at a few MB/s. Bounds the extra ack latency and the payloads that may
// be delivered again after a crash.
inline constexpr std::chrono::milliseconds kMarkFlushDelay{2};

// A failed outbox append is retried after this pause, doubling to the cap:
// the payloads behind it wait (their order is kept), and a full disk is
// freed by an operator in seconds to minutes.
inline constexpr std::chrono::milliseconds kOutboxRetryMin{10};
inline constexpr std::chrono::milliseconds kOutboxRetryMax{1000};
// Outbox writes queued while a commit runs go into the next commit together
// (group commit: one pair of syncs for all), at most this many at once, so
// that one commit's dirty pages and the wait of its first caller stay bounded.
inline constexpr std::size_t kOutboxJobsPerCommitMax = 256;

// After a failed accept (e.g. out of file descriptors) wait this long before
// accepting again, instead of spinning on the error.
inline constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

// LMDB map of the outbox: every peer's queue at the largest configurable
// limit would not fit, but the map is sparse and the default limits (16 MiB x
// 256 peers = 4 GiB) do; 64 GiB of address space is free on 64-bit.
inline constexpr std::size_t kOutboxMapBytes = std::size_t{64} << 30;
// Named databases in the outbox environment: meta, outbox, next_seq, inbound.
inline constexpr unsigned kOutboxDatabases = 4;

static_assert(kFrameBytesMax < (std::size_t{1} << 31), "length prefix is a u32");
static_assert(kWriteWindowBytes > kFrameBytesMax, "one full frame fits the write window");
static_assert(kQueuedBytesMaxLimit * 2 <= kOutboxMapBytes / 128,
              "a couple of peers at the largest limit fit the map easily");
static_assert(kReadChunkBytes <= kFrameBytesMax);

}  // namespace pactum::node::net
