// `pactum settle FILE` (issue 5): not built yet; registers nothing.
#include "tools/cli.h"
namespace pactum::tools {
void add_settle_command(CLI::App&) {}
}  // namespace pactum::tools
