// Shared plumbing of the `pactum` command line: how a command reports failure
// and how each group of commands is added to the app. main() wires the groups;
// there is no global registry.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <string>

#include "base/base.h"

namespace pactum::tools {

// Exit status of a failed command. Usage errors keep CLI11's own codes.
inline constexpr int kExitFailure = 1;

// Wraps a command body: on failure prints one line "pactum: <code>: <detail>"
// on stderr and makes the process exit non-zero.
inline std::function<void()> command(std::function<Result<void>()> body) {
  return [body = std::move(body)]() {
    Result<void> r = body();
    if (!r) {
      std::fprintf(stderr, "pactum: %s\n", r.error().to_string().c_str());
      throw CLI::RuntimeError(kExitFailure);
    }
  };
}

// Command groups, one file each (cmd_*.cc, bench*.cc).
void add_key_commands(CLI::App& app);      // key gen, key show
void add_message_commands(CLI::App& app);  // cert, mandate, sign, verify, decode
void add_ledger_commands(CLI::App& app);   // ledger ...
void add_settle_command(CLI::App& app);    // settle
void add_bench_command(CLI::App& app);     // bench [suite]
void add_evidence_commands(CLI::App& app); // evidence verify|report|export
void add_simulate_command(CLI::App& app);  // simulate [--seed N] [--json]

}  // namespace pactum::tools
