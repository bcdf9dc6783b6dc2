// Witnessing: partner node certificates, our checkpoints sent to partners,
// partners' checkpoints checked and cosigned (C2SP tlog-cosignature/v1), and
// two different checkpoints of one size by one node key turned into a signed
// EquivocationProof kept as evidence.
#include "node/core/core_impl.h"

namespace pactum::node {
namespace {

std::string first_line(const std::string& note) {
  auto end = note.find('\n');
  return end == std::string::npos ? std::string() : note.substr(0, end);
}

// The text of a signed note whose signature was checked (or that we signed):
// a signed note is its text (ending in a newline), a blank line, signatures.
std::string note_text(const std::string& note) {
  auto end = note.rfind("\n\n");  // As ledger::open_note splits it.
  PACTUM_ASSERT(end != std::string::npos);  // open_note accepted it, or we made it.
  return note.substr(0, end + 1);
}

// The C2SP tlog-cosignature/v1 signed message for checkpoint body `text`.
std::string cosigned_message(std::uint64_t timestamp_s, const std::string& text) {
  return std::string(kCosignatureHeader) + "time " + std::to_string(timestamp_s) + "\n" + text;
}

}  // namespace

namespace detail {

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

}  // namespace detail

std::string_view cosign_refusal_name(CosignRefusal r) {
  switch (r) {
    case CosignRefusal::kNotLarger: return "not_larger";
    case CosignRefusal::kNoProof: return "no_proof";
    case CosignRefusal::kWrongFromSize: return "wrong_from_size";
    case CosignRefusal::kInconsistent: return "inconsistent";
  }
  return "unknown";
}

namespace detail {

void CoreImpl::send_checkpoint(const OrgKey& to) {
  if (our_note_.empty()) return;
  // Prove that this checkpoint extends the one the peer cosigned last.
  ProofIn proof;
  const std::uint64_t from = peers_[to].our_size_cosigned;
  if (proofs_ != nullptr && from > 0 && from < our_size_) {
    auto path = proofs_->consistency_proof(from, our_size_);
    if (path) proof = ProofIn{from, std::move(*path)};
    // Without a proof the peer refuses to cosign and tells us its size: no harm.
  } else if (from > 0 && from == our_size_) {
    proof.from_size = from;  // Same size: the empty proof.
  }
  auto env = checkpoint_envelope(our_note_, {}, proof);
  if (!env) return alarm("checkpoint-failed", to, env.error().to_string());
  send(to, std::move(*env));
  PeerState& peer = peers_[to];
  peer.checkpoint_in_flight = true;
  peer.checkpoint_sent_size = our_size_;
  peer.checkpoint_sent_ms = now_ms_;
}

void CoreImpl::broadcast_checkpoint() {
  for (auto& [org, peer] : peers_) {
    const bool waiting = peer.checkpoint_in_flight && now_ms_ - peer.checkpoint_sent_ms < kCheckpointAnswerWaitMs;
    if (peer.seen && !waiting && our_size_ > peer.checkpoint_sent_size) send_checkpoint(org);
  }
}

Result<Bytes> CoreImpl::checkpoint_envelope(const std::string& note, const std::vector<Bytes>& cosig,
                                            const ProofIn& proof) {
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
  if (proof.from_size > 0) {
    c.setConsistencyFromSize(proof.from_size);
    auto path = c.initConsistencyProof(static_cast<unsigned>(proof.path.size()));
    for (unsigned i = 0; i < path.size(); ++i) path.set(i, protocol::as_data(proof.path[i]));
  }
  return seal(b);
}

void CoreImpl::peer_checkpoint(const OrgKey& from, const protocol::OpenedEnvelope& env) {
  auto c = env.body().getPayload().getCheckpoint();
  std::string note(c.getNote().cStr(), c.getNote().size());
  if (c.getCosignatures().size() == 0) {
    std::optional<ProofIn> proof;
    if (c.getConsistencyFromSize() > 0) {
      if (c.getConsistencyProof().size() > kConsistencyProofHashesMax) return void(++stats_.verification_failures);
      proof.emplace();
      proof->from_size = c.getConsistencyFromSize();
      for (auto h : c.getConsistencyProof()) {
        auto hh = protocol::read_hash(h, "consistencyProof");
        if (!hh) return void(++stats_.verification_failures);
        proof->path.push_back(*hh);
      }
    } else if (c.getConsistencyProof().size() != 0) {
      return void(++stats_.verification_failures);  // A proof from nowhere.
    }
    return witness_note(from, env.info.sender, note, proof.has_value() ? proof : std::optional<ProofIn>(ProofIn{}));
  }
  // A cosignature of one of our checkpoints by the partner node that signed the envelope.
  auto recent = our_recent_note_text(note);
  auto ours = ledger::make_verifier_key(node_name_, node_key_->public_key());
  auto text = recent ? Result<std::string>(std::move(*recent))
              : ours ? ledger::open_note(note, *ours) : Result<std::string>(Fail(ours.error()));
  auto cp = text ? ledger::parse_checkpoint_body(*text) : Result<ledger::Checkpoint>(Fail(text.error()));
  if (!cp) {
    ++stats_.verification_failures;
    return;
  }
  bool answered = false, resend = false;
  for (auto cs : c.getCosignatures()) {
    auto key = protocol::read_key(cs.getCosignerKey(), "cosignerKey");
    auto sig = protocol::read_signature(cs.getSignature(), "signature");
    if (!key || !sig || *key != env.info.sender) continue;
    std::string msg = cosigned_message(cs.getTimestampS(), *text);
    if (!crypto::verify_raw(*key, as_bytes(msg), *sig)) {
      ++stats_.verification_failures;
      continue;
    }
    // The witness's latest word wins (it may have restarted and forgotten
    // larger sizes); an older cosignature that arrives late changes nothing.
    PeerState& peer = peers_[from];
    const std::uint64_t ts = cs.getTimestampS();
    if (ts > peer.our_cosigned_at_s || (ts == peer.our_cosigned_at_s && cp->size > peer.our_size_cosigned)) {
      const bool moved = peer.our_size_cosigned != cp->size;
      peer.our_cosigned_at_s = ts;
      peer.our_size_cosigned = cp->size;
      // It has not cosigned our latest (a race, or it told us where it
      // stands): offer the latest again, proven from what it holds. Ends:
      // each resend follows new information from the witness.
      resend = resend || (moved && cp->size < our_size_);
    }
    answered = true;
  }
  PeerState& peer = peers_[from];
  if (answered) peer.checkpoint_in_flight = false;
  // Our latest, if the peer has not been offered it yet or asked again.
  if (peer.seen && (resend || (answered && our_size_ > peer.checkpoint_sent_size))) send_checkpoint(from);
}

void CoreImpl::restore_witnessed(const OrgKey& from, const PublicKey& node_key, const std::string& note) {
  // Verified when it arrived, and the ledger's hash chain protects it since.
  auto text = note.rfind("\n\n") == std::string::npos ? std::string() : note_text(note);
  auto cp = ledger::parse_checkpoint_body(text);
  if (!cp) return;
  PeerState& peer = peers_[from];
  auto& notes = peer.notes[node_key];
  auto [at, fresh] = notes.emplace(cp->size, note);
  if (!fresh && at->second != note) {
    // Two receipts naming different roots for one size: proven (and reported)
    // when the second arrived; remember it so it is not reported again.
    auto earlier = ledger::parse_checkpoint_body(note_text(at->second));
    if (earlier && earlier->root != cp->root) equivocations_.insert({node_key, cp->size});
    return;
  }
  while (notes.size() > kCheckpointsPerKeyMax) notes.erase(notes.begin());
  // Not a checkpoint we cosigned (receipts carry no consistency proof), but
  // one the partner signed: later ones must extend the largest, which is
  // stricter than trusting the first one after a restart.
  CosignedCheckpoint& last = peer.cosigned[node_key];
  if (cp->size > last.size) last = CosignedCheckpoint{cp->size, cp->root, note, std::move(text)};
}

std::optional<std::string> CoreImpl::our_recent_note_text(const std::string& note) const {
  if (std::find(our_recent_notes_.begin(), our_recent_notes_.end(), note) == our_recent_notes_.end()) return std::nullopt;
  return note_text(note);
}

std::optional<CosignRefusal> CoreImpl::cosign_refusal(const CosignedCheckpoint& last, const ledger::Checkpoint& cp,
                                                      const std::optional<ProofIn>& proof) const {
  if (last.size == 0) return std::nullopt;  // Trust on first use: nothing to be consistent with.
  if (cp.size <= last.size) return CosignRefusal::kNotLarger;
  if (!proof || proof->from_size == 0) return CosignRefusal::kNoProof;
  if (proof->from_size != last.size) return CosignRefusal::kWrongFromSize;
  ledger::ConsistencyProof p{proof->from_size, cp.size, proof->path};
  if (!ledger::verify_consistency(p, last.root, cp.root)) return CosignRefusal::kInconsistent;
  return std::nullopt;
}

void CoreImpl::witness_note(const OrgKey& from, const PublicKey& node_key, const std::string& note,
                            const std::optional<ProofIn>& proof, const ledger::Checkpoint* verified) {
  auto vk = ledger::make_verifier_key(first_line(note), node_key);
  auto cp = !vk ? Result<ledger::Checkpoint>(Fail(vk.error()))
                : verified != nullptr ? Result<ledger::Checkpoint>(*verified) : ledger::open_checkpoint(note, *vk);
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
    if (!equivocations_.insert({node_key, cp->size}).second) return;
    protocol::EnvelopeBuilder b;
    auto p = b.payload().initEquivocationProof();
    p.setSignerKey(protocol::as_data(node_key));
    p.initFirst().setNote(it->second);
    p.initSecond().setNote(note);
    auto evidence = seal(b);
    if (!evidence) {
      return alarm("equivocation", from, "size " + std::to_string(cp->size) + "; proof: " + evidence.error().to_string());
    }
    auto opened = protocol::open_envelope(*evidence);
    PACTUM_ASSERT(opened.has_value());
    append(entry_kind(ledger::EntryKind::kGeneric), opened->info.message_hash, *evidence, {});
    alarm("equivocation", from,
          "node " + crypto::key_id(node_key) + " signed two checkpoints of size " + std::to_string(cp->size) +
              ": roots " + to_hex(earlier->root) + " and " + to_hex(cp->root),
          std::move(*evidence));
    return;
  }
  CosignedCheckpoint& last = peer.cosigned[node_key];
  const bool wants_cosignature = proof.has_value() || last.size == 0;
  auto refusal = wants_cosignature ? cosign_refusal(last, *cp, proof) : std::optional(CosignRefusal::kNoProof);
  if (refusal && proof.has_value()) {
    ++stats_.cosign_refusals[static_cast<std::size_t>(*refusal)];
    switch (*refusal) {
      case CosignRefusal::kNotLarger:
        break;
      case CosignRefusal::kInconsistent:
        alarm("checkpoint-inconsistent", from,
              "node " + crypto::key_id(node_key) + " checkpoint of size " + std::to_string(cp->size) +
                  " is not consistent with the one of size " + std::to_string(last.size) + " we cosigned");
        break;
      case CosignRefusal::kNoProof:
      case CosignRefusal::kWrongFromSize:
        // The sender does not know what we cosigned: tell it, by cosigning that again.
        cosign(from, last.note, last.text);
        break;
    }
    return;  // Refused: nothing of it is stored.
  }
  if (it == notes.end()) {
    notes.emplace(cp->size, note);
    while (notes.size() > kCheckpointsPerKeyMax) notes.erase(notes.begin());
  }
  if (refusal) return;  // Recorded (for equivocation checks) but not a cosignature request.
  std::string text = note_text(note);
  last = CosignedCheckpoint{cp->size, cp->root, note, text};
  ++stats_.checkpoints_cosigned;
  cosign(from, note, text);
}

void CoreImpl::cosign(const OrgKey& from, const std::string& note, const std::string& text) {
  const std::uint64_t ts = static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms_, 0) / 1000);
  crypto::Signature sig = node_key_->sign_raw(as_bytes(cosigned_message(ts, text)));
  const auto ts_bytes = be64(ts);
  Bytes cosig(ts_bytes.begin(), ts_bytes.end());
  pactum::append(cosig, sig);
  auto env = checkpoint_envelope(note, {cosig});
  if (env) send(from, std::move(*env));
}

}  // namespace detail
}  // namespace pactum::node
