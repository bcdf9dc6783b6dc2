// The printed forms of a settlement: a text report for people and JSON for
// machines (amounts as strings of minor units, as Bitcoin Core does, so no
// JSON reader turns them into floats).
#include <cstdio>

#include "protocol/settlement_toml.h"

namespace pactum::protocol {
namespace {

namespace st = ::pactum::settlement;

std::string_view line_kind(st::LineKind k) {
  switch (k) {
    case st::LineKind::kRecurring: return "recurring";
    case st::LineKind::kUsage: return "usage";
    case st::LineKind::kProrationCredit: return "proration_credit";
    case st::LineKind::kProrationCharge: return "proration_charge";
    case st::LineKind::kTrueUp: return "true_up";
    case st::LineKind::kDiscount: return "discount";
    case st::LineKind::kRefund: return "refund";
  }
  PACTUM_UNREACHABLE();
}

std::string_view invoice_kind(st::InvoiceKind k) {
  switch (k) {
    case st::InvoiceKind::kPeriod: return "period";
    case st::InvoiceKind::kAmendment: return "amendment";
  }
  PACTUM_UNREACHABLE();
}

std::string range(const st::Date& a, const st::Date& b) { return st::format_date(a) + ".." + st::format_date(b); }

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string q(std::int64_t v) { return "\"" + std::to_string(v) + "\""; }

std::string json_line(const st::InvoiceLine& l) {
  return "{\"kind\":\"" + std::string(line_kind(l.kind)) + "\",\"charge\":" + json_string(l.charge_id) +
         ",\"description\":" + json_string(l.description) + ",\"service_start\":\"" + st::format_date(l.service.start) +
         "\",\"service_end\":\"" + st::format_date(l.service.end) + "\",\"quantity\":\"" + st::format_decimal(l.quantity) +
         "\",\"unit_price\":\"" + st::format_decimal(l.unit_price) + "\",\"amount_minor\":" + q(l.amount_minor) +
         ",\"tax_code\":" + json_string(l.tax_code) + ",\"tax_rate_ppm\":" + std::to_string(l.tax_rate_ppm) +
         ",\"tax_minor\":" + q(l.tax_minor) + "}";
}

}  // namespace

std::string format_report_text(const SettleReport& rep) {
  const st::SettlementResult& r = rep.result;
  const int e = r.currency.exponent;
  const std::string cur(r.currency.code_view());
  std::string out = "contract " + r.contract_id + " (" + cur + ")\n";
  for (std::size_t i = 0; i < r.invoices.size(); ++i) {
    const st::Invoice& inv = r.invoices[i];
    out += "\ninvoice " + std::to_string(i + 1) + " [" + std::string(invoice_kind(inv.kind)) + "] period " +
           range(inv.period.start, inv.period.end) + " issued " + st::format_date(inv.issued) + "\n";
    for (const st::InvoiceLine& l : inv.lines) {
      out += "  " + l.description + "  " + range(l.service.start, l.service.end) + "  " + st::format_decimal(l.quantity) +
             " x " + st::format_decimal(l.unit_price) + "  amount " + st::format_minor(l.amount_minor, e) + "  tax " +
             st::format_minor(l.tax_minor, e) + "\n";
    }
    out += "  subtotal " + st::format_minor(inv.subtotal_minor, e) + "  tax " + st::format_minor(inv.tax_minor, e) +
           "  total " + st::format_minor(inv.total_minor, e) + " " + cur + "\n";
  }
  out += "\nentitlements\n";
  for (const st::EntitlementGrant& g : r.entitlements) {
    out += "  " + g.charge_id + " x " + st::format_decimal(g.quantity) + "  " + range(g.from, g.to) + "\n";
  }
  out += "escrow instructions\n";
  if (r.escrow.empty()) out += "  (none)\n";
  for (const st::EscrowInstruction& x : r.escrow) {
    out += "  " + x.reference + ": hold " + st::format_minor(x.amount_minor, e) + " " + cur + " from " +
           st::format_date(x.hold_from) + ", release on " + st::format_date(x.release_on) + "\n";
  }
  out += "\ntotal " + st::format_minor(r.total_minor, e) + " " + cur + "\n";
  out += "tax table hash " + to_hex(rep.tax_table_hash) + "\n";
  out += "settlement digest " + to_hex(rep.digest) + "\n";
  return out;
}

std::string format_report_json(const SettleReport& rep) {
  const st::SettlementResult& r = rep.result;
  std::string out = "{\"contract_id\":" + json_string(r.contract_id) + ",\"currency\":\"" +
                    std::string(r.currency.code_view()) + "\",\"currency_exponent\":" +
                    std::to_string(r.currency.exponent) + ",\"invoices\":[";
  for (std::size_t i = 0; i < r.invoices.size(); ++i) {
    const st::Invoice& inv = r.invoices[i];
    out += (i ? "," : "") + std::string("{\"kind\":\"") + std::string(invoice_kind(inv.kind)) + "\",\"period_start\":\"" +
           st::format_date(inv.period.start) + "\",\"period_end\":\"" + st::format_date(inv.period.end) +
           "\",\"issued\":\"" + st::format_date(inv.issued) + "\",\"lines\":[";
    for (std::size_t j = 0; j < inv.lines.size(); ++j) out += (j ? "," : "") + json_line(inv.lines[j]);
    out += "],\"subtotal_minor\":" + q(inv.subtotal_minor) + ",\"tax_minor\":" + q(inv.tax_minor) +
           ",\"total_minor\":" + q(inv.total_minor) + "}";
  }
  out += "],\"entitlements\":[";
  for (std::size_t i = 0; i < r.entitlements.size(); ++i) {
    const st::EntitlementGrant& g = r.entitlements[i];
    out += (i ? "," : "") + std::string("{\"charge\":") + json_string(g.charge_id) + ",\"quantity\":\"" +
           st::format_decimal(g.quantity) + "\",\"from\":\"" + st::format_date(g.from) + "\",\"to\":\"" +
           st::format_date(g.to) + "\"}";
  }
  out += "],\"escrow\":[";
  for (std::size_t i = 0; i < r.escrow.size(); ++i) {
    const st::EscrowInstruction& x = r.escrow[i];
    out += (i ? "," : "") + std::string("{\"reference\":") + json_string(x.reference) + ",\"amount_minor\":" +
           q(x.amount_minor) + ",\"hold_from\":\"" + st::format_date(x.hold_from) + "\",\"release_on\":\"" +
           st::format_date(x.release_on) + "\"}";
  }
  out += "],\"total_minor\":" + q(r.total_minor) + ",\"tax_table_hash\":\"" + to_hex(rep.tax_table_hash) +
         "\",\"digest\":\"" + to_hex(rep.digest) + "\"}";
  return out;
}

}  // namespace pactum::protocol
