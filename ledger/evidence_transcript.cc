// Transcript checks: every negotiation envelope's signatures, the mandate of
// each sender (scope, validity, revocations effective by then), and the
// negotiation state machine re-run over the whole transcript (hash links,
// turns, rounds, deadline, transitions), ending in ACCEPTED on the bundle's
// terms hash; then the approvals of escalated messages.
#include <algorithm>

#include "ledger/evidence_internal.h"
#include "protocol/canonical.h"
#include "protocol/negotiation_limits.h"

namespace pactum::ledger::evidence_detail {
namespace {

using protocol::NegEvent;
using protocol::NegMessage;
using protocol::Role;

std::string offer_text(const protocol::Offer& o) {
  return o.product + " " + std::to_string(o.quantity) + " x " + std::to_string(o.unit_price_minor) + " = " +
         std::to_string(o.total_minor) + " " + o.currency + " (minor units)";
}

// Revocations in force at `at_ms` (signed effective time at or before it).
protocol::RevocationSet revocations_at(const Ctx& ctx, std::int64_t at_ms) {
  protocol::RevocationSet set;
  for (auto bytes : ctx.bundle.getRevocations()) {
    auto env = protocol::open_envelope(protocol::as_span(bytes));
    if (!env) continue;  // check_identity reported it.
    auto cmd = protocol::revocation_from_envelope(*env);
    if (!cmd || env->body().getPayload().getRevocation().getEffectiveMs() > at_ms) continue;
    if (cmd->is_key) set.revoke_key(cmd->org, cmd->key);
    else set.revoke_mandate(cmd->org, cmd->mandate_id);
  }
  return set;
}

std::uint32_t max_rounds(const Ctx& ctx) {
  std::uint32_t limit = protocol::kNegotiationRoundsMax;
  for (const crypto::Digest& id : ctx.listed_mandates) {
    const protocol::Mandate* m = ctx.mandates.find(id);
    if (m != nullptr && m->max_rounds != 0) limit = std::min(limit, m->max_rounds);
  }
  return limit;
}

struct Walk {
  protocol::Negotiation n;
  std::string failed_check;   // Empty while everything passes.
  std::string failure;
  std::size_t messages = 0;
};

void fail_walk(Walk& w, std::string check, std::string why) {
  if (!w.failed_check.empty()) return;
  w.failed_check = std::move(check);
  w.failure = std::move(why);
}

// One transcript message: open, resolve its mandate, check it, run the machine.
bool step(Ctx& ctx, Walk& w, ByteSpan bytes, const protocol::NegotiationEngine& dummy, std::uint32_t rounds) {
  auto in = protocol::open_negotiation_message(bytes, dummy, ctx.mandates);
  const std::string at = "message " + std::to_string(w.messages + 1) + ": ";
  if (!in) return fail_walk(w, "transcript.signatures", at + in.error().to_string()), false;
  if (in->mandate == nullptr) return fail_walk(w, "transcript.machine", at + "an approval inside the transcript"), false;
  NegMessage& m = in->msg;
  const protocol::Mandate& md = *in->mandate;
  if (ctx.listed_mandates.count(md.id) == 0)
    return fail_walk(w, "transcript.mandates", at + "its mandate is not in the bundle's mandate list"), false;
  const bool buyer = md.role == Role::kBuyer;
  m.counterparty_org = buyer ? ctx.seller.org : ctx.buyer.org;
  if (m.kind == NegEvent::kAccept) m.offer = w.n.offer;
  if (m.kind == NegEvent::kPropose || m.kind == NegEvent::kCounter) {
    auto env = protocol::decode<wire::Envelope>(bytes);
    auto p = env->root().getBody().getPayload();
    auto terms = m.kind == NegEvent::kPropose ? p.getPropose().getTerms() : p.getCounter().getTerms();
    if (protocol::as_span(terms.getBuyer().getOrgRootKey()).size() != 32 ||
        !std::equal(ctx.buyer.org.begin(), ctx.buyer.org.end(), terms.getBuyer().getOrgRootKey().begin()) ||
        !std::equal(ctx.seller.org.begin(), ctx.seller.org.end(), terms.getSeller().getOrgRootKey().begin()))
      return fail_walk(w, "transcript.machine", at + "offer between other parties than the contract's"), false;
  }
  auto revoked = revocations_at(ctx, m.timestamp_ms);
  if (auto r = protocol::check_mandate(md, buyer ? ctx.buyer.org : ctx.seller.org, m, revoked))
    return fail_walk(w, "transcript.mandates", at + r->rule + ": " + r->values), false;
  protocol::MachineVerdict v = protocol::check_message(w.n, m, m.timestamp_ms, rounds);
  if (v.duplicate) return fail_walk(w, "transcript.machine", at + "a duplicate message"), false;
  if (v.refusal) return fail_walk(w, "transcript.machine", at + v.refusal->rule + ": " + v.refusal->values), false;
  protocol::apply_message(w.n, m, v.next, buyer);
  ctx.transcript[m.hash] = m;
  ctx.transcript_order.push_back(m.hash);
  TimelineItem item;
  item.timestamp_ms = m.timestamp_ms;
  item.kind = std::string(protocol::event_name(m.kind));
  item.actor = std::string(buyer ? "buyer" : "seller") + " agent " + short_key(m.signer);
  item.summary = m.kind == NegEvent::kPropose || m.kind == NegEvent::kCounter || m.kind == NegEvent::kAccept
                     ? offer_text(m.offer)
                     : "";
  ctx.report.timeline.push_back(std::move(item));
  ++w.messages;
  return true;
}

void check_approvals(Ctx& ctx, const protocol::NegotiationEngine& dummy) {
  std::size_t i = 0;
  for (auto bytes : ctx.bundle.getApprovals()) {
    const std::string at = "approval " + std::to_string(++i) + ": ";
    auto in = protocol::open_negotiation_message(protocol::as_span(bytes), dummy, ctx.mandates);
    if (!in) return ctx.fail("transcript.approvals", at + in.error().to_string());
    const NegMessage& a = in->msg;
    auto it = ctx.transcript.find(a.prev_hash);
    if (a.kind != NegEvent::kApprove || it == ctx.transcript.end())
      return ctx.fail("transcript.approvals", at + "not an approval of a transcript message");
    const NegMessage& m = it->second;
    if (a.terms_hash != m.terms_hash) return ctx.fail("transcript.approvals", at + "approves other terms");
    if (a.signer == m.signer) return ctx.fail("transcript.approvals", at + "the agent approved its own message");
    // The sender's mandate names its approvers, when it names any.
    for (const crypto::Digest& id : ctx.listed_mandates) {
      const protocol::Mandate* md = ctx.mandates.find(id);
      if (md == nullptr || md->agent_key != m.signer || md->approvers.empty()) continue;
      if (!std::binary_search(md->approvers.begin(), md->approvers.end(), a.signer))
        return ctx.fail("transcript.approvals", at + "approver " + short_key(a.signer) + " not in the mandate");
    }
    ctx.report.timeline.push_back({a.timestamp_ms, "approve", "approver " + short_key(a.signer),
                                   "approves " + to_hex(m.hash).substr(0, 16)});
  }
  ctx.pass("transcript.approvals", std::to_string(i) + " approval(s) of transcript messages");
}

}  // namespace

void check_transcript(Ctx& ctx) {
  protocol::NegotiationEngine dummy(ctx.buyer.org, protocol::Policy{});
  Walk w;
  w.n.our_role = Role::kBuyer;
  w.n.our_org = ctx.buyer.org;
  w.n.counterparty_org = ctx.seller.org;
  const std::uint32_t rounds = max_rounds(ctx);
  if (ctx.bundle.getTranscript().size() == 0) fail_walk(w, "transcript.signatures", "empty transcript");
  for (auto bytes : ctx.bundle.getTranscript()) {
    if (!step(ctx, w, protocol::as_span(bytes), dummy, rounds)) break;
  }
  if (w.failed_check.empty() && w.n.state != protocol::NegState::kAccepted)
    fail_walk(w, "transcript.machine", "ends in state " + std::string(protocol::state_name(w.n.state)) +
                                           ", not ACCEPTED");
  if (w.failed_check.empty() && w.n.offer_terms_hash != ctx.terms_hash)
    fail_walk(w, "transcript.machine", "the accepted terms hash is not the bundle's");
  const std::string n = std::to_string(w.messages) + " message(s)";
  for (const char* name : {"transcript.signatures", "transcript.mandates", "transcript.machine"}) {
    if (w.failed_check == name) {
      ctx.fail(name, w.failure);
      break;
    }
    ctx.pass(name, std::string(name) == "transcript.machine"
                       ? n + ", hash-linked, every transition legal, ends ACCEPTED on the bundle's terms"
                       : n + " verified");
  }
  check_approvals(ctx, dummy);
}

}  // namespace pactum::ledger::evidence_detail
