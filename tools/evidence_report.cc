// Text and HTML renderings of an evidence verification report. The HTML is
// one self-contained page: inline CSS, no scripts, no external resources, so
// it can be mailed to a dispute resolver and opened offline. Every piece of
// text from the bundle is escaped: a bundle is untrusted input.
#include "tools/evidence_report.h"

#include <ctime>

#include "settlement/money.h"

namespace pactum::tools {
namespace {

// "2027-01-15 08:01:00 UTC" for Unix milliseconds.
std::string utc(std::int64_t ms) {
  std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  if (gmtime_r(&s, &tm) == nullptr) return std::to_string(ms) + " ms";
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string money(const ledger::Report& r, std::int64_t minor) {
  return settlement::format_minor(minor, r.currency_exponent) + " " + r.currency;
}

const char* kStyle =
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}"
    "td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}.ok{color:#176b1a;font-weight:bold}.fail{color:#b00020;font-weight:bold}"
    ".num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:90%}";

void row(std::string& out, std::initializer_list<std::string> cells, bool header = false) {
  out += "<tr>";
  for (const std::string& c : cells) out += (header ? "<th>" : "<td>") + c + (header ? "</th>" : "</td>");
  out += "</tr>\n";
}

void checks_section(std::string& out, const ledger::Report& r) {
  out += "<h2>Checks</h2>\n<table>\n";
  row(out, {"Result", "Check", "Detail"}, true);
  for (const ledger::Check& c : r.checks) {
    row(out, {c.ok ? "<span class=\"ok\">passed</span>" : "<span class=\"fail\">FAILED</span>",
              "<code>" + html_escape(c.name) + "</code>", html_escape(c.detail)});
  }
  out += "</table>\n";
}

void timeline_section(std::string& out, const std::string& title, const std::vector<ledger::TimelineItem>& items) {
  out += "<h2>" + html_escape(title) + "</h2>\n";
  if (items.empty()) {
    out += "<p>None.</p>\n";
    return;
  }
  out += "<table>\n";
  row(out, {"#", "Time", "Step", "By", "What"}, true);
  std::size_t i = 0;
  for (const ledger::TimelineItem& t : items) {
    row(out, {std::to_string(++i), html_escape(utc(t.timestamp_ms)), html_escape(t.kind), html_escape(t.actor),
              html_escape(t.summary)});
  }
  out += "</table>\n";
}

void invoices_section(std::string& out, const ledger::Report& r) {
  out += "<h2>Invoices (recomputed)</h2>\n";
  if (!r.settlement) {
    out += "<p>Settlement could not be recomputed; see the checks.</p>\n";
    return;
  }
  std::size_t n = 0;
  for (const settlement::Invoice& inv : r.settlement->invoices) {
    out += "<h3>Invoice " + std::to_string(++n) + ": " + html_escape(settlement::format_date(inv.period.start)) +
           " to " + html_escape(settlement::format_date(inv.period.end)) + "</h3>\n<table>\n";
    row(out, {"Line", "Service", "Quantity", "Unit price", "Amount", "Tax"}, true);
    for (const settlement::InvoiceLine& l : inv.lines) {
      row(out, {html_escape(l.description.empty() ? l.charge_id : l.description),
                html_escape(settlement::format_date(l.service.start) + " to " + settlement::format_date(l.service.end)),
                html_escape(settlement::format_decimal(l.quantity)), html_escape(settlement::format_decimal(l.unit_price)),
                "<span class=\"num\">" + html_escape(money(r, l.amount_minor)) + "</span>",
                "<span class=\"num\">" + html_escape(money(r, l.tax_minor)) + "</span>"});
    }
    row(out, {"<b>Total</b>", "", "", "", html_escape("subtotal " + money(r, inv.subtotal_minor)),
              html_escape("tax " + money(r, inv.tax_minor) + ", total " + money(r, inv.total_minor))});
    out += "</table>\n";
  }
  out += "<p>Contract total: <b>" + html_escape(money(r, r.settlement->total_minor)) + "</b></p>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string evidence_report_text(const ledger::Report& r) {
  std::string out;
  std::size_t failed = 0;
  for (const ledger::Check& c : r.checks) {
    out += (c.ok ? "ok   " : "FAIL ") + c.name + ": " + c.detail + "\n";
    if (!c.ok) ++failed;
  }
  out += "bundle " + to_hex(r.bundle_hash) + ": " + std::to_string(r.checks.size()) + " checks, " +
         (r.ok() ? std::string("all passed") : std::to_string(failed) + " failed") + "\n";
  return out;
}

std::string evidence_report_html(const ledger::Report& r) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>pactum evidence: contract " +
                    html_escape(r.contract_id_hex) + "</title>\n<style>" + kStyle + "</style></head><body>\n";
  out += "<h1>Evidence for contract <code>" + html_escape(r.contract_id_hex) + "</code></h1>\n";
  out += std::string("<p>Verification: ") +
         (r.ok() ? "<span class=\"ok\">every check passed</span>" : "<span class=\"fail\">FAILED</span>") +
         ". Bundle <code>" + html_escape(to_hex(r.bundle_hash)) + "</code>.</p>\n";
  out += "<p>Buyer: " + html_escape(r.buyer_name) + ". Seller: " + html_escape(r.seller_name) + ".</p>\n";
  checks_section(out, r);
  out += "<h2>Terms</h2>\n<table>\n";
  for (const auto& [label, value] : r.terms) row(out, {html_escape(label), html_escape(value)});
  out += "</table>\n";
  timeline_section(out, "Negotiation timeline", r.timeline);
  invoices_section(out, r);
  timeline_section(out, "Escrow history (final state: " + r.escrow_status + ")", r.escrow_history);
  out += "</body></html>\n";
  return out;
}

}  // namespace pactum::tools
