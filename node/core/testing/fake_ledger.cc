// FakeLedger and SeededNonces: the storage and randomness seams of the harness.
#include "node/core/testing/testing.h"

namespace pactum::node::testing {

crypto::Nonce SeededNonces::next() {
  crypto::Nonce out{};
  for (std::size_t i = 0; i < out.size(); i += 8) {
    // splitmix64: a tiny, well-mixed generator; enough for distinct nonces.
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (std::size_t j = 0; j < 8; ++j) out[i + j] = static_cast<std::uint8_t>(z >> (8 * j));
  }
  return out;
}

void FakeLedger::append(const AppendToLedger& a) {
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
  entries_.push_back(s);
  unacked_.push_back(AppendDone{a.append_id, true, s.index, {}, s.leaf});
}

std::vector<AppendDone> FakeLedger::sync() {
  for (std::size_t i = tree_.size(); i < entries_.size(); ++i) {
    entries_[i].durable = true;
    tree_.append(entries_[i].leaf);
  }
  std::vector<AppendDone> out;
  out.swap(unacked_);
  return out;
}

void FakeLedger::crash() {
  while (!entries_.empty() && !entries_.back().durable) {
    ids_.erase(entries_.back().id);
    entries_.pop_back();
  }
  unacked_.clear();
}

std::size_t FakeLedger::durable_size() const { return tree_.size(); }

Result<Bytes> FakeLedger::durable_payload(const crypto::Digest& id) {
  auto it = ids_.find(id);
  if (it == ids_.end() || !entries_[it->second].durable) {
    return Fail(Errc::kNotFound, "no durable entry has id " + to_hex(id));
  }
  return entries_[it->second].payload;
}

Result<std::vector<crypto::Digest>> FakeLedger::consistency_proof(std::uint64_t from_size, std::uint64_t to_size) {
  if (from_size == 0 || from_size > to_size || to_size > tree_.size()) {
    return Fail(Errc::kOutOfRange, "consistency " + std::to_string(from_size) + " -> " + std::to_string(to_size) +
                                       " of a tree of " + std::to_string(tree_.size()));
  }
  PACTUM_TRY(ledger::ConsistencyProof p, ledger::prove_consistency(tree_, from_size, to_size));
  return std::move(p.path);
}

CheckpointTaken FakeLedger::checkpoint(const crypto::SecretKey& key, const std::string& origin) const {
  ledger::Checkpoint cp;
  cp.origin = origin;
  cp.size = tree_.size();
  cp.root = ledger::empty_root();
  if (cp.size > 0) {
    auto root = ledger::tree_root(const_cast<ledger::MemoryTree&>(tree_), cp.size);  // node() is a read.
    PACTUM_ASSERT(root.has_value());
    cp.root = *root;
  }
  std::string note = ledger::sign_note(ledger::checkpoint_body(cp), origin, key);
  return CheckpointTaken{to_bytes(note), cp.size};
}

}  // namespace pactum::node::testing
