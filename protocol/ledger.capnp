@0xfbb9d0b7eb53a084;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pactum::wire::ledger");
# Ledger entry encoding. See docs/ledger.md for the byte grammar.
#
# The bytes a ledger stores and hashes for one entry are
#   "pactum-ledger-entry-v1" || 0x00 || canonical Cap'n Proto of Entry
# and its RFC 6962 leaf hash is SHA-256(0x00 || those bytes).

# What an entry records. Persisted in every entry and hashed:
# do not change or reorder; add new kinds only at the end.
enum EntryKind {
  generic @0;             # Opaque bytes (scripting, tests).
  contractAnchor @1;      # An accepted contract with its signed transcript.
  negotiationMessage @2;  # One signed negotiation envelope.
  revocation @3;          # A signed mandate or key revocation.
  escrowEvent @4;         # A signed escrow event.
  settlementReceipt @5;   # A signed settlement receipt.
  cosignedCheckpoint @6;  # A peer's checkpoint we cosigned after checking consistency.
}

struct Entry {
  index @0 :UInt64;        # Position in the log, from 0; equals the LMDB key.
  timestampMs @1 :Int64;   # Milliseconds since the Unix epoch, when the node appended it.
  kind @2 :EntryKind;
  prevHash @3 :Data;       # 32 bytes: leaf hash of entry index-1; 32 zero bytes for entry 0.
  id @4 :Data;             # 32-byte idempotency id: one id is stored at most once.
  payload @5 :Data;        # Canonical payload bytes of `kind` (signed envelopes, receipts, ...).
}
