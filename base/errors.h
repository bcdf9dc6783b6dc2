// Error codes shared by every module.
//
// The numbers are stable and part of the external interface (CLI exit
// reasons, agent API JSON, logs): never renumber or reuse a code. Each module
// owns a block of one hundred; add new codes at the end of your block.
#pragma once

#include <cstdint>
#include <string_view>

namespace pactum {

// Tells the caller what to do with a failure (after Bitcoin Core's
// validation results): reject the input, retry later, or treat the peer as
// hostile.
enum class ErrorClass : std::uint8_t { kReject = 1, kRetry = 2, kHostile = 3, kBug = 4 };

enum class Errc : std::uint16_t {
  // base: 1..99
  kInvalidArgument = 1,
  kOverflow = 2,
  kOutOfRange = 3,
  kNotFound = 4,
  kAlreadyExists = 5,
  kIo = 6,
  kParse = 7,
  kUnsupported = 8,
  kLimitExceeded = 9,
  kInternal = 10,

  // crypto: 100..199
  kBadSignature = 100,
  kBadKey = 101,
  kBadPassphrase = 102,
  kCorruptKeyFile = 103,
  kBadCertificate = 104,
  kTls = 105,
  kBadEncoding = 106,
  kPeerNotPinned = 107,

  // protocol (schema, envelopes, decoding): 200..299
  kMalformedMessage = 200,
  kMessageTooLarge = 201,
  kNonCanonical = 202,
  kWrongKind = 203,
  kUnknownVersion = 204,
  kMissingSignature = 205,

  // settlement: 300..399
  kCurrencyMismatch = 300,
  kUnknownCurrency = 301,
  kBadDate = 302,
  kBadRatePlan = 303,
  kCreditLimit = 304,
  kBadTaxTable = 305,
  kBadContract = 306,

  // escrow: 400..499
  kEscrowIllegalTransition = 400,
  kEscrowUnauthorized = 401,
  kEscrowInsufficient = 402,
  kEscrowConditionUnmet = 403,
  kEscrowUnknownMilestone = 404,
  kEscrowBadTerms = 405,
  kEscrowBadEvent = 406,
  kEscrowConflictingEvent = 407,
  kEscrowWrongContract = 408,
  kEscrowStaleEvent = 409,

  // ledger: 500..599
  kLedgerCorrupt = 500,
  kLedgerChainBroken = 501,
  kLedgerMapFull = 502,
  kLedgerDb = 503,
  kBadProof = 504,
  kBadCheckpoint = 505,

  // negotiation, mandates, policy: 600..699
  kOutOfTurn = 600,
  kStaleMessage = 601,
  kUnlinkedMessage = 602,
  kConflictingMessage = 603,
  kNegotiationClosed = 604,
  kMandateExpired = 605,
  kMandateRevoked = 606,
  kMandateScope = 607,
  kBudgetExceeded = 608,
  kPolicyViolation = 609,
  kKillSwitch = 610,
  kDeadlinePassed = 611,
  kTooManyRounds = 612,
  kBadPolicy = 613,
  kNeedsApproval = 614,
  kIllegalTransition = 615,
  kFutureMessage = 616,

  // node: 700..799
  kBadConfig = 700,
  kPeerRefused = 701,
  kPeerOverloaded = 702,
  kFrameTooLarge = 703,
  kDivergence = 704,
  kEquivocation = 705,
};

// Stable, human-readable name of a code, e.g. "bad_signature".
constexpr std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument: return "invalid_argument";
    case Errc::kOverflow: return "overflow";
    case Errc::kOutOfRange: return "out_of_range";
    case Errc::kNotFound: return "not_found";
    case Errc::kAlreadyExists: return "already_exists";
    case Errc::kIo: return "io";
    case Errc::kParse: return "parse";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kLimitExceeded: return "limit_exceeded";
    case Errc::kInternal: return "internal";
    case Errc::kBadSignature: return "bad_signature";
    case Errc::kBadKey: return "bad_key";
    case Errc::kBadPassphrase: return "bad_passphrase";
    case Errc::kCorruptKeyFile: return "corrupt_key_file";
    case Errc::kBadCertificate: return "bad_certificate";
    case Errc::kTls: return "tls";
    case Errc::kBadEncoding: return "bad_encoding";
    case Errc::kPeerNotPinned: return "peer_not_pinned";
    case Errc::kMalformedMessage: return "malformed_message";
    case Errc::kMessageTooLarge: return "message_too_large";
    case Errc::kNonCanonical: return "non_canonical";
    case Errc::kWrongKind: return "wrong_kind";
    case Errc::kUnknownVersion: return "unknown_version";
    case Errc::kMissingSignature: return "missing_signature";
    case Errc::kCurrencyMismatch: return "currency_mismatch";
    case Errc::kUnknownCurrency: return "unknown_currency";
    case Errc::kBadDate: return "bad_date";
    case Errc::kBadRatePlan: return "bad_rate_plan";
    case Errc::kCreditLimit: return "credit_limit";
    case Errc::kBadTaxTable: return "bad_tax_table";
    case Errc::kBadContract: return "bad_contract";
    case Errc::kEscrowIllegalTransition: return "escrow_illegal_transition";
    case Errc::kEscrowUnauthorized: return "escrow_unauthorized";
    case Errc::kEscrowInsufficient: return "escrow_insufficient";
    case Errc::kEscrowConditionUnmet: return "escrow_condition_unmet";
    case Errc::kEscrowUnknownMilestone: return "escrow_unknown_milestone";
    case Errc::kEscrowBadTerms: return "escrow_bad_terms";
    case Errc::kEscrowBadEvent: return "escrow_bad_event";
    case Errc::kEscrowConflictingEvent: return "escrow_conflicting_event";
    case Errc::kEscrowWrongContract: return "escrow_wrong_contract";
    case Errc::kEscrowStaleEvent: return "escrow_stale_event";
    case Errc::kLedgerCorrupt: return "ledger_corrupt";
    case Errc::kLedgerChainBroken: return "ledger_chain_broken";
    case Errc::kLedgerMapFull: return "ledger_map_full";
    case Errc::kLedgerDb: return "ledger_db";
    case Errc::kBadProof: return "bad_proof";
    case Errc::kBadCheckpoint: return "bad_checkpoint";
    case Errc::kOutOfTurn: return "out_of_turn";
    case Errc::kStaleMessage: return "stale_message";
    case Errc::kUnlinkedMessage: return "unlinked_message";
    case Errc::kConflictingMessage: return "conflicting_message";
    case Errc::kNegotiationClosed: return "negotiation_closed";
    case Errc::kMandateExpired: return "mandate_expired";
    case Errc::kMandateRevoked: return "mandate_revoked";
    case Errc::kMandateScope: return "mandate_scope";
    case Errc::kBudgetExceeded: return "budget_exceeded";
    case Errc::kPolicyViolation: return "policy_violation";
    case Errc::kKillSwitch: return "kill_switch";
    case Errc::kDeadlinePassed: return "deadline_passed";
    case Errc::kTooManyRounds: return "too_many_rounds";
    case Errc::kBadPolicy: return "bad_policy";
    case Errc::kNeedsApproval: return "needs_approval";
    case Errc::kIllegalTransition: return "illegal_transition";
    case Errc::kFutureMessage: return "future_message";
    case Errc::kBadConfig: return "bad_config";
    case Errc::kPeerRefused: return "peer_refused";
    case Errc::kPeerOverloaded: return "peer_overloaded";
    case Errc::kFrameTooLarge: return "frame_too_large";
    case Errc::kDivergence: return "divergence";
    case Errc::kEquivocation: return "equivocation";
  }
  return "unknown";
}

// What a caller should do with a failure of this code.
constexpr ErrorClass errc_class(Errc code) {
  switch (code) {
    case Errc::kIo:
    case Errc::kLedgerMapFull:
    case Errc::kLedgerDb:
    case Errc::kPeerOverloaded:
    case Errc::kNeedsApproval:
      return ErrorClass::kRetry;
    case Errc::kBadSignature:
    case Errc::kMalformedMessage:
    case Errc::kMessageTooLarge:
    case Errc::kNonCanonical:
    case Errc::kFrameTooLarge:
    case Errc::kEquivocation:
      return ErrorClass::kHostile;
    case Errc::kInternal:
      return ErrorClass::kBug;
    default:
      return ErrorClass::kReject;
  }
}

}  // namespace pactum
