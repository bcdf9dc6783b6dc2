// `pactum settle FILE [--json]`: settles the contract described in a TOML file
// (docs/settlement.md) and prints its invoices, entitlement grants, escrow
// instructions, tax table hash and settlement digest.
#include <fstream>
#include <memory>
#include <sstream>

#include "protocol/settlement_toml.h"
#include "tools/cli.h"

namespace pactum::tools {
namespace {

Result<std::string> read_contract_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Fail(Errc::kIo, "cannot open " + path);
  std::string text;
  char buf[64 * 1024];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(f.gcount()));
    if (text.size() > protocol::kSettleFileBytesMax) {
      return Fail(Errc::kLimitExceeded, path + " is larger than 16 MiB");
    }
  }
  if (f.bad()) return Fail(Errc::kIo, "cannot read " + path);
  return text;
}

}  // namespace

void add_settle_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("settle", "Settle a contract file: invoices, entitlements, escrow, digest");
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("file", *file, "Contract file in TOML (see docs/settlement.md)")->required();
  cmd->add_flag("--json", *json, "Print JSON; amounts are strings of minor units");
  cmd->callback(command([file, json]() -> Result<void> {
    PACTUM_TRY(std::string text, read_contract_file(*file));
    Result<protocol::SettleReport> report = protocol::settle_toml(text);
    if (!report) return Fail(report.error().code, *file + ": " + report.error().detail);
    std::string out = *json ? protocol::format_report_json(*report) + "\n" : protocol::format_report_text(*report);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return Ok();
  }));
}

}  // namespace pactum::tools
