// protocol/settlement_codec.h: the mapping between the settlement core's C++
// types (settlement/settlement.h) and their Cap'n Proto form
// (protocol/settlement.capnp), and the hashes over their canonical encodings.
//
//   settlement digest = SHA-256("pactum/v1/settlement" || 0x00 || canonical(SettlementResult))
//   tax table hash    = SHA-256("pactum/v1/tax-table"  || 0x00 || canonical(TaxTable))
//
// Decimals are written normalized, so equal values give equal bytes; lists
// keep the core's order, which is deterministic. Byte-level description and
// golden vectors: docs/settlement.md, tests/settlement/codec_test.cc.
//
// Thread-safety: free functions; safe to call concurrently.
#pragma once

#include <string_view>

#include "base/base.h"
#include "crypto/crypto.h"
#include "protocol/settlement.capnp.h"
#include "settlement/settlement.h"

namespace pactum::protocol {

namespace settlement_domains {
// Persisted in every settlement receipt and terms hash: do not change.
inline constexpr std::string_view kSettlement = "pactum/v1/settlement";
inline constexpr std::string_view kTaxTable = "pactum/v1/tax-table";
}  // namespace settlement_domains

// ---- pricing (rate plans and conventions of ContractTerms) ----

// Writes the pricing part of `contract` (cycle, anchor, conventions, charges,
// overrides, discounts). Error kInvalidArgument for text over the core's limits.
Result<void> encode_pricing(const settlement::Contract& contract, wire::settlement::Pricing::Builder out);
// Reads a Pricing into the pricing fields of `contract` (other fields kept).
// Error kMalformedMessage naming the field for an unspecified enum, a bad
// decimal or a date out of range; the library's exceptions become errors.
Result<void> decode_pricing(wire::settlement::Pricing::Reader in, settlement::Contract& contract);

// ---- tax tables ----

Result<void> encode_tax_table(const settlement::TaxTable& table, wire::settlement::TaxTable::Builder out);
Result<settlement::TaxTable> decode_tax_table(wire::settlement::TaxTable::Reader in);
// Canonical bytes and hash of a tax table.
Result<Bytes> tax_table_bytes(const settlement::TaxTable& table);
Result<crypto::Digest> tax_table_hash(const settlement::TaxTable& table);

// ---- results ----

Result<void> encode_result(const settlement::SettlementResult& result,
                           wire::settlement::SettlementResult::Builder out);
// Canonical bytes of a settlement result. Errors kMessageTooLarge, kMalformedMessage.
Result<Bytes> settlement_bytes(const settlement::SettlementResult& result);
// The settlement digest. Same result, same digest, on any build.
Result<crypto::Digest> settlement_digest(const settlement::SettlementResult& result);

}  // namespace pactum::protocol
