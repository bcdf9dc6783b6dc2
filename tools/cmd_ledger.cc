// `pactum ledger ...` (issue 3): not built yet; registers nothing.
#include "tools/cli.h"
namespace pactum::tools {
void add_ledger_commands(CLI::App&) {}
}  // namespace pactum::tools
