// `pactum verify` and `pactum decode`.
#pragma once

#include "tools/cli.h"

namespace pactum::tools {

void add_verify_command(CLI::App& app);
void add_decode_command(CLI::App& app);

}  // namespace pactum::tools
