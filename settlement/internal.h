// Internal interfaces between the settlement core's files. Not public.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "settlement/settlement.h"

namespace pactum::settlement::internal {

// Checks every field a settlement reads. Errors name the field and the value.
Result<void> validate_contract(const Contract& contract);
Result<void> validate_charge(const Charge& charge, const Contract& contract);

// The catalog charges with the account's overrides applied. Errors kBadContract
// for an override of an unknown charge.
Result<std::vector<Charge>> apply_overrides(const Contract& contract);

// Appends the lines that bill `service` (inside the full `period`) of a
// recurring charge at `quantity`, split at ramp steps; `sign` -1 makes credits.
Result<void> recurring_lines(const Contract& contract, const Charge& charge, const Decimal& quantity,
                             const Period& service, const Period& period, LineKind kind, int sign,
                             std::vector<InvoiceLine>& out);

// Adds the discount lines of period invoice number `period_index`, then taxes,
// and sums the invoice. Errors kBadTaxTable (no rate), kOverflow.
Result<void> finish_invoice(const Contract& contract, std::size_t period_index, bool apply_discounts,
                            Invoice& invoice);

// Escrow instructions for the finished invoices.
Result<std::vector<EscrowInstruction>> escrow_instructions(const Contract& contract,
                                                           const std::vector<Invoice>& invoices,
                                                           std::int64_t total_minor);

// The unit price in effect on `date` (last ramp step on or before it).
Decimal price_on(const Charge& charge, const Date& date);

}  // namespace pactum::settlement::internal
