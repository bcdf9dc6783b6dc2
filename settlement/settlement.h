// settlement: the deterministic settlement core (public header).
//
// settle(contract) turns a contract -- its charges (rate plans), conventions,
// billing cycle, usage, amendments, tax table, credit and escrow terms -- into
// invoices, entitlement grants and escrow instructions. The same Contract
// always gives the same SettlementResult, on any build: no clock, no
// randomness, no I/O, no floating point, only ordered containers.
//
// Money is exact (settlement/money.h); every amount is rounded once, at the
// point the contract's Conventions name. Overflow anywhere is kOverflow.
//
// Thread-safety: all functions are pure; concurrent calls on distinct or
// shared const inputs are safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/base.h"
#include "settlement/calendar.h"
#include "settlement/limits.h"
#include "settlement/money.h"

namespace pactum::settlement {

// ---- conventions (contract terms; persisted: do not renumber) ----

enum class RoundingPoint : std::uint8_t {
  kExactProduct = 0,       // quantity x price x days/period exact, rounded once (default).
  kDayFractionFirst = 1,   // days/period rounded half-up to fraction_decimals, then the amount.
};
enum class TaxRounding : std::uint8_t { kPerLine = 0, kPerInvoice = 1 };

struct Conventions {
  DayCount day_count = DayCount::kActual;
  RoundingMode rounding = RoundingMode::kHalfEven;
  RoundingPoint rounding_point = RoundingPoint::kExactProduct;
  int fraction_decimals = 9;  // Used by kDayFractionFirst (Kill Bill: 9).
  TaxRounding tax_rounding = TaxRounding::kPerLine;
  CurrencyTableVersion currency_table = CurrencyTableVersion::kIso4217V1;
};

// ---- rate plans ----

enum class ChargeKind : std::uint8_t {
  kRecurring = 0,  // Billed per period in advance of service, prorated by day.
  kUsage = 1,      // Billed per period from the usage recorded in it.
};
enum class ChargeModel : std::uint8_t {
  kFlat = 0,        // unit_price x quantity (for recurring: the seat count).
  kGraduated = 1,   // Each tier prices only the units that fall in it.
  kVolume = 2,      // The tier the total falls in prices every unit.
  kPackage = 3,     // ceil(quantity / package_size) blocks at unit_price each.
};

struct Tier {
  std::optional<Decimal> up_to;  // Inclusive upper bound of units; none = infinity (last tier).
  Decimal unit_price;            // Per unit in this tier.
  Decimal flat_fee;              // Added once when the tier is reached.
};

// From `from` on (until the next step), the unit price is `unit_price`.
struct RampStep {
  Date from;
  Decimal unit_price;
};

struct Charge {
  std::string id;           // Unique within the contract; amendments and overrides refer to it.
  std::string description;  // Printed on invoice lines.
  std::string tax_code;     // Product tax code looked up in the tax table.
  ChargeKind kind = ChargeKind::kRecurring;
  ChargeModel model = ChargeModel::kFlat;
  Decimal unit_price;            // kFlat, kPackage (price per block); the first ramp price.
  Decimal quantity{1, 0};        // Recurring charges: seats; ignored for usage.
  std::vector<Tier> tiers;       // kGraduated, kVolume: ascending up_to.
  Decimal package_size{1, 0};    // kPackage: units per block (> 0).
  Decimal free_units;            // kPackage: units given free before blocks are counted.
  std::vector<RampStep> ramp;    // Recurring kFlat only: price steps by date, ascending.
  std::optional<Money> minimum;  // Usage: per-period minimum commitment, trued up.
  std::optional<Date> start;     // Service start if later than the contract start.
  std::optional<Date> end;       // Service end if earlier than the contract end.
};

// An account-specific price overriding the catalog charge with the same id.
struct PriceOverride {
  std::string charge_id;
  std::optional<Decimal> unit_price;
  std::optional<std::vector<Tier>> tiers;
};

enum class DiscountKind : std::uint8_t { kPercent = 0, kFixed = 1 };
// Applied to each period invoice's positive lines, as negative discount lines.
struct Discount {
  std::string description;
  DiscountKind kind = DiscountKind::kPercent;
  Decimal percent;           // kPercent: e.g. 10 for 10%.
  std::int64_t fixed_minor = 0;  // kFixed: per period invoice, at most the subtotal.
  std::int64_t periods = 0;  // Number of period invoices it applies to; 0 = all.
};

struct UsageRecord {
  std::string charge_id;
  Date date;
  Decimal quantity;
};

// ---- amendments ----

enum class AmendmentKind : std::uint8_t {
  kQuantityChange = 0,  // New seat count from `date`, prorated immediately.
  kUpgrade = 1,         // New price from `date`: credit unused old, charge new, immediately.
  kDowngrade = 2,       // New price: at period end, or immediately with credit.
  kCancel = 3,          // Service ends at `date`; refund none or prorated.
  kAddCharge = 4,       // A new charge from `date`, co-termed to the contract end.
};
enum class DowngradeTiming : std::uint8_t { kAtPeriodEnd = 0, kImmediateWithCredit = 1 };
enum class CancelRefund : std::uint8_t { kNone = 0, kProrated = 1 };

struct Amendment {
  AmendmentKind kind = AmendmentKind::kQuantityChange;
  Date date;
  std::string charge_id;                  // All kinds but kAddCharge.
  std::optional<Decimal> quantity;        // kQuantityChange.
  std::optional<Decimal> unit_price;      // kUpgrade, kDowngrade.
  DowngradeTiming downgrade = DowngradeTiming::kAtPeriodEnd;
  CancelRefund refund = CancelRefund::kNone;
  std::optional<Charge> charge;           // kAddCharge.
};

// ---- tax, credit, escrow ----

struct TaxRate {
  std::string jurisdiction;  // e.g. "DE", "US-CA".
  std::string tax_code;      // Product tax code; "*" = every code without its own row.
  std::int64_t rate_ppm = 0; // Parts per million: 19% = 190000.
};
struct TaxExemption {
  std::string buyer;     // Buyer id.
  std::string tax_code;  // "*" = every code.
};
struct TaxTable {
  std::uint32_t version = 0;
  std::vector<TaxRate> rates;
  std::vector<TaxExemption> exemptions;
};

struct CreditPolicy {
  std::int64_t limit_minor = 0;              // Seller's limit on the buyer's exposure.
  std::int64_t existing_exposure_minor = 0;  // Unpaid amounts from other contracts.
};

enum class EscrowMode : std::uint8_t { kNone = 0, kPerInvoice = 1, kMilestones = 2 };
struct Milestone {
  std::string name;
  Date due;
  std::int64_t weight = 1;  // Share of the contract total, by largest remainder.
};
struct EscrowTerms {
  EscrowMode mode = EscrowMode::kNone;
  std::int64_t hold_ppm = kPpmOne;  // kPerInvoice: share of each invoice total to hold.
  std::vector<Milestone> milestones;
};

// ---- the contract ----

struct Contract {
  std::string id;
  std::string buyer;
  std::string buyer_jurisdiction;
  Currency currency;
  Date start;
  Date end;  // First day after the term.
  BillingCycle cycle = BillingCycle::kMonthly;
  unsigned anchor_day = 0;  // 1..31; 0 = the start date's day.
  Conventions conventions;
  std::vector<Charge> charges;
  std::vector<PriceOverride> overrides;
  std::vector<Discount> discounts;
  std::vector<UsageRecord> usage;
  std::vector<Amendment> amendments;  // Applied in date order; equal dates in list order.
  TaxTable tax_table;
  std::optional<CreditPolicy> credit;
  EscrowTerms escrow;
};

// ---- the result ----

enum class LineKind : std::uint8_t {
  kRecurring = 0, kUsage = 1, kProrationCredit = 2, kProrationCharge = 3,
  kTrueUp = 4, kDiscount = 5, kRefund = 6,
};
enum class InvoiceKind : std::uint8_t { kPeriod = 0, kAmendment = 1 };

struct InvoiceLine {
  LineKind kind = LineKind::kRecurring;
  std::string charge_id;
  std::string description;
  Period service;            // The days this line pays for.
  Decimal quantity;
  Decimal unit_price;        // Per unit per full period (recurring) or per unit (usage).
  std::int64_t amount_minor = 0;
  std::string tax_code;
  std::int64_t tax_rate_ppm = 0;
  std::int64_t tax_minor = 0;
};

struct Invoice {
  InvoiceKind kind = InvoiceKind::kPeriod;
  Period period;
  Date issued;
  std::vector<InvoiceLine> lines;
  std::int64_t subtotal_minor = 0;  // Sum of line amounts.
  std::int64_t tax_minor = 0;       // Sum of line taxes.
  std::int64_t total_minor = 0;     // subtotal + tax.
};

struct EntitlementGrant {
  std::string charge_id;  // What the buyer may use.
  Decimal quantity;
  Date from;
  Date to;  // Exclusive.
};

// An amount to hold in escrow; never zero (a zero hold gives no instruction).
struct EscrowInstruction {
  std::string reference;  // "invoice 3" or the milestone name.
  std::int64_t amount_minor = 0;
  Date hold_from;
  Date release_on;
};

struct SettlementResult {
  std::string contract_id;
  Currency currency;
  std::vector<Invoice> invoices;
  std::vector<EntitlementGrant> entitlements;
  std::vector<EscrowInstruction> escrow;
  std::int64_t total_minor = 0;  // Sum of invoice totals.
};

// Settles `contract`. On success the result is fully determined by the input.
// Errors: kBadContract / kBadRatePlan / kBadDate / kBadTaxTable naming the
// field, kCurrencyMismatch, kOverflow, kLimitExceeded, kCreditLimit with the
// exposure and the limit.
Result<SettlementResult> settle(const Contract& contract);

// ---- building blocks, exposed for tests and benchmarks ----

// Exact amount in minor units as num / den (den > 0).
struct Exact {
  Int128 num = 0;
  Int128 den = 1;
};

// The exact amount of `quantity` units under a charge's model and prices, in
// minor units of `currency`. Errors kBadRatePlan, kOverflow.
Result<Exact> rate_exact(const Charge& charge, const Decimal& unit_price, const Decimal& quantity,
                         Currency currency);
// Rounds exact x days(service)/days(period) under the conventions.
Result<std::int64_t> prorate(const Exact& full, const Period& service, const Period& period,
                             BillingCycle cycle, const Conventions& conventions);
// Tax on `amount_minor` at `rate_ppm`, rounded with `mode`.
Result<std::int64_t> tax_of(std::int64_t amount_minor, std::int64_t rate_ppm, RoundingMode mode);

}  // namespace pactum::settlement
