@0xbc32e4f93dec4db1;
# Node-core records: what the node core writes into its own ledger besides
# signed envelopes. Byte-level description: docs/node.md.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pactum::wire::node");

using Pactum = import "/protocol/pactum.capnp";

struct ContractAnchor {
  # Payload of a ledger entry of kind contractAnchor (1): the accepted contract
  # and the hash chain of the negotiation that produced it. Stored as its
  # canonical encoding; the entry id is
  # SHA-256("pactum/v1/node/anchor-id" || 0x00 || termsHash).
  contractId @0 :Data;
  # 16 bytes (ContractTerms.contractId).
  negotiationId @1 :Data;
  # 16 bytes.
  termsHash @2 :Data;
  # 32-byte terms hash of `terms`; both parties' Accept/offer signed it.
  terms @3 :Pactum.ContractTerms;
  # The accepted terms, exactly as offered.
  transcript @4 :List(Data);
  # Message hashes (32 bytes each) of every negotiation message, oldest first:
  # the hash chain from the Propose to the Accept. The envelopes themselves
  # are negotiationMessage entries of the same ledger.
  buyerOrg @5 :Data;
  # 32-byte org root key of the buyer.
  sellerOrg @6 :Data;
  # 32-byte org root key of the seller.
}
