// The transition table and the per-message protocol checks.
#include "protocol/negotiation_machine.h"

#include <algorithm>

#include "protocol/negotiation_limits.h"

namespace pactum::protocol {
namespace {

using S = NegState;
using E = NegEvent;

// The one transition table. Everything not listed is illegal.
constexpr Transition kTable[] = {
    {S::kInit, E::kPropose, S::kProposed},
    {S::kProposed, E::kCounter, S::kCountered},
    {S::kProposed, E::kAccept, S::kAccepted},
    {S::kProposed, E::kReject, S::kRejected},
    {S::kProposed, E::kWithdraw, S::kWithdrawn},
    {S::kProposed, E::kEscalate, S::kEscalated},
    {S::kProposed, E::kExpire, S::kExpired},
    {S::kProposed, E::kFail, S::kFailed},
    {S::kCountered, E::kCounter, S::kCountered},
    {S::kCountered, E::kAccept, S::kAccepted},
    {S::kCountered, E::kReject, S::kRejected},
    {S::kCountered, E::kWithdraw, S::kWithdrawn},
    {S::kCountered, E::kEscalate, S::kEscalated},
    {S::kCountered, E::kExpire, S::kExpired},
    {S::kCountered, E::kFail, S::kFailed},
    {S::kInit, E::kEscalate, S::kEscalated},
    {S::kEscalated, E::kApprove, S::kEscalated},  // Resumes: see resume_state().
    {S::kEscalated, E::kDeny, S::kRejected},
    {S::kEscalated, E::kWithdraw, S::kWithdrawn},
    {S::kEscalated, E::kExpire, S::kExpired},
    {S::kEscalated, E::kFail, S::kFailed},
    {S::kAccepted, E::kCommit, S::kCommitted},
    {S::kAccepted, E::kFail, S::kFailed},
};

Refusal refuse(Errc code, std::string rule, std::string values) {
  return Refusal{code, std::move(rule), std::move(values)};
}

MachineVerdict refused(Refusal r) {
  MachineVerdict v;
  v.refusal = std::move(r);
  return v;
}

// Hash link: the message must extend the head. Otherwise tell apart a
// message that forks the chain from an old point (stale when the other
// party replied to an outdated message, conflicting when the same party
// signed two different successors of one message) from one that links to
// nothing we know.
std::optional<Refusal> check_link(const Negotiation& n, const crypto::Digest& prev, Role sender) {
  if (prev == n.head()) return std::nullopt;
  // The successor of `prev` in the transcript, if `prev` is in it.
  for (std::size_t i = 0; i < n.transcript.size(); ++i) {
    bool parent = (i == 0) ? prev == crypto::Digest{} : n.transcript[i - 1].hash == prev;
    if (!parent) continue;
    const TranscriptEntry& successor = n.transcript[i];
    if (successor.sender == sender) {
      return refuse(Errc::kConflictingMessage, "link.conflict",
                    "sender already signed " + to_hex(successor.hash) + " after " + to_hex(prev));
    }
    return refuse(Errc::kStaleMessage, "link.stale",
                  "previous " + to_hex(prev) + " is not the head " + to_hex(n.head()));
  }
  return refuse(Errc::kUnlinkedMessage, "link.unknown",
                "previous " + to_hex(prev) + " is not in this negotiation");
}

// Signed time must not run backwards, may not lie in the future, and must be
// before the deadline (checked against both the message and the caller's now).
std::optional<Refusal> check_time(const Negotiation& n, std::int64_t ts, std::int64_t now_ms) {
  if (ts > now_ms && ts - now_ms > kClockSkewMaxMs) {
    return refuse(Errc::kFutureMessage, "time.future",
                  "timestamp " + std::to_string(ts) + " > now " + std::to_string(now_ms) +
                      " + skew " + std::to_string(kClockSkewMaxMs));
  }
  if (!n.transcript.empty() && ts < n.transcript.back().timestamp_ms) {
    return refuse(Errc::kStaleMessage, "time.backwards",
                  "timestamp " + std::to_string(ts) + " < previous " +
                      std::to_string(n.transcript.back().timestamp_ms));
  }
  if (n.state != NegState::kInit && (ts >= n.deadline_ms || now_ms >= n.deadline_ms)) {
    return refuse(Errc::kDeadlinePassed, "time.deadline",
                  "timestamp " + std::to_string(ts) + ", now " + std::to_string(now_ms) +
                      ", deadline " + std::to_string(n.deadline_ms));
  }
  return std::nullopt;
}

// The party whose turn it is to answer the offer on the table.
std::optional<Refusal> check_turn(const Negotiation& n, const NegMessage& m) {
  switch (m.kind) {
    case E::kCounter:
    case E::kAccept:
    case E::kReject:
      if (m.sender_role == n.offer_by) {
        return refuse(Errc::kOutOfTurn, "turn",
                      std::string(event_name(m.kind)) + " by " + std::string(role_name(m.sender_role)) +
                          ", whose own offer is on the table");
      }
      return std::nullopt;
    case E::kPropose:
    case E::kWithdraw:  // Either party may walk away at any time.
    case E::kApprove:
    case E::kDeny:
    case E::kEscalate:
    case E::kExpire:
    case E::kFail:
    case E::kCommit:
      return std::nullopt;
  }
  PACTUM_UNREACHABLE();
}

// Propose-only and offer-only content rules.
std::optional<Refusal> check_content(const Negotiation& n, const NegMessage& m,
                                     std::uint32_t max_rounds) {
  bool offer = m.kind == E::kPropose || m.kind == E::kCounter;
  if (offer && n.rounds >= max_rounds) {
    return refuse(Errc::kTooManyRounds, "rounds.max",
                  "round " + std::to_string(n.rounds + 1) + " > max " + std::to_string(max_rounds));
  }
  if (m.kind == E::kPropose && m.deadline_ms <= m.timestamp_ms) {
    return refuse(Errc::kDeadlinePassed, "time.deadline",
                  "deadline " + std::to_string(m.deadline_ms) + " <= timestamp " +
                      std::to_string(m.timestamp_ms));
  }
  if (offer || m.kind == E::kAccept) {
    if (m.offer.quantity <= 0 || m.offer.unit_price_minor < 0 || m.offer.total_minor < 0) {
      return refuse(Errc::kInvalidArgument, "terms.amounts",
                    "quantity " + std::to_string(m.offer.quantity) + ", unit price " +
                        std::to_string(m.offer.unit_price_minor));
    }
  }
  if (m.kind == E::kAccept && m.terms_hash != n.offer_terms_hash) {
    return refuse(Errc::kConflictingMessage, "accept.terms_hash",
                  "accept names " + to_hex(m.terms_hash) + ", table holds " + to_hex(n.offer_terms_hash));
  }
  return std::nullopt;
}

}  // namespace

std::span<const Transition> transition_table() { return kTable; }

std::optional<NegState> transition(NegState from, NegEvent event) {
  for (const Transition& t : kTable) {
    if (t.from == from && t.event == event) return t.to;
  }
  return std::nullopt;
}

bool is_terminal(NegState s) {
  switch (s) {
    case S::kRejected:
    case S::kWithdrawn:
    case S::kExpired:
    case S::kFailed:
    case S::kCommitted:
      return true;
    case S::kInit:
    case S::kProposed:
    case S::kCountered:
    case S::kEscalated:
    case S::kAccepted:
      return false;
  }
  PACTUM_UNREACHABLE();
}

bool Negotiation::knows(const crypto::Digest& h) const {
  for (const TranscriptEntry& e : transcript) {
    if (e.hash == h) return true;
  }
  for (const ApprovalEntry& a : approvals) {
    if (a.hash == h) return true;
  }
  return pending.has_value() && pending->hash == h;
}

MachineVerdict check_message(const Negotiation& n, const NegMessage& m, std::int64_t now_ms,
                             std::uint32_t max_rounds) {
  MachineVerdict v;
  if (m.size_bytes > kNegotiationMessageBytesMax) {
    return refused(refuse(Errc::kMessageTooLarge, "size.max",
                          std::to_string(m.size_bytes) + " bytes > " +
                              std::to_string(kNegotiationMessageBytesMax)));
  }
  if (n.knows(m.hash)) {
    v.duplicate = true;
    v.next = n.state;
    return v;
  }
  if (is_terminal(n.state) || n.state == S::kAccepted) {
    return refused(refuse(Errc::kNegotiationClosed, "state.closed",
                          std::string(event_name(m.kind)) + " in state " + std::string(state_name(n.state))));
  }
  if (n.transcript.size() >= kTranscriptEntriesMax) {
    return refused(refuse(Errc::kTooManyRounds, "transcript.max", std::to_string(n.transcript.size())));
  }
  if (auto r = check_link(n, m.prev_hash, m.sender_role)) return refused(*r);
  if (auto r = check_time(n, m.timestamp_ms, now_ms)) return refused(*r);
  auto next = transition(n.state, m.kind);
  if (!next) {
    return refused(refuse(Errc::kIllegalTransition, "transition",
                          std::string(event_name(m.kind)) + " in state " + std::string(state_name(n.state))));
  }
  if (auto r = check_turn(n, m)) return refused(*r);
  if (auto r = check_content(n, m, max_rounds)) return refused(*r);
  v.next = *next;
  return v;
}

MachineVerdict check_approval(const Negotiation& n, const NegMessage& m, std::int64_t now_ms) {
  MachineVerdict v;
  if (n.knows(m.hash)) {
    v.duplicate = true;
    v.next = n.state;
    return v;
  }
  if (n.state != S::kEscalated || !n.pending) {
    return refused(refuse(Errc::kIllegalTransition, "transition",
                          std::string(event_name(m.kind)) + " in state " + std::string(state_name(n.state))));
  }
  if (m.prev_hash != n.pending->hash) {
    return refused(refuse(Errc::kUnlinkedMessage, "link.approval",
                          "approval links " + to_hex(m.prev_hash) + ", pending is " + to_hex(n.pending->hash)));
  }
  if (m.terms_hash != n.pending->terms_hash) {
    return refused(refuse(Errc::kConflictingMessage, "approval.terms_hash",
                          "approval names " + to_hex(m.terms_hash) + ", pending terms " +
                              to_hex(n.pending->terms_hash)));
  }
  if (auto r = check_time(n, m.timestamp_ms, now_ms)) return refused(*r);
  if (m.kind == E::kDeny) {
    v.next = S::kRejected;
    return v;
  }
  auto next = transition(n.pre_escalation, n.pending->kind);
  PACTUM_ASSERT(next.has_value());  // The pending message passed check_message.
  v.next = *next;
  return v;
}

void apply_message(Negotiation& n, const NegMessage& m, NegState next, bool ours) {
  PACTUM_ASSERT(!is_terminal(n.state));
  if (m.kind == E::kPropose) {
    n.id = m.negotiation_id;
    n.deadline_ms = m.deadline_ms;
  }
  n.transcript.push_back(TranscriptEntry{m.hash, m.prev_hash, m.kind, m.sender_role, m.signer,
                                         m.terms_hash, m.timestamp_ms});
  if (m.kind == E::kPropose || m.kind == E::kCounter) {
    ++n.rounds;
    n.offer_by = m.sender_role;
    n.offer_terms_hash = m.terms_hash;
    n.offer = m.offer;
  }
  if (ours && (m.kind == E::kPropose || m.kind == E::kCounter || m.kind == E::kAccept)) {
    if (!n.our_first_price) n.our_first_price = m.offer.unit_price_minor;
    n.our_last_price = m.offer.unit_price_minor;
  }
  n.state = next;
}

void apply_escalation(Negotiation& n, const NegMessage& m, const crypto::Digest& mandate_id) {
  PACTUM_ASSERT(!n.pending.has_value());
  n.pre_escalation = n.state;
  n.pending = m;
  n.pending_mandate_id = mandate_id;
  if (m.kind == E::kPropose) {
    n.id = m.negotiation_id;
    n.deadline_ms = m.deadline_ms;
  }
  n.state = S::kEscalated;
}

void apply_approval(Negotiation& n, const NegMessage& approval) {
  PACTUM_ASSERT(n.pending.has_value());
  bool approved = approval.kind == E::kApprove;
  n.approvals.push_back(ApprovalEntry{approval.hash, n.pending->hash, approval.signer, approved,
                                      approval.timestamp_ms});
  NegMessage msg = std::move(*n.pending);
  n.pending.reset();
  if (!approved) {
    n.state = S::kRejected;
    return;
  }
  auto next = transition(n.pre_escalation, msg.kind);
  PACTUM_ASSERT(next.has_value());
  n.state = n.pre_escalation;
  apply_message(n, msg, *next, /*ours=*/true);
}

}  // namespace pactum::protocol
