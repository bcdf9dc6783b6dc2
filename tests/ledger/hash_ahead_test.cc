// Goal: batches large enough to be hashed ahead on the ChainHasher's thread
// write exactly the bytes, indexes and tree that one-at-a-time appends write,
// with duplicates inside and across batches, empty payloads, map growth in
// the middle of a batch and a failing put that must leave nothing behind.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <cerrno>
#include <memory>

#include "ledger/ledger.h"
#include "tests/ledger/ledger_test_util.h"

namespace pactum::ledger {
namespace {

using testing::request;
using testing::TempDir;
using testing::test_options;

constexpr std::size_t kBatch = 3 * kHashAheadEntriesMin + 5;  // Well inside the hash-ahead path.
constexpr int kBatches = 6;

class HashAheadTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init()); }
};

// Batch b: new payloads, a repeat of an id earlier in the same batch, a repeat
// of an id of the previous batch, and one empty payload.
std::vector<AppendRequest> batch_number(int b) {
  std::vector<AppendRequest> out;
  for (std::size_t k = 0; k < kBatch; ++k) {
    if (k == 7) {
      out.push_back(out[3]);
    } else if (k == 11 && b > 0) {  // Entry 12 of the previous batch, always new there.
      out.push_back(request("b" + std::to_string(b - 1) + "-12", EntryKind::kEscrowEvent));
    } else if (k == 13) {
      AppendRequest empty;
      empty.id = request("empty " + std::to_string(b)).id;
      out.push_back(std::move(empty));
    } else {
      out.push_back(request("b" + std::to_string(b) + "-" + std::to_string(k), EntryKind::kEscrowEvent));
    }
  }
  return out;
}

TEST_F(HashAheadTest, BatchesWriteWhatSingleAppendsWrite) {
  TempDir batched_dir, single_dir;
  auto batched = std::move(*Ledger::open(batched_dir.str(), test_options()));
  auto single = std::move(*Ledger::open(single_dir.str(), test_options()));
  for (int b = 0; b < kBatches; ++b) {
    std::vector<AppendRequest> reqs = batch_number(b);
    auto rs = batched->append_batch(reqs);
    ASSERT_TRUE(rs) << rs.error().to_string();
    ASSERT_EQ(rs->size(), reqs.size());
    for (std::size_t k = 0; k < reqs.size(); ++k) {
      auto one = single->append(reqs[k]);
      ASSERT_TRUE(one);
      EXPECT_EQ((*rs)[k].index, one->index) << b << "/" << k;
      EXPECT_EQ((*rs)[k].existed, one->existed) << b << "/" << k;
    }
    EXPECT_TRUE((*rs)[7].existed);
    EXPECT_EQ((*rs)[7].index, (*rs)[3].index);
    EXPECT_EQ((*rs)[11].existed, b > 0);
  }
  ASSERT_EQ(batched->size(), single->size());
  ASSERT_EQ(batched->size(), kBatches * (kBatch - 1) - (kBatches - 1));
  for (std::uint64_t i = 0; i < batched->size(); ++i) {
    ASSERT_EQ(*batched->entry_bytes(i), *single->entry_bytes(i)) << i;
  }
  for (std::uint64_t n = 1; n <= batched->size(); n += 17) EXPECT_EQ(*batched->root(n), *single->root(n)) << n;
  EXPECT_EQ(*batched->root(batched->size()), *single->root(single->size()));
  batched.reset();
  auto report = verify_ledger(batched_dir.str(), {.threads = 2});
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->failure.to_string();
}

TEST_F(HashAheadTest, AFailedPutInsideABatchWritesNothingAndMapFullIsRetried) {
  TempDir dir;
  Options o = test_options();
  o.map_bytes = 256 * 1024;  // Tiny: the big batches below grow it while hashed ahead.
  struct Faults {
    int countdown = -1;  // Puts until the injected code; -1: none.
    int code = 0;
  };
  auto faults = std::make_shared<Faults>();
  o.fault_hook = [faults](WritePoint p) {
    if (p != WritePoint::kBeforePut || faults->countdown < 0) return 0;
    if (faults->countdown-- > 0) return 0;
    return faults->code;
  };
  auto ledger = std::move(*Ledger::open(dir.str(), o));
  ASSERT_TRUE(ledger->append_batch(batch_number(0)));
  const std::uint64_t before = ledger->size();
  *faults = {40, EIO};  // Fails the 41st put of the next batch.
  auto failed = ledger->append_batch(batch_number(1));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::kLedgerDb);
  EXPECT_EQ(ledger->size(), before);
  EXPECT_EQ(*ledger->find_id(batch_number(1)[0].id), std::nullopt);
  *faults = {50, MDB_MAP_FULL};  // Retried from the committed tip; the caller never sees it.
  auto retried = ledger->append_batch(batch_number(1));
  ASSERT_TRUE(retried) << retried.error().to_string();
  EXPECT_EQ((*retried)[0].index, before);
  for (int b = 2; b < kBatches; ++b) {
    std::vector<AppendRequest> big;
    for (std::size_t k = 0; k < kBatch; ++k) big.push_back(request(std::string(3000, 'x') + std::to_string(b * 1000 + static_cast<int>(k))));
    ASSERT_TRUE(ledger->append_batch(std::move(big)));
  }
  EXPECT_EQ(ledger->entry(before)->prev_hash, leaf_hash(*ledger->entry_bytes(before - 1)));
  ledger.reset();
  auto report = verify_ledger(dir.str(), {.threads = 2});
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->failure.to_string();
}

}  // namespace
}  // namespace pactum::ledger
