// Internal: move-only RAII owners of LMDB handles and the ledger's storage
// seam (Store), the one place that touches LMDB. Every LMDB return code is
// checked where the call is made and turned into an Error.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>

#include "base/base.h"
#include "ledger/ledger.h"

namespace pactum::ledger::lmdb {

// kLedgerMapFull for MDB_MAP_FULL, kLedgerDb otherwise, with the LMDB message.
Error db_error(int rc, std::string_view what);

inline MDB_val val(ByteSpan b) {
  return MDB_val{b.size(), const_cast<std::uint8_t*>(b.data())};
}
inline ByteSpan span(const MDB_val& v) {
  return {static_cast<const std::uint8_t*>(v.mv_data), v.mv_size};
}

// Owns an MDB_txn; aborts it on destruction unless committed.
class Txn {
 public:
  Txn() = default;
  explicit Txn(MDB_txn* txn) : txn_(txn) {}
  Txn(Txn&& o) noexcept : txn_(o.txn_) { o.txn_ = nullptr; }
  Txn& operator=(Txn&& o) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() { abort(); }

  MDB_txn* get() const { return txn_; }
  Result<void> commit();  // The txn is gone afterwards, whatever the outcome.
  void abort();

 private:
  MDB_txn* txn_ = nullptr;
};

// Owns an MDB_cursor (closed before its transaction ends: declare it after the Txn).
class Cursor {
 public:
  Cursor() = default;
  Cursor(Cursor&& o) noexcept : cur_(o.cur_) { o.cur_ = nullptr; }
  Cursor& operator=(Cursor&&) = delete;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() {
    if (cur_ != nullptr) mdb_cursor_close(cur_);
  }
  static Result<Cursor> open(MDB_txn* txn, MDB_dbi dbi);
  // A key and value the cursor points at; found is false on MDB_NOTFOUND.
  struct Record {
    ByteSpan key;
    ByteSpan value;
    bool found = false;
    explicit operator bool() const { return found; }
  };
  // Positions with `op` (the key is used by MDB_SET_RANGE and the like).
  Result<Record> get(MDB_cursor_op op, ByteSpan key = {});
  // Write transactions only (a write txn's cursors must be closed before it
  // commits: let the Cursor go out of scope inside Store::write's fn).
  // MDB_APPEND: the key must sort after every key in the database.
  Result<void> append(ByteSpan key, ByteSpan value);
  // MDB_NOOVERWRITE: writes and returns nullopt, or returns the value already
  // stored under `key` and writes nothing.
  Result<std::optional<ByteSpan>> insert(ByteSpan key, ByteSpan value);

 private:
  MDB_cursor* cur_ = nullptr;
};

// Owns an MDB_env.
class Env {
 public:
  Env() = default;
  Env(Env&& o) noexcept : env_(o.env_) { o.env_ = nullptr; }
  Env& operator=(Env&& o) noexcept {
    std::swap(env_, o.env_);  // o closes what this held.
    return *this;
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  ~Env() {
    if (env_ != nullptr) mdb_env_close(env_);
  }
  static Result<Env> open(const std::string& dir, unsigned flags, std::size_t map_bytes);
  MDB_env* get() const { return env_; }

 private:
  MDB_env* env_ = nullptr;
};

Result<std::optional<ByteSpan>> get(MDB_txn* txn, MDB_dbi dbi, ByteSpan key);
Result<void> put(MDB_txn* txn, MDB_dbi dbi, ByteSpan key, ByteSpan value, unsigned flags);

// The nodes database holds one record per leaf j, keyed be64(j) and appended
// in key order (MDB_APPEND): the leaf hash of j, then the hash of every
// complete subtree whose last leaf is j, lowest level first (levels 1..t for
// the t trailing one bits of j). One put per entry instead of one per node.
//
// Key of the record holding node(level, index): its last leaf covered.
std::array<std::uint8_t, 8> node_record_key(unsigned level, std::uint64_t index);
// Hashes in the record of leaf j: 1 + the number of trailing one bits of j.
std::size_t node_record_hashes(std::uint64_t leaf);

// Meta key of the on-disk format and the format this code reads and writes.
// Format 1 (no record) kept one 9-byte-keyed record per node.
inline constexpr std::string_view kFormatMeta = "format";
inline constexpr std::string_view kFormat = "pactum-ledger-2";

// The ledger's storage seam: the environment and its named databases.
// Thread-safe. Read transactions hold a shared lock; growing the map takes it
// exclusively, since LMDB requires no transaction of this process to be active.
class Store {
 public:
  static inline constexpr const char* kEntriesDb = "entries";
  static inline constexpr const char* kNodesDb = "nodes";
  static inline constexpr const char* kCheckpointsDb = "checkpoints";
  static inline constexpr const char* kIdsDb = "ids";
  static inline constexpr const char* kMetaDb = "meta";

  // read_only opens the environment with MDB_RDONLY (verification).
  static Result<std::unique_ptr<Store>> open(const std::string& dir, Durability durability,
                                             std::size_t map_bytes, bool read_only,
                                             FaultHook fault_hook);

  MDB_dbi entries = 0, nodes = 0, checkpoints = 0, ids = 0, meta = 0;

  // Runs fn inside a read transaction.
  Result<void> read(const std::function<Result<void>(MDB_txn*)>& fn);
  // Runs fn inside a write transaction and commits it. On MDB_MAP_FULL
  // (from fn's puts or the commit) the transaction is aborted, the map doubled
  // and fn run again from the start, so fn must derive all it writes from the
  // transaction it is given (and from state it resets itself).
  Result<void> write(const std::function<Result<void>(MDB_txn*)>& fn);
  // The fault hook's verdict at `point` (0 when there is no hook).
  int fault(WritePoint point) const { return fault_hook_ ? fault_hook_(point) : 0; }
  std::size_t map_bytes() const;

 private:
  Result<void> grow_map();
  Result<Txn> begin(unsigned flags);
  Env env_;
  FaultHook fault_hook_;
  mutable std::shared_mutex resize_mu_;  // Shared: any txn. Exclusive: set_mapsize.
};

}  // namespace pactum::ledger::lmdb
