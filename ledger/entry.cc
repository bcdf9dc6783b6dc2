// Entry bytes: the byte grammar is in docs/ledger.md.
//
//   entry-bytes = "pactum-ledger-entry-v1" 0x00 canonical-capnp(Entry)
//
// canonical-capnp is one segment as capnp::canonicalize writes it (no segment
// table): the root pointer, then the struct data and the Data blobs.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "ledger/entry_codec.h"
#include "ledger/ledger.h"
#include "protocol/ledger.capnp.h"

namespace pactum::ledger {
namespace {

namespace wire = ::pactum::wire::ledger;

constexpr std::size_t kPrefixBytes = kEntryDomain.size() + 1;
static_assert(kEntryKindLast == static_cast<std::uint16_t>(wire::EntryKind::COSIGNED_CHECKPOINT),
              "EntryKind must mirror protocol/ledger.capnp");

capnp::Data::Reader data(ByteSpan b) { return capnp::Data::Reader(b.data(), b.size()); }

// Reader limits: an entry is one struct with three blobs; anything deeper or
// longer than the bytes themselves is malformed.
capnp::ReaderOptions reader_options(std::size_t words) {
  capnp::ReaderOptions o;
  o.traversalLimitInWords = 4 * words + 64;  // isCanonical() and the reads each traverse.
  o.nestingLimit = 4;
  return o;
}

Result<Entry> read_entry(kj::ArrayPtr<const capnp::word> words) {
  kj::ArrayPtr<const capnp::word> segments[1] = {words};
  capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segments, 1), reader_options(words.size()));
  if (!reader.isCanonical()) return Fail(Errc::kLedgerCorrupt, "entry is not canonical Cap'n Proto");
  auto r = reader.getRoot<wire::Entry>();
  Entry e;
  e.index = r.getIndex();
  e.timestamp_ms = r.getTimestampMs();
  auto kind = static_cast<std::uint16_t>(r.getKind());
  if (kind > kEntryKindLast) return Fail(Errc::kLedgerCorrupt, "unknown entry kind " + std::to_string(kind));
  e.kind = static_cast<EntryKind>(kind);
  auto prev = r.getPrevHash();
  auto id = r.getId();
  auto payload = r.getPayload();
  if (prev.size() != e.prev_hash.size())
    return Fail(Errc::kLedgerCorrupt, "prev_hash has " + std::to_string(prev.size()) + " bytes");
  if (id.size() != e.id.size())
    return Fail(Errc::kLedgerCorrupt, "id has " + std::to_string(id.size()) + " bytes");
  if (payload.size() > kEntryPayloadBytesMax)
    return Fail(Errc::kLedgerCorrupt, "payload over kEntryPayloadBytesMax");
  std::memcpy(e.prev_hash.data(), prev.begin(), prev.size());
  std::memcpy(e.id.data(), id.begin(), id.size());
  e.payload.assign(payload.begin(), payload.end());
  return e;
}

}  // namespace

std::string_view entry_kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::kGeneric: return "generic";
    case EntryKind::kContractAnchor: return "contract_anchor";
    case EntryKind::kNegotiationMessage: return "negotiation_message";
    case EntryKind::kRevocation: return "revocation";
    case EntryKind::kEscrowEvent: return "escrow_event";
    case EntryKind::kSettlementReceipt: return "settlement_receipt";
    case EntryKind::kCosignedCheckpoint: return "cosigned_checkpoint";
  }
  return "unknown";
}

Result<EntryKind> entry_kind_from_name(std::string_view name) {
  for (std::uint16_t k = 0; k <= kEntryKindLast; ++k) {
    if (entry_kind_name(static_cast<EntryKind>(k)) == name) return static_cast<EntryKind>(k);
  }
  return Fail(Errc::kInvalidArgument, "unknown entry kind '" + std::string(name) + "'");
}

namespace {

// The canonical Cap'n Proto of Entry written directly (the append path's hot
// spot: a MessageBuilder zero-fills a first segment and canonicalize copies it
// again). Layout, in 8-byte little-endian words (docs/ledger.md), for d data
// words (3, less any trailing zero words: canonical form truncates them):
//   0: root struct pointer, offset 0, d data words, 3 pointers
//   1..d: index, timestampMs, kind (UInt16, rest zero)
//   then byte-list pointers to prevHash, id, payload (offsets 2, 5, 8),
//   prevHash (4 words), id (4 words), payload zero-padded to a word.
// An empty payload (rare) goes through the capnp encoder, which decides how
// canonicalize writes an empty blob. Pinned to canonicalize by
// tests/ledger/ledger_test.cc (EncodeMatchesCapnpCanonicalize).
constexpr std::size_t kWordBytes = 8;
constexpr std::size_t kFixedWords = 15;  // Up to the payload, with 3 data words.

void put_le(std::uint8_t* out, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Byte-list pointer: offset (words from the pointer's end) << 2 | 1; element size 2 (bytes) | count << 3.
void put_list_pointer(std::uint8_t* out, std::uint32_t offset_words, std::uint32_t count) {
  put_le(out, (std::uint64_t{count} << 35) | (std::uint64_t{2} << 32) | (std::uint64_t{offset_words} << 2) | 1);
}

Bytes encode_entry_capnp(const Entry& entry) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<wire::Entry>();
  b.setIndex(entry.index);
  b.setTimestampMs(entry.timestamp_ms);
  b.setKind(static_cast<wire::EntryKind>(entry.kind));
  b.setPrevHash(data(ByteSpan(entry.prev_hash)));
  b.setId(data(ByteSpan(entry.id)));
  b.setPayload(data(ByteSpan(entry.payload)));
  kj::Array<capnp::word> words = capnp::canonicalize(b.asReader());
  auto bytes = words.asBytes();
  Bytes out(kPrefixBytes + bytes.size(), 0x00);  // The 0x00 after the domain is already there.
  std::memcpy(out.data(), kEntryDomain.data(), kEntryDomain.size());
  std::memcpy(out.data() + kPrefixBytes, bytes.begin(), bytes.size());
  PACTUM_ASSERT(out.size() <= kEntryBytesMax);
  return out;
}

}  // namespace

void encode_entry_into(const EntryHeader& h, ByteSpan payload, Bytes& out) {
  PACTUM_ASSERT(payload.size() <= kEntryPayloadBytesMax);
  if (payload.empty()) {
    out = encode_entry_capnp(Entry{h.index, h.timestamp_ms, h.kind, h.prev_hash, h.id, {}});
    return;
  }
  // Canonical form drops trailing all-zero data words (kind 0, then timestamp 0, then index 0).
  const std::uint64_t data[3] = {h.index, static_cast<std::uint64_t>(h.timestamp_ms),
                                 static_cast<std::uint16_t>(h.kind)};
  std::size_t data_words = 3;
  while (data_words > 0 && data[data_words - 1] == 0) --data_words;
  const std::size_t padded = (payload.size() + kWordBytes - 1) / kWordBytes * kWordBytes;
  out.assign(kPrefixBytes + (kFixedWords - 3 + data_words) * kWordBytes + padded, 0x00);
  std::memcpy(out.data(), kEntryDomain.data(), kEntryDomain.size());
  std::uint8_t* w = out.data() + kPrefixBytes;
  put_le(w, std::uint64_t{data_words} << 32 | std::uint64_t{3} << 48);  // Root struct pointer.
  for (std::size_t i = 0; i < data_words; ++i) put_le(w + (1 + i) * kWordBytes, data[i]);
  std::uint8_t* p = w + (1 + data_words) * kWordBytes;  // The three pointers, then their lists.
  put_list_pointer(p, 2, sizeof(Hash));
  put_list_pointer(p + kWordBytes, 5, sizeof(Id));
  put_list_pointer(p + 2 * kWordBytes, 8, static_cast<std::uint32_t>(payload.size()));
  std::memcpy(p + 3 * kWordBytes, h.prev_hash.data(), sizeof(Hash));
  std::memcpy(p + 7 * kWordBytes, h.id.data(), sizeof(Id));
  std::memcpy(p + 11 * kWordBytes, payload.data(), payload.size());
}

Bytes encode_entry(const Entry& entry) {
  Bytes out;
  encode_entry_into(EntryHeader{entry.index, entry.timestamp_ms, entry.kind, entry.prev_hash, entry.id},
                    entry.payload, out);
  return out;
}

Bytes encode_entry_reference(const Entry& entry) { return encode_entry_capnp(entry); }

namespace {

std::uint64_t get_le(const std::uint8_t* in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{in[i]} << (8 * i);
  return v;
}

// The fixed layout of encode_entry_into, read back; true only if re-encoding
// what was read reproduces `bytes` exactly (so they are canonical).
bool decode_fixed_layout(ByteSpan bytes, Entry& out, Bytes& scratch) {
  if (bytes.size() < kPrefixBytes + kWordBytes || bytes.size() > kEntryBytesMax ||
      std::memcmp(bytes.data(), kEntryDomain.data(), kEntryDomain.size()) != 0)
    return false;
  const std::uint8_t* w = bytes.data() + kPrefixBytes;
  const std::size_t data_words = (get_le(w) >> 32) & 0xffff;
  if (data_words > 3) return false;
  const std::size_t fixed = kPrefixBytes + (kFixedWords - 3 + data_words) * kWordBytes;
  if (bytes.size() < fixed + kWordBytes) return false;
  std::uint64_t data[3] = {0, 0, 0};
  for (std::size_t i = 0; i < data_words; ++i) data[i] = get_le(w + (1 + i) * kWordBytes);
  const std::uint8_t* p = w + (1 + data_words) * kWordBytes;
  const std::size_t payload_bytes = get_le(p + 2 * kWordBytes) >> 35;
  if (payload_bytes == 0 || payload_bytes > bytes.size() - fixed || data[2] > kEntryKindLast) return false;
  EntryHeader h{data[0], static_cast<std::int64_t>(data[1]), static_cast<EntryKind>(data[2]), {}, {}};
  std::memcpy(h.prev_hash.data(), p + 3 * kWordBytes, sizeof(Hash));
  std::memcpy(h.id.data(), p + 7 * kWordBytes, sizeof(Id));
  ByteSpan payload(p + 11 * kWordBytes, payload_bytes);
  encode_entry_into(h, payload, scratch);
  if (scratch.size() != bytes.size() || std::memcmp(scratch.data(), bytes.data(), bytes.size()) != 0) return false;
  out.index = h.index;
  out.timestamp_ms = h.timestamp_ms;
  out.kind = h.kind;
  out.prev_hash = h.prev_hash;
  out.id = h.id;
  out.payload.assign(payload.begin(), payload.end());
  return true;
}

}  // namespace

Result<void> decode_entry_into(ByteSpan bytes, Entry& out, Bytes& scratch) {
  if (decode_fixed_layout(bytes, out, scratch)) return Ok();
  PACTUM_TRY(out, decode_entry(bytes));
  return Ok();
}

Result<Entry> decode_entry(ByteSpan bytes) {
  if (bytes.size() > kEntryBytesMax)
    return Fail(Errc::kLedgerCorrupt, "entry of " + std::to_string(bytes.size()) + " bytes over kEntryBytesMax");
  if (bytes.size() < kPrefixBytes ||
      as_chars(bytes.first(kEntryDomain.size())) != kEntryDomain ||
      bytes[kEntryDomain.size()] != 0x00)
    return Fail(Errc::kLedgerCorrupt, "entry does not start with the entry domain");
  ByteSpan body = bytes.subspan(kPrefixBytes);
  if (body.empty() || body.size() % sizeof(capnp::word) != 0)
    return Fail(Errc::kLedgerCorrupt, "entry body is not whole Cap'n Proto words");
  // Copy into word-aligned memory: LMDB values have no alignment guarantee.
  auto words = kj::heapArray<capnp::word>(body.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), body.data(), body.size());
  Result<Entry> out = Fail(Errc::kLedgerCorrupt, "unreadable entry");
  try {
    out = read_entry(words.asPtr());
  } catch (const kj::Exception& e) {
    return Fail(Errc::kLedgerCorrupt, std::string("malformed entry: ") + e.getDescription().cStr());
  }
  return out;
}

}  // namespace pactum::ledger
