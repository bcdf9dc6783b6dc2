// Limits of the settlement core. Every loop and list is bounded by one of these.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pactum::settlement {

// Charges per contract: a B2B order form has tens of lines; 256 leaves room.
inline constexpr std::size_t kChargesMax = 256;
// Tiers per charge: published tier tables have under 10; 64 bounds the loop.
inline constexpr std::size_t kTiersMax = 64;
// Ramp steps per charge: one per year of a long ramp deal, with margin.
inline constexpr std::size_t kRampStepsMax = 64;
// Amendments per contract: one per week over a 10-year term is ~520.
inline constexpr std::size_t kAmendmentsMax = 1024;
// Usage records per contract: pre-aggregated daily totals for 256 meters for a year would not fit,
// but aggregated per period they do; 100k bounds memory (~4 MB).
inline constexpr std::size_t kUsageRecordsMax = 100'000;
// Billing periods per contract: 100 years of monthly billing.
inline constexpr std::size_t kPeriodsMax = 1200;
// Tax table rows and exemptions: every jurisdiction x code pair of a mid-size seller.
inline constexpr std::size_t kTaxRatesMax = 4096;
inline constexpr std::size_t kTaxExemptionsMax = 1024;
// Discounts and milestones per contract.
inline constexpr std::size_t kDiscountsMax = 32;
inline constexpr std::size_t kMilestonesMax = 64;
// A tax rate is at most 100% (in parts per million).
inline constexpr std::int64_t kPpmOne = 1'000'000;
// Decimals of a pre-rounded day fraction (Kill Bill uses 9); 18 keeps Int128 products safe.
inline constexpr int kFractionDecimalsMax = 18;
// Text fields (ids, descriptions): bounded so encodings stay small.
inline constexpr std::size_t kTextBytesMax = 256;

static_assert(kPeriodsMax * kChargesMax < 1'000'000, "lines per contract stay bounded");

}  // namespace pactum::settlement
