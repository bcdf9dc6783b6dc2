// Escrow <-> wire mapping, signed escrow events and the escrow state digest.
//
// Enums map by value: each wire enum is the core enum plus one, because wire
// enums reserve 0 for `unspecified` (static_asserts below pin this).
#include "protocol/escrow_codec.h"

#include <capnp/message.h>

#include <string>

#include "protocol/canonical.h"

namespace pactum::protocol {
namespace {

namespace es = ::pactum::escrow;

template <class Wire, class Core>
Wire to_wire_enum(Core c) {
  return static_cast<Wire>(static_cast<std::uint16_t>(c) + 1);
}

static_assert(static_cast<int>(wire::EscrowStatus::RESOLVED) == static_cast<int>(es::Status::kResolved) + 1);
static_assert(static_cast<int>(wire::EscrowStatus::AWAITING_FUNDING) == 1);
static_assert(static_cast<int>(wire::EscrowAccountId::BUYER_REFUND) ==
              static_cast<int>(es::AccountId::kBuyerRefund) + 1);
static_assert(static_cast<int>(wire::EscrowTransferKind::VOID_PENDING) ==
              static_cast<int>(es::TransferKind::kVoid) + 1);
static_assert(static_cast<int>(wire::EscrowPendingStatus::VOIDED) ==
              static_cast<int>(es::PendingStatus::kVoided) + 1);
static_assert(static_cast<int>(wire::EscrowMilestoneStatus::SPLIT) ==
              static_cast<int>(es::MilestoneStatus::kSplit) + 1);

std::string text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

Result<es::Milestone> milestone_from_wire(wire::EscrowMilestone::Reader m, std::size_t i) {
  es::Milestone out;
  out.invoice_id = text(m.getInvoiceId());
  out.amount = m.getAmountMinor();
  auto c = m.getCondition();
  switch (c.which()) {
    case wire::EscrowMilestone::Condition::ACCEPTANCE:
      out.condition = es::ConditionKind::kAcceptance;
      return out;
    case wire::EscrowMilestone::Condition::DEADLINE_MS:
      out.condition = es::ConditionKind::kDeadline;
      out.deadline_ms = c.getDeadlineMs();
      return out;
    case wire::EscrowMilestone::Condition::APPROVALS:
      out.condition = es::ConditionKind::kApprovals;
      return out;
    case wire::EscrowMilestone::Condition::HASHLOCK: {
      out.condition = es::ConditionKind::kHashlock;
      PACTUM_TRY(out.hashlock, read_hash(c.getHashlock(), "escrow hashlock"));
      return out;
    }
    case wire::EscrowMilestone::Condition::UNSPECIFIED:
      break;
  }
  return Fail(Errc::kMalformedMessage,
              "escrow milestone " + std::to_string(i) + " has no known release condition");
}

Result<void> event_body_from_wire(wire::EscrowEvent::Reader w, es::EscrowEvent& e) {
  switch (w.which()) {
    case wire::EscrowEvent::FUND:
      e.kind = es::EventKind::kFund;
      e.amount = w.getFund();
      return Ok();
    case wire::EscrowEvent::ACCEPT_DELIVERY:
      e.kind = es::EventKind::kAcceptDelivery;
      e.milestone = w.getAcceptDelivery();
      return Ok();
    case wire::EscrowEvent::APPROVE:
      e.kind = es::EventKind::kApprove;
      e.milestone = w.getApprove();
      return Ok();
    case wire::EscrowEvent::REVEAL_PREIMAGE: {
      e.kind = es::EventKind::kRevealPreimage;
      auto r = w.getRevealPreimage();
      e.milestone = r.getMilestone();
      e.preimage.assign(r.getPreimage().begin(), r.getPreimage().end());
      return Ok();
    }
    case wire::EscrowEvent::CLAIM_AFTER_DEADLINE:
      e.kind = es::EventKind::kClaimAfterDeadline;
      e.milestone = w.getClaimAfterDeadline();
      return Ok();
    case wire::EscrowEvent::OPEN_DISPUTE:
      e.kind = es::EventKind::kOpenDispute;
      e.reason = text(w.getOpenDispute());
      return Ok();
    case wire::EscrowEvent::RULING: {
      e.kind = es::EventKind::kRuling;
      auto split = w.getRuling().getSplit();
      switch (split.which()) {
        case wire::EscrowRuling::Split::EXACT:
          e.split = es::SplitKind::kExact;
          e.seller_amount = split.getExact().getSellerMinor();
          e.buyer_amount = split.getExact().getBuyerMinor();
          return Ok();
        case wire::EscrowRuling::Split::SELLER_BASIS_POINTS:
          e.split = es::SplitKind::kBasisPoints;
          e.seller_bps = split.getSellerBasisPoints();
          return Ok();
        case wire::EscrowRuling::Split::UNSPECIFIED:
          break;
      }
      return Fail(Errc::kMalformedMessage, "escrow ruling without a split");
    }
    case wire::EscrowEvent::REFUND:
      e.kind = es::EventKind::kRefund;
      return Ok();
    case wire::EscrowEvent::UNSPECIFIED:
      break;
  }
  return Fail(Errc::kMalformedMessage, "escrow event of no known kind");
}

}  // namespace

Result<es::EscrowTerms> escrow_terms_from_wire(wire::EscrowTerms::Reader escrow,
                                               std::string_view currency,
                                               capnp::Data::Reader arbiter_key) {
  es::EscrowTerms t;
  t.currency = std::string(currency);
  PACTUM_TRY(t.buyer, read_key(escrow.getBuyerKey(), "escrow buyer key"));
  PACTUM_TRY(t.seller, read_key(escrow.getSellerKey(), "escrow seller key"));
  PACTUM_TRY(t.arbiter, read_key(arbiter_key, "arbiter key"));
  // Bounded before copying: the list length comes from outside.
  if (escrow.getApprovers().size() > es::kApproversMax ||
      escrow.getMilestones().size() > es::kMilestonesMax)
    return Fail(Errc::kEscrowBadTerms, "more approvers or milestones than the escrow limits");
  for (auto k : escrow.getApprovers()) {
    PACTUM_TRY(auto key, read_key(k, "escrow approver key"));
    t.approvers.push_back(key);
  }
  t.approvals_required = escrow.getApprovalsRequired();
  std::size_t i = 0;
  for (auto m : escrow.getMilestones()) {
    PACTUM_TRY(auto ms, milestone_from_wire(m, i++));
    t.milestones.push_back(std::move(ms));
  }
  PACTUM_CHECK(es::validate_terms(t));
  return t;
}

Result<es::EscrowTerms> escrow_terms_from_contract(wire::ContractTerms::Reader terms) {
  if (!terms.hasEscrow()) return Fail(Errc::kNotFound, "contract terms have no escrow");
  return escrow_terms_from_wire(terms.getEscrow(), text(terms.getCurrency()), terms.getArbiterKey());
}

void escrow_terms_to_wire(const es::EscrowTerms& t, wire::EscrowTerms::Builder out) {
  out.setBuyerKey(as_data(t.buyer));
  out.setSellerKey(as_data(t.seller));
  auto approvers = out.initApprovers(static_cast<unsigned>(t.approvers.size()));
  for (unsigned i = 0; i < t.approvers.size(); ++i) approvers.set(i, as_data(t.approvers[i]));
  out.setApprovalsRequired(t.approvals_required);
  auto ms = out.initMilestones(static_cast<unsigned>(t.milestones.size()));
  for (unsigned i = 0; i < t.milestones.size(); ++i) {
    const es::Milestone& m = t.milestones[i];
    auto w = ms[i];
    w.setInvoiceId(m.invoice_id);
    w.setAmountMinor(m.amount);
    auto c = w.initCondition();
    switch (m.condition) {
      case es::ConditionKind::kAcceptance: c.setAcceptance(); break;
      case es::ConditionKind::kDeadline: c.setDeadlineMs(m.deadline_ms); break;
      case es::ConditionKind::kApprovals: c.setApprovals(); break;
      case es::ConditionKind::kHashlock: c.setHashlock(as_data(m.hashlock)); break;
    }
  }
}

void escrow_event_to_wire(const es::EscrowEvent& e, wire::EscrowEvent::Builder out) {
  switch (e.kind) {
    case es::EventKind::kFund: out.setFund(e.amount); return;
    case es::EventKind::kAcceptDelivery: out.setAcceptDelivery(e.milestone); return;
    case es::EventKind::kApprove: out.setApprove(e.milestone); return;
    case es::EventKind::kRevealPreimage: {
      auto r = out.initRevealPreimage();
      r.setMilestone(e.milestone);
      r.setPreimage(capnp::Data::Reader(e.preimage.data(), e.preimage.size()));
      return;
    }
    case es::EventKind::kClaimAfterDeadline: out.setClaimAfterDeadline(e.milestone); return;
    case es::EventKind::kOpenDispute: out.setOpenDispute(e.reason); return;
    case es::EventKind::kRuling: {
      auto split = out.initRuling().initSplit();
      switch (e.split) {
        case es::SplitKind::kExact: {
          auto x = split.initExact();
          x.setSellerMinor(e.seller_amount);
          x.setBuyerMinor(e.buyer_amount);
          return;
        }
        case es::SplitKind::kBasisPoints: split.setSellerBasisPoints(e.seller_bps); return;
      }
      return;
    }
    case es::EventKind::kRefund: out.setRefund(); return;
  }
}

Result<Bytes> seal_escrow_event(const crypto::SecretKey& key, std::uint64_t sequence,
                                const es::EscrowEvent& e, const crypto::Digest& terms_hash) {
  if (e.signer != key.public_key())
    return Fail(Errc::kInvalidArgument, "escrow event signer is not the signing key");
  EnvelopeBuilder b;
  KJ_IF_MAYBE(ex, kj::runCatchingExceptions([&]() {
                auto msg = b.payload().initEscrowEvent();
                msg.setContractId(as_data(e.contract_id));
                msg.setTermsHash(as_data(terms_hash));
                escrow_event_to_wire(e, msg.initEvent());
              })) {
    return Fail(error_from_exception(*ex, "escrow event"));
  }
  return b.seal_with_nonce(key, sequence, e.timestamp_ms, e.id);
}

Result<es::EscrowEvent> escrow_event_from_envelope(const OpenedEnvelope& envelope,
                                                   const es::ContractId& contract_id,
                                                   const crypto::Digest& terms_hash) {
  if (envelope.info.kind != PayloadKind::ESCROW_EVENT)
    return Fail(Errc::kWrongKind, "expected an escrow event envelope");
  auto body = envelope.body();
  auto msg = body.getPayload().getEscrowEvent();
  es::EscrowEvent e;
  if (msg.getContractId().size() != e.contract_id.size())
    return Fail(Errc::kMalformedMessage, "escrow event contract id is not 16 bytes");
  std::copy(msg.getContractId().begin(), msg.getContractId().end(), e.contract_id.begin());
  if (e.contract_id != contract_id)
    return Fail(Errc::kEscrowWrongContract, "escrow event for another contract");
  PACTUM_TRY(auto hash, read_hash(msg.getTermsHash(), "escrow event terms hash"));
  if (hash != terms_hash)
    return Fail(Errc::kEscrowWrongContract, "escrow event for other terms of this contract");
  if (body.getNonce().size() != e.id.size())
    return Fail(Errc::kMalformedMessage, "escrow event nonce is not 16 bytes");
  std::copy(body.getNonce().begin(), body.getNonce().end(), e.id.begin());
  e.signer = envelope.info.sender;
  e.timestamp_ms = envelope.info.timestamp_ms;
  PACTUM_CHECK(event_body_from_wire(msg.getEvent(), e));
  return e;
}

Result<es::EscrowEvent> open_escrow_event(ByteSpan wire_bytes, const es::ContractId& contract_id,
                                          const crypto::Digest& terms_hash) {
  PACTUM_TRY(OpenedEnvelope env, open_envelope(wire_bytes, {.kind = PayloadKind::ESCROW_EVENT}));
  return escrow_event_from_envelope(env, contract_id, terms_hash);
}

namespace {

// Fills `s` from `e` as docs/escrow.md ("Escrow state digest") says.
void fill_state(const es::Escrow& e, wire::EscrowState::Builder s) {
  s.setContractId(as_data(e.contract_id()));
  s.setCurrency(e.terms().currency);
  s.setStatus(to_wire_enum<wire::EscrowStatus>(e.status()));
  const es::Ledger& l = e.ledger();
  auto accounts = s.initAccounts(static_cast<unsigned>(es::kAccountCount));
  for (unsigned i = 0; i < es::kAccountCount; ++i) {
    const es::Account& a = l.accounts()[i];
    accounts[i].setDebitsPending(a.debits_pending);
    accounts[i].setDebitsPosted(a.debits_posted);
    accounts[i].setCreditsPending(a.credits_pending);
    accounts[i].setCreditsPosted(a.credits_posted);
  }
  auto transfers = s.initTransfers(static_cast<unsigned>(l.transfers().size()));
  for (unsigned i = 0; i < l.transfers().size(); ++i) {
    const es::Transfer& t = l.transfers()[i];
    auto w = transfers[i];
    w.setId(t.id);
    w.setKind(to_wire_enum<wire::EscrowTransferKind>(t.kind));
    w.setDebit(to_wire_enum<wire::EscrowAccountId>(t.debit));
    w.setCredit(to_wire_enum<wire::EscrowAccountId>(t.credit));
    w.setAmountMinor(t.amount);
    w.setPendingId(t.pending_id);
    w.setStatus(to_wire_enum<wire::EscrowPendingStatus>(t.status));
  }
  auto milestones = s.initMilestones(static_cast<unsigned>(e.milestones().size()));
  for (unsigned i = 0; i < e.milestones().size(); ++i) {
    const es::MilestoneState& m = e.milestones()[i];
    milestones[i].setStatus(to_wire_enum<wire::EscrowMilestoneStatus>(m.status));
    milestones[i].setApprovals(m.approvals);
    milestones[i].setPendingTransfer(m.pending_transfer);
    milestones[i].setReleasedMinor(m.released);
    milestones[i].setRefundedMinor(m.refunded);
  }
  s.setHeldMinor(l.totals().held);
  s.setPostedMinor(l.totals().posted);
  s.setVoidedMinor(l.totals().voided);
  s.setPendingMinor(l.totals().pending);
  const std::vector<es::EventId> ids = e.applied_event_ids();  // Ascending: a std::map's order.
  auto applied = s.initAppliedEvents(static_cast<unsigned>(ids.size()));
  for (unsigned i = 0; i < ids.size(); ++i) applied.set(i, as_data(ids[i]));
  s.setLastTimestampMs(e.last_timestamp_ms());
}

}  // namespace

Result<Bytes> escrow_state_bytes(const es::Escrow& e) {
  capnp::MallocMessageBuilder message;
  // Builders throw only on impossible sizes; still, no exception leaves here.
  KJ_IF_MAYBE(ex, kj::runCatchingExceptions(
                      [&]() { fill_state(e, message.initRoot<wire::EscrowState>()); })) {
    return Fail(error_from_exception(*ex, "escrow state"));
  }
  return canonical_bytes(message.getRoot<wire::EscrowState>().asReader());
}

Result<crypto::Digest> escrow_state_digest(const es::Escrow& e) {
  PACTUM_TRY(Bytes bytes, escrow_state_bytes(e));
  return domain_hash(kEscrowStateDomain, bytes);
}

}  // namespace pactum::protocol
