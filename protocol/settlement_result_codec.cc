// Settlement results -> Cap'n Proto, canonical bytes and the settlement digest.
// See settlement_codec.h; byte-level description in docs/settlement.md.
#include <capnp/message.h>

#include "protocol/canonical.h"
#include "protocol/settlement_codec.h"

namespace pactum::protocol {

namespace st = ::pactum::settlement;
namespace sw = ::pactum::wire::settlement;

// Defined in settlement_codec.cc.
void write_decimal(const st::Decimal& d, sw::Decimal::Builder out);

namespace {

template <class W, class C>
W to_wire(C v) { return static_cast<W>(static_cast<std::uint16_t>(v) + 1); }

std::int32_t day_of(const st::Date& d) { return static_cast<std::int32_t>(st::day_number(d)); }

void write_line(const st::InvoiceLine& l, sw::InvoiceLine::Builder out) {
  out.setKind(to_wire<sw::LineKind>(l.kind));
  out.setChargeId(l.charge_id);
  out.setDescription(l.description);
  out.setServiceStartDay(day_of(l.service.start));
  out.setServiceEndDay(day_of(l.service.end));
  write_decimal(l.quantity, out.initQuantity());
  write_decimal(l.unit_price, out.initUnitPrice());
  out.setAmountMinor(l.amount_minor);
  out.setTaxCode(l.tax_code);
  out.setTaxRatePpm(static_cast<std::uint32_t>(l.tax_rate_ppm));
  out.setTaxMinor(l.tax_minor);
}

void write_invoice(const st::Invoice& inv, sw::Invoice::Builder out) {
  out.setKind(to_wire<sw::InvoiceKind>(inv.kind));
  out.setPeriodStartDay(day_of(inv.period.start));
  out.setPeriodEndDay(day_of(inv.period.end));
  out.setIssuedDay(day_of(inv.issued));
  auto lines = out.initLines(static_cast<unsigned>(inv.lines.size()));
  for (unsigned i = 0; i < inv.lines.size(); ++i) write_line(inv.lines[i], lines[i]);
  out.setSubtotalMinor(inv.subtotal_minor);
  out.setTaxMinor(inv.tax_minor);
  out.setTotalMinor(inv.total_minor);
}

}  // namespace

Result<void> encode_result(const st::SettlementResult& r, sw::SettlementResult::Builder out) {
  out.setContractId(r.contract_id);
  out.setCurrency(std::string(r.currency.code_view()));
  out.setCurrencyExponent(r.currency.exponent);
  auto invoices = out.initInvoices(static_cast<unsigned>(r.invoices.size()));
  for (unsigned i = 0; i < r.invoices.size(); ++i) write_invoice(r.invoices[i], invoices[i]);
  auto grants = out.initEntitlements(static_cast<unsigned>(r.entitlements.size()));
  for (unsigned i = 0; i < r.entitlements.size(); ++i) {
    const st::EntitlementGrant& g = r.entitlements[i];
    grants[i].setChargeId(g.charge_id);
    write_decimal(g.quantity, grants[i].initQuantity());
    grants[i].setFromDay(day_of(g.from));
    grants[i].setToDay(day_of(g.to));
  }
  auto escrow = out.initEscrow(static_cast<unsigned>(r.escrow.size()));
  for (unsigned i = 0; i < r.escrow.size(); ++i) {
    const st::EscrowInstruction& e = r.escrow[i];
    escrow[i].setReference(e.reference);
    escrow[i].setAmountMinor(e.amount_minor);
    escrow[i].setHoldFromDay(day_of(e.hold_from));
    escrow[i].setReleaseOnDay(day_of(e.release_on));
  }
  out.setTotalMinor(r.total_minor);
  return Ok();
}

Result<Bytes> settlement_bytes(const st::SettlementResult& result) {
  Result<Bytes> r = Bytes{};
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                capnp::MallocMessageBuilder message;
                auto root = message.initRoot<sw::SettlementResult>();
                Result<void> w = encode_result(result, root);
                r = w ? canonical_bytes(root.asReader()) : Result<Bytes>(Fail(w.error()));
              })) {
    return Fail(error_from_exception(*e, "settlement result"));
  }
  return r;
}

Result<crypto::Digest> settlement_digest(const st::SettlementResult& result) {
  PACTUM_TRY(Bytes bytes, settlement_bytes(result));
  return domain_hash(settlement_domains::kSettlement, bytes);
}

}  // namespace pactum::protocol
