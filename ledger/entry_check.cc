// The production EntryCheck: entries whose kind carries one signed protocol
// envelope are opened with protocol::open_envelope, which checks every
// signature inside (and canonical form, version and kind).
#include "ledger/ledger.h"
#include "protocol/envelope.h"

namespace pactum::ledger {

bool entry_kind_holds_envelope(EntryKind kind) {
  switch (kind) {
    case EntryKind::kNegotiationMessage:
    case EntryKind::kRevocation:
    case EntryKind::kEscrowEvent:
    case EntryKind::kSettlementReceipt:
      return true;
    case EntryKind::kGeneric:
    case EntryKind::kContractAnchor:
    case EntryKind::kCosignedCheckpoint:
      return false;
  }
  return false;
}

EntryCheck envelope_entry_check() {
  return [](const Entry& entry) -> Result<bool> {
    if (!entry_kind_holds_envelope(entry.kind)) return false;
    auto opened = protocol::open_envelope(entry.payload);
    if (!opened) return Fail(opened.error().code, std::string(entry_kind_name(entry.kind)) +
                                                      " envelope: " + opened.error().detail);
    return true;
  };
}

}  // namespace pactum::ledger
