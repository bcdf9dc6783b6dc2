// LMDB handle owners and the Store: environment, named databases, map growth.
#include "ledger/lmdb_store.h"

#include <sys/stat.h>

#include <bit>
#include <cerrno>
#include <filesystem>
#include <mutex>

namespace pactum::ledger::lmdb {

Error db_error(int rc, std::string_view what) {
  std::string detail = std::string(what) + ": " + mdb_strerror(rc);
  if (rc == MDB_MAP_FULL) return Error{Errc::kLedgerMapFull, std::move(detail)};
  return Error{Errc::kLedgerDb, std::move(detail)};
}

Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    abort();
    txn_ = o.txn_;
    o.txn_ = nullptr;
  }
  return *this;
}

Result<void> Txn::commit() {
  PACTUM_ASSERT(txn_ != nullptr);
  MDB_txn* t = txn_;
  txn_ = nullptr;  // mdb_txn_commit frees the txn even when it fails.
  int rc = mdb_txn_commit(t);
  if (rc != 0) return Fail(db_error(rc, "mdb_txn_commit"));
  return Ok();
}

void Txn::abort() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Result<Cursor> Cursor::open(MDB_txn* txn, MDB_dbi dbi) {
  Cursor c;
  int rc = mdb_cursor_open(txn, dbi, &c.cur_);
  if (rc != 0) return Fail(db_error(rc, "mdb_cursor_open"));
  return c;
}

Result<Cursor::Record> Cursor::get(MDB_cursor_op op, ByteSpan key) {
  MDB_val k = val(key);
  MDB_val v{0, nullptr};
  int rc = mdb_cursor_get(cur_, &k, &v, op);
  if (rc == MDB_NOTFOUND) return Record{};
  if (rc != 0) return Fail(db_error(rc, "mdb_cursor_get"));
  return Record{span(k), span(v), true};
}

Result<void> Cursor::append(ByteSpan key, ByteSpan value) {
  MDB_val k = val(key);
  MDB_val v = val(value);
  int rc = mdb_cursor_put(cur_, &k, &v, MDB_APPEND);
  if (rc != 0) return Fail(db_error(rc, "mdb_cursor_put(MDB_APPEND)"));
  return Ok();
}

Result<std::optional<ByteSpan>> Cursor::insert(ByteSpan key, ByteSpan value) {
  MDB_val k = val(key);
  MDB_val v = val(value);
  int rc = mdb_cursor_put(cur_, &k, &v, MDB_NOOVERWRITE);
  if (rc == MDB_KEYEXIST) return std::optional<ByteSpan>(span(v));  // LMDB points v at the stored value.
  if (rc != 0) return Fail(db_error(rc, "mdb_cursor_put(MDB_NOOVERWRITE)"));
  return std::optional<ByteSpan>();
}

Result<Env> Env::open(const std::string& dir, unsigned flags, std::size_t map_bytes) {
  std::error_code ec;
  if ((flags & MDB_RDONLY) == 0) std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(Errc::kIo, "cannot create " + dir + ": " + ec.message());
  Env e;
  int rc = mdb_env_create(&e.env_);
  if (rc != 0) return Fail(db_error(rc, "mdb_env_create"));
  rc = mdb_env_set_maxdbs(e.env_, kMaxNamedDatabases);
  if (rc != 0) return Fail(db_error(rc, "mdb_env_set_maxdbs"));
  rc = mdb_env_set_mapsize(e.env_, map_bytes);
  if (rc != 0) return Fail(db_error(rc, "mdb_env_set_mapsize"));
  rc = mdb_env_open(e.env_, dir.c_str(), flags, 0640);
  if (rc != 0) return Fail(db_error(rc, "mdb_env_open " + dir));
  return e;
}

Result<std::optional<ByteSpan>> get(MDB_txn* txn, MDB_dbi dbi, ByteSpan key) {
  MDB_val k = val(key);
  MDB_val v{0, nullptr};
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<ByteSpan>();
  if (rc != 0) return Fail(db_error(rc, "mdb_get"));
  return std::optional<ByteSpan>(span(v));
}

Result<void> put(MDB_txn* txn, MDB_dbi dbi, ByteSpan key, ByteSpan value, unsigned flags) {
  MDB_val k = val(key);
  MDB_val v = val(value);
  int rc = mdb_put(txn, dbi, &k, &v, flags);
  if (rc != 0) return Fail(db_error(rc, "mdb_put"));
  return Ok();
}

std::array<std::uint8_t, 8> node_record_key(unsigned level, std::uint64_t index) {
  PACTUM_ASSERT(level < 64);
  return be64(((index + 1) << level) - 1);
}

std::size_t node_record_hashes(std::uint64_t leaf) {
  return 1 + static_cast<std::size_t>(std::countr_one(leaf));
}

namespace {

// Refuses a ledger of another format rather than misreading it; a writable
// open of a new (entry-less) ledger records the format.
Result<void> check_format(MDB_txn* txn, MDB_dbi meta, MDB_dbi entries, bool read_only) {
  PACTUM_TRY(auto stored, get(txn, meta, as_bytes(kFormatMeta)));
  if (stored) {
    if (as_chars(*stored) == kFormat) return Ok();
    return Fail(Errc::kUnsupported, "ledger format '" + std::string(as_chars(*stored)) + "' is not " +
                                        std::string(kFormat) + " (docs/ledger.md)");
  }
  MDB_stat st{};
  int rc = mdb_stat(txn, entries, &st);
  if (rc != 0) return Fail(db_error(rc, "mdb_stat entries"));
  if (st.ms_entries != 0)
    return Fail(Errc::kUnsupported, "ledger of format 1 (one record per Merkle node); this build reads " +
                                        std::string(kFormat) + " only (docs/ledger.md)");
  if (read_only) return Ok();
  return put(txn, meta, as_bytes(kFormatMeta), as_bytes(kFormat), 0);
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& dir, Durability durability,
                                           std::size_t map_bytes, bool read_only,
                                           FaultHook fault_hook) {
  unsigned flags = MDB_NOTLS;  // Read txns may move between threads of a pool.
  if (read_only) flags |= MDB_RDONLY;
  switch (durability) {
    case Durability::kDurable: break;
    case Durability::kUnsafeNoSyncForTests: flags |= MDB_NOSYNC; break;
  }
  auto store = std::unique_ptr<Store>(new Store());
  PACTUM_TRY(store->env_, Env::open(dir, flags, map_bytes));
  store->fault_hook_ = std::move(fault_hook);
  // Named databases are opened once, in a transaction that commits, so every
  // later transaction of this environment may use the handles.
  PACTUM_TRY(Txn txn, store->begin(read_only ? MDB_RDONLY : 0));
  unsigned create = read_only ? 0 : MDB_CREATE;
  struct Named {
    const char* name;
    MDB_dbi* dbi;
  };
  for (Named n : {Named{kEntriesDb, &store->entries}, Named{kNodesDb, &store->nodes},
                  Named{kCheckpointsDb, &store->checkpoints}, Named{kIdsDb, &store->ids},
                  Named{kMetaDb, &store->meta}}) {
    int rc = mdb_dbi_open(txn.get(), n.name, create, n.dbi);
    if (rc != 0) return Fail(db_error(rc, std::string("mdb_dbi_open ") + n.name));
  }
  PACTUM_CHECK(check_format(txn.get(), store->meta, store->entries, read_only));
  PACTUM_CHECK(txn.commit());
  return store;
}

Result<Txn> Store::begin(unsigned flags) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_.get(), nullptr, flags, &txn);
  if (rc != 0) return Fail(db_error(rc, "mdb_txn_begin"));
  return Txn(txn);
}

std::size_t Store::map_bytes() const {
  MDB_envinfo info{};
  int rc = mdb_env_info(env_.get(), &info);
  PACTUM_ASSERT(rc == 0);  // Only fails for a null environment.
  return info.me_mapsize;
}

Result<void> Store::read(const std::function<Result<void>(MDB_txn*)>& fn) {
  for (int attempt = 0;; ++attempt) {
    std::shared_lock lock(resize_mu_);
    MDB_txn* raw = nullptr;
    int rc = mdb_txn_begin(env_.get(), nullptr, MDB_RDONLY, &raw);
    if (rc == MDB_MAP_RESIZED && attempt < kMapGrowAttemptsMax) {
      lock.unlock();
      std::unique_lock grow(resize_mu_);
      // Another process grew the map: adopt its size.
      int rc2 = mdb_env_set_mapsize(env_.get(), 0);
      if (rc2 != 0) return Fail(db_error(rc2, "mdb_env_set_mapsize(0)"));
      continue;
    }
    if (rc != 0) return Fail(db_error(rc, "mdb_txn_begin(read)"));
    Txn txn(raw);
    return fn(txn.get());
  }
}

Result<void> Store::grow_map() {
  std::unique_lock lock(resize_mu_);
  std::size_t now = map_bytes();
  if (now >= kMapBytesMax) return Fail(Errc::kLedgerMapFull, "map at its ceiling kMapBytesMax");
  std::size_t next = now * 2 > kMapBytesMax ? kMapBytesMax : now * 2;
  int rc = mdb_env_set_mapsize(env_.get(), next);
  if (rc != 0) return Fail(db_error(rc, "mdb_env_set_mapsize"));
  return Ok();
}

Result<void> Store::write(const std::function<Result<void>(MDB_txn*)>& fn) {
  for (int attempt = 0;; ++attempt) {
    bool resized = false;  // Another process grew the map.
    Result<void> r = [&]() -> Result<void> {
      std::shared_lock lock(resize_mu_);
      MDB_txn* raw = nullptr;
      int rc = mdb_txn_begin(env_.get(), nullptr, 0, &raw);
      resized = rc == MDB_MAP_RESIZED;
      if (rc != 0) return Fail(db_error(rc, "mdb_txn_begin(write)"));
      Txn txn(raw);
      PACTUM_CHECK(fn(txn.get()));
      if (int injected = fault(WritePoint::kBeforeCommit); injected != 0)
        return Fail(db_error(injected, "mdb_txn_commit (injected)"));
      return txn.commit();
    }();
    if (r || attempt >= kMapGrowAttemptsMax) return r;
    if (r.error().code == Errc::kLedgerMapFull) {
      PACTUM_CHECK(grow_map());
      continue;
    }
    if (resized) {
      std::unique_lock lock(resize_mu_);
      int rc = mdb_env_set_mapsize(env_.get(), 0);
      if (rc != 0) return Fail(db_error(rc, "mdb_env_set_mapsize(0)"));
      continue;
    }
    return r;
  }
}

}  // namespace pactum::ledger::lmdb
