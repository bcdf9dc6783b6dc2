// Evidence bundles: packing the parts (build_evidence), the bundle hash, and
// the mapping from accepted terms to the settlement core's input.
//
// Byte grammar (docs/evidence.md):
//   bundle-bytes = canonical-capnp(EvidenceBundle)      ; protocol/evidence.capnp
//   bundle-hash  = SHA-256("pactum/v1/evidence-bundle" || 0x00 || bundle-bytes)
#include <capnp/message.h>

#include <chrono>

#include "ledger/evidence_internal.h"
#include "protocol/amendment.h"
#include "protocol/canonical.h"
#include "protocol/settlement_codec.h"

namespace pactum::ledger {
namespace {

namespace ew = ::pactum::wire::evidence;
using protocol::PayloadKind;

Result<void> check_count(std::size_t n, std::string_view what) {
  if (n > kEvidenceListMax) {
    return Fail(Errc::kLimitExceeded, std::string(what) + ": " + std::to_string(n) + " items, at most " +
                                          std::to_string(kEvidenceListMax));
  }
  return Ok();
}

Result<void> set_list(capnp::List<capnp::Data>::Builder out, const std::vector<Bytes>& items) {
  for (unsigned i = 0; i < items.size(); ++i) out.set(i, capnp::Data::Reader(items[i].data(), items[i].size()));
  return Ok();
}

Result<void> set_party(ew::PartyEvidence::Builder out, const PartyParts& p) {
  PACTUM_CHECK(check_count(p.checkpoints.size(), "checkpoints"));
  PACTUM_CHECK(check_count(p.entries.size(), "ledger entries"));
  out.setOrgCertificate(capnp::Data::Reader(p.org_certificate.data(), p.org_certificate.size()));
  out.setNodeCertificate(capnp::Data::Reader(p.node_certificate.data(), p.node_certificate.size()));
  out.setAnchorReceipt(capnp::Data::Reader(p.anchor_receipt.data(), p.anchor_receipt.size()));
  auto cps = out.initCheckpoints(static_cast<unsigned>(p.checkpoints.size()));
  for (unsigned i = 0; i < p.checkpoints.size(); ++i) {
    const CheckpointParts& c = p.checkpoints[i];
    PACTUM_CHECK(check_count(c.cosignatures.size(), "cosignatures"));
    cps[i].setNote(c.note);
    auto cos = cps[i].initCosignatures(static_cast<unsigned>(c.cosignatures.size()));
    for (unsigned j = 0; j < c.cosignatures.size(); ++j) {
      cos[j].setCosignerKey(protocol::as_data(c.cosignatures[j].key));
      cos[j].setKeyName(c.cosignatures[j].name);
      cos[j].setTimestampS(c.cosignatures[j].timestamp_s);
      cos[j].setSignature(protocol::as_data(c.cosignatures[j].signature));
    }
  }
  auto es = out.initEntries(static_cast<unsigned>(p.entries.size()));
  for (unsigned i = 0; i < p.entries.size(); ++i) {
    const EntryParts& e = p.entries[i];
    if (e.path.size() > kProofHashesMax) return Fail(Errc::kLimitExceeded, "inclusion path too long");
    es[i].setEntry(capnp::Data::Reader(e.entry.data(), e.entry.size()));
    es[i].setCheckpoint(e.checkpoint);
    auto path = es[i].initPath(static_cast<unsigned>(e.path.size()));
    for (unsigned j = 0; j < e.path.size(); ++j) path.set(j, protocol::as_data(e.path[j]));
  }
  return Ok();
}

// The terms of the last offer, which the final Accept must name.
Result<protocol::Decoded<wire::Envelope>> last_offer(const std::vector<Bytes>& transcript) {
  if (transcript.empty()) return Fail(Errc::kInvalidArgument, "empty transcript");
  PACTUM_TRY(auto last, protocol::decode<wire::Envelope>(transcript.back()));
  if (last.root().getBody().getPayload().which() != PayloadKind::ACCEPT)
    return Fail(Errc::kInvalidArgument, "the transcript does not end with an accept");
  for (std::size_t i = transcript.size(); i-- > 0;) {
    PACTUM_TRY(auto env, protocol::decode<wire::Envelope>(transcript[i]));
    auto kind = env.root().getBody().getPayload().which();
    if (kind == PayloadKind::PROPOSE || kind == PayloadKind::COUNTER) return env;
  }
  return Fail(Errc::kInvalidArgument, "the transcript holds no offer");
}

Result<Bytes> encode_bundle(const EvidenceParts& parts, wire::ContractTerms::Reader terms) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<ew::EvidenceBundle>();
  b.setVersion(ew::BUNDLE_VERSION);
  b.setContractId(terms.getContractId());
  PACTUM_TRY(crypto::Digest th, protocol::terms_hash(terms));
  b.setTermsHash(protocol::as_data(th));
  b.setTerms(terms);
  PACTUM_CHECK(set_list(b.initTranscript(static_cast<unsigned>(parts.transcript.size())), parts.transcript));
  PACTUM_CHECK(set_list(b.initApprovals(static_cast<unsigned>(parts.approvals.size())), parts.approvals));
  PACTUM_CHECK(set_list(b.initMandates(static_cast<unsigned>(parts.mandates.size())), parts.mandates));
  PACTUM_CHECK(set_list(b.initRevocations(static_cast<unsigned>(parts.revocations.size())), parts.revocations));
  PACTUM_CHECK(set_party(b.initBuyer(), parts.buyer));
  PACTUM_CHECK(set_party(b.initSeller(), parts.seller));
  PACTUM_CHECK(set_list(b.initSettlementReceipts(static_cast<unsigned>(parts.settlement_receipts.size())),
                        parts.settlement_receipts));
  PACTUM_CHECK(set_list(b.initEscrowEvents(static_cast<unsigned>(parts.escrow_events.size())), parts.escrow_events));
  if (parts.escrow_state_digest) b.setEscrowStateDigest(protocol::as_data(*parts.escrow_state_digest));
  PACTUM_CHECK(protocol::encode_tax_table(parts.tax_table, b.initTaxTable()));
  // Null for a first version: its bundle bytes stay those of bundles before amendments.
  if (!parts.amended_versions.empty()) {
    auto versions = b.initAmendedVersions(static_cast<unsigned>(parts.amended_versions.size()));
    for (unsigned i = 0; i < versions.size(); ++i) {
      PACTUM_TRY(auto v, protocol::decode<wire::ContractTerms>(parts.amended_versions[i]));
      versions.setWithCaveats(i, v.root());
    }
  }
  Bytes out;
  auto words = capnp::canonicalize(b.asReader());
  auto bytes = words.asBytes();
  if (bytes.size() > kEvidenceBytesMax)
    return Fail(Errc::kLimitExceeded, "bundle of " + std::to_string(bytes.size()) + " bytes exceeds " +
                                          std::to_string(kEvidenceBytesMax));
  out.assign(bytes.begin(), bytes.end());
  return out;
}

}  // namespace

Result<Bytes> build_evidence(const EvidenceParts& parts) {
  for (const auto* list : {&parts.transcript, &parts.approvals, &parts.mandates, &parts.revocations,
                           &parts.settlement_receipts, &parts.escrow_events}) {
    PACTUM_CHECK(check_count(list->size(), "envelope list"));
  }
  PACTUM_CHECK(check_count(parts.amended_versions.size(), "amended versions"));
  PACTUM_TRY(auto offer, last_offer(parts.transcript));
  auto payload = offer.root().getBody().getPayload();
  auto terms = payload.which() == PayloadKind::PROPOSE ? payload.getPropose().getTerms()
                                                       : payload.getCounter().getTerms();
  Result<Bytes> out = Fail(Errc::kInternal, "not built");
  // Cap'n Proto builders throw on oversized lists or text; keep that inside.
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() { out = encode_bundle(parts, terms); })) {
    return Fail(protocol::error_from_exception(*e, "build evidence bundle"));
  }
  return out;
}

namespace {
std::vector<Bytes> list_of(capnp::List<capnp::Data>::Reader list) {
  std::vector<Bytes> out;
  out.reserve(list.size());
  for (auto d : list) out.emplace_back(d.begin(), d.end());
  return out;
}

Result<PartyParts> party_from(ew::PartyEvidence::Reader r) {
  PartyParts p;
  p.org_certificate.assign(r.getOrgCertificate().begin(), r.getOrgCertificate().end());
  p.node_certificate.assign(r.getNodeCertificate().begin(), r.getNodeCertificate().end());
  p.anchor_receipt.assign(r.getAnchorReceipt().begin(), r.getAnchorReceipt().end());
  for (auto c : r.getCheckpoints()) {
    CheckpointParts cp;
    cp.note = c.getNote().cStr();
    for (auto co : c.getCosignatures()) {
      CosignatureParts x;
      PACTUM_TRY(x.key, protocol::read_key(co.getCosignerKey(), "cosignerKey"));
      PACTUM_TRY(x.signature, protocol::read_signature(co.getSignature(), "cosignature"));
      x.name = co.getKeyName().cStr();
      x.timestamp_s = co.getTimestampS();
      cp.cosignatures.push_back(std::move(x));
    }
    p.checkpoints.push_back(std::move(cp));
  }
  for (auto e : r.getEntries()) {
    EntryParts ep;
    ep.entry.assign(e.getEntry().begin(), e.getEntry().end());
    ep.checkpoint = e.getCheckpoint();
    for (auto h : e.getPath()) {
      PACTUM_TRY(Hash hash, protocol::read_hash(h, "path hash"));
      ep.path.push_back(hash);
    }
    p.entries.push_back(std::move(ep));
  }
  return p;
}
}  // namespace

Result<EvidenceParts> evidence_detail::parts_from_bundle(ew::EvidenceBundle::Reader b) {
  EvidenceParts p;
  p.transcript = list_of(b.getTranscript());
  p.approvals = list_of(b.getApprovals());
  p.mandates = list_of(b.getMandates());
  p.revocations = list_of(b.getRevocations());
  PACTUM_TRY(p.buyer, party_from(b.getBuyer()));
  PACTUM_TRY(p.seller, party_from(b.getSeller()));
  p.settlement_receipts = list_of(b.getSettlementReceipts());
  p.escrow_events = list_of(b.getEscrowEvents());
  if (b.getEscrowStateDigest().size() != 0) {
    PACTUM_TRY(p.escrow_state_digest, protocol::read_hash(b.getEscrowStateDigest(), "escrowStateDigest"));
  }
  PACTUM_TRY(p.tax_table, protocol::decode_tax_table(b.getTaxTable()));
  for (auto v : b.getAmendedVersions()) {
    PACTUM_TRY(Bytes terms, protocol::canonical_bytes(v));
    p.amended_versions.push_back(std::move(terms));
  }
  return p;
}

crypto::Digest evidence_hash(ByteSpan bundle_bytes) {
  return protocol::domain_hash(kEvidenceDomain, bundle_bytes);
}

bool Report::ok() const {
  if (checks.empty()) return false;
  for (const Check& c : checks)
    if (!c.ok) return false;
  return true;
}

const Check* Report::find(std::string_view name) const {
  for (const Check& c : checks)
    if (c.name == name) return &c;
  return nullptr;
}

Result<settlement::Contract> contract_from_terms(ByteSpan terms_bytes, const settlement::TaxTable& table) {
  PACTUM_TRY(auto decoded, protocol::decode<wire::ContractTerms>(terms_bytes));
  PACTUM_TRY(settlement::Contract c, protocol::contract_from_terms(decoded.root()));
  c.tax_table = table;
  return c;
}

std::string evidence_detail::short_key(const crypto::PublicKey& k) { return crypto::key_id(k); }

bool evidence_detail::Ctx::trusted_root(const crypto::PublicKey& k) const {
  for (const auto& t : trusted)
    if (t == k) return true;
  return false;
}

}  // namespace pactum::ledger
