// Ledger checks per party: each signed checkpoint (C2SP signed note by the
// node key) and its cosignatures (tlog-cosignature/v1 by the other party's
// node), each entry's inclusion proof against its checkpoint and what its
// payload must be, and the anchor receipt against the anchor entry.
#include <algorithm>

#include "ledger/evidence_internal.h"
#include "protocol/canonical.h"
#include "protocol/envelope.h"

namespace pactum::ledger::evidence_detail {
namespace {

using protocol::PayloadKind;

std::string origin_of(std::string_view note) { return std::string(note.substr(0, note.find('\n'))); }

// C2SP tlog-cosignature/v1: Ed25519 over "cosignature/v1\ntime <t>\n" || body.
Result<void> verify_cosignature(wire::Cosignature::Reader c, const PartyState& other, const Checkpoint& cp) {
  PACTUM_TRY(crypto::PublicKey key, protocol::read_key(c.getCosignerKey(), "cosignerKey"));
  PACTUM_TRY(crypto::Signature sig, protocol::read_signature(c.getSignature(), "cosignature"));
  if (!other.node_ok || key != other.node)
    return Fail(Errc::kBadSignature, "cosigner " + short_key(key) + " is not the other party's node");
  if (std::string_view(c.getKeyName().cStr()) != other.origin)
    return Fail(Errc::kBadSignature, "cosigner name is not the other party's origin");
  std::string msg = "cosignature/v1\ntime " + std::to_string(c.getTimestampS()) + "\n" + checkpoint_body(cp);
  return crypto::verify_raw(key, as_bytes(msg), sig);
}

Result<std::string> check_checkpoints(PartyState& p, const PartyState& other, capnp::List<wire::Checkpoint>::Reader cps) {
  if (!p.node_ok) return Fail(Errc::kBadCertificate, "no verified node key to check checkpoints with");
  if (cps.size() == 0) return Fail(Errc::kNotFound, "no checkpoint");
  std::size_t cosigned = 0;
  for (auto c : cps) {
    PACTUM_TRY(VerifierKey vk, make_verifier_key(p.origin, p.node));
    PACTUM_TRY(Checkpoint cp, open_checkpoint(c.getNote().cStr(), vk));
    for (auto co : c.getCosignatures()) {
      PACTUM_CHECK(verify_cosignature(co, other, cp));
      ++cosigned;
    }
    p.checkpoints.push_back(cp);
  }
  return std::to_string(cps.size()) + " checkpoint(s) of '" + p.origin + "' signed by node " + short_key(p.node) +
         ", " + std::to_string(cosigned) + " cosignature(s) by the other node";
}

bool in_list(capnp::List<capnp::Data>::Reader list, ByteSpan payload) {
  for (auto item : list)
    if (std::equal(item.begin(), item.end(), payload.begin(), payload.end())) return true;
  return false;
}

// Message hashes of a list of envelopes (those that decode).
std::vector<crypto::Digest> hashes_of(capnp::List<capnp::Data>::Reader list) {
  std::vector<crypto::Digest> out;
  for (auto item : list) {
    auto env = protocol::decode<wire::Envelope>(protocol::as_span(item));
    if (!env) continue;
    auto h = protocol::message_hash(env->root().getBody());
    if (h) out.push_back(*h);
  }
  return out;
}

bool same(capnp::Data::Reader d, ByteSpan want) { return std::equal(d.begin(), d.end(), want.begin(), want.end()); }

// The node core's anchor (docs/node.md): our contract, terms and parties, and
// the hash chain of exactly the bundle's transcript.
Result<void> check_anchor_payload(const Ctx& ctx, ByteSpan payload) {
  PACTUM_TRY(auto a, protocol::decode<ew::ContractAnchor>(payload, protocol::Canonical::kRequire,
                                                          {.max_bytes = kEntryPayloadBytesMax,
                                                           .traversal_limit_words = kEntryPayloadBytesMax,
                                                           .nesting_limit = protocol::kNestingLimit}));
  auto r = a.root();
  PACTUM_TRY(crypto::Digest th, protocol::terms_hash(r.getTerms()));
  if (!same(r.getContractId(), ctx.contract_id) || !same(r.getTermsHash(), ctx.terms_hash) || th != ctx.terms_hash ||
      !same(r.getNegotiationId(), protocol::as_span(ctx.bundle.getTerms().getNegotiationId())))
    return Fail(Errc::kBadContract, "the anchor names another contract, negotiation or terms");
  if (!same(r.getBuyerOrg(), ctx.buyer.org) || !same(r.getSellerOrg(), ctx.seller.org))
    return Fail(Errc::kBadContract, "the anchor names other parties");
  const std::vector<crypto::Digest> chain = hashes_of(ctx.bundle.getTranscript());
  if (r.getTranscript().size() != chain.size() || chain.size() != ctx.bundle.getTranscript().size())
    return Fail(Errc::kBadContract, "the anchored transcript differs from the bundle's");
  for (unsigned i = 0; i < chain.size(); ++i)
    if (!same(r.getTranscript()[i], chain[i])) return Fail(Errc::kBadContract, "the anchored transcript differs");
  return Ok();
}

// A negotiation message entry: a valid envelope that is one of the bundle's
// transcript messages or approvals (by message hash: each node stores the
// envelope as it applied it, countersignatures included).
bool is_bundle_message(const Ctx& ctx, ByteSpan payload) {
  auto env = protocol::open_envelope(payload);
  if (!env) return false;
  for (auto list : {ctx.bundle.getTranscript(), ctx.bundle.getApprovals()})
    for (const crypto::Digest& h : hashes_of(list))
      if (h == env->info.message_hash) return true;
  return false;
}

// What an entry of each kind must carry to belong in this bundle.
Result<void> check_payload(const Ctx& ctx, const Entry& e) {
  auto b = ctx.bundle;
  switch (e.kind) {
    case EntryKind::kContractAnchor: return check_anchor_payload(ctx, e.payload);
    case EntryKind::kNegotiationMessage:
      if (is_bundle_message(ctx, e.payload)) return Ok();
      break;
    case EntryKind::kRevocation:
      if (in_list(b.getRevocations(), e.payload)) return Ok();
      break;
    case EntryKind::kEscrowEvent:
      if (in_list(b.getEscrowEvents(), e.payload)) return Ok();
      break;
    case EntryKind::kSettlementReceipt:
      if (in_list(b.getSettlementReceipts(), e.payload)) return Ok();
      break;
    case EntryKind::kGeneric:  // The node core stores the partner's anchor receipt so.
      if (same(b.getBuyer().getAnchorReceipt(), e.payload) || same(b.getSeller().getAnchorReceipt(), e.payload))
        return Ok();
      break;
    case EntryKind::kCosignedCheckpoint:
      break;
  }
  return Fail(Errc::kBadProof, std::string(entry_kind_name(e.kind)) + " entry " + std::to_string(e.index) +
                                   " does not carry a part of this bundle");
}

Result<std::string> check_entries(const Ctx& ctx, PartyState& p, capnp::List<ew::EntryProof>::Reader entries) {
  std::size_t anchors = 0;
  std::optional<std::pair<std::uint64_t, Hash>> previous;
  for (auto ep : entries) {
    ByteSpan bytes = protocol::as_span(ep.getEntry());
    PACTUM_TRY(Entry e, decode_entry(bytes));
    if (ep.getCheckpoint() >= p.checkpoints.size() || !p.checkpoints[ep.getCheckpoint()])
      return Fail(Errc::kBadProof, "entry " + std::to_string(e.index) + " names no verified checkpoint");
    const Checkpoint& cp = *p.checkpoints[ep.getCheckpoint()];
    InclusionProof proof{e.index, cp.size, {}};
    if (ep.getPath().size() > kProofHashesMax) return Fail(Errc::kBadProof, "inclusion path too long");
    for (auto h : ep.getPath()) {
      PACTUM_TRY(Hash hash, protocol::read_hash(h, "path hash"));
      proof.path.push_back(hash);
    }
    const Hash leaf = leaf_hash(bytes);
    PACTUM_CHECK(verify_inclusion(leaf, proof, cp.root));
    // Neighbouring entries must also chain by hash.
    if (previous && previous->first + 1 == e.index && e.prev_hash != previous->second)
      return Fail(Errc::kLedgerChainBroken, "entry " + std::to_string(e.index) + " does not link to its predecessor");
    previous = {e.index, leaf};
    PACTUM_CHECK(check_payload(ctx, e));
    if (e.kind == EntryKind::kContractAnchor) {
      ++anchors;
      p.anchor_index = e.index;
      p.anchor_leaf = leaf;
    }
  }
  if (anchors != 1) return Fail(Errc::kNotFound, std::to_string(anchors) + " contract anchor entries, expected one");
  return std::to_string(entries.size()) + " entr(ies) included in signed checkpoints; anchor at index " +
         std::to_string(*p.anchor_index);
}

Result<std::string> check_receipt(const Ctx& ctx, const PartyState& p, ew::PartyEvidence::Reader ev) {
  if (!p.node_ok || !p.anchor_index) return Fail(Errc::kNotFound, "no verified node key or anchor entry");
  PACTUM_TRY(auto env, protocol::open_envelope(protocol::as_span(ev.getAnchorReceipt()),
                                               {.kind = PayloadKind::ANCHOR_RECEIPT, .required_signers = {}}));
  if (env.info.sender != p.node) return Fail(Errc::kBadSignature, "anchor receipt not signed by the node");
  if (env.info.timestamp_ms < p.node_not_before_ms || env.info.timestamp_ms >= p.node_not_after_ms)
    return Fail(Errc::kBadCertificate, "anchor receipt signed outside the node certificate's validity");
  auto r = env.body().getPayload().getAnchorReceipt();
  PACTUM_TRY(crypto::PublicKey node, protocol::read_key(r.getNodeKey(), "nodeKey"));
  PACTUM_TRY(crypto::Digest th, protocol::read_hash(r.getTermsHash(), "termsHash"));
  if (node != p.node || th != ctx.terms_hash ||
      !std::equal(ctx.contract_id.begin(), ctx.contract_id.end(), r.getContractId().begin(), r.getContractId().end()))
    return Fail(Errc::kBadContract, "anchor receipt names another node, contract or terms");
  if (r.getLedgerIndex() != *p.anchor_index) return Fail(Errc::kBadProof, "anchor receipt names another ledger index");
  if (r.getEntryHash().size() != 0) {
    PACTUM_TRY(Hash eh, protocol::read_hash(r.getEntryHash(), "entryHash"));
    if (eh != p.anchor_leaf) return Fail(Errc::kBadProof, "anchor receipt names another entry hash");
  }
  // Its checkpoint must be one of the party's verified checkpoints, verbatim.
  std::optional<Checkpoint> cp;
  for (unsigned i = 0; i < ev.getCheckpoints().size(); ++i)
    if (ev.getCheckpoints()[i].getNote() == r.getCheckpoint() && p.checkpoints[i]) cp = p.checkpoints[i];
  if (!cp) return Fail(Errc::kBadCheckpoint, "the receipt's checkpoint is not among the party's checkpoints");
  if (r.getInclusionPath().size() != 0) {
    InclusionProof proof{*p.anchor_index, cp->size, {}};
    for (auto h : r.getInclusionPath()) {
      PACTUM_TRY(Hash hash, protocol::read_hash(h, "inclusionPath"));
      proof.path.push_back(hash);
    }
    PACTUM_CHECK(verify_inclusion(p.anchor_leaf, proof, cp->root));
  }
  return "signed by node " + short_key(p.node) + ": contract at index " + std::to_string(*p.anchor_index) +
         " of a tree of " + std::to_string(cp->size);
}

}  // namespace

void check_ledgers(Ctx& ctx) {
  // Origins first: cosignatures name the other party's origin.
  for (bool buyer : {true, false}) {
    auto cps = (buyer ? ctx.bundle.getBuyer() : ctx.bundle.getSeller()).getCheckpoints();
    if (cps.size() != 0) ctx.party(buyer).origin = origin_of(cps[0].getNote().cStr());
  }
  for (bool buyer : {true, false}) {
    PartyState& p = ctx.party(buyer);
    PartyState& other = ctx.party(!buyer);
    auto ev = buyer ? ctx.bundle.getBuyer() : ctx.bundle.getSeller();
    auto cr = check_checkpoints(p, other, ev.getCheckpoints());
    // Keep indexes aligned with the list even when a checkpoint failed.
    p.checkpoints.resize(ev.getCheckpoints().size());
    if (!cr) std::fill(p.checkpoints.begin(), p.checkpoints.end(), std::nullopt);
    ctx.result("ledger." + p.side + ".checkpoints", cr);
    ctx.result("ledger." + p.side + ".entries", check_entries(ctx, p, ev.getEntries()));
    ctx.result("ledger." + p.side + ".anchor_receipt", check_receipt(ctx, p, ev));
  }
}

}  // namespace pactum::ledger::evidence_detail
