// Settlement and escrow checks: the tax table's hash against the terms, the
// settlement core re-run on the accepted terms, the escrow replayed from its
// signed events, and every settlement receipt's digests against the
// recomputed ones.
#include <capnp/message.h>

#include <algorithm>

#include "ledger/evidence_internal.h"
#include "protocol/amendment.h"
#include "protocol/canonical.h"
#include "protocol/escrow_codec.h"
#include "protocol/settlement_codec.h"

namespace pactum::ledger::evidence_detail {
namespace {

using protocol::PayloadKind;

std::string event_text(const escrow::EscrowEvent& e) {
  switch (e.kind) {
    case escrow::EventKind::kFund: return "fund " + std::to_string(e.amount);
    case escrow::EventKind::kAcceptDelivery: return "accept delivery of milestone " + std::to_string(e.milestone);
    case escrow::EventKind::kApprove: return "approve milestone " + std::to_string(e.milestone);
    case escrow::EventKind::kRevealPreimage: return "reveal preimage for milestone " + std::to_string(e.milestone);
    case escrow::EventKind::kClaimAfterDeadline: return "claim milestone " + std::to_string(e.milestone);
    case escrow::EventKind::kOpenDispute: return "open dispute: " + e.reason;
    case escrow::EventKind::kRuling:
      return e.split == escrow::SplitKind::kExact
                 ? "ruling: seller " + std::to_string(e.seller_amount) + ", buyer " + std::to_string(e.buyer_amount)
                 : "ruling: seller " + std::to_string(e.seller_bps) + " bps";
    case escrow::EventKind::kRefund: return "refund";
  }
  return "unknown";
}

std::string signer_name(const Ctx& ctx, const escrow::EscrowTerms& t, const crypto::PublicKey& k) {
  if (k == t.buyer) return "buyer " + short_key(k);
  if (k == t.seller) return "seller " + short_key(k);
  if (k == t.arbiter) return "arbiter " + short_key(k);
  (void)ctx;
  return "approver " + short_key(k);
}

Result<std::string> check_tax_and_settle(Ctx& ctx, settlement::TaxTable& table) {
  PACTUM_TRY(table, protocol::decode_tax_table(ctx.bundle.getTaxTable()));
  if (ctx.bundle.getTerms().getTaxTableHash().size() == 0) {
    // Terms naming no table settle with the empty one (docs/node.md).
    if (table.version != 0 || !table.rates.empty() || !table.exemptions.empty())
      return Fail(Errc::kBadTaxTable, "the terms name no tax table, the bundle carries one");
    return std::string("the terms name no tax table; the empty table applies");
  }
  PACTUM_TRY(crypto::Digest h, protocol::tax_table_hash(table));
  PACTUM_TRY(crypto::Digest want, protocol::read_hash(ctx.bundle.getTerms().getTaxTableHash(), "taxTableHash"));
  if (h != want) return Fail(Errc::kBadTaxTable, "tax table hash " + to_hex(h) + ", the terms name " + to_hex(want));
  return "tax table version " + std::to_string(table.version) + " has the terms' hash";
}

// The contract as every version amended it: each earlier version's terms
// hash must be what the next one names, and all must be one contract.
Result<settlement::Contract> amended_from_bundle(Ctx& ctx, const settlement::TaxTable& table) {
  std::vector<wire::ContractTerms::Reader> versions;
  for (auto v : ctx.bundle.getAmendedVersions()) versions.push_back(v);
  versions.push_back(ctx.bundle.getTerms());
  if (versions.size() == 1 && versions[0].hasAmendmentOf())
    return Fail(Errc::kNotFound, "the terms amend a contract, the bundle carries none of its earlier versions");
  for (std::size_t i = 1; i < versions.size(); ++i) {
    if (!versions[i].hasAmendmentOf())
      return Fail(Errc::kBadContract, "version " + std::to_string(i) + " amends nothing");
    auto a = versions[i].getAmendmentOf();
    PACTUM_TRY(crypto::Digest prev, protocol::terms_hash(versions[i - 1]));
    PACTUM_TRY(crypto::Digest named, protocol::read_hash(a.getBaseTermsHash(), "baseTermsHash"));
    if (prev != named)
      return Fail(Errc::kBadContract, "version " + std::to_string(i) + " names terms " + to_hex(named) +
                                          ", version " + std::to_string(i - 1) + " hashes to " + to_hex(prev));
    auto first_id = versions[0].getContractId();
    if (a.getBaseContractId() != first_id)
      return Fail(Errc::kBadContract, "version " + std::to_string(i) + " amends another contract");
  }
  PACTUM_TRY(settlement::Contract c, protocol::amended_contract(versions));
  c.tax_table = table;
  return c;
}

Result<std::string> check_settle(Ctx& ctx, const settlement::TaxTable& table) {
  PACTUM_TRY(settlement::Contract c, amended_from_bundle(ctx, table));
  PACTUM_TRY(settlement::SettlementResult r, settlement::settle(c));
  PACTUM_TRY(crypto::Digest d, protocol::settlement_digest(r));
  ctx.settlement_digest = d;
  const std::size_t invoices = r.invoices.size();
  const std::int64_t total = r.total_minor;
  ctx.report.settlement = std::move(r);
  return std::to_string(invoices) + " invoice(s), total " + std::to_string(total) + " minor units, digest " +
         to_hex(d);
}

Result<std::string> check_escrow(Ctx& ctx) {
  auto terms = ctx.bundle.getTerms();
  auto events = ctx.bundle.getEscrowEvents();
  if (!terms.hasEscrow()) {
    if (events.size() != 0 || ctx.bundle.getEscrowStateDigest().size() != 0)
      return Fail(Errc::kEscrowBadEvent, "escrow events or digest for a contract without escrow");
    return std::string("the contract has no escrow");
  }
  ctx.has_escrow = true;
  if (!ctx.report.settlement) return Fail(Errc::kNotFound, "escrow needs the recomputed settlement");
  PACTUM_TRY(escrow::EscrowTerms et, escrow_terms_for(terms, *ctx.report.settlement));
  PACTUM_TRY(escrow::Escrow e, escrow::Escrow::open(ctx.contract_id, et, &crypto::sha256));
  PACTUM_TRY(crypto::Digest d0, protocol::escrow_state_digest(e));
  ctx.escrow_digests.push_back(d0);
  std::size_t i = 0;
  for (auto bytes : events) {
    const std::string at = "event " + std::to_string(++i) + ": ";
    auto ev = protocol::open_escrow_event(protocol::as_span(bytes), ctx.contract_id, ctx.terms_hash);
    if (!ev) return Fail(ev.error().code, at + ev.error().detail);
    auto applied = e.apply(*ev);
    if (!applied) return Fail(applied.error().code, at + applied.error().detail);
    if (*applied == escrow::ApplyOutcome::kDuplicate) return Fail(Errc::kEscrowConflictingEvent, at + "a duplicate");
    PACTUM_TRY(crypto::Digest d, protocol::escrow_state_digest(e));
    ctx.escrow_digests.push_back(d);
    ctx.report.escrow_history.push_back({ev->timestamp_ms, "escrow", signer_name(ctx, et, ev->signer), event_text(*ev)});
  }
  ctx.report.escrow_status = std::string(escrow::status_name(e.status()));
  PACTUM_TRY(crypto::Digest want, protocol::read_hash(ctx.bundle.getEscrowStateDigest(), "escrowStateDigest"));
  if (want != ctx.escrow_digests.back())
    return Fail(Errc::kDivergence, "replayed escrow digest " + to_hex(ctx.escrow_digests.back()) +
                                       " differs from the bundle's");
  return std::to_string(i) + " signed event(s) replayed, state " + ctx.report.escrow_status + ", digest matches";
}

Result<std::string> check_receipts(Ctx& ctx) {
  if (!ctx.settlement_digest) return Fail(Errc::kNotFound, "no recomputed settlement to compare with");
  bool from_buyer = false, from_seller = false;
  for (auto bytes : ctx.bundle.getSettlementReceipts()) {
    PACTUM_TRY(auto env, protocol::open_envelope(protocol::as_span(bytes),
                                                 {.kind = PayloadKind::SETTLEMENT_RECEIPT, .required_signers = {}}));
    auto r = env.body().getPayload().getSettlementReceipt();
    PACTUM_TRY(crypto::PublicKey node, protocol::read_key(r.getNodeKey(), "nodeKey"));
    bool buyer = ctx.buyer.node_ok && node == ctx.buyer.node;
    bool seller = ctx.seller.node_ok && node == ctx.seller.node;
    if ((!buyer && !seller) || env.info.sender != node)
      return Fail(Errc::kBadSignature, "settlement receipt not signed by a party's certified node");
    PACTUM_TRY(crypto::Digest th, protocol::read_hash(r.getTermsHash(), "termsHash"));
    if (th != ctx.terms_hash ||
        !std::equal(ctx.contract_id.begin(), ctx.contract_id.end(), r.getContractId().begin(), r.getContractId().end()))
      return Fail(Errc::kBadContract, "settlement receipt for another contract or terms");
    PACTUM_TRY(crypto::Digest sd, protocol::read_hash(r.getSettlementDigest(), "settlementDigest"));
    if (sd != *ctx.settlement_digest)
      return Fail(Errc::kDivergence, "node " + short_key(node) + " signed settlement digest " + to_hex(sd) +
                                         ", recomputed " + to_hex(*ctx.settlement_digest));
    // The receipt states the escrow as it stood when signed: some prefix of the events.
    if (ctx.has_escrow) {
      PACTUM_TRY(crypto::Digest ed, protocol::read_hash(r.getEscrowDigest(), "escrowDigest"));
      if (std::find(ctx.escrow_digests.begin(), ctx.escrow_digests.end(), ed) == ctx.escrow_digests.end())
        return Fail(Errc::kDivergence, "node " + short_key(node) + " signed an escrow digest no replay reaches");
    } else if (r.getEscrowDigest().size() != 0 &&
               (r.getEscrowDigest().size() != 32 ||
                std::any_of(r.getEscrowDigest().begin(), r.getEscrowDigest().end(), [](auto b) { return b != 0; }))) {
      return Fail(Errc::kDivergence, "escrow digest on a contract without escrow");
    }
    (buyer ? from_buyer : from_seller) = true;
  }
  if (!from_buyer || !from_seller) return Fail(Errc::kNotFound, "a settlement receipt from each party's node is required");
  return "both nodes signed the recomputed settlement digest";
}

}  // namespace


void check_settlement(Ctx& ctx) {
  settlement::TaxTable table;
  auto tax = check_tax_and_settle(ctx, table);
  ctx.result("settlement.tax_table", tax);
  if (tax) ctx.result("settlement.recompute", check_settle(ctx, table));
  else ctx.fail("settlement.recompute", "needs the tax table");
  ctx.result("escrow.replay", check_escrow(ctx));
  ctx.result("settlement.receipts", check_receipts(ctx));
}

}  // namespace pactum::ledger::evidence_detail

namespace pactum::ledger {

Result<escrow::EscrowTerms> escrow_terms_for(wire::ContractTerms::Reader t, const settlement::SettlementResult& r) {
  if (t.getEscrow().getMilestones().size() != 0) return protocol::escrow_terms_from_contract(t);
  PACTUM_TRY(auto milestones, escrow::milestones_from_settlement(r.escrow, escrow::ConditionKind::kAcceptance));
  capnp::MallocMessageBuilder mb;
  Result<escrow::EscrowTerms> out = Fail(Errc::kInternal, "unset");
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
    mb.setRoot(t.getEscrow());
    auto w = mb.getRoot<wire::EscrowTerms>();
    auto list = w.initMilestones(static_cast<unsigned>(milestones.size()));
    for (unsigned i = 0; i < list.size(); ++i) {
      list[i].setInvoiceId(milestones[i].invoice_id);
      list[i].setAmountMinor(milestones[i].amount);
      list[i].getCondition().setAcceptance();
    }
    out = protocol::escrow_terms_from_wire(w.asReader(), t.getCurrency().cStr(), t.getArbiterKey());
  })) {
    return Fail(protocol::error_from_exception(*e, "escrow terms"));
  }
  return out;
}

}  // namespace pactum::ledger
