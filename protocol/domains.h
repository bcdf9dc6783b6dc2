// protocol domains: the domain-separation strings of every pactum signature
// and hash. A signature is over `domain || 0x00 || canonical(Body)` with the
// domain of the body's payload kind, so a signature made for one kind never
// verifies as another; hashes use their own domains so a hash of one thing is
// never a hash of another. The table is in docs/protocol.md.
//
// The strings are persisted in every signature and hash: do not change them.
// A new payload kind gets a new string; a new protocol version gets "v2".
#pragma once

#include <optional>
#include <string_view>

#include "protocol/pactum.capnp.h"

namespace pactum::protocol {

// The kind of an envelope: which member of Body.payload is set.
using PayloadKind = wire::Body::Payload::Which;

namespace domains {
// Signing domains, one per payload kind.
inline constexpr std::string_view kOrgCertificate = "pactum/v1/org-certificate";
inline constexpr std::string_view kNodeCertificate = "pactum/v1/node-certificate";
inline constexpr std::string_view kMandate = "pactum/v1/mandate";
inline constexpr std::string_view kRevocation = "pactum/v1/revocation";
inline constexpr std::string_view kPropose = "pactum/v1/propose";
inline constexpr std::string_view kCounter = "pactum/v1/counter";
inline constexpr std::string_view kAccept = "pactum/v1/accept";
inline constexpr std::string_view kReject = "pactum/v1/reject";
inline constexpr std::string_view kWithdraw = "pactum/v1/withdraw";
inline constexpr std::string_view kEscalate = "pactum/v1/escalate";
inline constexpr std::string_view kApprove = "pactum/v1/approve";
inline constexpr std::string_view kKillSwitch = "pactum/v1/kill-switch";
inline constexpr std::string_view kAnchorReceipt = "pactum/v1/anchor-receipt";
inline constexpr std::string_view kSettlementReceipt = "pactum/v1/settlement-receipt";
inline constexpr std::string_view kEscrowEvent = "pactum/v1/escrow-event";
inline constexpr std::string_view kCheckpoint = "pactum/v1/checkpoint";
inline constexpr std::string_view kEquivocationProof = "pactum/v1/equivocation-proof";
inline constexpr std::string_view kFileSignature = "pactum/v1/file-signature";
inline constexpr std::string_view kRefusalNotice = "pactum/v1/refusal-notice";

// Reserved for BatchSignature.rootSignature (not accepted in version 1).
inline constexpr std::string_view kBatch = "pactum/v1/batch";

// Hash domains.
// Message hash of a Body: hash links (previousHash) and mandate ids.
inline constexpr std::string_view kMessageHash = "pactum/v1/message-hash";
// Terms hash of a ContractTerms: what Accept, Escalate and Approve name.
inline constexpr std::string_view kTermsHash = "pactum/v1/terms-hash";
}  // namespace domains

// The signing domain of a payload kind, or nullopt for a kind this version
// does not know (a discriminant from a newer schema).
constexpr std::optional<std::string_view> signing_domain(PayloadKind kind) {
  switch (kind) {
    case PayloadKind::ORG_CERTIFICATE: return domains::kOrgCertificate;
    case PayloadKind::NODE_CERTIFICATE: return domains::kNodeCertificate;
    case PayloadKind::MANDATE: return domains::kMandate;
    case PayloadKind::REVOCATION: return domains::kRevocation;
    case PayloadKind::PROPOSE: return domains::kPropose;
    case PayloadKind::COUNTER: return domains::kCounter;
    case PayloadKind::ACCEPT: return domains::kAccept;
    case PayloadKind::REJECT: return domains::kReject;
    case PayloadKind::WITHDRAW: return domains::kWithdraw;
    case PayloadKind::ESCALATE: return domains::kEscalate;
    case PayloadKind::APPROVE: return domains::kApprove;
    case PayloadKind::KILL_SWITCH: return domains::kKillSwitch;
    case PayloadKind::ANCHOR_RECEIPT: return domains::kAnchorReceipt;
    case PayloadKind::SETTLEMENT_RECEIPT: return domains::kSettlementReceipt;
    case PayloadKind::ESCROW_EVENT: return domains::kEscrowEvent;
    case PayloadKind::CHECKPOINT: return domains::kCheckpoint;
    case PayloadKind::EQUIVOCATION_PROOF: return domains::kEquivocationProof;
    case PayloadKind::FILE_SIGNATURE: return domains::kFileSignature;
    case PayloadKind::REFUSAL_NOTICE: return domains::kRefusalNotice;
  }
  return std::nullopt;  // Unknown discriminant from a newer peer.
}

// Short name of a payload kind for logs and errors, e.g. "propose": the part
// of its signing domain after "pactum/v1/"; "unknown" for unknown kinds.
constexpr std::string_view payload_kind_name(PayloadKind kind) {
  constexpr std::string_view kPrefix = "pactum/v1/";
  auto domain = signing_domain(kind);
  if (!domain) return "unknown";
  return domain->substr(kPrefix.size());
}

// Every payload kind this version knows, in discriminant order (for tests and
// tables).
inline constexpr PayloadKind kAllPayloadKinds[] = {
    PayloadKind::ORG_CERTIFICATE, PayloadKind::NODE_CERTIFICATE, PayloadKind::MANDATE,
    PayloadKind::REVOCATION,      PayloadKind::PROPOSE,          PayloadKind::COUNTER,
    PayloadKind::ACCEPT,          PayloadKind::REJECT,           PayloadKind::WITHDRAW,
    PayloadKind::ESCALATE,        PayloadKind::APPROVE,          PayloadKind::KILL_SWITCH,
    PayloadKind::ANCHOR_RECEIPT,  PayloadKind::SETTLEMENT_RECEIPT, PayloadKind::ESCROW_EVENT,
    PayloadKind::CHECKPOINT,      PayloadKind::EQUIVOCATION_PROOF, PayloadKind::FILE_SIGNATURE,
    PayloadKind::REFUSAL_NOTICE,
};

}  // namespace pactum::protocol
