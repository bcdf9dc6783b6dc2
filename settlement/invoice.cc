// Invoice assembly: recurring lines split at ramp steps, discounts, tax per
// line or per invoice, totals, and escrow instructions.
#include <algorithm>
#include <map>
#include <numeric>

#include "settlement/internal.h"

namespace pactum::settlement::internal {
namespace {

std::string line_text(LineKind kind, const std::string& description) {
  switch (kind) {
    case LineKind::kProrationCredit: return "Unused time on " + description;
    case LineKind::kProrationCharge: return "Remaining time on " + description;
    case LineKind::kRefund: return "Refund of unused " + description;
    case LineKind::kRecurring:
    case LineKind::kUsage:
    case LineKind::kTrueUp:
    case LineKind::kDiscount: return description;
  }
  PACTUM_UNREACHABLE();
}

Result<std::int64_t> checked_total(std::int64_t a, std::int64_t b) {
  PACTUM_TRY(std::int64_t s, checked_add(a, b));
  if (s > kMoneyMinorMax || s < -kMoneyMinorMax) return Fail(Errc::kOverflow, "invoice total beyond 10^18 minor units");
  return s;
}

Result<std::int64_t> rate_for(const Contract& k, const std::string& tax_code) {
  if (k.buyer_jurisdiction.empty()) return 0;  // No tax jurisdiction: the contract is untaxed.
  for (const TaxExemption& e : k.tax_table.exemptions) {
    if (e.buyer == k.buyer && (e.tax_code == "*" || e.tax_code == tax_code)) return 0;
  }
  const TaxRate* fallback = nullptr;
  for (const TaxRate& r : k.tax_table.rates) {
    if (r.jurisdiction != k.buyer_jurisdiction) continue;
    if (r.tax_code == tax_code) return r.rate_ppm;
    if (r.tax_code == "*") fallback = &r;
  }
  if (fallback) return fallback->rate_ppm;
  return Fail(Errc::kBadTaxTable, "no tax rate for jurisdiction '" + k.buyer_jurisdiction + "' code '" + tax_code + "'");
}

bool discountable(const InvoiceLine& l) {
  return l.amount_minor > 0 && l.kind != LineKind::kDiscount;
}

Result<void> add_discount(const Contract& k, const Discount& d, std::vector<InvoiceLine>& lines) {
  std::vector<std::size_t> base;
  std::int64_t net = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (discountable(lines[i])) base.push_back(i);
    PACTUM_TRY(net, checked_total(net, lines[i].amount_minor));
  }
  if (base.empty()) return Ok();
  std::vector<std::int64_t> cuts(base.size(), 0);
  switch (d.kind) {
    case DiscountKind::kPercent:
      for (std::size_t j = 0; j < base.size(); ++j) {
        PACTUM_TRY(cuts[j], round_ratio(Int128{lines[base[j]].amount_minor} * d.percent.mantissa,
                                        100 * pow10_i128(d.percent.scale), k.conventions.rounding));
      }
      break;
    case DiscountKind::kFixed: {
      std::int64_t amount = std::min(d.fixed_minor, std::max<std::int64_t>(net, 0));
      std::vector<std::int64_t> weights;
      for (std::size_t i : base) weights.push_back(lines[i].amount_minor);
      PACTUM_TRY(cuts, allocate(amount, weights));
      break;
    }
  }
  for (std::size_t j = 0; j < base.size(); ++j) {
    if (cuts[j] == 0) continue;
    InvoiceLine l = lines[base[j]];
    l.kind = LineKind::kDiscount;
    l.description = (d.description.empty() ? std::string("Discount") : d.description) + " on " + l.description;
    l.amount_minor = -cuts[j];
    lines.push_back(std::move(l));
  }
  return Ok();
}

// Per invoice: each rate group's tax is rounded once on the group's sum, then
// spread over its lines by largest remainder of the exact line taxes.
Result<void> tax_per_invoice(const Contract& k, std::vector<InvoiceLine>& lines) {
  std::map<std::int64_t, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < lines.size(); ++i) groups[lines[i].tax_rate_ppm].push_back(i);
  for (const auto& [rate, idx] : groups) {
    Int128 sum = 0;
    std::vector<Int128> rem(idx.size());
    Int128 floors = 0;
    for (std::size_t j = 0; j < idx.size(); ++j) {
      Int128 exact = Int128{lines[idx[j]].amount_minor} * rate;
      sum += exact;
      Int128 fl = exact / kPpmOne - ((exact % kPpmOne) < 0 ? 1 : 0);
      rem[j] = exact - fl * kPpmOne;
      PACTUM_TRY(lines[idx[j]].tax_minor, checked_cast<std::int64_t>(fl));
      floors += fl;
    }
    PACTUM_TRY(std::int64_t target, round_ratio(sum, kPpmOne, k.conventions.rounding));
    Int128 left = Int128{target} - floors;
    std::vector<std::size_t> order(idx.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&rem](std::size_t a, std::size_t b) { return rem[a] > rem[b]; });
    PACTUM_ASSERT(left >= 0 && left <= static_cast<Int128>(idx.size()));
    for (Int128 n = 0; n < left; ++n) lines[idx[order[static_cast<std::size_t>(n)]]].tax_minor += 1;
  }
  return Ok();
}

}  // namespace

Result<void> recurring_lines(const Contract& k, const Charge& charge, const Decimal& quantity,
                             const Period& service, const Period& period, LineKind kind, int sign,
                             std::vector<InvoiceLine>& out) {
  PACTUM_ASSERT(sign == 1 || sign == -1);
  // Split the service at every ramp step strictly inside it.
  std::vector<Date> cuts{service.start};
  for (const RampStep& s : charge.ramp) {
    if (day_number(s.from) > day_number(service.start) && day_number(s.from) < day_number(service.end)) {
      cuts.push_back(s.from);
    }
  }
  cuts.push_back(service.end);
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    Period piece{cuts[i], cuts[i + 1]};
    Decimal price = price_on(charge, piece.start);
    PACTUM_TRY(Exact full, rate_exact(charge, price, quantity, k.currency));
    PACTUM_TRY(std::int64_t amount, prorate(full, piece, period, k.cycle, k.conventions));
    InvoiceLine l;
    l.kind = kind;
    l.charge_id = charge.id;
    l.description = line_text(kind, charge.description.empty() ? charge.id : charge.description);
    l.service = piece;
    l.quantity = quantity;
    l.unit_price = price;
    l.amount_minor = sign * amount;
    l.tax_code = charge.tax_code;
    out.push_back(std::move(l));
  }
  return Ok();
}

Result<void> finish_invoice(const Contract& k, std::size_t period_index, bool apply_discounts,
                            Invoice& inv) {
  if (apply_discounts) {
    for (const Discount& d : k.discounts) {
      if (d.periods != 0 && static_cast<std::int64_t>(period_index) >= d.periods) continue;
      PACTUM_CHECK(add_discount(k, d, inv.lines));
    }
  }
  for (InvoiceLine& l : inv.lines) {
    PACTUM_TRY(l.tax_rate_ppm, rate_for(k, l.tax_code));
    if (k.conventions.tax_rounding == TaxRounding::kPerLine) {
      PACTUM_TRY(l.tax_minor, tax_of(l.amount_minor, l.tax_rate_ppm, k.conventions.rounding));
    }
  }
  if (k.conventions.tax_rounding == TaxRounding::kPerInvoice) PACTUM_CHECK(tax_per_invoice(k, inv.lines));
  inv.subtotal_minor = 0;
  inv.tax_minor = 0;
  for (const InvoiceLine& l : inv.lines) {
    PACTUM_TRY(inv.subtotal_minor, checked_total(inv.subtotal_minor, l.amount_minor));
    PACTUM_TRY(inv.tax_minor, checked_total(inv.tax_minor, l.tax_minor));
  }
  PACTUM_TRY(inv.total_minor, checked_total(inv.subtotal_minor, inv.tax_minor));
  return Ok();
}

Result<std::vector<EscrowInstruction>> escrow_instructions(const Contract& k, const std::vector<Invoice>& invoices,
                                                           std::int64_t total_minor) {
  std::vector<EscrowInstruction> out;
  switch (k.escrow.mode) {
    case EscrowMode::kNone: break;
    case EscrowMode::kPerInvoice:
      for (std::size_t i = 0; i < invoices.size(); ++i) {
        const Invoice& inv = invoices[i];
        if (inv.total_minor <= 0) continue;
        PACTUM_TRY(std::int64_t hold, round_ratio(Int128{inv.total_minor} * k.escrow.hold_ppm, kPpmOne,
                                                  k.conventions.rounding));
        if (hold == 0) continue;  // Nothing to hold: no instruction.
        out.push_back({"invoice " + std::to_string(i + 1), hold, inv.issued, inv.period.end});
      }
      break;
    case EscrowMode::kMilestones: {
      std::vector<std::int64_t> weights;
      for (const Milestone& m : k.escrow.milestones) weights.push_back(m.weight);
      PACTUM_TRY(std::vector<std::int64_t> parts, allocate(std::max<std::int64_t>(total_minor, 0), weights));
      for (std::size_t i = 0; i < parts.size(); ++i) {
        if (parts[i] == 0) continue;  // Nothing to hold: no instruction.
        out.push_back({k.escrow.milestones[i].name, parts[i], k.start, k.escrow.milestones[i].due});
      }
      break;
    }
  }
  return out;
}

}  // namespace pactum::settlement::internal
