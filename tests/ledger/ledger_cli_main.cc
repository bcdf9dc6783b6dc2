// A `pactum` with only the ledger commands, so the ledger's command line is
// tested (tamper, crash, interop tests) without the rest of the tools.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "crypto/crypto.h"
#include "tools/cli.h"

int main(int argc, char** argv) {
  if (auto r = pactum::crypto::init(); !r) {
    std::fprintf(stderr, "pactum: %s\n", r.error().to_string().c_str());
    return pactum::tools::kExitFailure;
  }
  CLI::App app{"pactum (ledger commands only, for tests)"};
  app.require_subcommand(1);
  pactum::tools::add_ledger_commands(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
