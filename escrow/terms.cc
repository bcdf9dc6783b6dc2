// Escrow terms validation and the small name helpers.
#include <algorithm>
#include <set>
#include <string>

#include "escrow/escrow.h"

namespace pactum::escrow {
namespace {

bool is_zero(const PartyKey& k) {
  return std::all_of(k.begin(), k.end(), [](std::uint8_t b) { return b == 0; });
}

Result<void> bad(std::string detail) { return Fail(Errc::kEscrowBadTerms, std::move(detail)); }

Result<void> validate_parties(const EscrowTerms& t) {
  if (t.currency.size() != 3 ||
      !std::all_of(t.currency.begin(), t.currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return bad("currency '" + t.currency + "' is not a three-letter upper-case code");
  if (is_zero(t.buyer) || is_zero(t.seller) || is_zero(t.arbiter))
    return bad("buyer, seller and arbiter keys are required");
  if (t.buyer == t.seller || t.buyer == t.arbiter || t.seller == t.arbiter)
    return bad("buyer, seller and arbiter must be three different keys");
  if (t.approvers.size() > kApproversMax)
    return bad(std::to_string(t.approvers.size()) + " approvers exceed kApproversMax");
  std::set<PartyKey> seen;
  for (const PartyKey& k : t.approvers) {
    if (is_zero(k)) return bad("approver key is all zero");
    if (!seen.insert(k).second) return bad("approver listed twice");
  }
  return Ok();
}

}  // namespace

Result<void> validate_terms(const EscrowTerms& t) {
  PACTUM_CHECK(validate_parties(t));
  if (t.milestones.empty()) return bad("no milestones");
  if (t.milestones.size() > kMilestonesMax)
    return bad(std::to_string(t.milestones.size()) + " milestones exceed kMilestonesMax");
  std::int64_t total = 0;
  bool needs_approvals = false;
  std::set<std::string> invoices;
  for (std::size_t i = 0; i < t.milestones.size(); ++i) {
    const Milestone& m = t.milestones[i];
    const std::string where = "milestone " + std::to_string(i) + ": ";
    if (m.amount <= 0 || m.amount > kAmountMax)
      return bad(where + "amount " + std::to_string(m.amount) + " outside (0, kAmountMax]");
    total += m.amount;  // Cannot overflow: each term <= kAmountMax, checked below per step.
    if (total > kAmountMax) return bad(where + "total exceeds kAmountMax");
    if (m.invoice_id.empty() || m.invoice_id.size() > kInvoiceIdBytesMax)
      return bad(where + "invoice id empty or longer than kInvoiceIdBytesMax");
    if (!invoices.insert(m.invoice_id).second)
      return bad(where + "invoice '" + m.invoice_id + "' paid by two milestones");
    switch (m.condition) {
      case ConditionKind::kAcceptance:
      case ConditionKind::kHashlock:
        break;
      case ConditionKind::kDeadline:
        if (m.deadline_ms <= 0) return bad(where + "deadline must be a positive Unix ms time");
        break;
      case ConditionKind::kApprovals:
        needs_approvals = true;
        break;
    }
  }
  if (needs_approvals &&
      (t.approvals_required == 0 || t.approvals_required > t.approvers.size()))
    return bad("approvals_required " + std::to_string(t.approvals_required) + " not in 1.." +
               std::to_string(t.approvers.size()));
  if (!needs_approvals && (t.approvals_required != 0 || !t.approvers.empty()))
    return bad("approvers named but no milestone needs approvals");
  return Ok();
}

std::int64_t total_amount(const EscrowTerms& terms) {
  std::int64_t total = 0;
  for (const Milestone& m : terms.milestones) total += m.amount;
  PACTUM_ASSERT(total > 0 && total <= kAmountMax);
  return total;
}

std::string_view status_name(Status s) {
  switch (s) {
    case Status::kAwaitingFunding: return "AWAITING_FUNDING";
    case Status::kFunded: return "FUNDED";
    case Status::kPartiallyReleased: return "PARTIALLY_RELEASED";
    case Status::kReleased: return "RELEASED";
    case Status::kRefunded: return "REFUNDED";
    case Status::kDisputed: return "DISPUTED";
    case Status::kResolved: return "RESOLVED";
  }
  PACTUM_UNREACHABLE();
}

bool is_closed(Status s) {
  switch (s) {
    case Status::kReleased:
    case Status::kRefunded:
    case Status::kResolved:
      return true;
    case Status::kAwaitingFunding:
    case Status::kFunded:
    case Status::kPartiallyReleased:
    case Status::kDisputed:
      return false;
  }
  PACTUM_UNREACHABLE();
}

}  // namespace pactum::escrow
