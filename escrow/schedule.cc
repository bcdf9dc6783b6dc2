// Milestone schedules from settlement's escrow instructions.
#include <chrono>
#include <string>

#include "escrow/escrow.h"
#include "settlement/settlement.h"

namespace pactum::escrow {

namespace {
constexpr std::int64_t kMsPerDay = 86'400'000;  // Civil days are whole UTC days.
}  // namespace

Result<std::vector<Milestone>> milestones_from_settlement(
    const std::vector<settlement::EscrowInstruction>& instructions, ConditionKind condition) {
  if (instructions.empty() || instructions.size() > kMilestonesMax)
    return Fail(Errc::kEscrowBadTerms, std::to_string(instructions.size()) +
                                           " escrow instructions, need 1..kMilestonesMax");
  std::vector<Milestone> out;
  out.reserve(instructions.size());
  for (const settlement::EscrowInstruction& in : instructions) {
    if (in.amount_minor <= 0 || in.amount_minor > kAmountMax)
      return Fail(Errc::kEscrowBadTerms, "instruction '" + in.reference + "' amount " +
                                             std::to_string(in.amount_minor) +
                                             " outside (0, kAmountMax]");
    Milestone m;
    m.invoice_id = in.reference;
    m.amount = in.amount_minor;
    m.condition = condition;
    if (condition == ConditionKind::kDeadline) {
      // Pure calendar arithmetic on the civil date; no clock is read.
      const auto days = std::chrono::sys_days(in.release_on).time_since_epoch().count();
      PACTUM_TRY(m.deadline_ms, checked_mul<std::int64_t>(days, kMsPerDay));
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace pactum::escrow
