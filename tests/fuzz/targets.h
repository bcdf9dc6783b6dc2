// The fuzz targets of issue 9 beyond the protocol target (envelope_fuzz.h):
// each is an init function and a body that feeds one input to a parser and
// checks its contract, aborting (PACTUM_ASSERT) on a violation. The same
// bodies run under libFuzzer (target_main.cc, clang, -Dfuzz=true) and in the
// corpus replay test (targets_replay_main.cc, any compiler).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pactum::fuzz {

struct Target {
  const char* name;                                  // Corpus folder tests/fuzz/corpus/<name>/.
  bool (*init)();                                    // Once per process; false if it cannot start.
  void (*one)(const std::uint8_t* data, std::size_t size);
};

const Target& frame_target();      // node/net frames: FrameBuffer reassembly and decode_frame.
const Target& config_target();     // node/daemon parse_config (TOML).
const Target& policy_target();     // protocol load_policy (TOML guardrails).
const Target& evidence_target();   // ledger verify_evidence over a bundle.
const Target& agent_api_target();  // The agent API's HTTP request and submit-body handling, into a NodeCore.

}  // namespace pactum::fuzz
