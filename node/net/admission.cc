// Admission of peers by their NodeCertificate envelope (admission.h).
#include "node/net/admission.h"

#include <algorithm>

#include "node/net/limits.h"
#include "protocol/protocol.h"

namespace pactum::node::net {
namespace {

tl::unexpected<Refusal> refuse(CloseReason reason, std::string detail) {
  return tl::unexpected<Refusal>(Refusal{reason, std::move(detail)});
}

}  // namespace

tl::expected<Admitted, Refusal> admit_peer(ByteSpan envelope, const crypto::PublicKey& tls_key,
                                           const std::vector<OrgKey>& partners,
                                           std::int64_t now_ms) {
  if (envelope.size() > kNodeCertificateBytesMax) {
    return refuse(CloseReason::kBadCertificate,
                  "node certificate of " + std::to_string(envelope.size()) + " bytes");
  }
  protocol::VerifyOptions options;
  options.kind = protocol::PayloadKind::NODE_CERTIFICATE;
  auto opened = protocol::open_envelope(envelope, options);
  if (!opened) return refuse(CloseReason::kBadCertificate, opened.error().to_string());
  auto cert = opened->body().getPayload().getNodeCertificate();
  auto org = protocol::read_key(cert.getOrgRootKey(), "orgRootKey");
  auto node = protocol::read_key(cert.getNodeKey(), "nodeKey");
  if (!org || !node) {
    return refuse(CloseReason::kBadCertificate, !org ? org.error().to_string()
                                                     : node.error().to_string());
  }
  // The org root must itself have signed: otherwise any key could vouch for
  // a node "of" a partner.
  if (opened->info.sender != *org) {
    return refuse(CloseReason::kBadCertificate,
                  "signed by " + crypto::key_id(opened->info.sender) + ", not by its org root " +
                      crypto::key_id(*org));
  }
  if (std::find(partners.begin(), partners.end(), *org) == partners.end()) {
    return refuse(CloseReason::kUnknownOrg, "org root " + crypto::key_id(*org) +
                                                " is not a configured partner");
  }
  if (now_ms < cert.getNotBeforeMs() || now_ms >= cert.getNotAfterMs()) {
    return refuse(CloseReason::kCertificateExpired,
                  "valid [" + std::to_string(cert.getNotBeforeMs()) + ", " +
                      std::to_string(cert.getNotAfterMs()) + ") ms, now " + std::to_string(now_ms));
  }
  if (*node != tls_key) {
    return refuse(CloseReason::kKeyMismatch, "certificate names node " + crypto::key_id(*node) +
                                                 ", TLS key is " + crypto::key_id(tls_key));
  }
  if (cert.hasTlsCertificateDer() && cert.getTlsCertificateDer().size() > 0) {
    auto der = cert.getTlsCertificateDer();
    auto key = crypto::certificate_public_key(crypto::X509Der{Bytes(der.begin(), der.end())});
    if (!key || *key != *node) {
      return refuse(CloseReason::kKeyMismatch, "tlsCertificateDer does not carry the node key");
    }
  }
  return Admitted{*org, *node, std::string(cert.getNodeName().cStr())};
}

Result<void> check_own_certificate(ByteSpan envelope, const crypto::PublicKey& node_key,
                                   const OrgKey& org_root, std::int64_t now_ms) {
  auto admitted = admit_peer(envelope, node_key, {org_root}, now_ms);
  if (!admitted) {
    return Fail(Errc::kBadConfig, "our node certificate envelope: " +
                                      std::string(close_reason_name(admitted.error().reason)) +
                                      ": " + admitted.error().detail);
  }
  return Ok();
}

std::optional<crypto::Digest> proposed_negotiation(ByteSpan payload) {
  auto env = protocol::decode<wire::Envelope>(payload);
  if (!env) return std::nullopt;
  auto p = env->root().getBody().getPayload();
  if (!p.isPropose()) return std::nullopt;
  auto id = p.getPropose().getContext().getNegotiationId();
  crypto::Digest out{};
  std::copy_n(id.begin(), std::min<std::size_t>(id.size(), out.size()), out.begin());
  return out;
}

}  // namespace pactum::node::net
