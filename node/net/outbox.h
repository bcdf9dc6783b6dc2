// node/net internal: the durable outbox and inbound dedupe marks, in the
// transport's own LMDB environment (data_dir/transport).
//
// Layout (docs/transport.md; persisted, do not change):
//   meta     "stream-id"             -> be64 random id of our outbound stream
//   outbox   org_root(32) || be64(seq) -> payload bytes
//   next_seq org_root(32)            -> be64 next sequence number to assign
//   inbound  org_root(32)            -> be64 peer stream id || be64 highest seq delivered
// Every write is one durable LMDB transaction (fsync on commit): a method
// that returns success has made its change durable; on error nothing changed.
//
// Thread-safety: not thread-safe; one thread at a time uses an Outbox (the
// transport reads it on its io thread at start, then writes it only on its
// OutboxWriter's thread).
#pragma once

#include <lmdb.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/base.h"
#include "node/net/transport.h"

namespace pactum::node::net {

class Outbox {
 public:
  struct Entry {
    std::uint64_t seq = 0;
    Bytes payload;
  };
  struct InboundMark {
    std::uint64_t stream_id = 0;
    std::uint64_t seq = 0;  // Highest delivered; 0 = none.
  };

  // Opens or creates the environment in `dir` (created if missing) and our
  // stream id: random on first open, and again after an Outbox that did not
  // close cleanly (a crash, or an append that failed), because the transport
  // writes payloads to the peer before their append commits. Errors: kIo.
  static Result<std::unique_ptr<Outbox>> open(const std::string& dir);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  std::uint64_t stream_id() const { return stream_id_; }

  // Every queued entry for `peer`, in sequence order. Errors: kIo, and kIo
  // for a record of the wrong size (a damaged file).
  Result<std::vector<Entry>> load(const OrgKey& peer);
  // The sequence number the next append for `peer` will assign. Errors: kIo.
  Result<std::uint64_t> next_seq(const OrgKey& peer);
  // Appends the payloads in one transaction, assigning each peer's next
  // sequence numbers in input order; returns them. Errors: kIo (nothing queued).
  Result<std::vector<std::uint64_t>> append(const std::vector<std::pair<OrgKey, ByteSpan>>& items);
  // Removes `peer`'s entries with seq <= upto. Errors: kIo.
  Result<void> ack(const OrgKey& peer, std::uint64_t upto);

  Result<InboundMark> inbound(const OrgKey& peer);
  // Stores the marks of several peers in one transaction. Errors: kIo (none stored).
  Result<void> set_inbound(const std::vector<std::pair<OrgKey, InboundMark>>& marks);

  // Runs `body`, whose append, ack and set_inbound calls then share one
  // write transaction (one commit, one pair of syncs, for all of them),
  // committed if `body` succeeds. An error aborts the whole transaction:
  // none of body's writes is stored. Not reentrant.
  Result<void> in_one_commit(const std::function<Result<void>()>& body);

 private:
  Outbox() = default;
  // Runs `op` in the open batch transaction, or in a transaction of its own that it commits.
  template <typename T>
  Result<T> write(const std::function<Result<T>(MDB_txn*)>& op);
  MDB_txn* batch_ = nullptr;  // The transaction of in_one_commit's body, while it runs.
  bool append_failed_ = false;  // An append outside a batch failed: the close is not clean.
  MDB_env* env_ = nullptr;  // Owned.
  MDB_dbi meta_ = 0, outbox_ = 0, next_seq_ = 0, inbound_ = 0;
  std::uint64_t stream_id_ = 0;
};

}  // namespace pactum::node::net
