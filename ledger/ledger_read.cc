// Ledger reads: entries, ids, roots, proofs and checkpoints, each in one read
// transaction (O(log n) reads for roots and proofs).
#include <string>

#include "ledger/ledger_impl.h"

namespace pactum::ledger {
namespace {

constexpr std::string_view kVerifierKeyMeta = "verifier_key";

Result<void> check_size(std::uint64_t size, std::uint64_t have) {
  if (size > have)
    return Fail(Errc::kOutOfRange, "tree size " + std::to_string(size) + " above ledger size " +
                                       std::to_string(have));
  return Ok();
}

Result<std::optional<SignedCheckpoint>> parse_stored(ByteSpan key, ByteSpan value) {
  std::string note(as_chars(value));
  std::size_t split = note.rfind("\n\n");
  if (split == std::string::npos) return Fail(Errc::kLedgerCorrupt, "stored checkpoint is not a note");
  PACTUM_TRY(Checkpoint cp, parse_checkpoint_body(std::string_view(note).substr(0, split + 1)));
  if (key.size() != 8 || from_be64(key) != cp.size)
    return Fail(Errc::kLedgerCorrupt, "checkpoint stored under the wrong size");
  return std::optional<SignedCheckpoint>(SignedCheckpoint{cp, std::move(note)});
}

}  // namespace

Result<Bytes> Ledger::entry_bytes(std::uint64_t index) {
  Bytes out;
  PACTUM_CHECK(impl_->store_->read([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto v, lmdb::get(txn, impl_->store_->entries, be64(index)));
    if (!v) return Fail(Errc::kNotFound, "no entry " + std::to_string(index));
    out.assign(v->begin(), v->end());
    return Ok();
  }));
  return out;
}

Result<Entry> Ledger::entry(std::uint64_t index) {
  PACTUM_TRY(Bytes bytes, entry_bytes(index));
  PACTUM_TRY(Entry e, decode_entry(bytes));
  // Validate again at time of use: the key and the index inside must agree.
  if (e.index != index) return Fail(Errc::kLedgerCorrupt, "entry " + std::to_string(index) + " holds index " + std::to_string(e.index));
  return e;
}

// The tail first, then a read transaction begun after that probe: a merge
// commits the ids database before it empties the tail, so an id moving from
// one to the other is seen in at least one of them.
Result<std::optional<std::uint64_t>> Ledger::find_id(const Id& id) {
  if (auto in_tail = impl_->tail_find(id)) return in_tail;
  std::optional<std::uint64_t> out;
  PACTUM_CHECK(impl_->store_->read([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto v, lmdb::get(txn, impl_->store_->ids, id));
    if (v && v->size() != 8) return Fail(Errc::kLedgerCorrupt, "id index value is not 8 bytes");
    if (v) out = from_be64(*v);
    return Ok();
  }));
  return out;
}

Result<Hash> Ledger::root(std::uint64_t size) {
  PACTUM_CHECK(check_size(size, this->size()));
  Hash out{};
  PACTUM_CHECK(impl_->store_->read([&](MDB_txn* txn) -> Result<void> {
    TxnNodes nodes(txn, impl_->store_->nodes);
    PACTUM_TRY(out, tree_root(nodes, size));
    return Ok();
  }));
  return out;
}

Result<InclusionProof> Ledger::prove_inclusion(std::uint64_t index, std::uint64_t size) {
  PACTUM_CHECK(check_size(size, this->size()));
  InclusionProof out;
  PACTUM_CHECK(impl_->store_->read([&](MDB_txn* txn) -> Result<void> {
    TxnNodes nodes(txn, impl_->store_->nodes);
    PACTUM_TRY(out, ledger::prove_inclusion(nodes, index, size));
    return Ok();
  }));
  return out;
}

Result<ConsistencyProof> Ledger::prove_consistency(std::uint64_t from_size, std::uint64_t to_size) {
  PACTUM_CHECK(check_size(to_size, this->size()));
  ConsistencyProof out;
  PACTUM_CHECK(impl_->store_->read([&](MDB_txn* txn) -> Result<void> {
    TxnNodes nodes(txn, impl_->store_->nodes);
    PACTUM_TRY(out, ledger::prove_consistency(nodes, from_size, to_size));
    return Ok();
  }));
  return out;
}

Result<SignedCheckpoint> Ledger::Impl::sign_and_store_checkpoint(MDB_txn* txn, std::uint64_t size,
                                                                  const crypto::SecretKey& key,
                                                                  std::string_view origin) {
  PACTUM_TRY(VerifierKey vkey, make_verifier_key(origin, key.public_key()));
  const std::string vkey_text = verifier_key_text(vkey);
  PACTUM_TRY(auto stored, lmdb::get(txn, store_->meta, as_bytes(kVerifierKeyMeta)));
  if (stored && as_chars(*stored) != vkey_text)
    return Fail(Errc::kBadKey, "this ledger's checkpoints are signed by " + std::string(as_chars(*stored)));
  TxnNodes nodes(txn, store_->nodes);
  PACTUM_TRY(Hash root, tree_root(nodes, size));
  Checkpoint cp{std::string(origin), size, root};
  std::string note = sign_note(checkpoint_body(cp), origin, key);
  if (!stored) PACTUM_CHECK(lmdb::put(txn, store_->meta, as_bytes(kVerifierKeyMeta), as_bytes(vkey_text), 0));
  PACTUM_CHECK(lmdb::put(txn, store_->checkpoints, be64(size), as_bytes(note), 0));
  return SignedCheckpoint{cp, note};
}

Result<SignedCheckpoint> Ledger::checkpoint(const crypto::SecretKey& key, std::string_view origin) {
  const std::uint64_t size = this->size();
  std::optional<SignedCheckpoint> out;
  PACTUM_CHECK(impl_->store_->write([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(out, impl_->sign_and_store_checkpoint(txn, size, key, origin));
    return Ok();
  }));
  return std::move(*out);
}

Result<std::optional<SignedCheckpoint>> Ledger::checkpoint_at(std::uint64_t size) {
  std::optional<SignedCheckpoint> out;
  PACTUM_CHECK(impl_->store_->read([&](MDB_txn* txn) -> Result<void> {
    auto key = be64(size);
    PACTUM_TRY(auto v, lmdb::get(txn, impl_->store_->checkpoints, key));
    if (!v) return Ok();
    PACTUM_TRY(out, parse_stored(key, *v));
    return Ok();
  }));
  return out;
}

Result<std::optional<SignedCheckpoint>> Ledger::latest_checkpoint() {
  std::optional<SignedCheckpoint> out;
  PACTUM_CHECK(impl_->store_->read([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto cur, lmdb::Cursor::open(txn, impl_->store_->checkpoints));
    PACTUM_TRY(auto last, cur.get(MDB_LAST));
    if (!last) return Ok();
    PACTUM_TRY(out, parse_stored(last.key, last.value));
    return Ok();
  }));
  return out;
}

Result<std::optional<std::string>> Ledger::stored_verifier_key() {
  std::optional<std::string> out;
  PACTUM_CHECK(impl_->store_->read([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto v, lmdb::get(txn, impl_->store_->meta, as_bytes(kVerifierKeyMeta)));
    if (v) out = std::string(as_chars(*v));
    return Ok();
  }));
  return out;
}

}  // namespace pactum::ledger
