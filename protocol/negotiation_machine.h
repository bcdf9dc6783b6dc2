// The negotiation state machine for one negotiation, seen from one party's
// node: the transition table, hash links, turns, rounds, deadline and size
// limits. It knows nothing of mandates, policies or budgets (the engine,
// negotiation.h, adds those) and nothing of clocks: time is the message's
// signed timestamp plus the `now_ms` the caller passes.
//
// check_message() is pure: it decides whether a message may be applied and
// to which state, or why not (a typed Refusal). apply_message() then commits
// it. Splitting the two is what makes "a refused message changes nothing"
// hold by construction.
//
// Value types and pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocol/negotiation_types.h"

namespace pactum::protocol {

// One row of the transition table.
struct Transition {
  NegState from = NegState::kInit;
  NegEvent event = NegEvent::kPropose;
  NegState to = NegState::kInit;
};

// The whole table (docs/negotiation.md prints it). ESCALATED + kApprove
// resumes the escalated message: its target is that message's own row from
// the state before the escalation (resume_state()).
std::span<const Transition> transition_table();
// The table's target for (from, event), or nullopt when illegal.
std::optional<NegState> transition(NegState from, NegEvent event);
bool is_terminal(NegState s);

// One message of the transcript (the hash chain between the two parties).
struct TranscriptEntry {
  crypto::Digest hash{};
  crypto::Digest prev_hash{};
  NegEvent kind = NegEvent::kPropose;
  Role sender = Role::kBuyer;
  crypto::PublicKey signer{};
  crypto::Digest terms_hash{};
  std::int64_t timestamp_ms = 0;
};

// An approver's decision; kept beside the transcript (the counterparty never
// sees it) as evidence of why an escalated message went out.
struct ApprovalEntry {
  crypto::Digest hash{};
  crypto::Digest approved_hash{};  // The escalated message.
  crypto::PublicKey approver{};
  bool approved = false;
  std::int64_t timestamp_ms = 0;
};

struct Negotiation {
  crypto::Digest id{};
  NegState state = NegState::kInit;
  Role our_role = Role::kBuyer;
  crypto::PublicKey our_org{};
  crypto::PublicKey counterparty_org{};
  std::int64_t deadline_ms = 0;
  std::uint32_t rounds = 0;                 // Offers so far (propose + counters).
  std::vector<TranscriptEntry> transcript;  // Hash chain, oldest first.
  std::vector<ApprovalEntry> approvals;

  // The offer on the table: the latest propose/counter.
  Role offer_by = Role::kBuyer;
  crypto::Digest offer_terms_hash{};
  Offer offer;
  // Our own offers' unit prices, for concession limits.
  std::optional<std::int64_t> our_first_price;
  std::optional<std::int64_t> our_last_price;
  crypto::Digest our_mandate_id{};          // Mandate our reservation is booked under.
  crypto::Digest contract_id{};             // Of the terms on the table (fixed by the propose).
  std::optional<AmendmentRef> amends;       // Set by the propose: this negotiates an amendment.

  // While ESCALATED: our message awaiting an approver, and the state it left.
  std::optional<NegMessage> pending;
  NegState pre_escalation = NegState::kInit;
  crypto::Digest pending_mandate_id{};

  crypto::Digest head() const { return transcript.empty() ? crypto::Digest{} : transcript.back().hash; }
  // True if `h` is a message this negotiation already processed.
  bool knows(const crypto::Digest& h) const;
};

// What check_message() decided.
struct MachineVerdict {
  bool duplicate = false;              // Already processed: ignore, change nothing.
  std::optional<Refusal> refusal;      // Refused: change nothing.
  NegState next = NegState::kInit;     // Otherwise, the state to apply.
};

// Checks a propose/counter/accept/reject/withdraw (not approvals) against the
// negotiation: size, duplicate, closed, hash link (stale, conflicting,
// unlinked), timestamps (monotone, not in the future, before the deadline),
// the transition table, turns, rounds (max_rounds) and, for an accept, that
// it names the terms hash on the table.
MachineVerdict check_message(const Negotiation& n, const NegMessage& m, std::int64_t now_ms,
                             std::uint32_t max_rounds);
// Checks an approval or denial (m.kind kApprove/kDeny) of the pending message.
MachineVerdict check_approval(const Negotiation& n, const NegMessage& m, std::int64_t now_ms);

// REQUIRES: the verdict for (n, m) had no refusal and was not a duplicate.
void apply_message(Negotiation& n, const NegMessage& m, NegState next, bool ours);
// Our message `m` waits for an approver. REQUIRES: check_message passed.
void apply_escalation(Negotiation& n, const NegMessage& m, const crypto::Digest& mandate_id);
// Applies an approval (sends the pending message) or a denial.
void apply_approval(Negotiation& n, const NegMessage& approval);

}  // namespace pactum::protocol
