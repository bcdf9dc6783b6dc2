// TOML contract files -> settlement::Contract. Every error names its key.
// toml++ throws on syntax errors; the exception is caught here and never
// leaves this file.
#include "protocol/settlement_toml.h"

#include "protocol/settlement_codec.h"
#include "protocol/settlement_toml_reader.h"

namespace pactum::protocol {
namespace st = ::pactum::settlement;

// Defined in settlement_toml_contract.cc.
Result<st::Contract> parse_contract_tables(const toml::table& root);

namespace {

Result<toml::table> parse_root(std::string_view text) {
  if (text.size() > kSettleFileBytesMax) return Fail(Errc::kLimitExceeded, "contract file larger than 16 MiB");
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    return Fail(Errc::kParse, "line " + std::to_string(e.source().begin.line) + ", column " +
                                  std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
}

}  // namespace

Result<st::Contract> parse_contract_toml(std::string_view text) {
  PACTUM_TRY(toml::table root, parse_root(text));
  return parse_contract_tables(root);
}

Result<SettleReport> settle_toml(std::string_view text) {
  PACTUM_TRY(toml::table root, parse_root(text));
  PACTUM_TRY(st::Contract contract, parse_contract_tables(root));
  SettleReport report;
  PACTUM_TRY(report.tax_table_hash, tax_table_hash(contract.tax_table));
  // The file may pin the table it was agreed with; a different table is refused.
  if (const toml::node* pinned = root.at_path("contract.tax_table_hash").node()) {
    if (!pinned->is_string()) return Fail(Errc::kBadContract, "contract.tax_table_hash: expected a hex string");
    std::string want = pinned->as_string()->get();
    std::string have = to_hex(report.tax_table_hash);
    if (want != have) {
      return Fail(Errc::kBadTaxTable, "contract.tax_table_hash: file says " + want.substr(0, 64) + ", [tax] hashes to " + have);
    }
  }
  PACTUM_TRY(report.result, st::settle(contract));
  PACTUM_TRY(report.digest, settlement_digest(report.result));
  return report;
}

}  // namespace pactum::protocol
