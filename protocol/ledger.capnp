@0xfbb9d0b7eb53a084;
# Ledger entry encoding. See docs/ledger.md.

struct Entry {}  # Placeholder; the ledger owner fills it in.
