// Goal: random bit flips inside entries stored in LMDB's data file are each
// detected by `pactum ledger verify` (non-zero exit naming the first bad
// index), as are altered Merkle nodes and checkpoints; LMDB's own mdb_stat
// reads the environment.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "ledger/ledger.h"
#include "ledger/lmdb_store.h"
#include "tests/ledger/ledger_test_util.h"

#ifndef LEDGER_CLI
#error "LEDGER_CLI must name the ledger command line executable"
#endif

namespace pactum::ledger {
namespace {

namespace fs = std::filesystem;
constexpr int kEntries = 200;
constexpr int kFlips = 40;
// Ids merged into the ids database every 64 entries: 192 indexed, 8 in the tail.
constexpr std::size_t kIdTail = 64;
constexpr auto kCopyAll = fs::copy_options::recursive | fs::copy_options::overwrite_existing;

struct Proc {
  int status = -1;
  std::string out;  // stdout and stderr together.
};

Proc run(const std::string& cmd) {
  Proc r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  PACTUM_ASSERT(p != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

Bytes read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}
void write_file(const fs::path& p, const Bytes& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::init());
    Options o = testing::test_options();
    o.id_tail_entries = kIdTail;
    auto ledger = std::move(*Ledger::open(dir_.str(), o));
    for (int i = 0; i < kEntries; ++i) {
      std::string payload = std::to_string(i) + std::string(300, 'x');
      ASSERT_TRUE(ledger->append(testing::request(payload.substr(0, 300))));
    }
    ASSERT_TRUE(ledger->checkpoint(crypto::SecretKey::generate(), "tamper.example/log"));
    Entry probe;
    probe.payload.resize(300);
    entry_bytes_ = encode_entry(probe).size();
  }
  std::string verify(const std::string& dir) { return std::string(LEDGER_CLI) + " ledger verify " + dir; }

  testing::TempDir dir_;
  std::size_t entry_bytes_ = 0;
};

TEST_F(TamperTest, UntouchedLedgerVerifiesAndMdbStatReadsIt) {
  Proc ok = run(verify(dir_.str()));
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("OK: 200 entries"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("1 checkpoints"), std::string::npos) << ok.out;
  if (!fs::exists("/usr/bin/mdb_stat")) GTEST_SKIP() << "mdb_stat (lmdb-utils) not installed";
  Proc stat = run("/usr/bin/mdb_stat -a " + dir_.str());
  EXPECT_EQ(stat.status, 0) << stat.out;
  for (const char* db : {"Status of entries", "Status of nodes", "Status of ids", "Status of checkpoints"})
    EXPECT_NE(stat.out.find(db), std::string::npos) << db << "\n" << stat.out;
  // entries and nodes hold one record per entry, ids one per merged id (192).
  std::size_t per_entry = 0;
  for (std::size_t at = stat.out.find("Entries: 200\n"); at != std::string::npos;
       at = stat.out.find("Entries: 200\n", at + 1))
    ++per_entry;
  EXPECT_EQ(per_entry, 2u) << stat.out;
  EXPECT_NE(stat.out.find("Entries: 192"), std::string::npos) << stat.out;
  // mdb_dump reads the ids database and the meta record ids_indexed = be64(192).
  if (!fs::exists("/usr/bin/mdb_dump")) GTEST_SKIP() << "mdb_dump (lmdb-utils) not installed";
  Proc meta = run("/usr/bin/mdb_dump -s meta " + dir_.str());
  EXPECT_EQ(meta.status, 0) << meta.out;
  EXPECT_NE(meta.out.find(" 6964735f696e6465786564\n 00000000000000c0\n"), std::string::npos) << meta.out;
  Proc ids = run("/usr/bin/mdb_dump -s ids " + dir_.str());
  EXPECT_EQ(ids.status, 0) << ids.out;
}

TEST_F(TamperTest, RandomBitFlipsInStoredEntriesAreDetectedAtTheirIndex) {
  // A compacted copy has no freed pages, so every entry found in the file is live.
  testing::TempDir compact;
  {
    auto env = lmdb::Env::open(dir_.str(), MDB_RDONLY | MDB_NOTLS, kMapBytesInitial);
    ASSERT_TRUE(env);
    ASSERT_EQ(mdb_env_copy2(env->get(), compact.str().c_str(), MDB_CP_COMPACT), 0);
  }
  const Bytes original = read_file(fs::path(compact.str()) / "data.mdb");
  std::vector<std::size_t> starts;  // Where each stored entry begins in the data file.
  for (std::size_t at = 0; at + entry_bytes_ <= original.size(); ++at) {
    if (as_chars(ByteSpan(original).subspan(at, kEntryDomain.size())) == kEntryDomain) starts.push_back(at);
  }
  ASSERT_EQ(starts.size(), static_cast<std::size_t>(kEntries));
  std::mt19937 rng(77);
  for (int trial = 0; trial < kFlips; ++trial) {
    std::size_t start = starts[std::uniform_int_distribution<std::size_t>(0, starts.size() - 1)(rng)];
    std::size_t offset = std::uniform_int_distribution<std::size_t>(0, entry_bytes_ - 1)(rng);
    int bit = std::uniform_int_distribution<int>(0, 7)(rng);
    // The entry's index: the first data word after the prefix and root pointer.
    std::uint64_t index = 0;
    for (int b = 7; b >= 0; --b) index = (index << 8) | original[start + kEntryDomain.size() + 1 + 8 + b];
    testing::TempDir copy;
    fs::copy(compact.str(), copy.str(), kCopyAll);
    Bytes bytes = original;
    bytes[start + offset] ^= static_cast<std::uint8_t>(1 << bit);
    write_file(fs::path(copy.str()) / "data.mdb", bytes);
    Proc r = run(verify(copy.str()));
    EXPECT_NE(r.status, 0) << "flip at entry " << index << " offset " << offset << " undetected:\n" << r.out;
    EXPECT_NE(r.out.find("first bad index " + std::to_string(index) + "\n"), std::string::npos)
        << "offset " << offset << ":\n" << r.out;
    EXPECT_NE(r.out.find("entry " + std::to_string(index) + ": "), std::string::npos) << r.out;
  }
}

// Rewrites one stored record through LMDB, as an attacker with the files could.
void overwrite(const std::string& dir, const char* db, ByteSpan key, ByteSpan value) {
  auto store = lmdb::Store::open(dir, Durability::kUnsafeNoSyncForTests, kMapBytesInitial, false, {});
  ASSERT_TRUE(store);
  MDB_dbi dbi = std::string(db) == "nodes" ? (*store)->nodes : (*store)->checkpoints;
  ASSERT_TRUE((*store)->write([&](MDB_txn* txn) { return lmdb::put(txn, dbi, key, value, 0); }));
}

Bytes read_record(const std::string& dir, ByteSpan key) {
  auto store = lmdb::Store::open(dir, Durability::kUnsafeNoSyncForTests, kMapBytesInitial, true, {});
  Bytes out;
  if (!store) return out;
  (void)(*store)->read([&](MDB_txn* txn) -> Result<void> {
    PACTUM_TRY(auto v, lmdb::get(txn, (*store)->nodes, key));
    if (v) out.assign(v->begin(), v->end());
    return Ok();
  });
  return out;
}

TEST_F(TamperTest, AlteredMerkleNodeOrCheckpointIsDetected) {
  testing::TempDir a;
  fs::copy(dir_.str(), a.str(), kCopyAll);
  // Node (3, 5) covers leaves 40..47: the fourth of the five hashes in the
  // record of leaf 47 (levels 0..4); the others stay as stored.
  ASSERT_EQ(lmdb::node_record_hashes(47), 5u);
  Bytes record = read_record(a.str(), lmdb::node_record_key(3, 5));
  ASSERT_EQ(record.size(), 5 * sizeof(Hash));
  record[3 * sizeof(Hash)] ^= 1;
  overwrite(a.str(), "nodes", lmdb::node_record_key(3, 5), record);
  auto direct = verify_ledger(a.str(), {.threads = 2});
  ASSERT_TRUE(direct);
  EXPECT_FALSE(direct->ok);
  EXPECT_TRUE(direct->bad_entry);
  EXPECT_EQ(direct->first_bad_index, 40u);
  Proc r = run(verify(a.str()));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("first bad index 40"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Merkle node (3, 5)"), std::string::npos) << r.out;

  testing::TempDir b;
  fs::copy(dir_.str(), b.str(), kCopyAll);
  auto ledger = std::move(*Ledger::open(b.str(), testing::test_options()));
  auto cp = *ledger->latest_checkpoint();
  ledger.reset();
  std::string note = cp->note;
  note[note.find('\n') + 1] = '1';  // "200" -> "100": the signature no longer matches.
  overwrite(b.str(), "checkpoints", be64(200), as_bytes(note));
  Proc c = run(verify(b.str()));
  EXPECT_NE(c.status, 0);
  EXPECT_NE(c.out.find("bad_signature: checkpoint of size 200"), std::string::npos) << c.out;
}

// Verification splits the work in chunks of 1024 entries: nodes above a
// chunk (level 11 and up) and the hash chain across chunk boundaries are
// checked after them, and still name the first bad index.
TEST(TamperAcrossChunks, NodesAboveAChunkAndTheChainBetweenChunksAreChecked) {
  ASSERT_TRUE(crypto::init());
  testing::TempDir dir;
  {
    auto ledger = std::move(*Ledger::open(dir.str(), testing::test_options()));
    for (int b = 0; b < 5; ++b) {
      std::vector<AppendRequest> batch;
      for (int i = 0; i < 1000; ++i) batch.push_back(testing::request("entry " + std::to_string(b * 1000 + i)));
      ASSERT_TRUE(ledger->append_batch(std::move(batch)));
    }
  }
  auto good = verify_ledger(dir.str(), {.threads = 3});
  ASSERT_TRUE(good);
  EXPECT_TRUE(good->ok) << good->failure.to_string();

  testing::TempDir a;
  fs::copy(dir.str(), a.str(), kCopyAll);
  // Node (11, 1) covers leaves 2048..4095: the twelfth hash in the record of leaf 4095.
  Bytes record = read_record(a.str(), lmdb::node_record_key(11, 1));
  ASSERT_EQ(record.size(), 13 * sizeof(Hash));
  record[11 * sizeof(Hash) + 7] ^= 0x40;
  overwrite(a.str(), "nodes", lmdb::node_record_key(11, 1), record);
  auto high = verify_ledger(a.str(), {.threads = 2});
  ASSERT_TRUE(high);
  EXPECT_FALSE(high->ok);
  EXPECT_EQ(high->first_bad_index, 2048u);
  EXPECT_NE(high->failure.detail.find("Merkle node (11, 1)"), std::string::npos) << high->failure.detail;

  // Entry 3072 (first of its chunk) rewritten with another prev_hash, its own
  // leaf hash stored to match: only the links around it are broken.
  testing::TempDir b;
  fs::copy(dir.str(), b.str(), kCopyAll);
  Entry e;
  {
    auto ledger = std::move(*Ledger::open(b.str(), testing::test_options()));
    e = *ledger->entry(3072);
  }
  e.prev_hash[0] ^= 1;
  Bytes bytes = encode_entry(e);
  auto store = lmdb::Store::open(b.str(), Durability::kUnsafeNoSyncForTests, kMapBytesInitial, false, {});
  ASSERT_TRUE(store);
  Hash leaf = leaf_hash(bytes);
  ASSERT_TRUE((*store)->write([&](MDB_txn* txn) -> Result<void> {
    PACTUM_CHECK(lmdb::put(txn, (*store)->entries, be64(3072), bytes, 0));
    return lmdb::put(txn, (*store)->nodes, be64(3072), leaf, 0);
  }));
  store->reset();
  auto chain = verify_ledger(b.str(), {.threads = 2});
  ASSERT_TRUE(chain);
  EXPECT_FALSE(chain->ok);
  EXPECT_EQ(chain->first_bad_index, 3072u) << chain->failure.to_string();
}

}  // namespace
}  // namespace pactum::ledger
