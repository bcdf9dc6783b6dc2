// The accepted terms as labelled lines for people (Report::terms): what the
// HTML report prints. Display only; nothing here decides a check.
#include <chrono>

#include "ledger/evidence_internal.h"
#include "settlement/money.h"

namespace pactum::ledger::evidence_detail {
namespace {

std::string day_text(std::int32_t day) {
  settlement::Date d{std::chrono::sys_days{std::chrono::days{day}}};
  if (!d.ok() || static_cast<int>(d.year()) < settlement::kYearMin || static_cast<int>(d.year()) > settlement::kYearMax)
    return "day " + std::to_string(day);
  return settlement::format_date(d);
}

std::string decimal_text(wire::settlement::Decimal::Reader d) {
  if (d.getScale() > settlement::kDecimalScaleMax) return "(invalid decimal)";
  return settlement::format_decimal({d.getMantissa(), static_cast<std::int8_t>(d.getScale())});
}

std::string party_text(wire::Party::Reader p) {
  auto k = p.getOrgRootKey();
  crypto::PublicKey key{};
  if (k.size() == key.size()) std::copy(k.begin(), k.end(), key.begin());
  return std::string(p.getName().cStr()) + " (org key " + short_key(key) + ")";
}

std::string condition_text(wire::EscrowMilestone::Condition::Reader c) {
  switch (c.which()) {
    case wire::EscrowMilestone::Condition::ACCEPTANCE: return "buyer accepts delivery";
    case wire::EscrowMilestone::Condition::DEADLINE_MS: return "deadline " + std::to_string(c.getDeadlineMs()) + " ms";
    case wire::EscrowMilestone::Condition::APPROVALS: return "approvals";
    case wire::EscrowMilestone::Condition::HASHLOCK: return "hashlock";
    case wire::EscrowMilestone::Condition::UNSPECIFIED: break;
  }
  return "unspecified";
}

}  // namespace

void describe_terms(Ctx& ctx) {
  auto t = ctx.bundle.getTerms();
  auto cur = settlement::find_currency(t.getCurrency().cStr());
  if (cur) ctx.report.currency_exponent = cur->exponent;
  const int exp = ctx.report.currency_exponent;
  auto& out = ctx.report.terms;
  out.push_back({"Contract id", ctx.report.contract_id_hex});
  out.push_back({"Terms hash", ctx.report.terms_hash_hex});
  out.push_back({"Buyer", party_text(t.getBuyer())});
  out.push_back({"Seller", party_text(t.getSeller())});
  out.push_back({"Currency", t.getCurrency().cStr()});
  out.push_back({"Term", day_text(t.getStartDay()) + " to " + day_text(t.getEndDay()) + " (end exclusive)"});
  out.push_back({"Tax jurisdiction", t.getTaxJurisdiction().cStr()});
  out.push_back({"List price", settlement::format_minor(t.getListPriceMinor(), exp)});
  for (auto c : t.getPricing().getCharges()) {
    out.push_back({"Charge " + std::string(c.getId().cStr()),
                   decimal_text(c.getQuantity()) + " x " + decimal_text(c.getUnitPrice()) + " per period"});
  }
  if (t.hasEscrow()) {
    unsigned i = 0;
    for (auto m : t.getEscrow().getMilestones()) {
      out.push_back({"Escrow milestone " + std::to_string(i++),
                     std::string(m.getInvoiceId().cStr()) + ": " + settlement::format_minor(m.getAmountMinor(), exp) +
                         ", released when " + condition_text(m.getCondition())});
    }
  }
  if (t.getNote().size() != 0) out.push_back({"Note", t.getNote().cStr()});
}

}  // namespace pactum::ledger::evidence_detail
