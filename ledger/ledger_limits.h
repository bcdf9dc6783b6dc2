// Named limits of the ledger, each with the reason for its value.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace pactum::ledger {

// Largest payload one entry may carry: a contract anchor holds a whole signed
// transcript, which stays far below this; larger blobs belong outside the log.
inline constexpr std::size_t kEntryPayloadBytesMax = 1u << 20;  // 1 MiB
// Encoded entry = domain prefix + Cap'n Proto framing + fixed fields + payload.
inline constexpr std::size_t kEntryOverheadBytesMax = 256;
inline constexpr std::size_t kEntryBytesMax = kEntryPayloadBytesMax + kEntryOverheadBytesMax;

// Entries one durable write transaction may hold: bounds the time a commit
// holds the writer and the memory of one batch (kBatchEntriesMax * kEntryBytesMax
// is never reached in practice; kBatchBytesMax bounds it).
inline constexpr std::size_t kBatchEntriesMax = 4096;
// Bytes of payload one write transaction may hold (bounds dirty pages per commit).
inline constexpr std::size_t kBatchBytesMax = 64u << 20;
static_assert(kEntryBytesMax < kBatchBytesMax, "one maximal entry must fit a batch");

// Requests waiting to be written; callers block (back-pressure) beyond it.
inline constexpr std::size_t kPendingRequestsMax = 16384;

// Longest a caller may ask the writer to wait for a batch to fill (latency bound).
inline constexpr std::chrono::microseconds kBatchWaitMax{10000};

// Initial LMDB map size; MDB_MAP_FULL doubles it (never fails a caller).
inline constexpr std::size_t kMapBytesInitial = std::size_t{64} << 20;
// Ceiling of the growing map: 1 TiB of address space, far above one node's log.
inline constexpr std::size_t kMapBytesMax = std::size_t{1} << 40;
// Map growth attempts for one batch before giving up (each at least doubles the map).
inline constexpr int kMapGrowAttemptsMax = 24;

// Ids of the newest entries kept only in memory (and durably inside their
// entries) before they are merged, sorted, into the ids database in one
// transaction: a random-key B-tree insert per append dirties about one page
// per entry, a sorted merge of this many ids dirties each index page at most
// once. Bounds the memory of the tail (about 40 bytes per id with its table: under 4 MiB) and the
// entries scanned at open to rebuild it.
inline constexpr std::size_t kIdTailEntriesMax = 65536;

// The writer's filter over the ids database (ledger/id_filter.h): bits per
// id, bit positions per id inside one 512-bit block (6 x 9 bits of one hash),
// the smallest capacity. 16 bits and 6 positions give about 0.5 % false
// positives (each one costs the B-tree search every id cost before); the
// filter is resized to twice the index when the index outgrows it, so it
// takes 2-4 bytes per indexed id.
inline constexpr std::size_t kIdFilterBitsPerId = 16;
inline constexpr unsigned kIdFilterHashes = 6;
inline constexpr std::size_t kIdFilterBlockWords = 8;
inline constexpr std::size_t kIdFilterIdsMin = 1u << 16;
static_assert(kIdFilterHashes * 9 <= 64 && kIdFilterBlockWords * 64 == 512,
              "six 9-bit positions in one 64-bit hash address one 512-bit block");

// Named LMDB databases in one environment (entries, nodes, checkpoints, ids,
// meta) plus room for the node's in-flight negotiations and later additions.
inline constexpr unsigned kMaxNamedDatabases = 16;

// Tree sizes are below 2^63 so that size arithmetic never overflows.
inline constexpr std::uint64_t kTreeSizeMax = std::uint64_t{1} << 62;
// An inclusion or consistency proof has at most one hash per tree level.
inline constexpr std::size_t kProofHashesMax = 64;

// Signed notes: bytes and signature lines a verifier accepts (C2SP requires >= 16 signatures).
inline constexpr std::size_t kNoteBytesMax = 1u << 16;
inline constexpr std::size_t kNoteSignaturesMax = 64;
// A checkpoint origin (key name): a schema-less URL, short.
inline constexpr std::size_t kOriginBytesMax = 256;

// Verification threads; the CLI uses the core count, bounded by this.
inline constexpr unsigned kVerifyThreadsMax = 64;

}  // namespace pactum::ledger
