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
  if (!preverifier_->offload()) {
    feed(AgentSubmit{id, std::move(envelope)});
  } else {
    preverifier_->submit(std::move(envelope),
                         [this, id](Bytes checked) { feed(AgentSubmit{id, std::move(checked)}); });
  }
  return Ok();
}

std::vector<NegotiationView> Daemon::negotiations() const { return core_->negotiations(); }

std::vector<ContractView> Daemon::contracts() const { return core_->contracts(); }

Result<std::vector<Bytes>> Daemon::transcript(const crypto::Digest& negotiation_id) const {
  return core_->negotiation_messages(negotiation_id);
}

std::optional<NegotiationView> Daemon::negotiation(const crypto::Digest& id, std::size_t prefix_bytes) const {
  return core_->negotiation(id, prefix_bytes);
}

std::optional<ContractView> Daemon::contract(const crypto::Digest& terms_hash, std::size_t prefix_bytes) const {
  return core_->contract(terms_hash, prefix_bytes);
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
