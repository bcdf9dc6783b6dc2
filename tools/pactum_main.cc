// pactum: the command line for keys, mandates, ledgers, settlement and benchmarks.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "crypto/crypto.h"
#include "tools/cli.h"

namespace pactum::tools {
void add_agent_commands(CLI::App& app);  // agent propose|counter|accept|reject|withdraw|watch
}  // namespace pactum::tools

namespace pactum::tools {
void add_sim_command(CLI::App& app);  // sim --seed N --seeds K --steps S (tools/cmd_sim.cc)
}  // namespace pactum::tools

namespace pactum::tools {
void add_control_commands(CLI::App& app);  // agent approve|deny, org kill-switch, escrow ... (tools/cmd_control.cc)
void add_agent_drive_command(CLI::App& app);  // agent drive: the demo's agents in one process (tools/cmd_agent_drive.cc)
}  // namespace pactum::tools

int main(int argc, char** argv) {
  if (auto r = pactum::crypto::init(); !r) {
    std::fprintf(stderr, "pactum: %s\n", r.error().to_string().c_str());
    return pactum::tools::kExitFailure;
  }
  CLI::App app{"pactum: keys, mandates, ledgers, settlement and benchmarks for pactum nodes"};
  app.require_subcommand(1);
  pactum::tools::add_key_commands(app);
  pactum::tools::add_ledger_commands(app);
  pactum::tools::add_settle_command(app);
  pactum::tools::add_bench_command(app);
  pactum::tools::add_agent_commands(app);
  pactum::tools::add_evidence_commands(app);
  pactum::tools::add_simulate_command(app);
  pactum::tools::add_sim_command(app);
  pactum::tools::add_control_commands(app);
  pactum::tools::add_agent_drive_command(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
