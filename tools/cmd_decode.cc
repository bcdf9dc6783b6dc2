// `pactum decode FILE`: prints any pactum message readably (JSON with --json).
#include <cstdio>
#include <map>
#include <memory>

#include "protocol/ledger.capnp.h"
#include "protocol/protocol.h"
#include "tools/files.h"
#include "tools/json_view.h"
#include "tools/message_checks.h"

namespace pactum::tools {
namespace {

// The root types a pactum file may hold.
const std::map<std::string, capnp::StructSchema>& root_types() {
  static const std::map<std::string, capnp::StructSchema> kTypes = {
      {"Envelope", capnp::Schema::from<wire::Envelope>()},
      {"Body", capnp::Schema::from<wire::Body>()},
      {"ContractTerms", capnp::Schema::from<wire::ContractTerms>()},
      {"Mandate", capnp::Schema::from<wire::Mandate>()},
      {"Entry", capnp::Schema::from<wire::ledger::Entry>()},
  };
  return kTypes;
}

struct DecodeArgs {
  std::string file;
  std::string type = "Envelope";
  bool json = false;
};

Result<void> decode(const DecodeArgs& a) {
  auto it = root_types().find(a.type);
  if (it == root_types().end()) return Fail(Errc::kInvalidArgument, "unknown --type " + a.type);
  PACTUM_TRY(Bytes bytes, read_file(a.file));
  PACTUM_TRY(protocol::DecodedMessage msg,
             protocol::decode_message(bytes, protocol::Canonical::kNormalize, it->second));
  boost::json::value v = to_json(msg.root_struct().as<capnp::DynamicStruct>(it->second));
  if (a.json) {
    std::printf("%s\n", boost::json::serialize(v).c_str());
  } else {
    std::printf("%s", to_text(v).c_str());
  }
  return Ok();
}

}  // namespace

void add_decode_command(CLI::App& app) {
  auto args = std::make_shared<DecodeArgs>();
  std::string types;
  for (const auto& [name, schema] : root_types()) types += (types.empty() ? "" : ", ") + name;
  auto* cmd = app.add_subcommand("decode", "Print a pactum message readably");
  cmd->add_option("file", args->file, "Message file")->required();
  cmd->add_option("--type", args->type, "Root type: " + types);
  cmd->add_flag("--json", args->json, "JSON output (Data fields base64)");
  cmd->callback(command([args] { return decode(*args); }));
}

}  // namespace pactum::tools
