// Goal: replay the fuzz seed corpus (and every word-aligned truncation of each
// seed) through the fuzz body, so the corpus is a regression test in every
// unit run, with any compiler. Usage: protocol_fuzz_replay CORPUS_DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "tests/fuzz/envelope_fuzz.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  if (!pactum::fuzz::init_protocol_fuzz()) return 1;
  std::size_t files = 0;
  std::size_t inputs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    if (!entry.is_regular_file()) continue;
    std::ifstream f(entry.path(), std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)),
                                    std::istreambuf_iterator<char>());
    ++files;
    // Exact-size heap copies, so sanitizers catch any read past the end.
    for (std::size_t n = bytes.size() % 8; n <= bytes.size(); n += 8) {
      std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      cut.shrink_to_fit();
      pactum::fuzz::fuzz_protocol_one(cut.data(), cut.size());
      ++inputs;
    }
  }
  std::printf("replayed %zu corpus files as %zu inputs\n", files, inputs);
  if (files == 0) {
    std::fprintf(stderr, "no corpus files in %s\n", argv[1]);
    return 1;
  }
  return 0;
}
