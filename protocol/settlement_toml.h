// protocol/settlement_toml.h: the TOML contract file of `pactum settle FILE`
// (format: docs/settlement.md) and the printed report.
//
// parse_contract_toml reads a file's text into a settlement::Contract; every
// error names the key and what is wrong, e.g.
//   "bad_contract: charges[1].unit_price: expected a decimal string like \"12.50\", got a float".
// settle_toml parses, settles, hashes the tax table and the result, and checks
// the file's tax_table_hash when it gives one.
//
// Thread-safety: free functions; safe to call concurrently.
#pragma once

#include <string>
#include <string_view>

#include "base/base.h"
#include "crypto/crypto.h"
#include "settlement/settlement.h"

namespace pactum::protocol {

// Largest contract file accepted: usage belongs in aggregated records, so 16 MiB is plenty.
inline constexpr std::size_t kSettleFileBytesMax = 16u << 20;

// Errors: kParse for TOML syntax (with line and column), kBadContract naming
// the key, kBadDate, kUnknownCurrency, kLimitExceeded for a file over the limit.
Result<settlement::Contract> parse_contract_toml(std::string_view text);

struct SettleReport {
  settlement::SettlementResult result;
  crypto::Digest tax_table_hash{};
  crypto::Digest digest{};  // The settlement digest (settlement_codec.h).
};

// Parses, settles and hashes. Errors: as parse_contract_toml and settle(), and
// kBadTaxTable when the file's tax_table_hash differs from the table's hash.
Result<SettleReport> settle_toml(std::string_view text);

// Human-readable report: invoices, entitlements, escrow instructions, digest.
std::string format_report_text(const SettleReport& report);
// JSON report; every amount is a string of minor units (no floats).
std::string format_report_json(const SettleReport& report);

}  // namespace pactum::protocol
