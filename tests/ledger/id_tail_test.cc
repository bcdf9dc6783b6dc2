// Goal: the id tail (newest ids in memory, merged sorted into the ids
// database) keeps idempotency exact across batches, merges and reopenings,
// its table finds exactly the ids added, the filter over the index never
// misses an indexed id (also after it grows), and `verify_ledger` catches every
// inconsistency between ids and entries.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ledger/id_filter.h"
#include "ledger/id_tail.h"
#include "ledger/ledger.h"
#include "ledger/ledger_impl.h"
#include "ledger/lmdb_store.h"
#include "tests/ledger/ledger_test_util.h"

namespace pactum::ledger {
namespace {

using testing::request;
using testing::TempDir;

constexpr std::size_t kTail = 4;  // Tiny on purpose: a merge every few entries.

Options tail_options(std::size_t tail) {
  Options o = testing::test_options();
  o.id_tail_entries = tail;
  return o;
}

// (ids_indexed, records in the ids database), read with LMDB directly.
std::pair<std::uint64_t, std::uint64_t> id_layout(const std::string& dir) {
  auto store = lmdb::Store::open(dir, Durability::kDurable, kMapBytesInitial, true, {});
  PACTUM_ASSERT(store.has_value());
  std::pair<std::uint64_t, std::uint64_t> out{UINT64_MAX, UINT64_MAX};
  auto r = (*store)->read([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto meta, lmdb::get(txn, (*store)->meta, as_bytes(kIdsIndexedMeta)));
    if (meta) out.first = from_be64(*meta);
    MDB_stat st{};
    PACTUM_ASSERT(mdb_stat(txn, (*store)->ids, &st) == 0);
    out.second = st.ms_entries;
    return Ok();
  });
  PACTUM_ASSERT(r.has_value());
  return out;
}

void expect_verifies(const std::string& dir, std::uint64_t entries) {
  auto report = verify_ledger(dir, {.threads = 2});
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->failure.to_string();
  EXPECT_EQ(report->entries, entries);
}

class IdTailTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init()); }
};

TEST_F(IdTailTest, DuplicatesAreFoundInTheBatchTheTailAndTheIndex) {
  TempDir dir;
  auto ledger = std::move(*Ledger::open(dir.str(), tail_options(kTail)));
  for (int i = 0; i < 10; ++i) ASSERT_EQ(ledger->append(request("e" + std::to_string(i)))->index, static_cast<std::uint64_t>(i));
  // Merges ran after entries 4 and 8: ids 0..7 are indexed, 8 and 9 in the tail.
  // A batch repeating an indexed id (3), a tail id (9), a new id twice, and a new one.
  auto rs = ledger->append_batch({request("e3"), request("e9"), request("n0"), request("n0"), request("n1")});
  ASSERT_TRUE(rs);
  ASSERT_EQ(rs->size(), 5u);
  EXPECT_EQ((*rs)[0].index, 3u);
  EXPECT_TRUE((*rs)[0].existed);
  EXPECT_EQ((*rs)[1].index, 9u);
  EXPECT_TRUE((*rs)[1].existed);
  EXPECT_EQ((*rs)[2].index, 10u);
  EXPECT_FALSE((*rs)[2].existed);
  EXPECT_EQ((*rs)[3].index, 10u);
  EXPECT_TRUE((*rs)[3].existed);
  EXPECT_EQ((*rs)[4].index, 11u);
  EXPECT_EQ(ledger->size(), 12u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(*ledger->find_id(request("e" + std::to_string(i)).id), std::optional<std::uint64_t>(i));
  EXPECT_EQ(*ledger->find_id(request("n1").id), std::optional<std::uint64_t>(11));
  EXPECT_EQ(*ledger->find_id(request("absent").id), std::nullopt);
  // An id equal to an indexed one except in its last byte is a different id.
  AppendRequest near = request("near");
  near.id = request("e0").id;
  near.id[31] ^= 1;
  EXPECT_FALSE(ledger->append(near)->existed);
  ledger.reset();
  // The batch filled the tail (8, 9, 10, 11): merged; entry 12 (near) is the tail.
  EXPECT_EQ(id_layout(dir.str()), std::make_pair(std::uint64_t{12}, std::uint64_t{12}));
  expect_verifies(dir.str(), 13);
}

TEST_F(IdTailTest, ReopeningRebuildsTheTailFromTheEntries) {
  TempDir dir;
  {
    auto ledger = std::move(*Ledger::open(dir.str(), tail_options(kTail)));
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(ledger->append(request("r" + std::to_string(i))));
  }
  EXPECT_EQ(id_layout(dir.str()), std::make_pair(std::uint64_t{4}, std::uint64_t{4}));
  {
    // The default tail is far larger: entries 4..6 stay in the tail, rebuilt at open.
    auto ledger = std::move(*Ledger::open(dir.str(), testing::test_options()));
    for (int i = 0; i < 7; ++i) {
      auto r = ledger->append(request("r" + std::to_string(i)));
      ASSERT_TRUE(r);
      EXPECT_TRUE(r->existed);
      EXPECT_EQ(r->index, static_cast<std::uint64_t>(i));
    }
    EXPECT_EQ(ledger->size(), 7u);
    EXPECT_EQ(ledger->append(request("r7"))->index, 7u);
  }
  EXPECT_EQ(id_layout(dir.str()), std::make_pair(std::uint64_t{4}, std::uint64_t{4}));
  {
    // A tail of 1: the open itself merges the 4 waiting ids.
    auto ledger = std::move(*Ledger::open(dir.str(), tail_options(1)));
    EXPECT_EQ(*ledger->find_id(request("r7").id), std::optional<std::uint64_t>(7));
  }
  EXPECT_EQ(id_layout(dir.str()), std::make_pair(std::uint64_t{8}, std::uint64_t{8}));
  expect_verifies(dir.str(), 8);
  Options bad = testing::test_options();
  bad.id_tail_entries = 0;
  EXPECT_EQ(Ledger::open(dir.str(), bad).error().code, Errc::kInvalidArgument);
  bad.id_tail_entries = kIdTailEntriesMax + 1;
  EXPECT_EQ(Ledger::open(dir.str(), bad).error().code, Errc::kInvalidArgument);
}

TEST_F(IdTailTest, ConcurrentAppendsWithFrequentMergesStayExact) {
  TempDir dir;
  Options o = tail_options(7);
  o.batch_wait = std::chrono::microseconds(300);
  auto ledger = std::move(*Ledger::open(dir.str(), o));
  constexpr int kThreads = 6, kEach = 120;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          // Every thread appends the shared ids s0..s119 too: each is stored once.
          ASSERT_TRUE(ledger->append(request("t" + std::to_string(t) + "-" + std::to_string(i))));
          ASSERT_TRUE(ledger->append(request("s" + std::to_string(i))));
        }
      });
    }
  }
  EXPECT_EQ(ledger->size(), static_cast<std::uint64_t>(kThreads * kEach + kEach));
  for (int i = 0; i < kEach; ++i) {
    auto at = *ledger->find_id(request("s" + std::to_string(i)).id);
    ASSERT_TRUE(at.has_value());
    EXPECT_EQ(as_chars(ledger->entry(*at)->payload), "s" + std::to_string(i));
  }
  ledger.reset();
  expect_verifies(dir.str(), kThreads * kEach + kEach);
}

TEST_F(IdTailTest, TableFindsExactlyTheIdsAddedWithinTheLimit) {
  IdTail tail;
  tail.reset(1000, 16);  // Far too small: the table grows while ids are added.
  std::mt19937_64 rng(5);
  std::vector<Id> ids(20000);
  for (Id& id : ids) {
    for (auto& b : id) b = static_cast<std::uint8_t>(rng());
    id[0] = id[1] = 0x42;  // All share their first bytes: only whole-id comparison tells them apart.
  }
  for (const Id& id : ids) {
    ASSERT_EQ(tail.find(id, tail.size()), std::nullopt);
    tail.add(id);
  }
  ASSERT_EQ(tail.size(), ids.size());
  for (std::size_t k = 0; k < ids.size(); ++k) ASSERT_EQ(tail.find(ids[k], tail.size()), std::optional<std::uint64_t>(1000 + k));
  Id absent = ids[7];
  absent[31] ^= 0x80;
  EXPECT_EQ(tail.find(absent, tail.size()), std::nullopt);
  // A limit hides the ids added after it (pending ids of a batch).
  EXPECT_EQ(tail.find(ids[15000], 15000), std::nullopt);
  EXPECT_EQ(tail.find(ids[14999], 15000), std::optional<std::uint64_t>(1000 + 14999));
  tail.truncate(10000);
  EXPECT_EQ(tail.size(), 10000u);
  EXPECT_EQ(tail.find(ids[10000], 20000), std::nullopt);
  EXPECT_EQ(tail.find(ids[9999], 20000), std::optional<std::uint64_t>(1000 + 9999));
  tail.add(ids[12345]);  // Re-added after truncation: takes the next index.
  EXPECT_EQ(tail.find(ids[12345], tail.size()), std::optional<std::uint64_t>(11000));
  tail.reset(50, 100);
  EXPECT_EQ(tail.size(), 0u);
  EXPECT_EQ(tail.find(ids[0], 1), std::nullopt);
  tail.add(ids[0]);
  EXPECT_EQ(tail.find(ids[0], 1), std::optional<std::uint64_t>(50));
}

TEST_F(IdTailTest, FilterNeverMissesAnAddedIdAndRarelyClaimsAnother) {
  IdFilter filter;
  constexpr std::size_t kIds = 100000;
  filter.reset(kIds);
  std::mt19937_64 rng(11);
  auto random_id = [&] {
    Id id{};
    for (auto& b : id) b = static_cast<std::uint8_t>(rng());
    return id;
  };
  std::vector<Id> added(kIds);
  for (Id& id : added) {
    id = random_id();
    filter.add(id);
  }
  for (const Id& id : added) ASSERT_TRUE(filter.may_contain(id));
  std::size_t false_positives = 0;
  for (std::size_t k = 0; k < kIds; ++k) false_positives += filter.may_contain(random_id()) ? 1 : 0;
  EXPECT_LT(false_positives, kIds / 50) << "over 2 % false positives";  // About 0.5 % expected.
  filter.reset(10);
  EXPECT_EQ(filter.size(), 0u);
  EXPECT_FALSE(filter.may_contain(added[0]));
}

// Past kIdFilterIdsMin indexed ids the writer's filter is rebuilt larger
// from the ids database; every id, early or late, is still found.
TEST_F(IdTailTest, DuplicatesAreFoundAfterTheFilterGrows) {
  TempDir dir;
  constexpr std::size_t kBatches = 18;  // 18 x 4096 = 73 728 entries, past 65 536.
  auto ledger = std::move(*Ledger::open(dir.str(), tail_options(4096)));
  for (std::size_t b = 0; b < kBatches; ++b) {
    std::vector<AppendRequest> batch;
    for (std::size_t i = 0; i < kBatchEntriesMax; ++i) batch.push_back(request("g" + std::to_string(b * kBatchEntriesMax + i)));
    ASSERT_TRUE(ledger->append_batch(std::move(batch)));
  }
  ASSERT_GT(id_layout(dir.str()).second, kIdFilterIdsMin);
  for (std::size_t k : {std::size_t{0}, std::size_t{4095}, std::size_t{40000}, std::size_t{65535}, std::size_t{70000}}) {
    auto again = ledger->append(request("g" + std::to_string(k)));
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->existed) << k;
    EXPECT_EQ(again->index, k);
  }
  ledger.reset();
  expect_verifies(dir.str(), kBatches * kBatchEntriesMax);
}

// Edits the ids database or the meta record as an attacker with the files could.
void tamper(const std::string& dir, const std::function<Result<void>(lmdb::Store&, MDB_txn*)>& fn) {
  auto store = lmdb::Store::open(dir, Durability::kUnsafeNoSyncForTests, kMapBytesInitial, false, {});
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->write([&](MDB_txn* txn) { return fn(**store, txn); }));
}

Error verify_failure(const std::string& dir) {
  auto report = verify_ledger(dir, {.threads = 2});
  PACTUM_ASSERT(report.has_value());
  EXPECT_FALSE(report->ok);
  return report->failure;
}

TEST_F(IdTailTest, VerifyCatchesIdIndexAndTailInconsistencies) {
  TempDir base;
  {
    auto ledger = std::move(*Ledger::open(base.str(), tail_options(kTail)));
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(ledger->append(request("v" + std::to_string(i))));
  }
  ASSERT_EQ(id_layout(base.str()), std::make_pair(std::uint64_t{8}, std::uint64_t{8}));
  auto copy = [&](TempDir& to) {
    std::filesystem::copy(base.str(), to.str(), std::filesystem::copy_options::overwrite_existing |
                                                    std::filesystem::copy_options::recursive);
  };
  auto del = [](const Id& id) {
    return [id](lmdb::Store& s, MDB_txn* txn) -> Result<void> {
      MDB_val k = lmdb::val(id);
      if (mdb_del(txn, s.ids, &k, nullptr) != 0) return Fail(Errc::kLedgerDb, "del");
      return Ok();
    };
  };
  auto put_id = [](const Id& id, std::uint64_t index) {
    return [id, index](lmdb::Store& s, MDB_txn* txn) { return lmdb::put(txn, s.ids, id, be64(index), 0); };
  };
  {
    TempDir d;  // An indexed entry whose id is missing from the index.
    copy(d);
    tamper(d.str(), del(request("v5").id));
    EXPECT_EQ(verify_failure(d.str()).detail, "entry 5: id index does not point at this entry");
  }
  {
    TempDir d;  // An indexed id pointing at another entry.
    copy(d);
    tamper(d.str(), put_id(request("v2").id, 3));
    EXPECT_EQ(verify_failure(d.str()).detail, "entry 2: id index does not point at this entry");
  }
  {
    TempDir d;  // A tail entry's id also in the index.
    copy(d);
    tamper(d.str(), put_id(request("v9").id, 9));
    EXPECT_EQ(verify_failure(d.str()).detail, "entry 9: id of this tail entry is in the id index");
  }
  {
    TempDir d;  // A stray id no entry holds.
    copy(d);
    tamper(d.str(), put_id(request("stray").id, 1));
    EXPECT_EQ(verify_failure(d.str()).detail, "id index holds 9 ids, 8 expected");
  }
  {
    TempDir d;  // ids_indexed past the end, or lowered so indexed ids look like tail ids.
    copy(d);
    tamper(d.str(), [](lmdb::Store& s, MDB_txn* txn) {
      return lmdb::put(txn, s.meta, as_bytes(kIdsIndexedMeta), be64(11), 0);
    });
    EXPECT_EQ(verify_failure(d.str()).detail, "ids_indexed 11 above the ledger size");
    EXPECT_EQ(Ledger::open(d.str(), testing::test_options()).error().code, Errc::kLedgerCorrupt);
    tamper(d.str(), [](lmdb::Store& s, MDB_txn* txn) {
      return lmdb::put(txn, s.meta, as_bytes(kIdsIndexedMeta), be64(6), 0);
    });
    EXPECT_EQ(verify_failure(d.str()).detail, "entry 6: id of this tail entry is in the id index");
  }
}

}  // namespace
}  // namespace pactum::ledger
