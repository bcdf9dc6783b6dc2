// ledger: pactum's append-only, hash-chained log in one LMDB environment.
//
// Every entry links to the leaf hash of the one before (a hash chain) and is a
// leaf of an RFC 6962 / RFC 9162 Merkle tree, so anyone can check with
// standard transparency-log tools that an entry is in the log (inclusion
// proof) and that the log was only ever appended to (consistency proof).
// Checkpoints are C2SP tlog-checkpoints signed as C2SP signed notes; Go's
// golang.org/x/mod/sumdb/note and sumdb/tlog verify them. Byte formats:
// docs/ledger.md.
//
// Thread-safety: the free functions are thread-safe. A Ledger is thread-safe:
// any number of threads may append and read concurrently; appends are batched
// into one durable write transaction (group commit). Only one Ledger object
// per directory per process.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/base.h"
#include "crypto/crypto.h"
#include "ledger/ledger_limits.h"

namespace pactum::ledger {

using Hash = crypto::Digest;                   // SHA-256, 32 bytes.
using Id = std::array<std::uint8_t, 32>;       // Idempotency id of an entry.

// Mirrors protocol/ledger.capnp EntryKind. Persisted and hashed: do not change or reorder.
enum class EntryKind : std::uint16_t {
  kGeneric = 0,
  kContractAnchor = 1,
  kNegotiationMessage = 2,
  kRevocation = 3,
  kEscrowEvent = 4,
  kSettlementReceipt = 5,
  kCosignedCheckpoint = 6,
};
inline constexpr std::uint16_t kEntryKindLast = 6;
std::string_view entry_kind_name(EntryKind kind);
Result<EntryKind> entry_kind_from_name(std::string_view name);  // kInvalidArgument if unknown.

struct Entry {
  std::uint64_t index = 0;
  std::int64_t timestamp_ms = 0;
  EntryKind kind = EntryKind::kGeneric;
  Hash prev_hash{};
  Id id{};
  Bytes payload;
};

// ---- entry bytes ----
// "pactum-ledger-entry-v1" || 0x00 || canonical Cap'n Proto of Entry.
inline constexpr std::string_view kEntryDomain = "pactum-ledger-entry-v1";
// REQUIRES: entry.payload.size() <= kEntryPayloadBytesMax.
Bytes encode_entry(const Entry& entry);
// kLedgerCorrupt when the bytes are not exactly what encode_entry produces
// (wrong prefix, malformed or non-canonical Cap'n Proto, bad field sizes).
Result<Entry> decode_entry(ByteSpan bytes);

// ---- RFC 6962 / RFC 9162 hashing and proofs ----
Hash leaf_hash(ByteSpan entry_bytes);             // SHA-256(0x00 || entry bytes)
Hash node_hash(const Hash& left, const Hash& right);  // SHA-256(0x01 || left || right)
Hash empty_root();                                // SHA-256 of nothing.

// Inclusion proof of leaf `index` in the tree of `tree_size` leaves:
// RFC 9162 section 2.1.3 audit path, lowest level first.
struct InclusionProof {
  std::uint64_t index = 0;
  std::uint64_t tree_size = 0;
  std::vector<Hash> path;
};
// Consistency proof between tree sizes from_size <= to_size (RFC 9162 section 2.1.4).
struct ConsistencyProof {
  std::uint64_t from_size = 0;
  std::uint64_t to_size = 0;
  std::vector<Hash> path;
};

// RFC 9162 section 2.1.3.2. Ok, or kBadProof naming what did not match.
Result<void> verify_inclusion(const Hash& leaf, const InclusionProof& proof, const Hash& root);
// RFC 9162 section 2.1.4.2; from_size == to_size needs an empty path and equal
// roots; from_size == 0 is rejected (kBadProof) since it proves nothing.
Result<void> verify_consistency(const ConsistencyProof& proof, const Hash& from_root,
                                const Hash& to_root);

// Reads complete-subtree hashes: node(level, i) is the root of the perfect
// subtree over leaves [i * 2^level, (i + 1) * 2^level). Implementations: the
// LMDB nodes database (O(1) read each) and MemoryTree.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  virtual Result<Hash> node(unsigned level, std::uint64_t index) = 0;
};
// Root of the first `size` leaves, with at most log2(size)+1 node reads.
// REQUIRES: every complete subtree within [0, size) is readable.
Result<Hash> tree_root(NodeReader& nodes, std::uint64_t size);
// O(log n) node reads each; kOutOfRange for index >= size or from > to, from == 0 < to.
Result<InclusionProof> prove_inclusion(NodeReader& nodes, std::uint64_t index, std::uint64_t size);
Result<ConsistencyProof> prove_consistency(NodeReader& nodes, std::uint64_t from_size,
                                           std::uint64_t to_size);

// An in-memory tree of leaf hashes keeping every complete subtree (tests,
// verification). Value type; not thread-safe.
class MemoryTree final : public NodeReader {
 public:
  void append(const Hash& leaf);
  std::uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  Result<Hash> node(unsigned level, std::uint64_t index) override;

 private:
  std::vector<std::vector<Hash>> levels_;  // levels_[l][i] = node(l, i).
};

// ---- checkpoints and signed notes (C2SP) ----

// tlog-checkpoint body: "<origin>\n<decimal size>\n<base64 root>\n".
struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Hash root{};
};
std::string checkpoint_body(const Checkpoint& cp);
// kBadCheckpoint on anything but the three lines (extension lines are rejected:
// pactum writes none), a size with a sign or leading zero, or a bad root.
Result<Checkpoint> parse_checkpoint_body(std::string_view body);

// A signed-note Ed25519 verifier key: name, key id, public key.
struct VerifierKey {
  std::string name;
  std::uint32_t key_id = 0;
  crypto::PublicKey key{};
};
// key id = first 4 bytes (big-endian) of SHA-256(name || 0x0A || 0x01 || key).
std::uint32_t note_key_id(std::string_view name, const crypto::PublicKey& key);
// kInvalidArgument unless the name is non-empty, at most kOriginBytesMax bytes,
// and free of spaces, '+' and control characters.
Result<VerifierKey> make_verifier_key(std::string_view name, const crypto::PublicKey& key);
// "<name>+<8 hex digits key id>+<base64(0x01 || key)>".
std::string verifier_key_text(const VerifierKey& key);
Result<VerifierKey> parse_verifier_key(std::string_view text);  // kBadKey on error.

// Signs `text` (which must end in '\n') as a note: text || "\n" || "— name sig\n".
// REQUIRES: text ends with '\n'; name valid as for make_verifier_key.
std::string sign_note(std::string_view text, std::string_view name, const crypto::SecretKey& key);
// Returns the note text if a signature by `key` (same name and id) verifies
// over it; kBadSignature if that signature is invalid, kBadCheckpoint for a
// malformed note or when no signature of `key` is present. Other keys'
// signatures are ignored, as the spec requires.
Result<std::string> open_note(std::string_view note, const VerifierKey& key);
// open_note, then parse_checkpoint_body, and the origin must equal the key name.
Result<Checkpoint> open_checkpoint(std::string_view note, const VerifierKey& key);

// ---- the ledger ----

enum class Durability {
  kDurable,                // Every commit is fsynced before any caller hears of it.
  kUnsafeNoSyncForTests,   // No fsync: a power loss may lose acknowledged entries. Tests only.
};

// Test seam: called at each named point of the write path; a non-zero LMDB
// return code (e.g. MDB_MAP_FULL) is treated as if LMDB had returned it.
enum class WritePoint { kBeforePut, kBeforeCommit };
using FaultHook = std::function<int(WritePoint)>;

struct Options {
  Durability durability = Durability::kDurable;
  std::size_t map_bytes = kMapBytesInitial;         // Initial map size; grows on MDB_MAP_FULL.
  std::chrono::microseconds batch_wait{0};          // Wait for more appends; <= kBatchWaitMax.
  std::function<std::int64_t()> clock_ms;           // Entry timestamps; default: system clock.
  FaultHook fault_hook;                             // Tests only; empty in production.
  // Ids kept in the in-memory tail before a merge into the ids database,
  // 1..kIdTailEntriesMax. Tests lower it to exercise merges; it changes no
  // result and no byte of any entry.
  std::size_t id_tail_entries = kIdTailEntriesMax;
};

struct AppendRequest {
  EntryKind kind = EntryKind::kGeneric;
  Id id{};
  Bytes payload;
};
struct AppendResult {
  std::uint64_t index = 0;
  bool existed = false;  // The id was already present; nothing was written.
};

// A signed checkpoint as stored: the parsed body and the full note text.
struct SignedCheckpoint {
  Checkpoint checkpoint;
  std::string note;
};

class Ledger {
 public:
  // Opens or creates the environment in directory `dir` (created if missing).
  // kLedgerDb on LMDB errors, kLedgerCorrupt if the stored tree is inconsistent.
  static Result<std::unique_ptr<Ledger>> open(const std::string& dir, Options options = {});
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Appends one entry and returns its index once the commit that holds it is
  // durable. An id already present returns its existing index, writes nothing.
  // kLimitExceeded for a payload over kEntryPayloadBytesMax; kLedgerDb if the
  // write failed (nothing of the batch was written; safe to retry).
  Result<AppendResult> append(AppendRequest request);
  // Appends up to kBatchEntriesMax entries in one transaction, in order.
  Result<std::vector<AppendResult>> append_batch(std::vector<AppendRequest> requests);
  // append_batch, then a checkpoint of the size the commit reaches, signed
  // and stored as checkpoint() does, in the same write transaction: one
  // commit (one pair of syncs) for both. Errors as append_batch and
  // checkpoint; on any, nothing is written.
  struct BatchAndCheckpoint {
    std::vector<AppendResult> results;
    SignedCheckpoint checkpoint;
  };
  Result<BatchAndCheckpoint> append_batch_and_checkpoint(std::vector<AppendRequest> requests,
                                                         const crypto::SecretKey& key, std::string_view origin);

  std::uint64_t size() const;  // Entries durably committed.
  Result<Bytes> entry_bytes(std::uint64_t index);  // kNotFound past the end.
  Result<Entry> entry(std::uint64_t index);
  // Index of the committed entry holding `id`, if any (exact: full 32-byte id).
  Result<std::optional<std::uint64_t>> find_id(const Id& id);

  Result<Hash> root(std::uint64_t size);
  Result<InclusionProof> prove_inclusion(std::uint64_t index, std::uint64_t size);
  Result<ConsistencyProof> prove_consistency(std::uint64_t from_size, std::uint64_t to_size);

  // Signs a checkpoint of the current size with origin = key name = `origin`,
  // stores it (and the verifier key, in the meta database) and returns it.
  Result<SignedCheckpoint> checkpoint(const crypto::SecretKey& key, std::string_view origin);
  // The stored checkpoint of exactly `size`, or the latest one.
  Result<std::optional<SignedCheckpoint>> checkpoint_at(std::uint64_t size);
  Result<std::optional<SignedCheckpoint>> latest_checkpoint();
  // Verifier key text stored by the first checkpoint, if any.
  Result<std::optional<std::string>> stored_verifier_key();

  class Impl;

 private:
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- full verification (`pactum ledger verify`) ----

// Checks the signatures inside one entry's payload (envelopes, receipts):
// true if the payload carried signatures and all verified, false if it
// carries none, an error naming the reason otherwise. Called from several
// threads at once: must be thread-safe.
using EntryCheck = std::function<Result<bool>(const Entry& entry)>;

// True for the kinds whose payload is one canonical signed protocol envelope:
// negotiation message, revocation, escrow event, settlement receipt.
bool entry_kind_holds_envelope(EntryKind kind);
// Checks those payloads with protocol::open_envelope (every signature, canonical
// form, version); other kinds pass (contract anchors are checked by the
// evidence verifier, which knows their transcript). Thread-safe.
EntryCheck envelope_entry_check();

struct VerifyOptions {
  unsigned threads = 1;                 // 1..kVerifyThreadsMax.
  EntryCheck entry_check;               // Empty: payload signatures are not checked.
  std::vector<VerifierKey> checkpoint_keys;  // Empty: the key stored by the ledger.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;  // Any thread; may be empty.
};

struct VerifyReport {
  std::uint64_t entries = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t entries_checked = 0;    // Entries whose payload signatures entry_check verified.
  Hash root{};
  bool ok = true;
  std::uint64_t first_bad_index = 0;    // When !ok and the failure is in an entry.
  bool bad_entry = false;               // The failure names an entry (first_bad_index).
  Error failure;                        // When !ok: the reason.
};

// Recomputes the hash chain, every leaf and stored Merkle node, the root of
// every stored checkpoint and its signature, and runs entry_check on every
// entry, in parallel. An error Result only when the ledger cannot be read at
// all; tampering is reported in the VerifyReport with the first bad index.
Result<VerifyReport> verify_ledger(const std::string& dir, const VerifyOptions& options);

}  // namespace pactum::ledger
