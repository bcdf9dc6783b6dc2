// Value types shared by the negotiation engine: roles, states, message kinds,
// the decoded negotiation message and the Decision every input produces.
// Pure value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/base.h"
#include "crypto/crypto.h"

namespace pactum::protocol {

// Orders 32-byte digests and keys exactly as std::less<std::array> does
// (lexicographic bytes), eight bytes at a time without a call to memcmp: the
// engine's maps are searched about a dozen times per decided message, and
// that comparison was 65 % of the engine's time in a profile.
struct DigestLess {
  static_assert(sizeof(crypto::Digest) % 8 == 0);
  bool operator()(const crypto::Digest& a, const crypto::Digest& b) const {
    for (std::size_t i = 0; i < a.size(); i += 8) {
      const std::uint64_t x = big_endian(a.data() + i);
      const std::uint64_t y = big_endian(b.data() + i);
      if (x != y) return x < y;
    }
    return false;
  }
  // Eight bytes as a big-endian number, so numeric order is byte order (the
  // compiler makes this one load and a byte swap).
  static std::uint64_t big_endian(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < 8; ++k) v = (v << 8) | p[k];
    return v;
  }
};

// Persisted in transcripts: do not change the numbers.
enum class Role : std::uint8_t { kBuyer = 0, kSeller = 1 };

// Persisted with every negotiation: do not change the numbers.
enum class NegState : std::uint8_t {
  kInit = 0,
  kProposed = 1,
  kCountered = 2,
  kEscalated = 3,
  kAccepted = 4,
  kRejected = 5,
  kWithdrawn = 6,
  kExpired = 7,
  kFailed = 8,
  kCommitted = 9,
};
inline constexpr std::size_t kNegStateCount = 10;

// What drives a transition. Messages are the first seven; the rest come from
// the engine (escalation), the caller's clock (expire) and the ledger.
enum class NegEvent : std::uint8_t {
  kPropose = 0,
  kCounter = 1,
  kAccept = 2,
  kReject = 3,
  kWithdraw = 4,
  kApprove = 5,
  kDeny = 6,
  kEscalate = 7,
  kExpire = 8,
  kFail = 9,
  kCommit = 10,
};

std::string_view state_name(NegState s);
std::string_view event_name(NegEvent e);
inline Role other(Role r) { return r == Role::kBuyer ? Role::kSeller : Role::kBuyer; }
std::string_view role_name(Role r);

// The economic summary of a ContractTerms the guardrails check. The decoder
// fills it from the same canonical terms whose hash is terms_hash.
struct Offer {
  std::string product;
  std::string currency;
  std::int64_t unit_price_minor = 0;
  std::int64_t quantity = 0;
  std::int64_t total_minor = 0;  // unit_price_minor * quantity, checked when decoded.
};

// What an amendment's terms amend (ContractTerms.amendmentOf): the contract
// (the id of its first version), the terms hash of the version in force
// that they replace, and the first day they apply.
struct AmendmentRef {
  crypto::Digest base_contract_id{};      // 16 bytes, zero-padded.
  crypto::Digest base_terms_hash{};
  std::int32_t effective_day = 0;         // Days since 1970-01-01.
  bool downgrade_immediate = false;       // A lower price applies at once (credit), not at period end.
  bool cancel_refund_prorated = false;    // A cancellation refunds the unused part of the period.
  bool operator==(const AmendmentRef&) const = default;
};

// One decoded negotiation message whose signature has been verified (by
// decode in negotiation_wire.cc, or by a test). `signer` is the key that
// signed it; `hash` is SHA-256 of its signed canonical bytes.
struct NegMessage {
  NegEvent kind = NegEvent::kPropose;     // kPropose..kDeny only.
  crypto::Digest negotiation_id{};
  crypto::Digest hash{};
  crypto::Digest prev_hash{};             // Zero for a Propose.
  crypto::PublicKey signer{};
  Role sender_role = Role::kBuyer;        // Ignored for approve/deny.
  crypto::PublicKey sender_org{};         // Org root of the sender's mandate.
  crypto::PublicKey counterparty_org{};   // Org the sender negotiates with.
  std::int64_t timestamp_ms = 0;          // Signed by the sender.
  std::int64_t deadline_ms = 0;           // Propose only: when the negotiation expires.
  crypto::Digest terms_hash{};            // Propose/counter/accept.
  Offer offer;                            // Propose/counter/accept.
  crypto::Digest contract_id{};           // Propose/counter: terms.contractId, zero-padded.
  std::optional<AmendmentRef> amends;     // Propose/counter: terms.amendmentOf.
  std::uint64_t size_bytes = 0;           // Encoded size, for the size limit.
};

enum class Outcome : std::uint8_t { kApplied = 0, kEscalated = 1, kDuplicate = 2, kRefused = 3 };

// What the engine decided about one input. A refusal or escalation always
// names the rule that fired and the values that made it fire.
struct Decision {
  Outcome outcome = Outcome::kRefused;
  NegState state = NegState::kInit;       // State after the decision.
  Errc code = Errc::kInternal;            // For kRefused and kEscalated.
  std::string rule;                       // e.g. "policy.price_floor"; empty when applied.
  std::string values;                     // e.g. "unit_price 90 < floor 100".
  crypto::Digest policy_hash{};           // Policy in force when decided.

  bool ok() const { return outcome == Outcome::kApplied || outcome == Outcome::kDuplicate; }
};

// A rule that fired: carried from the checks to the Decision.
struct Refusal {
  Errc code = Errc::kInternal;
  std::string rule;
  std::string values;
};

}  // namespace pactum::protocol
