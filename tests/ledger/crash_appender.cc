// Appender for the crash test: several threads append unique payloads to a
// durable ledger and print "index payload" on stdout only after append()
// returned (the entry is durable), until the process is killed. Each thread
// first re-appends its first payload of the previous run (idempotency across
// kills), and the id tail is small, so kills also land inside tail merges.
//   ledger_crash_appender DIR RUN
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"

namespace lg = pactum::ledger;

namespace {

constexpr int kThreads = 8;  // Concurrent appenders: group commit under load.
constexpr std::size_t kIdTail = 97;  // A merge every ~100 entries: many per run.

lg::AppendRequest request(const std::string& payload) {
  lg::AppendRequest r;
  r.payload = pactum::to_bytes(payload);
  r.id = pactum::crypto::sha256(r.payload);
  return r;
}

// One write() per line, so a kill never leaves half a line from one thread
// inside another's.
void emit(std::uint64_t index, const std::string& payload) {
  std::string line = std::to_string(index) + " " + payload + "\n";
  ssize_t n = ::write(STDOUT_FILENO, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) std::_Exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || !pactum::crypto::init()) return 2;
  lg::Options options;
  options.id_tail_entries = kIdTail;
  auto ledger = lg::Ledger::open(argv[1], options);
  if (!ledger) {
    std::fprintf(stderr, "open: %s\n", ledger.error().to_string().c_str());
    return 1;
  }
  // The same first entry every run: after the first run it must come back as existing, index 0.
  auto anchor = (*ledger)->append(request("anchor"));
  if (!anchor) return 1;
  emit(anchor->index, "anchor");
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ledger, t, run = std::string(argv[2])] {
      if (run != "0") {
        std::string again = "run" + std::to_string(std::stoi(run) - 1) + "-t" + std::to_string(t) + "-0";
        auto r = (*ledger)->append(request(again));
        if (!r) std::_Exit(1);
        emit(r->index, again);
      }
      for (std::uint64_t i = 0;; ++i) {
        std::string payload = "run" + run + "-t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = (*ledger)->append(request(payload));
        if (!r) {
          std::fprintf(stderr, "append: %s\n", r.error().to_string().c_str());
          std::_Exit(1);
        }
        emit(r->index, payload);
      }
    });
  }
  for (auto& th : threads) th.join();
  return 0;
}
