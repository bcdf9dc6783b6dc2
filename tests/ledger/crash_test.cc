// Goal: a ledger whose appending process is SIGKILLed at random moments (at
// least 50 times, restarting each time) still verifies, holds every entry
// acknowledged before a kill with its content, and has no gaps or duplicates.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>

#include "ledger/ledger.h"
#include "tests/ledger/ledger_test_util.h"

#ifndef CRASH_APPENDER
#error "CRASH_APPENDER must name the appender executable"
#endif

namespace pactum::ledger {
namespace {

constexpr int kKills = 55;

struct Child {
  pid_t pid = -1;
  int out = -1;  // Read end of the child's stdout.
};

Child spawn(const std::string& dir, int run) {
  int fds[2];
  PACTUM_ASSERT(::pipe(fds) == 0);
  pid_t pid = ::fork();
  PACTUM_ASSERT(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::string r = std::to_string(run);
    ::execl(CRASH_APPENDER, CRASH_APPENDER, dir.c_str(), r.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Reads the child's output for `ms` milliseconds, kills it, then drains the pipe.
std::string run_and_kill(Child c, int ms) {
  std::string out;
  char buf[65536];
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{c.out, POLLIN, 0};
    if (::poll(&p, 1, 5) > 0) {
      ssize_t n = ::read(c.out, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::kill(c.pid, SIGKILL);
  for (;;) {
    ssize_t n = ::read(c.out, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(c.out);
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "appender exited by itself: " << status;
  return out;
}

TEST(LedgerCrash, KilledAppendersLoseNothingAcknowledged) {
  ASSERT_TRUE(crypto::init());
  testing::TempDir dir;
  std::mt19937 rng(20261123);
  std::map<std::uint64_t, std::string> acked;
  std::map<std::string, std::uint64_t> acked_index;  // Re-appended payloads must get their first index.
  std::size_t total_acks = 0;
  for (int run = 0; run < kKills; ++run) {
    int ms = std::uniform_int_distribution<int>(60, 400)(rng);
    std::string out = run_and_kill(spawn(dir.str(), run), ms);
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      if (lines.eof()) break;  // A line cut by the kill has no newline: not acknowledged.
      auto sp = line.find(' ');
      ASSERT_NE(sp, std::string::npos) << line;
      std::uint64_t index = std::stoull(line.substr(0, sp));
      std::string payload = line.substr(sp + 1);
      auto [it, fresh] = acked.emplace(index, payload);
      ASSERT_EQ(it->second, payload) << "index " << index << " acknowledged for two payloads";
      auto [at, first] = acked_index.emplace(payload, index);
      ASSERT_EQ(at->second, index) << payload << " acknowledged at two indexes";
      if (payload == "anchor") {
        ASSERT_EQ(index, 0u);
      }
      ++total_acks;
    }
  }
  ASSERT_GT(acked.size(), static_cast<std::size_t>(kKills));  // The appender made progress.
  auto report = verify_ledger(dir.str(), {.threads = 2});
  ASSERT_TRUE(report) << report.error().to_string();
  ASSERT_TRUE(report->ok) << report->failure.to_string();
  ASSERT_GT(report->entries, acked.rbegin()->first);
  auto ledger = Ledger::open(dir.str(), testing::test_options());
  ASSERT_TRUE(ledger);
  for (const auto& [index, payload] : acked) {
    auto e = (*ledger)->entry(index);
    ASSERT_TRUE(e) << index;
    ASSERT_EQ(as_chars(e->payload), payload) << index;
  }
  // No duplicates: every payload is stored once (ids are unique and each maps to its entry).
  std::map<std::string, std::uint64_t> seen;
  for (std::uint64_t i = 0; i < report->entries; ++i) {
    auto e = (*ledger)->entry(i);
    ASSERT_TRUE(e);
    auto [it, fresh] = seen.emplace(std::string(as_chars(e->payload)), i);
    ASSERT_TRUE(fresh) << "payload stored twice: " << it->first;
  }
  std::printf("crash test: %d kills, %zu acknowledgements, %zu distinct acknowledged entries, %llu entries stored\n",
              kKills, total_acks, acked.size(), static_cast<unsigned long long>(report->entries));
}

}  // namespace
}  // namespace pactum::ledger
