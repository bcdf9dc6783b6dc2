// node/net internal: who may connect. Pure (no I/O, no clock: `now_ms` is
// passed in), so every refusal reason is unit-tested without sockets.
//
// A peer is admitted exactly when its Hello's NodeCertificate envelope
//   1. decodes canonically and verifies (kind node-certificate, signatures),
//   2. is sent (Body.sender) by its orgRootKey, which is a configured partner,
//   3. is valid at now_ms (notBeforeMs <= now < notAfterMs),
//   4. names a nodeKey equal to the Ed25519 key of the peer's TLS certificate
//      (and its tlsCertificateDer, when present, carries that key too).
#pragma once

#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "base/base.h"
#include "node/net/transport.h"

namespace pactum::node::net {

struct Admitted {
  OrgKey org_root{};
  crypto::PublicKey node_key{};
  std::string node_name;
};

struct Refusal {
  CloseReason reason = CloseReason::kNone;
  std::string detail;
};

tl::expected<Admitted, Refusal> admit_peer(ByteSpan node_certificate_envelope,
                                           const crypto::PublicKey& tls_key,
                                           const std::vector<OrgKey>& partners,
                                           std::int64_t now_ms);

// Checks our own envelope at start-up with the same rules (partners = our
// org), so a misconfigured node fails at once instead of at every peer.
Result<void> check_own_certificate(ByteSpan node_certificate_envelope,
                                   const crypto::PublicKey& node_key, const OrgKey& org_root,
                                   std::int64_t now_ms);

// The negotiation id (16 wire bytes, zero-padded to a Digest, as the node
// core keys negotiations) when `payload` decodes canonically as an Envelope
// carrying a Propose; std::nullopt for anything else, garbage included
// (the core refuses garbage). Signatures are not checked here: that is the
// core's job, and a refusal on the limit needs none. Pure.
std::optional<crypto::Digest> proposed_negotiation(ByteSpan payload);

}  // namespace pactum::node::net
