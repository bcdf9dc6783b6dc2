@0xbc7d1666a75a8492;
# Settlement wire types: rate plans (Pricing), conventions, tax tables and
# settlement results (invoices, entitlements, escrow instructions). Mapped to
# and from the C++ types of settlement/settlement.h by protocol/settlement_codec.h.
# Byte-level rules and the digest: docs/settlement.md.
#
# Conventions (as in pactum.capnp):
# - Money is Int64 minor units of the contract currency.
# - Civil dates are Int32 days since 1970-01-01; ranges are [start, end).
# - Ratios are UInt32 parts per million.
# - Every enum's first value is `unspecified` (0) and is never valid.
# - Exact decimals are Decimal{mantissa, scale} = mantissa / 10^scale, always
#   written normalized (no trailing fraction zeros), so equal values have
#   equal bytes. A null Decimal pointer means "absent" where a field says so.
# Evolution: fields are only added, never renumbered or removed.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pactum::wire::settlement");

struct Decimal {
  mantissa @0 :Int64;
  scale @1 :UInt8;     # 0..12
}

enum BillingCycle { unspecified @0; monthly @1; quarterly @2; annual @3; }
enum DayCount { unspecified @0; actual @1; thirtyDayMonths @2; thirty360 @3; }
enum RoundingMode { unspecified @0; halfEven @1; halfUp @2; towardZero @3; awayFromZero @4; }
enum RoundingPoint { unspecified @0; exactProduct @1; dayFractionFirst @2; }
enum TaxRounding { unspecified @0; perLine @1; perInvoice @2; }

struct Conventions {
  dayCount @0 :DayCount;
  rounding @1 :RoundingMode;
  roundingPoint @2 :RoundingPoint;
  fractionDecimals @3 :UInt8;    # dayFractionFirst only (Kill Bill: 9)
  taxRounding @4 :TaxRounding;
  currencyTable @5 :UInt16;      # Pinned currency table version (1 = ISO 4217, 2 = processor)
}

enum ChargeKind { unspecified @0; recurring @1; usage @2; }
enum ChargeModel { unspecified @0; flat @1; graduated @2; volume @3; package @4; }

struct Tier {
  upTo @0 :Decimal;       # Inclusive upper bound; null = unbounded (last tier only).
  unitPrice @1 :Decimal;
  flatFee @2 :Decimal;
}

struct RampStep {
  fromDay @0 :Int32;
  unitPrice @1 :Decimal;
}

struct Charge {
  id @0 :Text;
  description @1 :Text;
  taxCode @2 :Text;
  kind @3 :ChargeKind;
  model @4 :ChargeModel;
  unitPrice @5 :Decimal;
  quantity @6 :Decimal;
  tiers @7 :List(Tier);
  packageSize @8 :Decimal;
  freeUnits @9 :Decimal;
  ramp @10 :List(RampStep);
  hasMinimum @11 :Bool;
  minimumMinor @12 :Int64;
  hasStart @13 :Bool;
  startDay @14 :Int32;
  hasEnd @15 :Bool;
  endDay @16 :Int32;
}

struct PriceOverride {
  chargeId @0 :Text;
  unitPrice @1 :Decimal;   # null = keep the catalog price
  hasTiers @2 :Bool;
  tiers @3 :List(Tier);
}

enum DiscountKind { unspecified @0; percent @1; fixed @2; }

struct Discount {
  description @0 :Text;
  kind @1 :DiscountKind;
  percent @2 :Decimal;
  fixedMinor @3 :Int64;
  periods @4 :Int64;       # 0 = every period invoice
}

struct Pricing {
  # The rate plans and conventions of a contract (ContractTerms.pricing).
  cycle @0 :BillingCycle;
  anchorDay @1 :UInt8;     # 1..31; 0 = the start date's day
  conventions @2 :Conventions;
  charges @3 :List(Charge);
  overrides @4 :List(PriceOverride);
  discounts @5 :List(Discount);
}

struct TaxRate {
  jurisdiction @0 :Text;
  taxCode @1 :Text;        # "*" = every code without its own row
  ratePpm @2 :UInt32;
}

struct TaxExemption {
  buyer @0 :Text;
  taxCode @1 :Text;        # "*" = every code
}

struct TaxTable {
  # A versioned tax table. Its hash, SHA-256("pactum/v1/tax-table" || 0x00 ||
  # canonical(TaxTable)), is ContractTerms.taxTableHash.
  version @0 :UInt32;
  rates @1 :List(TaxRate);
  exemptions @2 :List(TaxExemption);
}

enum LineKind {
  unspecified @0; recurring @1; usage @2; prorationCredit @3; prorationCharge @4;
  trueUp @5; discount @6; refund @7;
}
enum InvoiceKind { unspecified @0; period @1; amendment @2; }

struct InvoiceLine {
  kind @0 :LineKind;
  chargeId @1 :Text;
  description @2 :Text;
  serviceStartDay @3 :Int32;
  serviceEndDay @4 :Int32;
  quantity @5 :Decimal;
  unitPrice @6 :Decimal;
  amountMinor @7 :Int64;
  taxCode @8 :Text;
  taxRatePpm @9 :UInt32;
  taxMinor @10 :Int64;
}

struct Invoice {
  kind @0 :InvoiceKind;
  periodStartDay @1 :Int32;
  periodEndDay @2 :Int32;
  issuedDay @3 :Int32;
  lines @4 :List(InvoiceLine);
  subtotalMinor @5 :Int64;
  taxMinor @6 :Int64;
  totalMinor @7 :Int64;
}

struct EntitlementGrant {
  chargeId @0 :Text;
  quantity @1 :Decimal;
  fromDay @2 :Int32;
  toDay @3 :Int32;         # exclusive
}

struct EscrowInstruction {
  reference @0 :Text;
  amountMinor @1 :Int64;
  holdFromDay @2 :Int32;
  releaseOnDay @3 :Int32;
}

struct SettlementResult {
  # Everything a settlement produces. The settlement digest is
  # SHA-256("pactum/v1/settlement" || 0x00 || canonical(SettlementResult)).
  contractId @0 :Text;
  currency @1 :Text;           # ISO 4217 code
  currencyExponent @2 :UInt8;
  invoices @3 :List(Invoice);
  entitlements @4 :List(EntitlementGrant);
  escrow @5 :List(EscrowInstruction);
  totalMinor @6 :Int64;
}
