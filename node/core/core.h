// The sans-I/O node core: the public header of node/core.
//
// One NodeCore is one organization's node minus its I/O. Adapters (pactumd's
// Asio loop, the deterministic simulator, tests) feed it Events and carry out
// the Effects it returns, in order:
//   - a signed envelope from a partner node (already authenticated by the
//     transport as coming from that partner organization's node),
//   - an agent's signed envelope submitted through the agent API,
//   - a clock tick (the only source of time),
//   - the outcome of a ledger append it asked for (the only source of
//     durability: the core treats an entry as anchored only once told so).
// It never touches sockets, clocks, threads, files or a random source; the
// nonces its signatures need come from the injected NonceSource, so a seeded
// source makes a whole run replayable.
//
// The deal flow it implements (docs/node.md): an agent's propose/counter/
// accept is decided by our NegotiationEngine (mandate, guardrails, budget)
// and relayed to the counterparty's node, whose engine decides it again; on
// acceptance both nodes append the contract with its transcript to their
// ledgers, exchange signed anchor receipts, settle, exchange signed
// settlement receipts and raise a divergence alarm when digests differ;
// escrow events flow the same way. Checkpoints are exchanged, consistency-
// checked and cosigned; two different checkpoints of one size signed by the
// same node become an EquivocationProof.
//
// Durability rule: an applied message is appended at once, but its
// AgentReply, its relay to the partner and its notice are emitted only when
// the AppendDone for it arrives ok; nothing is acknowledged before it is
// durable. Ledger entry kinds, payloads and ids: docs/node.md.
//
// Witnessing (docs/node.md): each Checkpoint we send a partner carries an
// RFC 9162 consistency proof (from LedgerProofs) from the size of ours it
// cosigned last; a partner's checkpoint is cosigned only if it is larger than
// the last one we cosigned for its key and its proof verifies against that
// one (the first one seen is trusted on first use).
//
// Errors: handle() never throws and never fails as a whole; a bad input
// yields an AgentReply with ok = false (agents) or a refusal counted in
// stats (peers) and changes no state. Thread-compatible: one thread drives a
// core. The in-memory harness for tests and the simulator is
// node/core/testing/testing.h (node_core_testing_dep).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/base.h"
#include "crypto/crypto.h"
#include "protocol/negotiation_types.h"

namespace pactum::node {

// A partner organization, named by its org root key.
using OrgKey = crypto::PublicKey;

// Supplies the random nonce of every envelope the core signs.
class NonceSource {
 public:
  virtual ~NonceSource() = default;
  virtual crypto::Nonce next() = 0;
};

// Reads consistency proofs of our own ledger's Merkle tree: the only ledger
// read the core makes, to prove to each partner that our new checkpoint
// extends the one it cosigned last. Called from handle(); must be cheap (a
// proof is O(log n) node reads). Implemented by the adapter over
// ledger::Ledger::prove_consistency, by the harness over its fake ledger.
class LedgerProofs {
 public:
  virtual ~LedgerProofs() = default;
  // The RFC 9162 consistency proof from `from_size` to `to_size`, REQUIRES
  // 0 < from_size <= to_size <= our durable size. Errors: kOutOfRange for
  // sizes outside that, the ledger's errors otherwise.
  virtual Result<std::vector<crypto::Digest>> consistency_proof(std::uint64_t from_size, std::uint64_t to_size) = 0;
  // The payload of our durable entry with idempotency id `id`: a finished
  // deal keeps only the ids of its messages and receipts in memory and reads
  // them back through this. Errors: kNotFound when no durable entry has that
  // id, the ledger's errors otherwise.
  virtual Result<Bytes> durable_payload(const crypto::Digest& id) = 0;
};

// Why a partner's checkpoint was not cosigned (C2SP tlog-witness rules). Each
// refusal stores nothing (no note, no cosigned size) and is counted in
// CoreStats::cosign_refusals[reason].
enum class CosignRefusal : std::uint8_t {
  kNotLarger = 0,        // Not larger than the checkpoint of that key we cosigned last.
  kNoProof = 1,          // We cosigned an earlier one; no consistency proof came with this one.
  kWrongFromSize = 2,    // The proof starts from another size than the one we cosigned.
  kInconsistent = 3,     // The proof does not verify: not an extension of what we cosigned
                         // (also an Alarm "checkpoint-inconsistent").
};
inline constexpr std::size_t kCosignRefusalKinds = 4;
std::string_view cosign_refusal_name(CosignRefusal r);

struct Partner {
  std::string name;          // For logs and metrics.
  OrgKey org_root{};
};

struct CoreConfig {
  std::string node_name;                    // Ledger origin line, logs.
  OrgKey org_root{};                        // Our organization's root key.
  const crypto::SecretKey* node_key = nullptr;  // Signs receipts and checkpoints (borrowed).
  Bytes node_certificate;                   // Our NodeCertificate envelope (wire bytes).
  Bytes policy_toml;                        // Our guardrail policy (protocol/policy.h).
  std::vector<Partner> partners;
  NonceSource* nonces = nullptr;            // Borrowed; must outlive the core.
  // Borrowed; optional. Without it our checkpoints carry no consistency proof,
  // so partners cosign only the first one they see from us, and finished
  // deals stay whole in memory (there is nowhere to read them back from).
  LedgerProofs* proofs = nullptr;
};

// ---- events ----
struct PeerMessage {
  OrgKey from{};
  Bytes envelope;            // Canonical Envelope wire bytes.
};
struct AgentSubmit {
  std::uint64_t request_id = 0;  // Echoed in the AgentReply.
  Bytes envelope;
};
struct Tick {
  std::int64_t now_ms = 0;   // Unix milliseconds; never goes backwards.
};
struct AppendDone {
  std::uint64_t append_id = 0;   // From the AppendToLedger effect.
  bool ok = false;
  std::uint64_t index = 0;       // Ledger index, when ok.
  std::string error;             // When not ok.
  crypto::Digest entry_hash{};   // RFC 6962 leaf hash of the entry when known (zero: unknown);
                                 // goes into our AnchorReceipt.
};
struct PeerConnected {
  OrgKey peer{};
  Bytes checkpoint;              // The peer's latest signed checkpoint from its handshake (may be empty).
};
struct CheckpointTaken {
  Bytes signed_note;             // Our latest C2SP signed checkpoint note, after appends.
  std::uint64_t size = 0;
};
// The adapter must deliver a CheckpointTaken after appends (e.g. after each
// group commit or on a short timer): an anchor receipt names a checkpoint that
// covers the contract's entry, so it is sent only once such a checkpoint is known.
using Event = std::variant<PeerMessage, AgentSubmit, Tick, AppendDone, PeerConnected, CheckpointTaken>;

// ---- effects ----
struct SendToPeer {
  OrgKey to{};
  Bytes envelope;
};
struct AppendToLedger {
  std::uint64_t append_id = 0;
  crypto::Digest id{};           // Idempotency key of the entry.
  std::uint16_t kind = 0;        // Ledger entry kind (ledger/ledger.h).
  Bytes payload;                 // Canonical bytes.
};
struct AgentReply {
  std::uint64_t request_id = 0;
  bool ok = false;
  std::string code;              // errc_name() of the refusal, when not ok; "needs_approval"
                                 // with ok = true when the message waits for an approver.
  std::string detail;            // Human-readable decision or refusal.
  crypto::Digest negotiation_id{};
};
struct AgentNotice {              // For the agent API's event stream.
  crypto::PublicKey agent{};     // Zero: every agent of this node.
  std::string type;              // The new state ("PROPOSED" .. "ACCEPTED"), "escalated", "approved",
                                 // "denied", "committed", "settled", "agreed", "peer-anchored", "peer-refused",
                                 // "escrow", "expired", "refused", "revocation", "kill-switch-*".
  crypto::Digest negotiation_id{};
  std::string detail;
};
struct Alarm {
  std::string type;              // "settlement-divergence", "equivocation", "ledger-failure",
                                 // "settlement-failed", "anchor-failed", "commit-refused".
  OrgKey peer{};
  std::string detail;
  Bytes evidence;                // e.g. the EquivocationProof envelope.
};
using Effect = std::variant<SendToPeer, AppendToLedger, AgentReply, AgentNotice, Alarm>;

// ---- queries (for the agent API and metrics) ----
struct NegotiationView {
  crypto::Digest id{};
  std::string state;             // "PROPOSED", "COUNTERED", ... "COMMITTED".
  OrgKey buyer_org{};
  OrgKey seller_org{};
  std::uint32_t rounds = 0;
  crypto::Digest terms_hash{};   // Of the offer on the table.
};
struct ContractView {
  crypto::Digest id{};           // The accepted terms hash.
  crypto::Digest negotiation_id{};
  std::uint64_t ledger_index = 0;
  bool peer_anchored = false;    // The counterparty's anchor receipt arrived and verified.
  crypto::Digest settlement_digest{};
  std::string settlement_status; // "pending", "agreed", "diverged".
  std::string escrow_state;      // escrow/escrow.h state name, or "none".
  crypto::Digest peer_settlement_digest{};  // From the peer's receipt (zero until it arrives).
  crypto::Digest escrow_digest{};           // Our escrow state digest (zero: no escrow).
  std::int64_t invoiced_total_minor = 0;    // Sum of our settlement's invoice totals.
  OrgKey peer{};                            // The counterparty organization.
  crypto::Digest contract_id{};             // terms.contractId (16 bytes, zero-padded).
  crypto::Digest amends{};                  // An amendment: its contract's first contractId; zero otherwise.
  bool in_force = false;                    // The contract's version in force (the next amendment names it).
};
struct CoreStats {
  std::uint64_t peer_messages_in = 0, peer_messages_out = 0;
  std::uint64_t verification_failures = 0, refusals = 0;
  std::uint64_t contracts = 0, alarms = 0;
  std::uint64_t checkpoints_cosigned = 0;   // Partner checkpoints we cosigned.
  std::array<std::uint64_t, kCosignRefusalKinds> cosign_refusals{};  // By CosignRefusal.
  // Negotiations held, by protocol::NegState (kept as states change: cheap to read).
  std::array<std::uint64_t, protocol::kNegStateCount> negotiations_by_state{};
  // Finished deals (settled and agreed, both sides' receipts held, no escrow)
  // whose messages and receipts left memory for the ledger.
  std::uint64_t deals_retired = 0;
};

// The first view in `views` whose id begins with the first `prefix_bytes`
// of `id` (the search the list-walking defaults below make).
template <typename View>
std::optional<View> find_by_id_prefix(std::vector<View> views, const crypto::Digest& id, std::size_t prefix_bytes) {
  const auto n = static_cast<std::ptrdiff_t>(std::min(prefix_bytes, id.size()));
  for (View& v : views) {
    if (std::equal(id.begin(), id.begin() + n, v.id.begin())) return std::move(v);
  }
  return std::nullopt;
}

class NodeCore {
 public:
  // Errors: kInvalidArgument naming the field for a bad config (policy that
  // does not load, missing key or nonce source, certificate not ours).
  static Result<std::unique_ptr<NodeCore>> create(const CoreConfig& config);
  virtual ~NodeCore() = default;

  // Decides one event; the effects must be carried out in order. The first
  // call after restore() also resumes what the ledger shows unfinished (an
  // anchor to append, receipts to sign).
  virtual std::vector<Effect> handle(const Event& event) = 0;
  // Rebuilds state after a restart from our own ledger's entries, in index
  // order, before any handle(); emits nothing. Errors: kLedgerCorrupt for an
  // anchor of a negotiation the ledger never held, kInvalidArgument for an
  // unknown kind, decoding errors for payloads that do not decode (each
  // names the entry). A message the engine now decides differently (e.g.
  // under a new policy) is skipped and counted in stats().refusals.
  virtual Result<void> restore(std::uint64_t index, std::uint16_t kind, ByteSpan payload) = 0;

  virtual std::vector<NegotiationView> negotiations() const = 0;
  virtual std::vector<ContractView> contracts() const = 0;
  virtual CoreStats stats() const = 0;

  // The negotiation (as listed by negotiations()) whose id begins with the
  // first `prefix_bytes` (16 or 32) bytes of `id`, or nullopt. This default
  // searches negotiations(); the core answers with one ordered lookup.
  virtual std::optional<NegotiationView> negotiation(const crypto::Digest& id, std::size_t prefix_bytes) const {
    return find_by_id_prefix(negotiations(), id, prefix_bytes);
  }
  // The negotiation's messages (envelope wire bytes) in ledger order: those
  // applied, then our offer waiting for (or denied by) an approver. Empty if
  // none, and in this default. Errors: a finished deal's messages are read
  // back from the ledger (LedgerProofs::durable_payload), and its errors pass.
  virtual Result<std::vector<Bytes>> negotiation_messages(const crypto::Digest& /*negotiation_id*/) const {
    return std::vector<Bytes>{};
  }
  // The contract whose accepted terms hash begins with the first
  // `prefix_bytes` (16 or 32) bytes of `terms_hash`, or nullopt. This default
  // searches contracts(); the core answers with one ordered lookup.
  virtual std::optional<ContractView> contract(const crypto::Digest& terms_hash, std::size_t prefix_bytes) const {
    return find_by_id_prefix(contracts(), terms_hash, prefix_bytes);
  }

  // Negotiations with `peer` that are open (PROPOSED, COUNTERED or
  // ESCALATED), not counting `negotiation_id` itself: what the transport's
  // per-peer limit checks before it hands a peer's Propose for that
  // negotiation to handle(). This default counts negotiations(); the core
  // answers in time proportional to that peer's open negotiations.
  virtual std::size_t open_negotiations(const OrgKey& peer, const crypto::Digest& negotiation_id) const {
    std::size_t n = 0;
    for (const NegotiationView& v : negotiations()) {
      const bool open = v.state == "PROPOSED" || v.state == "COUNTERED" || v.state == "ESCALATED";
      if (open && v.id != negotiation_id && (v.buyer_org == peer || v.seller_org == peer)) ++n;
    }
    return n;
  }
};

}  // namespace pactum::node
