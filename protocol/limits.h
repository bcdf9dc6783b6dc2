// protocol limits: every bound the decoder and envelope code enforce on
// untrusted bytes, each with the reason for its value. Cap'n Proto's own
// reader limits are always passed explicitly from here, never left at the
// library defaults.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pactum::protocol {

// Largest encoded message accepted from outside: a contract with hundreds of
// line items and its mandate envelope stays well below 100 KiB, so 1 MiB
// leaves room while bounding the memory a peer can make us copy per message.
inline constexpr std::size_t kMaxMessageBytes = std::size_t{1} << 20;

// Cap'n Proto words are 8 bytes; an encoded message is a whole number of them.
inline constexpr std::size_t kWordBytes = 8;
inline constexpr std::size_t kMaxMessageWords = kMaxMessageBytes / kWordBytes;

// Words a reader may traverse while one message is validated: isCanonical,
// the typed walk and the re-encoding check each cover a legitimate message
// once; eight passes of headroom still stop amplification attacks (aliased
// pointers, huge lists of zero-size elements). After validation the budget is
// lifted (decode.h step 6).
inline constexpr std::uint64_t kTraversalLimitWords = 8 * kMaxMessageWords;

// Pointer nesting depth: Envelope > Body > Propose > NegotiationContext >
// MandateRef > Envelope > Body > Mandate > List is 9 levels, and the terms'
// pricing adds perhaps 10 more. 32 allows that with margin and keeps the
// recursive traversal's stack use small (the library default is 64).
inline constexpr int kNestingLimit = 32;

// Signatures on one envelope: the author, its node, perhaps approvers. More is
// never legitimate and each one costs a ~43 us verification.
inline constexpr std::size_t kMaxSignatures = 8;

// Exact sizes of fixed-length Data fields.
inline constexpr std::size_t kKeyBytes = 32;        // Ed25519 public key.
inline constexpr std::size_t kHashBytes = 32;       // SHA-256 digest.
inline constexpr std::size_t kSignatureBytes = 64;  // Ed25519 signature.
inline constexpr std::size_t kNonceBytes = 16;      // Body.nonce.
inline constexpr std::size_t kIdBytes = 16;         // Negotiation and contract ids.

static_assert(kMaxMessageBytes % kWordBytes == 0);
static_assert(kTraversalLimitWords >= 4 * kMaxMessageWords,
              "validation, canonicalization and reads must fit in the traversal budget");
static_assert(kNestingLimit >= 20, "the deepest legitimate message nests about 20 levels");

}  // namespace pactum::protocol
