// Limits of pactumd's adapters (config, agent API, event stream, wiring).
// Each is a named constant with the reason for its size; relations between
// them are static_asserted.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace pactum::node::daemon {

// A config file is a few dozen lines; anything larger is a mistake.
inline constexpr std::size_t kConfigBytesMax = 1u << 20;
// Policy files are small tables of products and keys.
inline constexpr std::size_t kPolicyBytesMax = 1u << 20;
// A certificate envelope or PEM file holds one certificate.
inline constexpr std::size_t kCertificateBytesMax = 64u << 10;
// Partners are named one by one by an operator.
inline constexpr std::size_t kPartnersMax = 256;
// Node and partner names go into the ledger origin line and metric labels.
inline constexpr std::size_t kNameBytesMax = 64;

// Largest request body: one signed envelope with an embedded mandate is a few
// KiB; 1 MiB leaves room for large terms while bounding memory per request.
inline constexpr std::size_t kApiBodyBytesDefault = 1u << 20;
inline constexpr std::size_t kApiBodyBytesMax = 16u << 20;
// Request line and headers of a well-behaved client fit easily in 8 KiB.
inline constexpr std::size_t kApiHeaderBytesMax = 8u << 10;
// Agents of one organization on one node; each open connection costs a
// socket and a buffer.
inline constexpr std::size_t kApiConnectionsDefault = 256;
inline constexpr std::size_t kApiConnectionsMax = 4096;
// Event-stream subscribers (each holds an open connection).
inline constexpr std::size_t kSseSubscribersDefault = 64;
// Events queued for one slow subscriber before it is dropped, so a stalled
// reader costs bounded memory.
inline constexpr std::size_t kSseQueueEventsMax = 4096;
// Agent submissions waiting for the core's reply; past this the API answers
// 503 rather than queue without bound.
inline constexpr std::size_t kPendingSubmitsMax = 8192;
// An idle or slow HTTP client is closed after this, so it cannot hold a slot.
inline constexpr std::chrono::seconds kApiIdleTimeout{30};
// SSE keep-alive comment interval: keeps proxies from closing idle streams.
inline constexpr std::chrono::seconds kSseKeepAlive{15};
// Lists returned by GET /v1/negotiations and /v1/contracts at most.
inline constexpr std::size_t kApiListMax = 10000;


// The core's clock: coarse enough to cost nothing, fine enough for deadlines
// measured in seconds.
inline constexpr std::uint32_t kTickMsDefault = 100;
inline constexpr std::uint32_t kTickMsMin = 10;
inline constexpr std::uint32_t kTickMsMax = 10000;
// Ledger appends handed to the worker in one group commit at most.
inline constexpr std::size_t kAppendBatchMax = 256;
// Ledger appends queued for the worker before the core is told to retry.
inline constexpr std::size_t kAppendQueueMax = 65536;
// Checkpoints are signed at most this often (with the next batch's commit,
// or alone when the append queue runs empty): each one is a signature, and
// alone an LMDB commit the next appends would wait behind, while an anchor
// receipt (which names a checkpoint covering its anchor) waits at most this
// much longer.
inline constexpr std::chrono::milliseconds kCheckpointIntervalMin{5};
// Inbound signature checks go to their own thread when the io thread was at
// least this busy (percent) over the last Preverifier::kLoadWindow: near
// saturation, where queueing on the io thread outgrows the hand-off's two
// thread wake-ups. Chosen by that reasoning; A/B runs of 50, 75 and 90 on a
// 2-core VM could not tell them apart through its run-to-run spread. 0:
// always (tests use it to exercise the hand-off).
inline constexpr std::uint32_t kSignatureOffloadPercentDefault = 75;
// SIGTERM drain: pending appends and sends get this long before exit.
inline constexpr std::chrono::seconds kDrainTimeout{10};

static_assert(kApiBodyBytesDefault <= kApiBodyBytesMax);
static_assert(kApiConnectionsDefault <= kApiConnectionsMax);
static_assert(kSseSubscribersDefault < kApiConnectionsDefault);
static_assert(kTickMsMin <= kTickMsDefault && kTickMsDefault <= kTickMsMax);
static_assert(kAppendBatchMax <= kAppendQueueMax);

}  // namespace pactum::node::daemon
