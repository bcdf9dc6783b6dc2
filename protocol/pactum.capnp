@0xc1f2a9d7e4b36a01;
# pactum wire and signing schema, version 1. Byte-level rules: docs/protocol.md.
#
# Every message between agents, nodes and dispute resolvers is an Envelope: a
# signed Body plus one or more signatures. On the wire and on disk an Envelope
# is its canonical Cap'n Proto encoding (capnp::canonicalize: one segment, no
# segment table), which `capnp decode --flat protocol/pactum.capnp Envelope`
# prints readably.
#
# Signature rule: each signature is Ed25519 over
#     domain || 0x00 || canonical(Body)
# where `domain` is the constant of the body's payload kind (protocol/domains.h,
# e.g. "pactum/v1/propose"), so a signature for one kind never verifies as
# another.
#
# Conventions for every field below (checked by the decoder, docs/protocol.md):
# - Keys are raw 32-byte Ed25519 public keys (`Data`, exactly 32 bytes).
# - Hashes are SHA-256 digests (`Data`, exactly 32 bytes).
# - Ids (negotiation, contract) are 16 random bytes.
# - Timestamps are Unix time in milliseconds (Int64), as signed by the author.
# - Money is an Int64 count of minor units of the named ISO 4217 currency.
# - Civil dates are Int32 days since 1970-01-01 (proleptic Gregorian), so date
#   arithmetic is integer arithmetic; ranges are half-open [start, end).
# - Ratios are UInt32 parts per million (1_000_000 = 100 %).
# - Every enum's first value is `unspecified` (0), the value a missing field
#   reads as; it is never a valid choice, so an omitted field cannot silently
#   mean "approved" or "buyer".
#
# Evolution: fields and union members are only ever added, with new ordinals;
# nothing is renamed in meaning, removed or reordered. Canonical encoding drops
# trailing zero fields, so adding a field does not change the bytes (or the
# signatures) of messages that do not set it.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pactum::wire");

using Settlement = import "settlement.capnp";
using Escrow = import "escrow.capnp";

const protocolVersion :UInt16 = 1;
# The only Body.version this code accepts.

# ---------------------------------------------------------------------------
# Envelope

struct Envelope {
  # The unit of exchange: a signed body plus its signatures.
  body @0 :Body;
  # What is signed. Every signature covers the same canonical body bytes.
  signatures @1 :List(EnvelopeSignature);
  # At least one; the body's sender must be among the signers. Others
  # countersign (e.g. the agent's node relaying the agent's message).
  # Distinct signers only; at most protocol/limits.h kMaxSignatures.
}

struct Body {
  # The signed content of an envelope.
  version @0 :UInt16;
  # Protocol version; must equal protocolVersion (1).
  sender @1 :Data;
  # 32-byte public key of the author (agent, node, org root, approver, ...).
  sequence @2 :UInt64;
  # Per-sender sequence number, strictly increasing per sender key; lets
  # receivers detect replays and gaps.
  timestampMs @3 :Int64;
  # When the author signed, Unix milliseconds. The only way time enters the
  # deterministic core.
  nonce @4 :Data;
  # 16 random bytes, so equal content never yields a guessable signature and
  # two bodies never share a message hash.
  payload :union {
    # The message kind. Each member has its own signing domain
    # (protocol/domains.h). Members are only ever appended.
    orgCertificate @5 :OrgCertificate;        # "pactum/v1/org-certificate"
    nodeCertificate @6 :NodeCertificate;      # "pactum/v1/node-certificate"
    mandate @7 :Mandate;                      # "pactum/v1/mandate"
    revocation @8 :Revocation;                # "pactum/v1/revocation"
    propose @9 :Propose;                      # "pactum/v1/propose"
    counter @10 :Counter;                     # "pactum/v1/counter"
    accept @11 :Accept;                       # "pactum/v1/accept"
    reject @12 :Reject;                       # "pactum/v1/reject"
    withdraw @13 :Withdraw;                   # "pactum/v1/withdraw"
    escalate @14 :Escalate;                   # "pactum/v1/escalate"
    approve @15 :Approve;                     # "pactum/v1/approve"
    killSwitch @16 :KillSwitch;               # "pactum/v1/kill-switch"
    anchorReceipt @17 :AnchorReceipt;         # "pactum/v1/anchor-receipt"
    settlementReceipt @18 :SettlementReceipt; # "pactum/v1/settlement-receipt"
    escrowEvent @19 :EscrowEventMessage;      # "pactum/v1/escrow-event"
    checkpoint @20 :Checkpoint;               # "pactum/v1/checkpoint"
    equivocationProof @21 :EquivocationProof; # "pactum/v1/equivocation-proof"
    fileSignature @22 :FileSignature;         # "pactum/v1/file-signature"
    refusalNotice @23 :RefusalNotice;         # "pactum/v1/refusal-notice"
  }
}

struct EnvelopeSignature {
  # One signature over the envelope's body.
  signer @0 :Data;
  # 32-byte public key of the signer.
  union {
    direct @1 :Data;
    # 64-byte Ed25519 signature over domain || 0x00 || canonical(Body).
    # Protocol version 1 uses only this form.
    batch @2 :BatchSignature;
    # Reserved for batching; version 1 verifiers reject it (kUnsupported).
  }
}

struct BatchSignature {
  # One signature over the Merkle root of many bodies; this body is a leaf.
  # Format fixed now so enabling batching later changes no wire format:
  #   leaf  = SHA-256(0x00 || domain || 0x00 || canonical(Body))
  #   inner = SHA-256(0x01 || left || right)           (RFC 6962 tree)
  #   rootSignature = Ed25519 over "pactum/v1/batch" || 0x00 || root || be64(treeSize)
  rootSignature @0 :Data;
  # 64 bytes.
  leafIndex @1 :UInt64;
  # Position of this body's leaf in the batch, 0-based.
  treeSize @2 :UInt64;
  # Number of leaves in the batch.
  path @3 :List(Data);
  # RFC 6962 inclusion path: sibling hashes (32 bytes each), leaf to root.
}

# ---------------------------------------------------------------------------
# Identity: organizations, nodes, agent mandates, revocations.

struct OrgCertificate {
  # Self-signed by the org root key (Body.sender == orgRootKey). Introduces an
  # organization; partners are configured by this key.
  orgRootKey @0 :Data;
  # 32-byte org root public key.
  orgName @1 :Text;
  # Legal or display name, UTF-8.
}

struct NodeCertificate {
  # Signed by the org root key (Body.sender == orgRootKey): this node speaks
  # for the organization within the validity window.
  orgRootKey @0 :Data;
  # 32-byte org root public key (the issuer).
  nodeKey @1 :Data;
  # 32-byte node public key; it signs envelopes, receipts and checkpoints.
  nodeName @2 :Text;
  # Host or display name of the node.
  tlsCertificateDer @3 :Data;
  # X.509 DER of the node's Ed25519 TLS certificate (its key must be nodeKey).
  notBeforeMs @4 :Int64;
  # Valid from (inclusive), Unix ms.
  notAfterMs @5 :Int64;
  # Valid until (exclusive), Unix ms.
}

enum Role {
  # Which side of a deal an agent may take. Persisted: do not change or reorder.
  unspecified @0;
  buyer @1;
  seller @2;
}

struct Mandate {
  # Signed by the org root key (Body.sender == orgRootKey): the scope within
  # which `agentKey` may negotiate for the organization. The mandate id is the
  # message hash of the mandate envelope's body (docs/protocol.md).
  # Lists are allow-lists: an empty list allows nothing.
  agentKey @0 :Data;
  # 32-byte public key of the agent.
  orgRootKey @1 :Data;
  # 32-byte org root public key (the issuer).
  role @2 :Role;
  # The only side the agent may take.
  counterparties @3 :List(Data);
  # Org root keys (32 bytes each) of the organizations the agent may deal with.
  products @4 :List(Text);
  # Product ids (as in the pricing line items) the agent may buy or sell.
  currency @5 :Text;
  # ISO 4217 alphabetic code, e.g. "EUR"; contracts must be in it.
  perContractLimitMinor @6 :Int64;
  # Maximum total contract value, minor units.
  cumulativeLimitMinor @7 :Int64;
  # Maximum sum of contract values committed within one period, minor units.
  periodMs @8 :Int64;
  # Length of the cumulative-limit period, ms (periods start at notBeforeMs).
  maxConcessionPerRoundPpm @9 :UInt32;
  # Largest price move toward the counterparty in one round, parts per million
  # of the agent's previous offer.
  maxConcessionTotalPpm @10 :UInt32;
  # Largest total price move from the agent's first offer, parts per million.
  approvalThresholdMinor @11 :Int64;
  # Contracts whose value exceeds this need an approver's signature (Approve).
  approvers @12 :List(Data);
  # 32-byte keys whose Approve messages count for this mandate.
  notBeforeMs @13 :Int64;
  # Valid from (inclusive), Unix ms.
  notAfterMs @14 :Int64;
  # Valid until (exclusive), Unix ms.
  maxRounds @15 :UInt32;
  # Most messages a negotiation under this mandate may take; 0 = policy default.
}

enum RevocationReason {
  # Why a key or mandate was revoked. Persisted: do not change or reorder.
  unspecified @0;
  superseded @1;   # Replaced by a newer mandate or key.
  compromised @2;  # The key may be known to someone else.
  retired @3;      # The agent or node no longer acts for the organization.
  other @4;        # See `note`.
}

struct Revocation {
  # Signed by the org root key: from `effectiveMs` on, the target is void.
  # Revocations are ledger entries that peers learn of.
  orgRootKey @0 :Data;
  # 32-byte org root public key (the issuer).
  target :union {
    mandateId @1 :Data;
    # 32-byte mandate id (message hash of the mandate envelope's body).
    key @2 :Data;
    # 32-byte agent or node key: every mandate and certificate naming it.
  }
  reason @3 :RevocationReason;
  effectiveMs @4 :Int64;
  # Unix ms from which the target is revoked.
  note @5 :Text;
  # Free text for people.
}

# ---------------------------------------------------------------------------
# Contract terms

struct Party {
  # One side of a contract.
  orgRootKey @0 :Data;
  # 32-byte org root public key.
  name @1 :Text;
  # Legal name, UTF-8.
}

struct AmendmentOf {
  # Present when the terms amend a running contract (upgrade, downgrade,
  # quantity change, cancellation).
  baseContractId @0 :Data;
  # 16-byte id of the contract being amended.
  baseTermsHash @1 :Data;
  # 32-byte terms hash of the version being amended.
  effectiveDay @2 :Int32;
  # First day the amendment applies, days since 1970-01-01.
  downgradeImmediate @3 :Bool;
  # A lower unit price applies from effectiveDay with a prorated credit;
  # false: from the end of the billing period containing effectiveDay.
  cancelRefundProrated @4 :Bool;
  # A cancellation (endDay = effectiveDay) refunds the unused part of the
  # period; false: no refund.
}

struct ContractTerms {
  # Everything both parties sign by accepting: terms_hash is
  # SHA-256("pactum/v1/terms-hash" || 0x00 || canonical(ContractTerms)).
  contractId @0 :Data;
  # 16 random bytes chosen by the proposer; stays fixed across counters.
  negotiationId @1 :Data;
  # 16-byte id of the negotiation that produced these terms.
  buyer @2 :Party;
  seller @3 :Party;
  currency @4 :Text;
  # ISO 4217 alphabetic code, e.g. "EUR"; every amount is in it.
  startDay @5 :Int32;
  # First day of the term, days since 1970-01-01 (inclusive).
  endDay @6 :Int32;
  # First day after the term, days since 1970-01-01 (exclusive): the term is
  # [startDay, endDay).
  pricing @7 :Settlement.Pricing;
  # Line items, rate plans, billing cycle, conventions (settlement.capnp).
  taxJurisdiction @8 :Text;
  # e.g. "DE" or "US-CA" (ISO 3166-1 / 3166-2 codes).
  taxTableHash @9 :Data;
  # 32-byte hash of the tax table version both parties apply.
  escrow @10 :Escrow.EscrowTerms;
  # Escrow amount and release conditions (escrow.capnp); null for no escrow.
  arbiterKey @11 :Data;
  # 32-byte key of the arbiter who may rule on disputes; empty for none.
  listPriceMinor @12 :Int64;
  # Reference list price of the whole contract, minor units, for discount
  # checks; 0 when there is none.
  note @13 :Text;
  # Human-readable note; signed like everything else, never interpreted.
  amendmentOf @14 :AmendmentOf;
  # Null for a new contract.
}

# ---------------------------------------------------------------------------
# Negotiation. Turns alternate between the parties; the state machine
# (protocol/negotiation) defines legal sequences.

struct MandateRef {
  # The mandate the sender acts under.
  mandateId @0 :Data;
  # 32-byte mandate id (message hash of the mandate envelope's body).
  envelope @1 :Envelope;
  # The org-root-signed mandate envelope. Required on the sender's first
  # message in a negotiation, null afterwards (the id is enough).
}

struct NegotiationContext {
  # Carried by every negotiation message.
  negotiationId @0 :Data;
  # 16 random bytes chosen by the proposer.
  round @1 :UInt32;
  # 1 for the Propose, one more for each later message of the negotiation.
  previousHash @2 :Data;
  # 32-byte message hash of the previous message of this negotiation (the
  # hash link); 32 zero bytes for the first message.
  mandate @3 :MandateRef;
}

struct Propose {
  # Opens a negotiation with complete terms.
  context @0 :NegotiationContext;
  terms @1 :ContractTerms;
  offerExpiresMs @2 :Int64;
  # The offer lapses at this Unix ms; 0 = the policy's default deadline.
}

struct Counter {
  # Replaces the terms on the table with new complete terms.
  context @0 :NegotiationContext;
  terms @1 :ContractTerms;
  offerExpiresMs @2 :Int64;
  # As in Propose.
  note @3 :Text;
  # Why, for people.
}

struct Accept {
  # Accepts the terms on the table; both sides then hold signatures over the
  # same terms hash.
  context @0 :NegotiationContext;
  termsHash @1 :Data;
  # 32-byte terms hash of the accepted ContractTerms.
}

enum RejectReason {
  # Persisted: do not change or reorder.
  unspecified @0;
  unacceptableTerms @1;
  outsideMandate @2;
  policy @3;
  expired @4;
  other @5;
}

struct Reject {
  # Ends the negotiation without a contract.
  context @0 :NegotiationContext;
  reason @1 :RejectReason;
  note @2 :Text;
}

struct Withdraw {
  # The sender withdraws its own open offer and ends the negotiation.
  context @0 :NegotiationContext;
  note @1 :Text;
}

enum EscalationReason {
  # Persisted: do not change or reorder.
  unspecified @0;
  aboveThreshold @1;   # Contract value above the mandate's approval threshold.
  policy @2;           # A guardrail asks for a person.
  requested @3;        # The agent asked for a person.
  other @4;
}

struct Escalate {
  # The negotiation waits for an approver (state ESCALATED).
  context @0 :NegotiationContext;
  termsHash @1 :Data;
  # 32-byte hash of the terms awaiting approval.
  reason @2 :EscalationReason;
  note @3 :Text;
}

enum ApprovalDecision {
  # Persisted: do not change or reorder.
  unspecified @0;
  approved @1;
  denied @2;
}

struct Approve {
  # An approver's decision (Body.sender is the approver key, which must be
  # listed in the mandate's approvers).
  context @0 :NegotiationContext;
  termsHash @1 :Data;
  # 32-byte hash of the terms decided on.
  decision @2 :ApprovalDecision;
  note @3 :Text;
}

enum KillSwitchAction {
  # Persisted: do not change or reorder.
  unspecified @0;
  engage @1;   # Stop: no new messages are signed or relayed for the scope.
  lift @2;     # Resume.
}

struct KillSwitch {
  # Signed by the org root or an approver key.
  action @0 :KillSwitchAction;
  scope :union {
    organization @1 :Data;
    # 32-byte org root key: everything the organization does.
    agentKey @2 :Data;
    # 32-byte agent key.
    mandateId @3 :Data;
    # 32-byte mandate id.
    negotiationId @4 :Data;
    # 16-byte negotiation id.
  }
  effectiveMs @5 :Int64;
  # Unix ms from which the action applies.
  note @6 :Text;
}

# ---------------------------------------------------------------------------
# Ledger, settlement and escrow messages between nodes.

struct AnchorReceipt {
  # Signed by a node: the contract is in its ledger.
  contractId @0 :Data;
  # 16 bytes.
  termsHash @1 :Data;
  # 32 bytes.
  ledgerIndex @2 :UInt64;
  # Index of the ledger entry holding the contract and its transcript.
  checkpoint @3 :Text;
  # The node's C2SP signed checkpoint note covering ledgerIndex, verbatim.
  nodeKey @4 :Data;
  # 32-byte key of the node whose ledger this is.
  entryHash @5 :Data;
  # 32-byte RFC 6962 leaf hash of the entry; empty if not given.
  inclusionPath @6 :List(Data);
  # RFC 6962 inclusion path (32-byte hashes, leaf to root) from the entry to
  # the checkpoint's root; empty if not given.
}

struct SettlementReceipt {
  # Signed by a node: its settlement core computed these digests. Different
  # digests from two nodes are a divergence.
  contractId @0 :Data;
  # 16 bytes.
  settlementDigest @1 :Data;
  # 32-byte canonical hash of the SettlementResult.
  escrowDigest @2 :Data;
  # 32-byte canonical hash of the EscrowState.
  nodeKey @3 :Data;
  # 32-byte key of the computing node.
  termsHash @4 :Data;
  # 32-byte hash of the terms settled.
}

struct EscrowEventMessage {
  # A signed escrow event (funded, delivered, approval, preimage, dispute,
  # ruling, ...), anchored and applied by every node.
  contractId @0 :Data;
  # 16 bytes.
  termsHash @1 :Data;
  # 32 bytes.
  event @2 :Escrow.EscrowEvent;
}

struct Cosignature {
  # A C2SP tlog-cosignature/v1 on a checkpoint by a witness or peer node.
  cosignerKey @0 :Data;
  # 32-byte Ed25519 key of the cosigner.
  keyName @1 :Text;
  # The cosigner's key name in the signed-note signature line.
  timestampS @2 :UInt64;
  # Cosignature time, Unix seconds (as tlog-cosignature/v1 signs it).
  signature @3 :Data;
  # 64-byte Ed25519 signature per tlog-cosignature/v1.
}

struct Checkpoint {
  # A ledger checkpoint: a C2SP tlog-checkpoint signed as a C2SP signed note
  # by the node key (Ed25519 over the note text exactly, as the spec says).
  note @0 :Text;
  # The complete signed note: checkpoint body, blank line, signature lines.
  cosignatures @1 :List(Cosignature);
  consistencyFromSize @2 :UInt64;
  # Added for witnessing (docs/node.md): the tree size the consistency proof
  # starts from, i.e. the size of the sender's checkpoint that the receiving
  # witness cosigned last; 0 with an empty proof when there is none.
  consistencyProof @3 :List(Data);
  # RFC 9162 section 2.1.4 consistency proof (32-byte hashes, in the RFC's
  # order) from consistencyFromSize to the size of `note`.
}

struct EquivocationProof {
  # Two checkpoints signed by one key that cannot both be honest (same tree
  # size, different roots, or otherwise inconsistent). Portable: anyone can
  # verify it offline.
  signerKey @0 :Data;
  # 32-byte key that signed both notes.
  first @1 :Checkpoint;
  second @2 :Checkpoint;
}

# ---------------------------------------------------------------------------
# Files

struct FileSignature {
  # A detached signature over a file (`pactum sign`): the signer vouches for
  # the file with this name, size and SHA-256. Body.sender is the signer.
  name @0 :Text;
  # The file's base name when signed; informative, not checked.
  sizeBytes @1 :UInt64;
  # Exact length of the file.
  sha256 @2 :Data;
  # 32-byte SHA-256 of the file's bytes.
}

struct RefusalNotice {
  # A node's word to a partner that it refused the partner's relayed
  # negotiation message, signed by the refusing node's key (Body.sender) and
  # sent back on the same connection; the partner's node tells the agent that
  # sent the message why. Informational: it changes no negotiation state.
  negotiationId @0 :Data;
  # 16-byte id of the negotiation.
  messageHash @1 :Data;
  # 32-byte message hash of the refused envelope.
  code @2 :Text;
  # The error code's stable name, e.g. "conflicting_message" (base/errors.h).
  rule @3 :Text;
  # The rule that fired, e.g. "amendment.in_progress".
  detail @4 :Text;
  # The values that made it fire, for a person.
}
