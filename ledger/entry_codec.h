// Internal: the append path's entry encoder. encode_entry (ledger.h) is the
// public form; these let the writer reuse one buffer per batch and let tests
// pin the direct encoder to capnp::canonicalize.
#pragma once

#include "ledger/ledger.h"

namespace pactum::ledger {

// An entry's fixed fields (everything but the payload).
struct EntryHeader {
  std::uint64_t index = 0;
  std::int64_t timestamp_ms = 0;
  EntryKind kind = EntryKind::kGeneric;
  Hash prev_hash{};
  Id id{};
};

// Writes the entry bytes of (h, payload) into `out`, reusing its capacity:
// byte-identical to encode_entry. REQUIRES: payload.size() <= kEntryPayloadBytesMax.
void encode_entry_into(const EntryHeader& h, ByteSpan payload, Bytes& out);

// The same bytes built with a capnp MessageBuilder and capnp::canonicalize
// (tests compare the direct encoder against it).
Bytes encode_entry_reference(const Entry& entry);

}  // namespace pactum::ledger
