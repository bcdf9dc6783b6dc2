// verify_evidence(): decoding the bundle, then the identity checks (org and
// node certificates up to the trusted roots, mandates, revocations). The
// transcript, ledger and settlement checks live in their own files.
#include "ledger/evidence_internal.h"
#include "protocol/canonical.h"
#include "protocol/envelope.h"

namespace pactum::ledger {
namespace evidence_detail {
namespace {

using protocol::PayloadKind;

// Reader limits for a whole bundle: its size bound, and the nesting of
// EvidenceBundle > terms > pricing > charges > tiers > Decimal plus headroom.
protocol::DecodeLimits bundle_limits() {
  protocol::DecodeLimits l;
  l.max_bytes = kEvidenceBytesMax;
  l.traversal_limit_words = 8 * (kEvidenceBytesMax / protocol::kWordBytes);
  l.nesting_limit = protocol::kNestingLimit;
  return l;
}

Result<std::string> check_org(Ctx& ctx, PartyState& p, capnp::Data::Reader bytes) {
  PACTUM_TRY(auto env, protocol::open_envelope(protocol::as_span(bytes), {.kind = PayloadKind::ORG_CERTIFICATE,
                                                                         .required_signers = {}}));
  auto oc = env.body().getPayload().getOrgCertificate();
  PACTUM_TRY(crypto::PublicKey root, protocol::read_key(oc.getOrgRootKey(), "orgRootKey"));
  if (root != env.info.sender) return Fail(Errc::kBadCertificate, "org certificate not self-signed by its root");
  if (root != p.org)
    return Fail(Errc::kBadCertificate, "org certificate is for " + short_key(root) + ", the terms name " +
                                           short_key(p.org));
  if (!ctx.trusted_root(root)) return Fail(Errc::kPeerNotPinned, "org root " + short_key(root) + " is not trusted");
  p.org_name = oc.getOrgName().cStr();
  return "org root " + short_key(root) + " (" + p.org_name + ") is trusted and self-signed";
}

Result<std::string> check_node(PartyState& p, capnp::Data::Reader bytes) {
  PACTUM_TRY(auto env, protocol::open_envelope(protocol::as_span(bytes), {.kind = PayloadKind::NODE_CERTIFICATE,
                                                                         .required_signers = {}}));
  auto nc = env.body().getPayload().getNodeCertificate();
  PACTUM_TRY(crypto::PublicKey root, protocol::read_key(nc.getOrgRootKey(), "orgRootKey"));
  if (root != env.info.sender || root != p.org)
    return Fail(Errc::kBadCertificate, "node certificate not signed by the " + p.side + "'s org root");
  PACTUM_TRY(crypto::PublicKey node, protocol::read_key(nc.getNodeKey(), "nodeKey"));
  auto der = nc.getTlsCertificateDer();
  PACTUM_TRY(crypto::PublicKey tls_key, crypto::certificate_public_key(crypto::X509Der{Bytes(der.begin(), der.end())}));
  if (tls_key != node) return Fail(Errc::kBadCertificate, "the TLS certificate's key is not the node key");
  if (nc.getNotBeforeMs() >= nc.getNotAfterMs()) return Fail(Errc::kBadCertificate, "empty validity window");
  p.node = node;
  p.node_not_before_ms = nc.getNotBeforeMs();
  p.node_not_after_ms = nc.getNotAfterMs();
  p.node_ok = true;
  return "node " + short_key(node) + " (" + std::string(nc.getNodeName().cStr()) + ") certified by the org root";
}

void check_parties(Ctx& ctx) {
  auto terms = ctx.bundle.getTerms();
  auto buyer = protocol::read_key(terms.getBuyer().getOrgRootKey(), "buyer org");
  auto seller = protocol::read_key(terms.getSeller().getOrgRootKey(), "seller org");
  if (!buyer || !seller || *buyer == *seller) {
    ctx.fail("terms.parties", "the terms must name two distinct 32-byte org root keys");
    return;
  }
  ctx.buyer.org = *buyer;
  ctx.seller.org = *seller;
  ctx.report.buyer_name = terms.getBuyer().getName().cStr();
  ctx.report.seller_name = terms.getSeller().getName().cStr();
  ctx.pass("terms.parties", "buyer " + short_key(*buyer) + ", seller " + short_key(*seller));
  for (bool is_buyer : {true, false}) {
    PartyState& p = ctx.party(is_buyer);
    auto ev = is_buyer ? ctx.bundle.getBuyer() : ctx.bundle.getSeller();
    ctx.result("identity." + p.side + ".org", check_org(ctx, p, ev.getOrgCertificate()));
    ctx.result("identity." + p.side + ".node", check_node(p, ev.getNodeCertificate()));
  }
}

Result<std::string> check_mandates(Ctx& ctx) {
  for (auto bytes : ctx.bundle.getMandates()) {
    PACTUM_TRY(auto dec, protocol::decode<wire::Envelope>(protocol::as_span(bytes)));
    PACTUM_TRY(protocol::Mandate m, protocol::mandate_from_envelope(dec.root()));
    if (m.org_key != ctx.buyer.org && m.org_key != ctx.seller.org)
      return Fail(Errc::kMandateScope, "mandate " + to_hex(m.id).substr(0, 16) + " issued by a third org");
    if (m.org_key == ctx.buyer.org ? m.role != protocol::Role::kBuyer : m.role != protocol::Role::kSeller)
      return Fail(Errc::kMandateScope, "mandate " + to_hex(m.id).substr(0, 16) + " gives its org the wrong role");
    ctx.mandates.add(m);
    ctx.listed_mandates.insert(m.id);
  }
  if (ctx.listed_mandates.empty()) return Fail(Errc::kNotFound, "no mandates in the bundle");
  return std::to_string(ctx.listed_mandates.size()) + " mandate(s), each signed by its party's org root";
}

Result<std::string> check_revocations(Ctx& ctx) {
  for (auto bytes : ctx.bundle.getRevocations()) {
    PACTUM_TRY(auto env, protocol::open_envelope(protocol::as_span(bytes), {.kind = PayloadKind::REVOCATION,
                                                                           .required_signers = {}}));
    PACTUM_TRY(auto cmd, protocol::revocation_from_envelope(env));
    if (cmd.org != ctx.buyer.org && cmd.org != ctx.seller.org)
      return Fail(Errc::kMandateScope, "revocation by a third org");
  }
  return std::to_string(ctx.bundle.getRevocations().size()) + " revocation(s), each signed by its org root";
}

// Decodes the bundle and its fixed header fields; false if nothing else can run.
bool check_format(Ctx& ctx, ByteSpan bytes, std::optional<protocol::Decoded<ew::EvidenceBundle>>& out) {
  auto dec = protocol::decode<ew::EvidenceBundle>(bytes, protocol::Canonical::kRequire, bundle_limits());
  if (!dec) {
    ctx.fail("bundle.format", dec.error().to_string());
    return false;
  }
  auto b = dec->root();
  if (b.getVersion() != ew::BUNDLE_VERSION) {
    ctx.fail("bundle.format", "version " + std::to_string(b.getVersion()) + ", this verifier reads 1");
    return false;
  }
  if (b.getContractId().size() != 16 || b.getTermsHash().size() != 32) {
    ctx.fail("bundle.format", "contract id must be 16 bytes and terms hash 32");
    return false;
  }
  // Exactly what build_evidence makes of its parts: no stray bits in unused
  // struct space, no second encoding, header fields derived from the transcript.
  auto parts = parts_from_bundle(b);
  auto rebuilt = parts ? build_evidence(*parts) : Result<Bytes>(Fail(parts.error()));
  if (!rebuilt || !std::equal(rebuilt->begin(), rebuilt->end(), bytes.begin(), bytes.end())) {
    ctx.fail("bundle.format", rebuilt ? "the bundle is not the canonical build of its parts"
                                      : "its parts do not rebuild: " + rebuilt.error().to_string());
    return false;
  }
  std::copy(b.getContractId().begin(), b.getContractId().end(), ctx.contract_id.begin());
  std::copy(b.getTermsHash().begin(), b.getTermsHash().end(), ctx.terms_hash.begin());
  ctx.report.contract_id_hex = to_hex(ctx.contract_id);
  ctx.report.terms_hash_hex = to_hex(ctx.terms_hash);
  ctx.pass("bundle.format", "canonical bundle version 1, " + std::to_string(bytes.size()) + " bytes");
  out.emplace(std::move(*dec));
  return true;
}

Result<std::string> check_terms(Ctx& ctx) {
  auto terms = ctx.bundle.getTerms();
  PACTUM_TRY(crypto::Digest th, protocol::terms_hash(terms));
  if (th != ctx.terms_hash) return Fail(Errc::kBadContract, "terms hash " + to_hex(th) + " differs from the bundle's");
  if (protocol::as_span(terms.getContractId()).size() != 16 ||
      !std::equal(ctx.contract_id.begin(), ctx.contract_id.end(), terms.getContractId().begin()))
    return Fail(Errc::kBadContract, "the terms carry another contract id");
  ctx.report.currency = terms.getCurrency().cStr();
  return "terms hash " + to_hex(th);
}

}  // namespace

void check_identity(Ctx& ctx) {
  check_parties(ctx);
  ctx.result("identity.mandates", check_mandates(ctx));
  ctx.result("identity.revocations", check_revocations(ctx));
}

}  // namespace evidence_detail

Report verify_evidence(ByteSpan bundle_bytes, const std::vector<crypto::PublicKey>& trusted_org_roots) {
  using namespace evidence_detail;
  Report report;
  report.bundle_hash = evidence_hash(bundle_bytes);
  report.escrow_status = "none";
  std::optional<protocol::Decoded<ew::EvidenceBundle>> decoded;
  Ctx ctx{report, trusted_org_roots, {}};
  ctx.buyer.side = "buyer";
  ctx.seller.side = "seller";
  if (!check_format(ctx, bundle_bytes, decoded)) return report;
  ctx.bundle = decoded->root();
  ctx.result("terms.hash", check_terms(ctx));
  describe_terms(ctx);
  check_identity(ctx);
  check_transcript(ctx);
  check_ledgers(ctx);
  check_settlement(ctx);
  return report;
}

}  // namespace pactum::ledger
