@0xd178bbaabcde3034;
# Escrow wire types: escrow terms, release conditions, escrow events and state. See docs/escrow.md.

# Placeholders named by pactum.capnp; the escrow owner fills them in.
struct EscrowTerms {}  # Amount, release conditions, approvers, deadline, hashlock, milestones.
struct EscrowEvent {}  # Funded, delivered, approval, preimage, dispute, ruling, ...
struct EscrowState {}  # Balances and state, whose canonical hash is the escrow digest.
