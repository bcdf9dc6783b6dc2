// Shared test fixtures for protocol tests: fixed keys from fixed seeds and a
// complete, deterministic example payload of every kind.
#pragma once

#include <array>
#include <cstdint>

#include "crypto/crypto.h"
#include "protocol/protocol.h"

namespace pactum::protocol::fixtures {

// N bytes all equal to `b`.
template <std::size_t N>
std::array<std::uint8_t, N> filled(std::uint8_t b) {
  std::array<std::uint8_t, N> out{};
  out.fill(b);
  return out;
}

// The Ed25519 key whose RFC 8032 seed is 32 bytes of `b`.
crypto::SecretKey key_from_byte(std::uint8_t b);

// Fixed header values used by deterministic tests and the golden vector.
inline constexpr std::uint64_t kSequence = 7;
inline constexpr std::int64_t kTimestampMs = 1'790'000'000'000;  // 2026-09-21T14:13:20Z
inline const crypto::Nonce kNonce = filled<16>(0x42);

// Fills a ContractTerms with every field of this schema set.
void fill_terms(wire::ContractTerms::Builder t);

// Sets `kind` in `p` with every field this schema knows set to a fixed value.
void fill_payload(PayloadKind kind, wire::Body::Payload::Builder p);

// An envelope of `kind` sealed by `key` with the fixed header values.
Bytes seal_example(PayloadKind kind, const crypto::SecretKey& key);

}  // namespace pactum::protocol::fixtures
