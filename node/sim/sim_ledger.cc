// SimLedger: the storage seam of the simulator, with the durability contract
// of ledger/ (acknowledged only when durable) and test-only corruption.
#include "node/sim/world.h"

namespace pactum::node::sim {

void SimLedger::append(const AppendToLedger& a) {
  if (auto it = ids_.find(a.id); it != ids_.end()) {
    const Stored& s = entries_[it->second];
    unacked_.push_back(AppendDone{a.append_id, true, s.index, {}, s.leaf});
    return;
  }
  Stored s;
  s.index = entries_.size();
  s.kind = a.kind;
  s.id = a.id;
  s.payload = a.payload;
  ledger::Entry e;
  e.index = s.index;
  e.kind = static_cast<ledger::EntryKind>(a.kind);
  e.prev_hash = entries_.empty() ? ledger::Hash{} : entries_.back().leaf;
  e.id = a.id;
  e.payload = a.payload;
  s.leaf = ledger::leaf_hash(ledger::encode_entry(e));
  ids_[a.id] = s.index;
  entries_.push_back(std::move(s));
  unacked_.push_back(AppendDone{a.append_id, true, entries_.back().index, {}, entries_.back().leaf});
}

void SimLedger::refuse(const AppendToLedger& a, const std::string& why) {
  unacked_.push_back(AppendDone{a.append_id, false, 0, why, {}});
}

std::vector<AppendDone> SimLedger::sync() {
  for (std::size_t i = tree_.size(); i < entries_.size(); ++i) {
    entries_[i].durable = true;
    tree_.append(entries_[i].leaf);
  }
  std::vector<AppendDone> out;
  out.swap(unacked_);
  return out;
}

void SimLedger::crash() {
  while (!entries_.empty() && !entries_.back().durable) {
    ids_.erase(entries_.back().id);
    entries_.pop_back();
  }
  unacked_.clear();
}

CheckpointTaken SimLedger::checkpoint(const crypto::SecretKey& key, const std::string& origin) const {
  ledger::Checkpoint cp;
  cp.origin = origin;
  cp.size = tree_.size();
  cp.root = ledger::empty_root();
  if (cp.size > 0) {
    auto root = ledger::tree_root(const_cast<ledger::MemoryTree&>(tree_), cp.size);  // node() only reads.
    PACTUM_ASSERT(root.has_value());
    cp.root = *root;
  }
  return CheckpointTaken{to_bytes(ledger::sign_note(ledger::checkpoint_body(cp), origin, key)), cp.size};
}

Result<std::vector<crypto::Digest>> SimLedger::consistency_proof(std::uint64_t from_size, std::uint64_t to_size) {
  if (from_size == 0 || from_size > to_size || to_size > tree_.size()) {
    return Fail(Errc::kOutOfRange, "consistency " + std::to_string(from_size) + " -> " + std::to_string(to_size) +
                                       " of a tree of " + std::to_string(tree_.size()));
  }
  PACTUM_TRY(ledger::ConsistencyProof p, ledger::prove_consistency(tree_, from_size, to_size));
  return std::move(p.path);
}

Result<Bytes> SimLedger::durable_payload(const crypto::Digest& id) {
  auto it = ids_.find(id);
  if (it == ids_.end() || !entries_[it->second].durable) {
    return Fail(Errc::kNotFound, "no durable entry has id " + to_hex(id));
  }
  return entries_[it->second].payload;
}

void SimLedger::rebuild_tree() {
  tree_ = ledger::MemoryTree{};
  for (const Stored& s : entries_) {
    if (s.durable) tree_.append(s.leaf);
  }
}

void SimLedger::drop_last_durable() {
  // Loses the newest durable entry and everything after it, as a storage
  // layer that acknowledged before its fsync would.
  std::size_t keep = tree_.size() == 0 ? 0 : tree_.size() - 1;
  while (entries_.size() > keep) {
    ids_.erase(entries_.back().id);
    entries_.pop_back();
  }
  rebuild_tree();
}

void SimLedger::flip_payload_byte(std::uint64_t index) {
  if (index < entries_.size() && !entries_[index].payload.empty()) entries_[index].payload[0] ^= 0x01;
}

}  // namespace pactum::node::sim
