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

// Decodes `bytes` into `out` as decode_entry does, reusing out.payload's
// capacity: bytes in the layout encode_entry_into writes (every canonical
// entry with a payload) are read at their fixed offsets and accepted only if
// re-encoding them into `scratch` gives the same bytes; anything else goes
// through decode_entry, which accepts or names what is wrong.
Result<void> decode_entry_into(ByteSpan bytes, Entry& out, Bytes& scratch);

// The same bytes built with a capnp MessageBuilder and capnp::canonicalize
// (tests compare the direct encoder against it).
Bytes encode_entry_reference(const Entry& entry);

}  // namespace pactum::ledger
