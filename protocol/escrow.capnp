@0xd178bbaabcde3034;
# Escrow wire types: escrow terms, release conditions, escrow events and state. See docs/escrow.md.
