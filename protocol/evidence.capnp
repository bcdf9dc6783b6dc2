@0xbdb63e13b38c894f;
# pactum evidence bundle, version 1: everything a dispute resolver needs to
# check one contract offline, with no access to any node. Byte-level rules,
# the check list and the golden vector: docs/evidence.md. Built and verified
# by ledger/evidence.h; `pactum evidence verify|report|export` use it.
#
# On disk a bundle is the canonical Cap'n Proto encoding of EvidenceBundle
# (capnp::canonicalize: one segment, no segment table), readable with
#   capnp decode --flat protocol/evidence.capnp EvidenceBundle
# Its identity, printed in reports, is
#   SHA-256("pactum/v1/evidence-bundle" || 0x00 || canonical bytes).
#
# The bundle itself is not signed: every part that matters carries its own
# signature (envelopes, checkpoints, cosignatures) or is a hash-committed
# input (terms, tax table) or a recomputation (settlement, escrow), so a
# verifier needs only the trusted org root keys. Every field below is checked;
# any changed byte fails verification (tests/evidence/tamper_test.cc).
#
# Conventions as in pactum.capnp: keys 32 bytes, hashes 32-byte SHA-256, ids
# 16 bytes, times Unix ms. Fields are only ever appended, never renumbered.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pactum::wire::evidence");

using Pactum = import "pactum.capnp";
using Settlement = import "settlement.capnp";

const bundleVersion :UInt16 = 1;
# The only EvidenceBundle.version this code accepts.

struct EvidenceBundle {
  version @0 :UInt16;
  # Must equal bundleVersion (1).
  contractId @1 :Data;
  # 16-byte id of the contract (ContractTerms.contractId).
  termsHash @2 :Data;
  # 32-byte terms hash of `terms`; what the Accept names.
  terms @3 :Pactum.ContractTerms;
  # The accepted terms, exactly as in the last offer of the transcript.
  transcript @4 :List(Data);
  # Canonical Envelope bytes of every negotiation message, in order: the
  # Propose, each Counter, the Accept. Each links to the one before by
  # NegotiationContext.previousHash.
  approvals @5 :List(Data);
  # Canonical Approve envelopes of escalated transcript messages (an
  # approver's decision is kept beside the transcript; may be empty).
  mandates @6 :List(Data);
  # Canonical Mandate envelopes of every agent that signed a transcript
  # message, signed by its org root key.
  revocations @7 :List(Data);
  # Canonical Revocation envelopes either party issued for those mandates or
  # keys (may be empty); a revocation effective before a message voids it.
  buyer @8 :PartyEvidence;
  seller @9 :PartyEvidence;
  settlementReceipts @10 :List(Data);
  # Canonical SettlementReceipt envelopes, one from each party's node.
  escrowEvents @11 :List(Data);
  # Canonical EscrowEventMessage envelopes in the order they were applied.
  escrowStateDigest @12 :Data;
  # 32-byte escrow state digest after the last event (protocol/escrow_codec.h);
  # empty when the contract has no escrow.
  taxTable @13 :Settlement.TaxTable;
  # The tax table version whose hash is ContractTerms.taxTableHash.
  amendedVersions @14 :List(Pactum.ContractTerms);
  # When `terms` amend a contract: the terms of every earlier version, the
  # first version first. Each version's terms hash is the next one's
  # amendmentOf.baseTermsHash (the last one's is terms.amendmentOf's), so the
  # accepted terms commit to all of them; settlement runs on the chain
  # (protocol/amendment.h). Empty for a contract's first version.
}

struct PartyEvidence {
  # What one party's node contributes: identity and its ledger's proofs.
  orgCertificate @0 :Data;
  # Canonical OrgCertificate envelope, self-signed by the org root key.
  nodeCertificate @1 :Data;
  # Canonical NodeCertificate envelope, signed by the org root key.
  anchorReceipt @2 :Data;
  # Canonical AnchorReceipt envelope signed by this party's node key.
  checkpoints @3 :List(Pactum.Checkpoint);
  # Signed C2SP checkpoint notes of this party's ledger (origin = key name),
  # each with the cosignatures it gathered (tlog-cosignature/v1 by the other
  # party's node key).
  entries @4 :List(EntryProof);
  # This party's ledger entries about the contract: the contract anchor, and
  # the negotiation messages and approvals (by message hash), revocations,
  # escrow events, settlement receipts and the partner's anchor receipt
  # (a generic entry), each with its inclusion proof.
}

struct EntryProof {
  entry @0 :Data;
  # The exact ledger entry bytes (docs/ledger.md: "pactum-ledger-entry-v1"
  # || 0x00 || canonical Entry); the leaf hash is SHA-256(0x00 || entry).
  checkpoint @1 :UInt32;
  # Index into PartyEvidence.checkpoints of the checkpoint proved against.
  path @2 :List(Data);
  # RFC 9162 inclusion path (32-byte hashes, lowest level first) from the
  # entry's leaf to that checkpoint's root.
}

struct ContractAnchor {
  # Payload of a ledger entry of kind contractAnchor (ledger.capnp), as the
  # node core writes it. A field-for-field mirror of ContractAnchor in
  # node/core/node_core.capnp (same ordinals and types, so the same bytes):
  # the ledger module may not depend on node/, and the verifier must read
  # the anchors. docs/node.md has its golden vector.
  contractId @0 :Data;
  # 16 bytes (ContractTerms.contractId).
  negotiationId @1 :Data;
  # 16 bytes.
  termsHash @2 :Data;
  # 32-byte terms hash of `terms`.
  terms @3 :Pactum.ContractTerms;
  # The accepted terms, exactly as offered.
  transcript @4 :List(Data);
  # Message hashes (32 bytes each), Propose through Accept, oldest first; the
  # envelopes are negotiationMessage entries of the same ledger.
  buyerOrg @5 :Data;
  # 32-byte org root key of the buyer.
  sellerOrg @6 :Data;
  # 32-byte org root key of the seller.
}
