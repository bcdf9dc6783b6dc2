// The Daemon as the agent API's backend: submissions go to the core, reads
// come from the core's views and the ledger.
#include "node/daemon/daemon.h"
#include "node/daemon/daemon_limits.h"
#include "protocol/protocol.h"

namespace pactum::node::daemon {
namespace json = boost::json;

Result<void> Daemon::submit(Bytes envelope, ReplyFn done) {
  if (draining_) return Fail(Errc::kInvalidArgument, "the node is shutting down");
  if (replies_.size() >= kPendingSubmitsMax) {
    return Fail(Errc::kLimitExceeded, std::to_string(replies_.size()) +
                                          " agent requests are waiting for the core");
  }
  const std::uint64_t id = next_request_++;
  replies_[id] = std::move(done);
  feed(AgentSubmit{id, std::move(envelope)});
  return Ok();
}

std::vector<NegotiationView> Daemon::negotiations() const { return core_->negotiations(); }

std::vector<ContractView> Daemon::contracts() const { return core_->contracts(); }

std::vector<Bytes> Daemon::transcript(const crypto::Digest& negotiation_id) const {
  std::array<std::uint8_t, 16> key{};
  std::copy_n(negotiation_id.begin(), key.size(), key.begin());
  auto it = transcripts_.find(key);
  return it == transcripts_.end() ? std::vector<Bytes>{} : it->second;
}

void Daemon::note_message(std::uint16_t kind, ByteSpan envelope) {
  if (kind != static_cast<std::uint16_t>(ledger::EntryKind::kNegotiationMessage)) return;
  // The core verified it before appending it: decode, do not verify again.
  auto env = protocol::decode<wire::Envelope>(envelope);
  if (!env) return;
  auto p = env->root().getBody().getPayload();
  capnp::Data::Reader id;
  using W = wire::Body::Payload;
  switch (p.which()) {
    case W::PROPOSE: id = p.getPropose().getContext().getNegotiationId(); break;
    case W::COUNTER: id = p.getCounter().getContext().getNegotiationId(); break;
    case W::ACCEPT: id = p.getAccept().getContext().getNegotiationId(); break;
    case W::REJECT: id = p.getReject().getContext().getNegotiationId(); break;
    case W::WITHDRAW: id = p.getWithdraw().getContext().getNegotiationId(); break;
    default: return;  // Approvals and the rest are not part of the agents' turn-taking.
  }
  if (id.size() != 16) return;
  std::array<std::uint8_t, 16> key{};
  std::copy(id.begin(), id.end(), key.begin());
  auto it = transcripts_.find(key);
  if (it == transcripts_.end()) {
    if (transcripts_.size() >= kTranscriptsMax) return;
    it = transcripts_.emplace(key, std::vector<Bytes>{}).first;
  }
  if (it->second.size() >= kTranscriptMessagesMax) return;
  for (const Bytes& b : it->second) {
    if (std::equal(b.begin(), b.end(), envelope.begin(), envelope.end())) return;  // Restored twice.
  }
  it->second.emplace_back(envelope.begin(), envelope.end());
}

Result<std::pair<std::string, std::uint64_t>> Daemon::checkpoint() {
  PACTUM_TRY(auto cp, ledger_->latest_checkpoint());
  if (!cp) return Fail(Errc::kNotFound, "no checkpoint yet: the ledger is empty");
  return std::pair<std::string, std::uint64_t>{cp->note, cp->checkpoint.size};
}

Result<json::object> Daemon::proof(std::uint64_t index, std::optional<std::uint64_t> size) {
  const std::uint64_t n = ledger_->size();
  if (!size) {
    PACTUM_TRY(auto latest, ledger_->latest_checkpoint());
    size = latest && latest->checkpoint.size > index ? latest->checkpoint.size : n;
  }
  if (index >= *size || *size > n) {
    return Fail(Errc::kOutOfRange, "index " + std::to_string(index) + " and size " +
                                       std::to_string(*size) + " for a ledger of " +
                                       std::to_string(n) + " entries");
  }
  PACTUM_TRY(ledger::InclusionProof p, ledger_->prove_inclusion(index, *size));
  PACTUM_TRY(Bytes entry, ledger_->entry_bytes(index));
  PACTUM_TRY(ledger::Hash root, ledger_->root(*size));
  PACTUM_TRY(auto cp, ledger_->checkpoint_at(*size));
  // The same fields as `pactum ledger proof` (docs/ledger.md).
  json::object out;
  out["index"] = index;
  out["tree_size"] = *size;
  out["leaf_hash"] = crypto::base64_encode(ledger::leaf_hash(entry));
  out["entry"] = crypto::base64_encode(entry);
  json::array path;
  for (const ledger::Hash& h : p.path) path.push_back(json::string(crypto::base64_encode(h)));
  out["inclusion_path"] = std::move(path);
  out["root_hash"] = crypto::base64_encode(root);
  out["checkpoint"] = cp ? json::value(json::string(cp->note)) : json::value(nullptr);
  return out;
}

}  // namespace pactum::node::daemon
