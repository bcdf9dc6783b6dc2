// Amendments of a running contract (DESIGN.md, data flow step 7).
//
// An amendment is negotiated like a new contract: its ContractTerms carry an
// amendmentOf naming the contract (the id of its first version), the terms
// hash of the version in force, and the first day it applies. Against that
// version, the amended terms may change only
//   - the charge's unit price (an upgrade if higher; a downgrade if lower, at
//     the end of the billing period unless downgradeImmediate), and/or its
//     quantity (prorated from the effective day), or
//   - endDay, to the effective day: a cancellation (prorated refund if
//     cancelRefundProrated, else none), with price and quantity unchanged;
// plus their own contractId, negotiationId, note and amendmentOf. Everything
// else (parties, currency, term start, billing cycle, conventions, tax) stays
// as signed. Escrowed contracts cannot be amended yet (kUnsupported).
//
// Settlement of version k is the settlement core run on version 0's terms
// with the amendments of versions 1..k on their effective days, so both
// nodes compute the proration and co-terming deltas identically.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "base/base.h"
#include "protocol/negotiation_types.h"
#include "protocol/pactum.capnp.h"
#include "settlement/settlement.h"

namespace pactum::protocol {

// Null if `amended` is a valid amendment of `in_force` (the version it
// names), else the rule it breaks.
std::optional<Refusal> check_amendment_terms(wire::ContractTerms::Reader in_force,
                                             wire::ContractTerms::Reader amended);

// The settlement core's Contract for one contract version's terms (version
// 0: a new contract). Escrow terms without milestones of their own ask for
// per-invoice holds.
Result<settlement::Contract> contract_from_terms(wire::ContractTerms::Reader terms);

// The contract as amended: versions[0] is the first version, each next one
// amends the one before it (checked as check_amendment_terms does).
Result<settlement::Contract> amended_contract(const std::vector<wire::ContractTerms::Reader>& versions);

}  // namespace pactum::protocol
