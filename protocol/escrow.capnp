@0xd178bbaabcde3034;
# Escrow wire types: escrow terms, release conditions, escrow events and the
# escrow state whose canonical hash is the escrow digest. Byte-level rules and
# worked examples: docs/escrow.md. The C++ core is escrow/escrow.h; the mapping
# is protocol/escrow_codec.h.
#
# Conventions as in pactum.capnp: keys are 32-byte Ed25519 public keys, ids
# 16 bytes, hashes 32-byte SHA-256, amounts Int64 minor units of the
# contract's currency, times Unix milliseconds. Every enum and union starts
# with `unspecified` (0), never a valid choice. Persisted: fields and
# enumerants are only ever appended.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pactum::wire");

# ---------------------------------------------------------------------------
# Terms (inside ContractTerms.escrow; the currency is ContractTerms.currency
# and the arbiter ContractTerms.arbiterKey).

struct EscrowTerms {
  buyerKey @0 :Data;
  # 32-byte key that signs the buyer's escrow events (funding, acceptance).
  sellerKey @1 :Data;
  # 32-byte key that signs the seller's escrow events (claims, refunds).
  approvers @2 :List(Data);
  # Named 32-byte keys whose approvals count for `approvals` milestones.
  approvalsRequired @3 :UInt32;
  # M of the N approvers; 0 when no milestone needs approvals.
  milestones @4 :List(EscrowMilestone);
  # In schedule order; the escrow amount is their sum.
}

struct EscrowMilestone {
  # One release: `amountMinor` pays invoice `invoiceId` when the condition holds.
  invoiceId @0 :Text;
  # Id of the settlement invoice this milestone pays.
  amountMinor @1 :Int64;
  condition :union {
    unspecified @2 :Void;
    acceptance @3 :Void;
    # The buyer signs acceptance of delivery.
    deadlineMs @4 :Int64;
    # From this Unix ms on the seller may claim, unless a dispute was opened before.
    approvals @5 :Void;
    # approvalsRequired distinct approvers sign.
    hashlock @6 :Data;
    # 32-byte SHA-256 digest; opened by a preimage that hashes to it.
  }
}

# ---------------------------------------------------------------------------
# Events (inside EscrowEventMessage.event, signed with "pactum/v1/escrow-event").
# The signer is Body.sender, the time Body.timestampMs, the event id Body.nonce.

struct EscrowReveal {
  milestone @0 :UInt32;
  preimage @1 :Data;
  # 1..256 bytes.
}

struct EscrowRuling {
  split :union {
    unspecified @0 :Void;
    exact @1 :EscrowExactSplit;
    sellerBasisPoints @2 :UInt32;
    # Seller gets floor(held * bp / 10000); the buyer the rest.
  }
}

struct EscrowExactSplit {
  sellerMinor @0 :Int64;
  buyerMinor @1 :Int64;
  # sellerMinor + buyerMinor must equal the amount held, exactly.
}

struct EscrowEvent {
  union {
    unspecified @0 :Void;
    fund @1 :Int64;
    # Buyer deposits this many minor units: exactly the escrow amount.
    acceptDelivery @2 :UInt32;
    # Buyer accepts the milestone with this index.
    approve @3 :UInt32;
    # A named approver approves the milestone with this index.
    revealPreimage @4 :EscrowReveal;
    # Buyer or seller opens a hashlock milestone.
    claimAfterDeadline @5 :UInt32;
    # Seller claims the milestone with this index after its deadline.
    openDispute @6 :Text;
    # Buyer or seller freezes the escrow; the text is the reason (<= 1024 bytes).
    ruling @7 :EscrowRuling;
    # The contract's arbiter splits what is held.
    refund @8 :Void;
    # Seller returns everything still held to the buyer.
  }
}

# ---------------------------------------------------------------------------
# State: canonical(EscrowState) is hashed as
#   SHA-256("pactum/v1/escrow-state" || 0x00 || canonical(EscrowState))
# into the escrow digest of SettlementReceipt.

enum EscrowStatus {
  unspecified @0;
  awaitingFunding @1;
  funded @2;
  partiallyReleased @3;
  released @4;
  refunded @5;
  disputed @6;
  resolved @7;
}

enum EscrowAccountId {
  unspecified @0;
  buyerFunding @1;
  hold @2;
  sellerPayout @3;
  buyerRefund @4;
}

struct EscrowAccount {
  debitsPending @0 :Int64;
  debitsPosted @1 :Int64;
  creditsPending @2 :Int64;
  creditsPosted @3 :Int64;
}

enum EscrowTransferKind {
  unspecified @0;
  singlePhase @1;
  pending @2;
  postPending @3;
  voidPending @4;
}

enum EscrowPendingStatus {
  unspecified @0;
  notPending @1;
  pending @2;
  posted @3;
  voided @4;
}

struct EscrowTransfer {
  id @0 :UInt32;
  kind @1 :EscrowTransferKind;
  debit @2 :EscrowAccountId;
  credit @3 :EscrowAccountId;
  amountMinor @4 :Int64;
  pendingId @5 :UInt32;
  status @6 :EscrowPendingStatus;
}

enum EscrowMilestoneStatus {
  unspecified @0;
  unfunded @1;
  held @2;
  released @3;
  refunded @4;
  split @5;
}

struct EscrowMilestoneState {
  status @0 :EscrowMilestoneStatus;
  approvals @1 :UInt32;
  # Bit i set: approvers[i] approved.
  pendingTransfer @2 :UInt32;
  releasedMinor @3 :Int64;
  refundedMinor @4 :Int64;
}

struct EscrowState {
  contractId @0 :Data;
  # 16 bytes.
  currency @1 :Text;
  status @2 :EscrowStatus;
  accounts @3 :List(EscrowAccount);
  # Exactly four, in EscrowAccountId order: buyerFunding, hold, sellerPayout, buyerRefund.
  transfers @4 :List(EscrowTransfer);
  # In id order.
  milestones @5 :List(EscrowMilestoneState);
  # In schedule order.
  heldMinor @6 :Int64;
  postedMinor @7 :Int64;
  voidedMinor @8 :Int64;
  pendingMinor @9 :Int64;
  # heldMinor == postedMinor + voidedMinor + pendingMinor.
  appliedEvents @10 :List(Data);
  # Ids (16 bytes) of every applied event, ascending bytewise.
  lastTimestampMs @11 :Int64;
  # Timestamp of the latest applied event; -2^63 before the first.
}
