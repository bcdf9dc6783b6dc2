// Witnessing: partner node certificates, our checkpoints sent to partners,
// partners' checkpoints checked and cosigned (C2SP tlog-cosignature/v1), and
// two different checkpoints of one size by one node key turned into a signed
// EquivocationProof kept as evidence.
#include "node/core/core_impl.h"

namespace pactum::node::detail {
namespace {

std::string first_line(const std::string& note) {
  auto end = note.find('\n');
  return end == std::string::npos ? std::string() : note.substr(0, end);
}

// The C2SP tlog-cosignature/v1 signed message for checkpoint body `text`.
std::string cosigned_message(std::uint64_t timestamp_s, const std::string& text) {
  return std::string(kCosignatureHeader) + "time " + std::to_string(timestamp_s) + "\n" + text;
}

}  // namespace

Result<protocol::OpenedEnvelope> CoreImpl::open_from_node(const OrgKey& from, const Bytes& envelope,
                                                          protocol::PayloadKind kind) {
  PACTUM_TRY(protocol::OpenedEnvelope env, protocol::open_envelope(envelope, {.kind = kind, .required_signers = {}}));
  if (kind == protocol::PayloadKind::NODE_CERTIFICATE) {
    if (env.info.sender != from) return Fail(Errc::kBadCertificate, "node certificate not signed by the partner's org root");
    return env;
  }
  if (peers_[from].node_keys.count(env.info.sender) == 0) {
    return Fail(Errc::kNotFound, "signer " + crypto::key_id(env.info.sender) + " is not a known node of the partner");
  }
  return env;
}

void CoreImpl::peer_node_certificate(const OrgKey& from, const protocol::OpenedEnvelope& env) {
  auto c = env.body().getPayload().getNodeCertificate();
  auto org = protocol::read_key(c.getOrgRootKey(), "orgRootKey");
  auto key = protocol::read_key(c.getNodeKey(), "nodeKey");
  bool in_window = now_ms_ == 0 || (c.getNotBeforeMs() <= now_ms_ && now_ms_ < c.getNotAfterMs());
  PeerState& peer = peers_[from];
  if (!org || !key || *org != from || !in_window || peer.node_keys.size() >= kNodeKeysPerPartnerMax) {
    ++stats_.verification_failures;
    return;
  }
  peer.node_keys.insert(*key);
}

void CoreImpl::broadcast_checkpoint() {
  if (our_note_.empty()) return;
  auto env = checkpoint_envelope(our_note_, {});
  if (!env) return alarm("checkpoint-failed", {}, env.error().to_string());
  for (auto& [org, peer] : peers_) {
    if (peer.seen) send(org, *env);
  }
}

Result<Bytes> CoreImpl::checkpoint_envelope(const std::string& note, const std::vector<Bytes>& cosig) {
  // cosig: at most one, as [timestamp_s (8 bytes BE), signature (64 bytes)].
  protocol::EnvelopeBuilder b;
  auto c = b.payload().initCheckpoint();
  c.setNote(note);
  auto list = c.initCosignatures(static_cast<unsigned>(cosig.size()));
  for (unsigned i = 0; i < list.size(); ++i) {
    PACTUM_ASSERT(cosig[i].size() == 8 + crypto::kSignatureBytes);
    list[i].setCosignerKey(protocol::as_data(node_key_->public_key()));
    list[i].setKeyName(node_name_);
    list[i].setTimestampS(from_be64(ByteSpan(cosig[i]).first(8)));
    list[i].setSignature(capnp::Data::Reader(cosig[i].data() + 8, crypto::kSignatureBytes));
  }
  return seal(b);
}

void CoreImpl::peer_checkpoint(const OrgKey& from, const protocol::OpenedEnvelope& env) {
  auto c = env.body().getPayload().getCheckpoint();
  std::string note(c.getNote().cStr(), c.getNote().size());
  if (c.getCosignatures().size() == 0) return witness_note(from, env.info.sender, note);
  // A cosignature of one of our checkpoints by the partner node that signed the envelope.
  auto ours = ledger::make_verifier_key(node_name_, node_key_->public_key());
  auto text = ours ? ledger::open_note(note, *ours) : Result<std::string>(Fail(ours.error()));
  auto cp = text ? ledger::parse_checkpoint_body(*text) : Result<ledger::Checkpoint>(Fail(text.error()));
  if (!cp) {
    ++stats_.verification_failures;
    return;
  }
  for (auto cs : c.getCosignatures()) {
    auto key = protocol::read_key(cs.getCosignerKey(), "cosignerKey");
    auto sig = protocol::read_signature(cs.getSignature(), "signature");
    if (!key || !sig || *key != env.info.sender) continue;
    std::string msg = cosigned_message(cs.getTimestampS(), *text);
    if (!crypto::verify_raw(*key, as_bytes(msg), *sig)) {
      ++stats_.verification_failures;
      continue;
    }
    PeerState& peer = peers_[from];
    peer.our_size_cosigned = std::max(peer.our_size_cosigned, cp->size);
  }
}

void CoreImpl::witness_note(const OrgKey& from, const PublicKey& node_key, const std::string& note) {
  auto vk = ledger::make_verifier_key(first_line(note), node_key);
  auto text = vk ? ledger::open_note(note, *vk) : Result<std::string>(Fail(vk.error()));
  auto cp = text ? ledger::open_checkpoint(note, *vk) : Result<ledger::Checkpoint>(Fail(text.error()));
  if (!cp) {
    ++stats_.verification_failures;
    return;
  }
  PeerState& peer = peers_[from];
  auto& notes = peer.notes[node_key];
  auto it = notes.find(cp->size);
  if (it != notes.end() && it->second != note) {
    auto earlier = ledger::open_checkpoint(it->second, *vk);
    PACTUM_ASSERT(earlier.has_value());  // Stored only after it verified.
    if (earlier->root == cp->root) return;  // Same checkpoint, other signature lines.
    if (!peer.equivocations.insert({node_key, cp->size}).second) return;
    protocol::EnvelopeBuilder b;
    auto p = b.payload().initEquivocationProof();
    p.setSignerKey(protocol::as_data(node_key));
    p.initFirst().setNote(it->second);
    p.initSecond().setNote(note);
    auto proof = seal(b);
    if (!proof) return alarm("equivocation", from, "size " + std::to_string(cp->size) + "; proof: " + proof.error().to_string());
    auto opened = protocol::open_envelope(*proof);
    PACTUM_ASSERT(opened.has_value());
    append(entry_kind(ledger::EntryKind::kGeneric), opened->info.message_hash, *proof, {});
    alarm("equivocation", from,
          "node " + crypto::key_id(node_key) + " signed two checkpoints of size " + std::to_string(cp->size) +
              ": roots " + to_hex(earlier->root) + " and " + to_hex(cp->root),
          std::move(*proof));
    return;
  }
  if (it == notes.end()) {
    notes.emplace(cp->size, note);
    while (notes.size() > kCheckpointsPerKeyMax) notes.erase(notes.begin());
  }
  // Cosign each new, larger checkpoint once (consistency with the previous
  // one is not proven on the wire yet; see docs/node.md).
  std::uint64_t& cosigned = peer.cosigned_size[node_key];
  if (cp->size <= cosigned) return;
  cosigned = cp->size;
  const std::uint64_t ts = static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms_, 0) / 1000);
  crypto::Signature sig = node_key_->sign_raw(as_bytes(cosigned_message(ts, *text)));
  const auto ts_bytes = be64(ts);
  Bytes cosig(ts_bytes.begin(), ts_bytes.end());
  pactum::append(cosig, sig);
  auto env = checkpoint_envelope(note, {cosig});
  if (env) send(from, std::move(*env));
}

}  // namespace pactum::node::detail
