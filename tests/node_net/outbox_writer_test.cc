// Goal: the outbox writer commits jobs in submission order, posts their
// completions in that order to the io thread, retries a failing append until
// it commits (the jobs behind it wait), and reports other failures; jobs
// queued behind a running commit share the next one, and one failing job
// among them fails none of the others.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <thread>

#include "node/net/outbox.h"
#include "node/net/outbox_writer.h"
#include "tests/node_net/net_fixture.h"

namespace pactum::node::net {
namespace {

using testing::TempDir;
using testing::key_of;

// An outbox in a fresh directory, a peer key and the io thread's context
// (run by the test after the writer stopped), and the completions it saw.
class OutboxWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Outbox::open(dir.path());
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    box = std::move(*opened);
  }
  TempDir dir;
  std::unique_ptr<Outbox> box;
  const OrgKey a = key_of(1);
  boost::asio::io_context io;
  std::vector<int> completed;
};

TEST_F(OutboxWriterTest, CommitsInOrderAndRetriesFailedAppends) {
  int failures_left = 3;                  // Writer thread only.
  std::atomic<int> attempts{0}, ran{0};
  {
    OutboxWriter writer(io, *box);
    for (int i = 1; i <= 5; ++i) {
      const std::string text = "p" + std::to_string(i);
      auto job = [&, i, text](Outbox& b) -> Result<void> {
        if (i == 2) {
          ++attempts;
          if (failures_left-- > 0) return Fail(Errc::kIo, "disk full (test)");
        }
        PACTUM_TRY(auto seqs, b.append({{a, as_bytes(text)}}));
        EXPECT_EQ(seqs.front(), static_cast<std::uint64_t>(i));  // Order kept across the retries.
        ++ran;
        return Ok();
      };
      writer.submit(job, [this, i](Result<void> r) {
        EXPECT_TRUE(r.has_value());
        completed.push_back(i);
      }, true);
    }
    // Not retried: its failure is reported.
    writer.submit([&ran](Outbox&) -> Result<void> {
                    ++ran;
                    return Fail(Errc::kIo, "once");
                  },
                  [this](Result<void> r) {
                    EXPECT_FALSE(r.has_value());
                    completed.push_back(-1);
                  },
                  false);
    // stop() would give a failing append only one last attempt: wait for the retries.
    for (int spins = 0; ran < 6 && spins < 5000; ++spins) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(completed.empty());  // Completions run on the io thread only.
  io.run();
  EXPECT_EQ(completed, (std::vector<int>{1, 2, 3, 4, 5, -1}));
  EXPECT_EQ(attempts, 4);
  auto left = box->load(a);
  ASSERT_TRUE(left.has_value());
  ASSERT_EQ(left->size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ((*left)[i].payload, to_bytes("p" + std::to_string(i + 1)));
  EXPECT_EQ(*box->next_seq(a), 6u);
}

TEST_F(OutboxWriterTest, QueuedJobsShareACommitAndAFailureFailsOnlyItself) {
  std::atomic<bool> release{false};
  std::atomic<int> finished{0};
  {
    OutboxWriter writer(io, *box);
    auto record = [this, &finished](int i) {
      return [this, &finished, i](Result<void> r) {
        completed.push_back(r ? i : -i);
        ++finished;
      };
    };
    // The first job holds the writer until the rest are queued behind it.
    writer.submit([&](Outbox& b) -> Result<void> {
      while (!release) std::this_thread::yield();
      return Result<void>(b.append({{a, as_bytes("p1")}}).map([](auto&&) {}));
    }, record(1), true);
    for (int i = 2; i <= 5; ++i) {
      const std::string text = "p" + std::to_string(i);
      auto job = [&, i, text](Outbox& b) -> Result<void> {
        if (i == 4) return Fail(Errc::kIo, "refused (test)");  // Not retried: reported.
        PACTUM_TRY(auto seqs, b.append({{a, as_bytes(text)}}));
        EXPECT_EQ(seqs.front(), static_cast<std::uint64_t>(i < 4 ? i : i - 1));
        return Ok();
      };
      writer.submit(job, record(i), i != 4);
    }
    release = true;
  }
  io.run();
  EXPECT_EQ(completed, (std::vector<int>{1, 2, 3, -4, 5}));
  auto left = box->load(a);
  ASSERT_TRUE(left.has_value());
  ASSERT_EQ(left->size(), 4u);  // Each payload once: the failed shared commit stored nothing.
  const char* want[] = {"p1", "p2", "p3", "p5"};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*left)[i].seq, i + 1);
    EXPECT_EQ((*left)[i].payload, to_bytes(want[i]));
  }
}

}  // namespace
}  // namespace pactum::node::net
