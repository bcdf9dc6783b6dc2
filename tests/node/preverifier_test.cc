// Goal: the preverifier hands every envelope back to the io thread exactly
// once, unchanged and in submission order, whether or not it verifies;
// it records what verified in the memo (so the core's own check is a hit)
// and never what did not; stop() hands back what is queued (and what comes
// after, unchecked); offload() follows the io thread's measured load.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <vector>

#include "node/core/testing/testing.h"
#include "node/daemon/daemon_limits.h"
#include "node/daemon/preverifier.h"
#include "protocol/protocol.h"

namespace pactum::node::daemon {
namespace {

using namespace std::chrono_literals;

struct Item {
  Bytes bytes;
  bool valid = false;
};

// Node certificates: real envelopes, each with one signature; every third
// has a corrupted signature byte (the last bytes of the message).
std::vector<Item> make_items(std::size_t n) {
  EXPECT_TRUE(crypto::init());  // Idempotent; keys need libsodium started.
  const crypto::SecretKey org = crypto::SecretKey::generate();
  std::vector<Item> items;
  for (std::size_t i = 0; i < n; ++i) {
    const crypto::SecretKey node = crypto::SecretKey::generate();
    Item it{testing::node_certificate(org, node, "node-" + std::to_string(i)), i % 3 != 2};
    if (!it.valid) it.bytes[it.bytes.size() - 20] ^= 0x01;
    EXPECT_EQ(protocol::open_envelope(it.bytes).has_value(), it.valid) << i;
    items.push_back(std::move(it));
  }
  return items;
}

void run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(5ms);
    io.restart();
  }
}

TEST(Preverifier, HandsBackEveryItemInOrderAndRemembersOnlyWhatVerified) {
  const std::vector<Item> items = make_items(30);
  boost::asio::io_context io;
  crypto::VerifyMemo memo;
  std::vector<Bytes> back;
  {
    Preverifier p(io, memo, kSignatureOffloadPercentDefault);
    for (const Item& it : items) p.submit(it.bytes, [&](Bytes b) { back.push_back(std::move(b)); });
    EXPECT_EQ(p.pending(), items.size());
    EXPECT_TRUE(p.offload());  // Items are queued: later ones must follow them.
    run_until(io, [&] { return p.pending() == 0; });
    EXPECT_EQ(p.pending(), 0u);
  }
  ASSERT_EQ(back.size(), items.size());
  std::size_t valid = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(back[i], items[i].bytes) << i;
    valid += items[i].valid ? 1 : 0;
  }
  EXPECT_EQ(memo.stats().misses, items.size());
  // The core's check on the io thread: hits for the valid, failures still fail.
  crypto::VerifyMemo::Use use(memo);
  for (const Item& it : items) EXPECT_EQ(protocol::open_envelope(it.bytes).has_value(), it.valid);
  EXPECT_EQ(memo.stats().hits, valid);
  EXPECT_EQ(memo.stats().misses, items.size() + (items.size() - valid));
}

TEST(Preverifier, StopHandsBackWhatIsQueued) {
  const std::vector<Item> items = make_items(12);
  boost::asio::io_context io;
  crypto::VerifyMemo memo;
  std::size_t back = 0;
  Preverifier p(io, memo, 0);
  for (const Item& it : items) p.submit(it.bytes, [&](Bytes) { ++back; });
  p.stop();  // Checks and posts everything first.
  p.submit(items[0].bytes, [&](Bytes) { ++back; });  // Late: handed back unchecked.
  io.run();
  EXPECT_EQ(back, items.size() + 1);
  EXPECT_EQ(p.pending(), 0u);
}

TEST(Preverifier, OffloadFollowsTheIoThreadsLoad) {
  ASSERT_TRUE(crypto::init());
  boost::asio::io_context io;
  crypto::VerifyMemo memo;
  EXPECT_TRUE(Preverifier(io, memo, 0).offload());  // 0: always.
  Preverifier p(io, memo, 75);
  EXPECT_FALSE(p.offload());  // Idle: checks stay inline.
  auto t = std::chrono::steady_clock::time_point{} + 1h;
  p.note_io_busy(0ms, t);  // Opens a window.
  p.note_io_busy(4ms, t + 5ms);
  p.note_io_busy(4ms, t + 10ms);  // 8 of 10 ms busy.
  EXPECT_TRUE(p.offload());
  p.note_io_busy(2ms, t + 20ms);  // 2 of 10 ms.
  EXPECT_FALSE(p.offload());
  p.note_io_busy(7ms, t + 30ms);  // 7 of 10 ms: below the 75 % line.
  EXPECT_FALSE(p.offload());
  p.note_io_busy(9ms, t + 40ms);  // 9 of 10 ms.
  EXPECT_TRUE(p.offload());
  p.note_io_busy(1ms, t + 100ms);  // A long idle gap counts as idle.
  EXPECT_FALSE(p.offload());
}

}  // namespace
}  // namespace pactum::node::daemon
