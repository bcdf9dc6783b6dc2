@0xbc7d1666a75a8492;
# Settlement wire types: rate plans, conventions, tax tables, invoices,
# entitlements, escrow instructions, settlement results. See docs/settlement.md.

# Placeholders named by pactum.capnp; the settlement owner fills them in.
struct Pricing {}           # Line items with rate plans, billing cycle, conventions, tax references.
struct TaxTable {}          # A versioned tax table; its canonical hash is part of the terms.
struct SettlementResult {}  # Invoices, entitlements, escrow instructions.
