@0xbc7d1666a75a8492;
# Settlement wire types: rate plans, conventions, tax tables, invoices,
# entitlements, escrow instructions, settlement results. See docs/settlement.md.
