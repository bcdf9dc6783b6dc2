// Goal: replay each fuzz target's corpus (tests/fuzz/corpus/<target>/: seeds
// and every regression input a fuzzing run found) and every word-aligned
// truncation and single-byte flip of each input through its fuzz body, so the
// corpora are regression tests in every unit run, with any compiler.
// Usage: fuzz_targets_replay CORPUS_ROOT
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "tests/fuzz/targets.h"

namespace {

std::size_t replay(const pactum::fuzz::Target& t, const std::filesystem::path& dir, std::size_t& files) {
  std::size_t inputs = 0;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) paths.push_back(entry.path());
  }
  for (const auto& path : paths) {
    std::ifstream f(path, std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    ++files;
    // Exact-size heap copies, so sanitizers catch any read past the end.
    auto run = [&](std::vector<std::uint8_t> cut) {
      cut.shrink_to_fit();
      t.one(cut.data(), cut.size());
      ++inputs;
    };
    for (std::size_t n = bytes.size() % 8; n <= bytes.size(); n += 8) run({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n)});
    // A bounded number of deterministic byte flips per file.
    const std::size_t step = bytes.size() / 64 + 1;
    for (std::size_t i = 0; i < bytes.size(); i += step) {
      auto flipped = bytes;
      flipped[i] ^= static_cast<std::uint8_t>(0x01 << (i % 8));
      run(std::move(flipped));
    }
  }
  return inputs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT\n", argv[0]);
    return 2;
  }
  int status = 0;
  for (const auto* target : {&pactum::fuzz::frame_target(), &pactum::fuzz::config_target(), &pactum::fuzz::policy_target(),
                             &pactum::fuzz::evidence_target(), &pactum::fuzz::agent_api_target()}) {
    if (!target->init()) {
      std::fprintf(stderr, "%s: init failed\n", target->name);
      return 1;
    }
    std::size_t files = 0;
    const std::size_t inputs = replay(*target, std::filesystem::path(argv[1]) / target->name, files);
    std::printf("%s: replayed %zu corpus files as %zu inputs\n", target->name, files, inputs);
    if (files == 0) {
      std::fprintf(stderr, "%s: no corpus files\n", target->name);
      status = 1;
    }
  }
  return status;
}
