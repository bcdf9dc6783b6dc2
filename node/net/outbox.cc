// The durable outbox and inbound dedupe marks (outbox.h). Every LMDB return
// code is checked on the line that called it.
#include "node/net/outbox.h"

#include <filesystem>
#include <string_view>

#include "node/net/limits.h"

namespace pactum::node::net {
namespace {

constexpr std::string_view kStreamIdKey = "stream-id";
// 1 while an Outbox is open, 0 once it closed cleanly (every append it took committed).
constexpr std::string_view kRunningKey = "running";
constexpr std::size_t kOutboxKeyBytes = crypto::kPublicKeyBytes + 8;

Error db_error(int rc, std::string_view what) {
  return Error{Errc::kIo, "outbox " + std::string(what) + ": " + mdb_strerror(rc)};
}

MDB_val val(ByteSpan b) { return MDB_val{b.size(), const_cast<std::uint8_t*>(b.data())}; }
ByteSpan span(const MDB_val& v) { return {static_cast<const std::uint8_t*>(v.mv_data), v.mv_size}; }

std::uint64_t get_be64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

std::array<std::uint8_t, kOutboxKeyBytes> outbox_key(const OrgKey& peer, std::uint64_t seq) {
  std::array<std::uint8_t, kOutboxKeyBytes> key{};
  std::copy(peer.begin(), peer.end(), key.begin());
  const auto s = be64(seq);
  std::copy(s.begin(), s.end(), key.begin() + crypto::kPublicKeyBytes);
  return key;
}

// Owns a write or read transaction; aborts unless committed.
class Txn {
 public:
  static Result<Txn> begin(MDB_env* env, unsigned flags) {
    Txn t;
    int rc = mdb_txn_begin(env, nullptr, flags, &t.txn_);
    if (rc != 0) return Fail(db_error(rc, "mdb_txn_begin"));
    return t;
  }
  Txn(Txn&& o) noexcept : txn_(std::exchange(o.txn_, nullptr)) {}
  Txn& operator=(Txn&&) = delete;
  ~Txn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  MDB_txn* get() const { return txn_; }
  Result<void> commit() {
    int rc = mdb_txn_commit(std::exchange(txn_, nullptr));  // Frees the txn either way.
    if (rc != 0) return Fail(db_error(rc, "mdb_txn_commit"));
    return Ok();
  }

 private:
  Txn() = default;
  MDB_txn* txn_ = nullptr;
};

// Owns a cursor; declared after its Txn so it closes first.
struct Cursor {
  MDB_cursor* cur = nullptr;
  ~Cursor() {
    if (cur != nullptr) mdb_cursor_close(cur);
  }
};

Result<std::optional<ByteSpan>> get(MDB_txn* txn, MDB_dbi dbi, ByteSpan key) {
  MDB_val k = val(key), v{0, nullptr};
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<ByteSpan>();
  if (rc != 0) return Fail(db_error(rc, "mdb_get"));
  return std::optional<ByteSpan>(span(v));
}

Result<void> put(MDB_txn* txn, MDB_dbi dbi, ByteSpan key, ByteSpan value) {
  MDB_val k = val(key), v = val(value);
  int rc = mdb_put(txn, dbi, &k, &v, 0);
  if (rc != 0) return Fail(db_error(rc, "mdb_put"));
  return Ok();
}

Result<std::uint64_t> read_u64(MDB_txn* txn, MDB_dbi dbi, ByteSpan key, std::uint64_t fallback) {
  PACTUM_TRY(std::optional<ByteSpan> v, get(txn, dbi, key));
  if (!v) return fallback;
  if (v->size() != 8) return Fail(Errc::kIo, "outbox: u64 record of " + std::to_string(v->size()) + " bytes");
  return get_be64(v->data());
}

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(Errc::kIo, "cannot create " + dir + ": " + ec.message());
  std::unique_ptr<Outbox> box(new Outbox());
  int rc = mdb_env_create(&box->env_);
  if (rc != 0) return Fail(db_error(rc, "mdb_env_create"));
  rc = mdb_env_set_maxdbs(box->env_, kOutboxDatabases);
  if (rc != 0) return Fail(db_error(rc, "mdb_env_set_maxdbs"));
  rc = mdb_env_set_mapsize(box->env_, kOutboxMapBytes);
  if (rc != 0) return Fail(db_error(rc, "mdb_env_set_mapsize"));
  rc = mdb_env_open(box->env_, dir.c_str(), 0, 0640);
  if (rc != 0) return Fail(db_error(rc, "mdb_env_open " + dir));

  PACTUM_TRY(Txn txn, Txn::begin(box->env_, 0));
  struct Named { const char* name; MDB_dbi* dbi; };
  for (Named n : {Named{"meta", &box->meta_}, Named{"outbox", &box->outbox_},
                  Named{"next_seq", &box->next_seq_}, Named{"inbound", &box->inbound_}}) {
    rc = mdb_dbi_open(txn.get(), n.name, MDB_CREATE, n.dbi);
    if (rc != 0) return Fail(db_error(rc, std::string("mdb_dbi_open ") + n.name));
  }
  PACTUM_TRY(std::uint64_t id, read_u64(txn.get(), box->meta_, as_bytes(kStreamIdKey), 0));
  PACTUM_TRY(std::uint64_t running, read_u64(txn.get(), box->meta_, as_bytes(kRunningKey), 0));
  if (id == 0 || running != 0) {
    // Random, so a receiver that kept marks for an older outbox of ours (a
    // wiped data_dir) starts a new dedupe window instead of dropping
    // everything up to the old mark. Also new after a crash: payloads go on
    // the wire before their append commits, so the peer may have seen seqs
    // that our outbox will number again.
    id = 0;
    while (id == 0) {
      std::array<std::uint8_t, 8> r{};
      crypto::random_bytes(r);
      id = get_be64(r.data());
    }
    PACTUM_CHECK(put(txn.get(), box->meta_, as_bytes(kStreamIdKey), be64(id)));
  }
  PACTUM_CHECK(put(txn.get(), box->meta_, as_bytes(kRunningKey), be64(1)));
  PACTUM_CHECK(txn.commit());
  box->stream_id_ = id;
  return box;
}

Outbox::~Outbox() {
  if (env_ == nullptr) return;
  // A clean close keeps the stream id; if this write fails, or an append
  // failed (its seq may be numbered again), the next open starts a new stream.
  if (!append_failed_) {
    if (auto txn = Txn::begin(env_, 0)) {
      if (put(txn->get(), meta_, as_bytes(kRunningKey), be64(0))) (void)txn->commit();
    }
  }
  mdb_env_close(env_);
}

Result<std::vector<Outbox::Entry>> Outbox::load(const OrgKey& peer) {
  PACTUM_TRY(Txn txn, Txn::begin(env_, MDB_RDONLY));
  Cursor c;
  int rc = mdb_cursor_open(txn.get(), outbox_, &c.cur);
  if (rc != 0) return Fail(db_error(rc, "mdb_cursor_open"));
  std::vector<Entry> out;
  const auto start = outbox_key(peer, 0);
  MDB_val k = val(start), v{0, nullptr};
  for (rc = mdb_cursor_get(c.cur, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(c.cur, &k, &v, MDB_NEXT)) {
    ByteSpan key = span(k);
    if (key.size() != kOutboxKeyBytes) return Fail(Errc::kIo, "outbox: key of wrong size");
    if (!std::equal(peer.begin(), peer.end(), key.begin())) break;
    ByteSpan payload = span(v);
    out.push_back(Entry{get_be64(key.data() + crypto::kPublicKeyBytes),
                        Bytes(payload.begin(), payload.end())});
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return Fail(db_error(rc, "mdb_cursor_get"));
  return out;
}

Result<std::uint64_t> Outbox::next_seq(const OrgKey& peer) {
  PACTUM_TRY(Txn txn, Txn::begin(env_, MDB_RDONLY));
  return read_u64(txn.get(), next_seq_, peer, 1);
}

template <typename T>
Result<T> Outbox::write(const std::function<Result<T>(MDB_txn*)>& op) {
  if (batch_ != nullptr) return op(batch_);
  PACTUM_TRY(Txn txn, Txn::begin(env_, 0));
  PACTUM_TRY(T out, op(txn.get()));
  PACTUM_CHECK(txn.commit());
  return out;
}

template <>
Result<void> Outbox::write(const std::function<Result<void>(MDB_txn*)>& op) {
  if (batch_ != nullptr) return op(batch_);
  PACTUM_TRY(Txn txn, Txn::begin(env_, 0));
  PACTUM_CHECK(op(txn.get()));
  return txn.commit();
}

Result<void> Outbox::in_one_commit(const std::function<Result<void>()>& body) {
  PACTUM_ASSERT(batch_ == nullptr);
  PACTUM_TRY(Txn txn, Txn::begin(env_, 0));
  batch_ = txn.get();
  Result<void> r = body();
  batch_ = nullptr;
  if (!r) return r;  // The Txn aborts: none of body's writes is stored.
  return txn.commit();
}

Result<std::vector<std::uint64_t>> Outbox::append(
    const std::vector<std::pair<OrgKey, ByteSpan>>& items) {
  auto r = write<std::vector<std::uint64_t>>([&](MDB_txn* txn) -> Result<std::vector<std::uint64_t>> {
    std::vector<std::uint64_t> seqs;
    seqs.reserve(items.size());
    for (const auto& [peer, payload] : items) {
      PACTUM_TRY(std::uint64_t seq, read_u64(txn, next_seq_, peer, 1));
      PACTUM_CHECK(put(txn, outbox_, outbox_key(peer, seq), payload));
      PACTUM_CHECK(put(txn, next_seq_, peer, be64(seq + 1)));
      seqs.push_back(seq);
    }
    return seqs;
  });
  // In a batch the whole commit fails; the writer then runs the job alone.
  if (!r && batch_ == nullptr) append_failed_ = true;
  return r;
}

Result<void> Outbox::ack(const OrgKey& peer, std::uint64_t upto) {
  return write<void>([&](MDB_txn* txn) -> Result<void> {
    Cursor c;
    int rc = mdb_cursor_open(txn, outbox_, &c.cur);
    if (rc != 0) return Fail(db_error(rc, "mdb_cursor_open"));
    const auto start = outbox_key(peer, 0);
    MDB_val k = val(start), v{0, nullptr};
    for (rc = mdb_cursor_get(c.cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c.cur, &k, &v, MDB_NEXT)) {
      ByteSpan key = span(k);
      if (key.size() != kOutboxKeyBytes || !std::equal(peer.begin(), peer.end(), key.begin()))
        break;
      if (get_be64(key.data() + crypto::kPublicKeyBytes) > upto) break;
      rc = mdb_cursor_del(c.cur, 0);
      if (rc != 0) return Fail(db_error(rc, "mdb_cursor_del"));
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return Fail(db_error(rc, "mdb_cursor_get"));
    return Ok();
  });
}

Result<Outbox::InboundMark> Outbox::inbound(const OrgKey& peer) {
  PACTUM_TRY(Txn txn, Txn::begin(env_, MDB_RDONLY));
  PACTUM_TRY(std::optional<ByteSpan> v, get(txn.get(), inbound_, peer));
  if (!v) return InboundMark{};
  if (v->size() != 16) return Fail(Errc::kIo, "outbox: inbound mark of wrong size");
  return InboundMark{get_be64(v->data()), get_be64(v->data() + 8)};
}

Result<void> Outbox::set_inbound(const std::vector<std::pair<OrgKey, InboundMark>>& marks) {
  return write<void>([&](MDB_txn* txn) -> Result<void> {
    for (const auto& [peer, mark] : marks) {
      std::array<std::uint8_t, 16> value{};
      const auto a = be64(mark.stream_id), b = be64(mark.seq);
      std::copy(a.begin(), a.end(), value.begin());
      std::copy(b.begin(), b.end(), value.begin() + 8);
      PACTUM_CHECK(put(txn, inbound_, peer, value));
    }
    return Ok();
  });
}

}  // namespace pactum::node::net
