// Helpers shared by the ledger tests: temporary directories and requests.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "ledger/ledger.h"

namespace pactum::ledger::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("pactum-ledger-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// A request whose id is SHA-256 of the payload text.
inline AppendRequest request(std::string_view payload, EntryKind kind = EntryKind::kGeneric) {
  AppendRequest r;
  r.kind = kind;
  r.payload = to_bytes(payload);
  r.id = crypto::sha256(r.payload);
  return r;
}

inline Options test_options() {
  Options o;
  o.durability = Durability::kUnsafeNoSyncForTests;
  o.clock_ms = [] { return std::int64_t{1700000000000}; };
  return o;
}

}  // namespace pactum::ledger::testing
