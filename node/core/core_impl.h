// The node core's implementation type. Internal to node/core: the contract
// is core.h. One CoreImpl per node; every container is ordered so that two
// runs fed the same events emit the same effects byte for byte.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "escrow/escrow.h"
#include "ledger/ledger.h"
#include "node/core/core.h"
#include "node/core/limits.h"
#include "protocol/negotiation.h"
#include "protocol/negotiation_wire.h"
#include "protocol/protocol.h"

namespace pactum::node::detail {

using crypto::Digest;
using crypto::PublicKey;

// One negotiation shared with one partner, and the contract it became.
struct Deal {
  Digest id{};                        // Negotiation id (16 bytes, zero-padded).
  OrgKey peer{};
  std::vector<Bytes> messages;        // Applied negotiation envelopes, oldest first.
  std::vector<bool> ours;             // messages[i] was our side's (we relay those).
  std::map<Digest, Bytes> offered;    // Terms hash -> canonical ContractTerms of each offer.
  Bytes escalated;                    // Our message waiting for an approver.

  // Contract (after ACCEPTED).
  Digest terms_hash{};
  Digest contract_id{};               // 16 bytes, zero-padded.
  Digest amends{};                    // An amendment: its contract's first contract id; else zero.
  bool anchor_requested = false;
  bool anchored = false;
  std::uint64_t anchor_index = 0;
  Digest anchor_entry_hash{};
  Bytes our_anchor_receipt;
  Bytes peer_anchor_receipt;

  // Settlement and escrow (after COMMITTED).
  bool settled = false;
  bool settle_failed = false;
  Digest settlement_digest{};
  Digest escrow_digest{};             // Of the escrow state when settled (the receipt's).
  std::int64_t invoiced_total_minor = 0;
  Bytes our_settlement_receipt;
  Bytes peer_settlement_receipt;
  Digest peer_settlement_digest{};
  Digest peer_escrow_digest{};
  std::string settlement_status = "pending";  // "pending", "agreed", "diverged", "failed".
  // Boxed: most deals have none, and the map holds every deal ever made.
  std::unique_ptr<escrow::Escrow> escrow;
  std::vector<Bytes> escrow_events;   // Applied escrow envelopes, in order.
  std::vector<Bytes> held_escrow;     // Peer escrow events before our escrow opened.

  std::uint64_t answered_epoch = 0;   // Last connect epoch we re-sent receipts in answer.

  Digest our_settlement_receipt_id{};  // Its message hash: its ledger id.

  // Retired (CoreImpl::maybe_retire): finished, so its messages, the offers
  // not accepted and the four receipts left memory. What the deal still
  // answers for is read back from the ledger: the messages by the hashes in
  // the engine's transcript (one per message, in order), our settlement
  // receipt by its id.
  bool retired = false;

  bool has_peer_anchor_receipt() const { return retired || !peer_anchor_receipt.empty(); }
  bool has_peer_settlement_receipt() const { return retired || !peer_settlement_receipt.empty(); }
};

// A partner checkpoint we cosigned: the next one must extend it.
struct CosignedCheckpoint {
  std::uint64_t size = 0;
  Digest root{};
  std::string note;                    // The signed note, for re-sending our cosignature.
  std::string text;                    // Its checkpoint body (what a cosignature signs).
};

// A consistency proof that came with a partner's checkpoint.
struct ProofIn {
  std::uint64_t from_size = 0;
  std::vector<Digest> path;
};

// What is known about one partner organization.
struct PeerState {
  std::string name;
  bool seen = false;                   // Connected at least once: gets our checkpoints.
  std::uint64_t epoch = 0;             // Counts PeerConnected events.
  std::set<PublicKey> node_keys;       // Certified by the partner's org root.
  // Node-signed messages that cannot be checked yet: signed by a node key not
  // yet certified, or receipts for a contract not yet anchored here.
  std::deque<Bytes> waiting;
  std::deque<Bytes> held;              // Negotiation messages that arrived early.
  // Per node key: checkpoint notes by tree size (equivocation checks) and
  // the largest size we cosigned.
  std::map<PublicKey, std::map<std::uint64_t, std::string>> notes;
  std::map<PublicKey, CosignedCheckpoint> cosigned;  // The last one we cosigned, per node key.
  // The size of ours the peer cosigned last (by its cosignature time, then
  // size): our next checkpoint's consistency proof starts there.
  std::uint64_t our_size_cosigned = 0;
  std::uint64_t our_cosigned_at_s = 0;
  // One checkpoint of ours in flight per peer: the next goes when its
  // cosignature comes back (or kCheckpointAnswerWaitMs later), carrying our
  // latest size, so a busy ledger does not cost one exchange per commit.
  bool checkpoint_in_flight = false;
  std::uint64_t checkpoint_sent_size = 0;
  std::int64_t checkpoint_sent_ms = 0;
};

// What to do once an append is durable.
enum class AfterAppend : std::uint8_t {
  kNothing = 0,
  kNegotiation = 1,   // Reply to the agent, relay, notify.
  kAnchor = 2,        // ACCEPTED -> COMMITTED, receipts, settlement.
  kEscrow = 3,        // Reply to the agent, relay, notify.
};

// One entry the core asked for and has not yet seen durable. Entries of one
// deal form a chain: only its oldest is handed to the ledger, the next one
// once that is durable, so the ledger never holds an entry (an anchor, a
// later message) whose predecessor it may lack, and a crash cannot leave a
// suffix of a deal without its prefix. A failed attempt is retried on a
// later Tick (backoff), never given up while the core needs the entry.
struct PendingAppend {
  AppendToLedger request;
  int attempts = 0;                          // Times handed to the ledger.
  bool issued = false;                       // Handed to the ledger; its AppendDone is due.
  std::int64_t retry_at_ms = 0;              // Failed: hand it over again at this time.
  AfterAppend after = AfterAppend::kNothing;
  Digest deal{};
  std::optional<std::uint64_t> request_id;   // The agent request to answer.
  std::vector<std::uint64_t> retries;        // The same request resubmitted before durability.
  std::string reply_code;                    // Non-empty: ok reply carrying a code (escalation).
  std::string reply_detail;
  std::vector<Bytes> relay;                  // Envelopes to send to the deal's peer.
  std::string notice;                        // AgentNotice type; empty for none.
};

class CoreImpl final : public NodeCore {
 public:
  CoreImpl(const CoreConfig& config, protocol::Policy policy);

  std::vector<Effect> handle(const Event& event) override;
  Result<void> restore(std::uint64_t index, std::uint16_t kind, ByteSpan payload) override;
  std::vector<NegotiationView> negotiations() const override;
  std::vector<ContractView> contracts() const override;
  std::optional<NegotiationView> negotiation(const Digest& id, std::size_t prefix_bytes) const override;
  Result<std::vector<Bytes>> negotiation_messages(const Digest& negotiation_id) const override;
  std::optional<ContractView> contract(const Digest& terms_hash, std::size_t prefix_bytes) const override;
  CoreStats stats() const override {
    CoreStats s = stats_;
    s.negotiations_by_state = engine_.count_by_state();
    return s;
  }
  std::size_t open_negotiations(const OrgKey& peer, const Digest& negotiation_id) const override;

 private:
  // core.cc: views for the agent API.
  std::optional<NegotiationView> negotiation_view(const Digest& id) const;
  ContractView contract_view(const Digest& id, const Deal& d) const;
  // core.cc: plumbing.
  void on_event(const PeerMessage& e);
  void on_event(const AgentSubmit& e);
  void on_event(const Tick& e);
  void on_event(const AppendDone& e);
  void on_event(const PeerConnected& e);
  void on_event(const CheckpointTaken& e);
  void emit(Effect e) { out_->push_back(std::move(e)); }
  void reply(std::uint64_t request_id, const Error& err, const Digest& neg = {});
  void reply_ok(std::uint64_t request_id, std::string detail, const Digest& neg = {}, std::string code = {});
  // Answers a resubmitted duplicate: at once if its entry is durable, else
  // with the original's reply once it is (an ok must never precede durability).
  void reply_duplicate(std::uint64_t request_id, const Digest& entry_id, const Digest& neg);
  void notice(std::string type, const Digest& neg, std::string detail);
  void alarm(std::string type, const OrgKey& peer, std::string detail, Bytes evidence = {});
  std::uint64_t append(std::uint16_t kind, const Digest& id, Bytes payload, PendingAppend after);
  void issue(PendingAppend& p);              // Hands an entry to the ledger (emits AppendToLedger).
  void append_failed(std::uint64_t append_id, PendingAppend& p, const std::string& error);
  void retry_due_appends();                  // On Tick: failed entries whose backoff ran out.
  void append_durable(PendingAppend& p, const AppendDone& e);
  Result<Bytes> seal(protocol::EnvelopeBuilder& b);
  bool is_partner(const OrgKey& org) const { return peers_.count(org) != 0; }
  void send(const OrgKey& to, Bytes envelope);

  // negotiate.cc: propose ... accept, approvals, kill switches, revocations.
  void agent_negotiation(std::uint64_t request_id, const Bytes& envelope, protocol::PayloadKind kind);
  void agent_control(std::uint64_t request_id, const Bytes& envelope, protocol::PayloadKind kind);
  // Decides one peer negotiation message: true if it was held for later.
  bool peer_negotiation(const OrgKey& from, const Bytes& envelope);
  void peer_revocation(const OrgKey& from, const Bytes& envelope);
  void retry_held(const OrgKey& from);
  // Records an applied message in the deal (terms of offers, transcript).
  Deal& record_message(const protocol::NegMessage& m, const Bytes& stored, bool ours);
  // The rule amended terms in `envelope` break against the version in force (protocol/amendment.h).
  std::optional<protocol::Refusal> check_amendment(const protocol::NegMessage& m, ByteSpan envelope) const;
  // The accepted terms of every version of `d`'s contract, first to `d`'s.
  Result<std::vector<Bytes>> contract_versions(const Deal& d) const;
  void expire_due();

  // contract.cc: anchoring, receipts, settlement.
  void start_anchor(Deal& d);
  Result<Bytes> anchor_payload(const Deal& d) const;
  void anchored(Deal& d, std::uint64_t index, const Digest& entry_hash);
  void make_anchor_receipt(Deal& d);
  void send_pending_anchor_receipts();
  Result<void> settle(Deal& d);
  void make_settlement_receipt(Deal& d);
  void compare_settlement(Deal& d, bool emit_alarm);
  // These return true when the receipt must wait for its contract.
  bool peer_anchor_receipt(const OrgKey& from, const Bytes& envelope, const protocol::OpenedEnvelope& env);
  bool peer_settlement_receipt(const OrgKey& from, const Bytes& envelope, const protocol::OpenedEnvelope& env);
  // Tells the partner we refused its relayed negotiation message, and why.
  void refuse_back(const OrgKey& to, const protocol::NegMessage& m, Errc code, const std::string& rule,
                   const std::string& detail);
  // A partner refused a message we relayed: the sending agent hears why.
  void peer_refusal(const OrgKey& from, const protocol::OpenedEnvelope& env);
  Deal* deal_by_contract(const Digest& contract_id);

  // escrow_flow.cc.
  void agent_escrow(std::uint64_t request_id, const Bytes& envelope);
  void peer_escrow(const OrgKey& from, const Bytes& envelope);
  // Applies one escrow envelope; error when refused. `from_peer` relays nothing.
  Result<bool> apply_escrow(Deal& d, const Bytes& envelope, std::optional<std::uint64_t> request_id,
                            bool from_peer);
  void open_escrow_events(Deal& d);

  // witness.cc: node certificates, checkpoints, cosignatures, equivocation.
  void peer_node_certificate(const OrgKey& from, const protocol::OpenedEnvelope& env);
  void peer_checkpoint(const OrgKey& from, const protocol::OpenedEnvelope& env);
  // Checks a partner's signed note (signature, equivocation) and records it;
  // cosigns it when `proof` (a Checkpoint message's) shows it extends the one
  // we cosigned last. Without `proof` (anchor receipts, handshakes) it cosigns
  // only a first checkpoint of that key.
  // `verified`: the note's checkpoint when the caller has just checked its
  // signature (one Ed25519 verification per note, not one per caller).
  void witness_note(const OrgKey& from, const PublicKey& node_key, const std::string& note,
                    const std::optional<ProofIn>& proof, const ledger::Checkpoint* verified = nullptr);
  // The checkpoint body of `note` when it is one we signed recently (so its
  // signature needs no check), else nullopt.
  std::optional<std::string> our_recent_note_text(const std::string& note) const;
  // restore(): a partner's checkpoint held in our ledger (in its anchor
  // receipt, verified before it was appended) becomes what its later
  // checkpoints must be proven consistent with, as if we had cosigned it,
  // so a restart does not reset witnessing to trust on first use.
  void restore_witnessed(const OrgKey& from, const PublicKey& node_key, const std::string& note);
  // Ok when `cp` may be cosigned after `last`; else the typed refusal.
  std::optional<CosignRefusal> cosign_refusal(const CosignedCheckpoint& last, const ledger::Checkpoint& cp,
                                              const std::optional<ProofIn>& proof) const;
  void cosign(const OrgKey& from, const std::string& note, const std::string& text);
  Result<Bytes> checkpoint_envelope(const std::string& note, const std::vector<Bytes>& cosig,
                                    const ProofIn& proof = {});
  void send_checkpoint(const OrgKey& to);     // Ours, with a consistency proof for that peer.
  void broadcast_checkpoint();
  // Decides a node-signed peer message; true if it must wait (see PeerState::waiting).
  bool node_message(const OrgKey& from, const Bytes& envelope, protocol::PayloadKind kind);
  // Retries the peer's waiting messages; with `contract`, only the receipts
  // naming it (a deal just anchored), so each anchor does not re-verify
  // every receipt that came early for other deals.
  void retry_waiting(const OrgKey& from, const Digest* contract = nullptr);
  // Opens a peer envelope that a partner's node must have signed; kNotFound
  // when its signer is not (yet) a certified node of `from`.
  Result<protocol::OpenedEnvelope> open_from_node(const OrgKey& from, const Bytes& envelope,
                                                  protocol::PayloadKind kind);

  // retire.cc: finished deals leave memory for the ledger.
  // True when `d` needs nothing more from memory: anchored, settled and
  // agreed, no escrow, both sides' receipts durable here and ours sent (on a
  // restart, `restoring`: the partner re-sends its receipts if it lacks ours,
  // and resend_receipts() answers from the ledger).
  bool retirable(const Deal& d, bool restoring) const;
  void maybe_retire(Deal& d, bool restoring = false);
  // A fresh anchor receipt for `d` under our latest checkpoint (not stored:
  // the anchor entry is the evidence; receipts differ only by nonce).
  Result<Bytes> anchor_receipt(const Deal& d);

  // restore.cc: restart and catch-up.
  void resume();
  void catch_up(const OrgKey& peer);
  bool done_with_peer(const Deal& d) const;
  void resend_receipts(Deal& d);
  Result<void> restore_negotiation(ByteSpan payload);
  Result<void> restore_anchor(std::uint64_t index, ByteSpan payload);
  Result<void> restore_envelope(std::uint16_t kind, ByteSpan payload);

  // Configuration.
  std::string node_name_;
  OrgKey org_root_{};
  const crypto::SecretKey* node_key_ = nullptr;
  Bytes node_certificate_;
  NonceSource* nonces_ = nullptr;
  LedgerProofs* proofs_ = nullptr;

  // State.
  protocol::NegotiationEngine engine_;
  protocol::MandateBook mandates_;
  std::map<Digest, Deal> deals_;
  // Anchored deals whose anchor receipt waits for a checkpoint covering the
  // anchor: each CheckpointTaken looks at these, not at every deal ever made.
  std::set<Digest> receipts_waiting_;
  std::map<Digest, Digest> by_contract_;          // Contract id -> negotiation id.
  std::map<Digest, Digest> by_terms_;             // Accepted terms hash -> negotiation id (amendment chains).
  std::map<OrgKey, PeerState> peers_;
  // Per partner, the negotiations that were open when last looked at: a
  // superset of the open ones, pruned by open_negotiations() (hence mutable),
  // so the per-peer limit costs what that peer holds open, not every deal.
  mutable std::map<OrgKey, std::set<Digest>> maybe_open_;
  std::map<std::uint64_t, PendingAppend> pending_;
  std::map<Digest, std::deque<std::uint64_t>> chains_;  // Deal -> its pending append ids, oldest first.
  std::size_t failed_waiting_ = 0;                  // Entries of pending_ waiting for a retry.
  std::map<Digest, std::deque<Bytes>> early_escrow_;  // By contract id, before the deal exists here.
  std::string our_note_;                            // Our latest signed checkpoint.
  std::deque<std::string> our_recent_notes_;        // The last kOwnNotesRemembered of ours, newest last.
  // (node key, tree size) already proven as equivocation: each is reported and
  // its proof appended once, also across restarts (restored from those proofs).
  std::set<std::pair<PublicKey, std::uint64_t>> equivocations_;
  std::uint64_t our_size_ = 0;
  std::int64_t now_ms_ = 0;
  std::uint64_t next_append_id_ = 1;
  std::uint64_t sequence_ = 0;
  bool restored_ = false;                           // restore() ran and resume() has not.
  CoreStats stats_;
  std::vector<Effect>* out_ = nullptr;              // Effects of the event being handled.
};

// Helpers shared by the .cc files.
constexpr std::uint16_t entry_kind(ledger::EntryKind k) { return static_cast<std::uint16_t>(k); }
Digest pad_id(capnp::Data::Reader d);              // 16-byte id -> zero-padded digest.
// Proposed, countered or escalated: it may still be accepted, or expire.
inline bool still_open(protocol::NegState s) {
  return s == protocol::NegState::kProposed || s == protocol::NegState::kCountered ||
         s == protocol::NegState::kEscalated;
}
capnp::Data::Reader id16(const Digest& d);        // The first 16 bytes.
Result<protocol::PayloadKind> peek_kind(ByteSpan envelope);

}  // namespace pactum::node::detail
