// The negotiation engine: the public header of pactum's negotiation part.
//
// One NegotiationEngine runs inside one organization's node. It decides every
// negotiation message the node sees, its own agents' outgoing ones and the
// counterparties' incoming ones, against:
//   - the state machine (negotiation_machine.h): transition table, hash
//     links, turns, rounds, deadline, size;
//   - the sender's mandate (mandate.h), signed by its org root key;
//   - for our own side: the guardrail policy (policy.h), concession limits,
//     and the BudgetBook (budget.h), which counts committed contracts and
//     in-flight reservations across all counterparties;
//   - amendments (terms with amendmentOf): they name the version in force of
//     a contract between the same parties, one amendment is open per
//     contract at a time, and budget counts only the increase;
//   - escalation (above the approval threshold our message waits in
//     ESCALATED for an approval or denial by an approver key) and the kill
//     switch (while engaged, our side signs no new commitment: our propose,
//     counter, accept and approvals are refused, and so are the
//     counterparty's propose and counter; the counterparty's accept of an
//     offer we signed before still completes that contract, as does the
//     anchoring of an accepted one, so both nodes hold the same contracts).
//
// Every call returns a Decision: applied, escalated, duplicate (ignored), or
// refused; a refusal or escalation names the rule and the values that made it
// fire, and every Decision carries the policy hash. A refused input changes no
// state at all (checks run first, mutation after they all pass).
//
// Pure and deterministic: no clock (time is the signed timestamp in each
// message plus the `now_ms` argument), no I/O, no randomness, ordered
// containers only. Inputs are decoded messages whose signatures are already
// verified (negotiation_wire.h decodes and verifies envelopes).
//
// Thread-compatible: one engine per thread or external locking.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "protocol/budget.h"
#include "protocol/mandate.h"
#include "protocol/negotiation_machine.h"
#include "protocol/negotiation_types.h"
#include "protocol/policy.h"
#include "protocol/strategy.h"

namespace pactum::protocol {

// What a kill switch stops (KillSwitch.scope in pactum.capnp).
enum class KillScope : std::uint8_t { kOrganization = 0, kAgent = 1, kMandate = 2, kNegotiation = 3 };

// A decoded, verified kill-switch command.
struct KillCommand {
  bool engage = true;                 // false: lift.
  KillScope scope = KillScope::kOrganization;
  crypto::Digest target{};            // Org/agent key, mandate id or negotiation id (zero-padded).
  crypto::PublicKey signer{};         // Must be our org root key or a policy approver.
  crypto::Digest hash{};
  std::int64_t effective_ms = 0;      // Orders commands: an older one never overrides a newer.
};

// A decoded, verified revocation (signed by `org`).
struct RevocationCommand {
  crypto::PublicKey org{};
  bool is_key = false;                // Revokes every mandate naming `key`.
  crypto::Digest mandate_id{};
  crypto::PublicKey key{};
};

// A contract both parties signed (its negotiation reached ACCEPTED), keyed
// by the id of its first version: the version in force now, and the one
// amendment being negotiated against it, if any.
struct ContractHead {
  crypto::Digest negotiation_id{};        // Of the version in force.
  crypto::Digest terms_hash{};            // Of the version in force: what the next amendment names.
  std::int64_t total_minor = 0;           // Its offer total: an amendment reserves only the increase.
  Role our_role = Role::kBuyer;
  crypto::PublicKey counterparty_org{};
  std::optional<crypto::Digest> amending; // The open amendment negotiation.
  bool failed = false;                    // The version in force failed to anchor: no amendments.
};

class NegotiationEngine {
 public:
  // `our_org`: this node's organization root key. `policy` must come from
  // load_policy() (validated).
  NegotiationEngine(const crypto::PublicKey& our_org, Policy policy);

  // A propose/counter/accept/reject/withdraw from `sender_mandate`'s agent.
  Decision on_message(const NegMessage& m, const Mandate& sender_mandate, std::int64_t now_ms);
  // An approval or denial (m.kind kApprove / kDeny) of an escalated message,
  // signed by m.signer, which must be a policy approver (and listed by the
  // mandate when the mandate lists approvers).
  Decision on_approval(const NegMessage& m, std::int64_t now_ms);
  // Engages or lifts a kill switch; signer must be our org root or an approver.
  Decision on_kill_switch(const KillCommand& k);
  // Records a revocation; later offers under the mandate are refused.
  Decision on_revocation(const RevocationCommand& r);
  // Expires the negotiation if `now_ms` is at or past its deadline.
  Decision expire(const crypto::Digest& negotiation_id, std::int64_t now_ms);
  // The accepted contract is anchored in our ledger: ACCEPTED -> COMMITTED.
  Decision on_anchored(const crypto::Digest& negotiation_id);
  // Anchoring or delivery failed: -> FAILED, reservation released.
  Decision on_failed(const crypto::Digest& negotiation_id, const std::string& why);

  const Negotiation* find(const crypto::Digest& negotiation_id) const;
  // The contract whose first version has this id, or null.
  const ContractHead* contract(const crypto::Digest& contract_id) const;
  const BudgetBook& budget() const { return budget_; }
  const Policy& policy() const { return policy_; }
  const crypto::Digest& policy_hash() const { return policy_hash_; }
  std::size_t size() const { return negotiations_.size(); }
  // Negotiations held, by state (indexed by NegState), kept as states change:
  // what metrics need without walking every negotiation.
  using StateCounts = std::array<std::uint64_t, kNegStateCount>;
  const StateCounts& count_by_state() const { return by_state_; }
  // Is a kill switch engaged that covers this negotiation?
  bool killed(const Negotiation& n, const Mandate* ours) const;

 private:
  Decision decide(Outcome o, NegState s, const Refusal& r = {}) const;
  Decision refuse_with(const Refusal& r, NegState s) const;
  std::optional<Refusal> check_ours(const Negotiation& n, const NegMessage& m, const Mandate& md) const;
  std::optional<Refusal> check_sides(const Negotiation& n, const NegMessage& m, bool ours) const;
  std::optional<Refusal> reserve_check(const Negotiation& n, const NegMessage& m, const Mandate& md) const;
  // Amendments: the base contract exists between the same parties, the
  // message names its version in force, and no other amendment is open.
  std::optional<Refusal> check_contract(const Negotiation& n, const NegMessage& m, bool known, bool ours) const;
  // What an offer adds to our exposure: its total, or for an amendment the
  // increase over the version in force.
  std::int64_t exposure(const Negotiation& n, const NegMessage& m) const;
  // Keeps contracts_ in step with a negotiation that just changed state.
  void track_contract(const Negotiation& n);

  // A negotiation and the mandate of our side in it (set by our first
  // offer), in one node so one lookup finds both: the engine's maps hold
  // every open negotiation, and each search of a large one is a chain of
  // cache misses.
  struct Entry {
    Negotiation negotiation;
    // Boxed: set only while it is open (finish() frees it), and the map
    // holds every negotiation ever made.
    std::unique_ptr<Mandate> our_mandate;
    NegState counted = NegState::kInit;  // The state by_state_ counts it in.
  };
  // Moves the entry's count in by_state_ to its negotiation's state.
  void recount(Entry& e);
  Decision finish(Entry& e, NegState to);
  const Mandate* our_mandate(const crypto::Digest& negotiation_id) const;

  crypto::PublicKey our_org_{};
  Policy policy_;
  crypto::Digest policy_hash_{};
  std::map<crypto::Digest, Entry, DigestLess> negotiations_;
  StateCounts by_state_{};
  BudgetBook budget_;
  RevocationSet revoked_;
  std::map<crypto::Digest, ContractHead, DigestLess> contracts_;  // By first version's contract id.
  // Every contract id a negotiation holds, from its propose: while it is
  // open (released if it ends unaccepted) and for good once accepted. Two
  // open negotiations with one contract id could otherwise both be accepted.
  struct ContractClaim {
    crypto::Digest negotiation_id{};
    bool accepted = false;
  };
  std::map<crypto::Digest, ContractClaim, DigestLess> contract_claims_;

  // Engaged kill switches by (scope, target), and the newest effective time
  // seen per (scope, target) so a replayed old command cannot undo a newer one.
  std::set<std::pair<KillScope, crypto::Digest>> kills_;
  std::map<std::pair<KillScope, crypto::Digest>, std::pair<std::int64_t, crypto::Digest>> kill_seen_;
};

}  // namespace pactum::protocol
