// node/core limits: every bound the node core puts on what peers and agents
// can make it hold. Internal to node/core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pactum::node {

// Peer negotiation messages that arrived before the message they link to
// (reordering in the network); beyond this the oldest is dropped and the
// peer's catch-up on reconnect delivers it again.
inline constexpr std::size_t kHeldPeerMessagesMax = 4096;
// Peer receipts and checkpoints signed by a node key we have not yet seen a
// certificate for (the certificate is sent first on connect, so few wait).
inline constexpr std::size_t kAwaitingCertificateMax = 1024;
// Escrow events for a contract whose escrow is not open here yet.
inline constexpr std::size_t kHeldEscrowEventsMax = 256;
// Node keys one partner organization may have certified at once.
inline constexpr std::size_t kNodeKeysPerPartnerMax = 16;
// Checkpoints remembered per peer node key for equivocation checks; the
// oldest sizes are forgotten first.
inline constexpr std::size_t kCheckpointsPerKeyMax = 1024;
// A failed ledger append is never given up while the core needs it: it is
// retried on later Ticks, the wait doubling from the base to the cap (a full
// disk is freed by an operator in seconds to minutes, not milliseconds).
inline constexpr std::int64_t kAppendRetryBaseMs = 50;
inline constexpr std::int64_t kAppendRetryMaxMs = 5'000;
// After this many failed attempts of one entry the core raises one
// ledger-failure alarm (an operator must look) and keeps retrying.
inline constexpr int kAppendAttemptsAlarm = 3;
// Our own latest checkpoints remembered, so that a partner's cosignature of
// one of them needs no check of our own signature (a cosignature answers one
// of the last few we sent).
inline constexpr std::size_t kOwnNotesRemembered = 64;
// How long a checkpoint we sent may go unanswered (no cosignature) before a
// newer one is sent anyway: a witness that refuses silently must not stop
// our checkpoints.
inline constexpr std::int64_t kCheckpointAnswerWaitMs = 1'000;
// Hashes in a consistency proof we accept: RFC 9162 proofs between 64-bit
// tree sizes have at most 2 * 64 of them.
inline constexpr std::size_t kConsistencyProofHashesMax = 128;
// Deals re-sent to one peer on one (re)connect; the rest follow on the next.
inline constexpr std::size_t kCatchUpDealsMax = 10'000;

// Bytes of a refusal notice's rule and detail texts we send or repeat to an agent.
inline constexpr std::size_t kRefusalTextMax = 512;

// Hash domain of a contract anchor's ledger entry id: SHA-256(domain || 0x00
// || terms hash). Persisted: do not change.
inline constexpr std::string_view kAnchorIdDomain = "pactum/v1/node/anchor-id";
// C2SP tlog-cosignature/v1 signed-message header.
inline constexpr std::string_view kCosignatureHeader = "cosignature/v1\n";

static_assert(kHeldEscrowEventsMax <= kHeldPeerMessagesMax);
static_assert(0 < kAppendRetryBaseMs && kAppendRetryBaseMs <= kAppendRetryMaxMs);

}  // namespace pactum::node
