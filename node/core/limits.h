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
// A failed ledger append is retried this often before the core raises an
// alarm and gives the entry up (the ledger is then broken, not busy).
inline constexpr int kAppendAttemptsMax = 3;
// Deals re-sent to one peer on one (re)connect; the rest follow on the next.
inline constexpr std::size_t kCatchUpDealsMax = 10'000;

// Hash domain of a contract anchor's ledger entry id: SHA-256(domain || 0x00
// || terms hash). Persisted: do not change.
inline constexpr std::string_view kAnchorIdDomain = "pactum/v1/node/anchor-id";
// C2SP tlog-cosignature/v1 signed-message header.
inline constexpr std::string_view kCosignatureHeader = "cosignature/v1\n";

static_assert(kHeldEscrowEventsMax <= kHeldPeerMessagesMax);

}  // namespace pactum::node
