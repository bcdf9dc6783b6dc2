// Goal: the LMDB ledger appends, chains, indexes, proves, checkpoints and
// recovers exactly: idempotent ids, group commit under threads, map growth,
// injected faults that leave nothing half-written, and limits enforced.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <random>
#include <thread>

#include "ledger/entry_codec.h"
#include "ledger/ledger.h"
#include "tests/ledger/ledger_test_util.h"

namespace pactum::ledger {
namespace {

using testing::request;
using testing::TempDir;
using testing::test_options;

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init()); }
};

// Golden vector, checked by hand against docs/ledger.md: prefix, root struct
// pointer (3 data words, 3 pointers), index 5, timestamp 1700000000000 ms,
// kind 1, then byte lists of 32, 32 and 5 bytes (padded to a word).
constexpr std::string_view kGoldenEntryHex =
    "70616374756d2d6c65646765722d656e7472792d763100"
    "0000000003000300"
    "0500000000000000" "0068e5cf8b010000" "0100000000000000"
    "0900000002010000" "1500000002010000" "210000002a000000"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0"
    "68656c6c6f000000";
constexpr std::string_view kGoldenLeafHex = "2f4e529dc52f0cd1b77bcdb354c6109fcde770c62add2595963863917a1919d1";

TEST_F(LedgerTest, GoldenEntryBytes) {
  Entry e;
  e.index = 5;
  e.timestamp_ms = 1700000000000;
  e.kind = EntryKind::kContractAnchor;
  for (std::size_t i = 0; i < 32; ++i) {
    e.prev_hash[i] = static_cast<std::uint8_t>(i);
    e.id[i] = static_cast<std::uint8_t>(0xff - i);
  }
  e.payload = to_bytes("hello");
  Bytes bytes = encode_entry(e);
  EXPECT_EQ(to_hex(bytes), kGoldenEntryHex);
  EXPECT_EQ(to_hex(leaf_hash(bytes)), kGoldenLeafHex);
  auto back = decode_entry(bytes);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->index, 5u);
  EXPECT_EQ(back->timestamp_ms, 1700000000000);
  EXPECT_EQ(back->kind, EntryKind::kContractAnchor);
  EXPECT_EQ(back->prev_hash, e.prev_hash);
  EXPECT_EQ(back->id, e.id);
  EXPECT_EQ(back->payload, e.payload);
}

// The append path writes entry bytes directly; they must be exactly what
// capnp::canonicalize writes, for every payload length (word padding) and field value.
TEST_F(LedgerTest, EncodeMatchesCapnpCanonicalize) {
  std::mt19937_64 rng(7);
  for (std::size_t len = 0; len < 600; ++len) {
    Entry e;
    e.index = len == 1 ? UINT64_MAX : rng();
    e.timestamp_ms = len == 2 ? INT64_MIN : static_cast<std::int64_t>(rng());
    e.kind = static_cast<EntryKind>(len % (kEntryKindLast + 1));
    // Zero fields shorten the canonical data section (kind 0 every 7th length).
    if (len % 5 == 0) e.timestamp_ms = 0;
    if (len % 10 == 0) e.index = 0;
    for (auto& b : e.prev_hash) b = static_cast<std::uint8_t>(rng());
    for (auto& b : e.id) b = static_cast<std::uint8_t>(rng());
    e.payload.resize(len);
    for (auto& b : e.payload) b = static_cast<std::uint8_t>(rng());
    Bytes direct = encode_entry(e);
    ASSERT_EQ(to_hex(direct), to_hex(encode_entry_reference(e))) << "payload length " << len;
    Bytes reused(3000, 0xee);  // A dirty, larger buffer must not leak into the bytes.
    encode_entry_into(EntryHeader{e.index, e.timestamp_ms, e.kind, e.prev_hash, e.id}, e.payload, reused);
    ASSERT_EQ(reused, direct) << "payload length " << len;
    auto back = decode_entry(direct);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(back->payload, e.payload);
    EXPECT_EQ(back->index, e.index);
    EXPECT_EQ(back->timestamp_ms, e.timestamp_ms);
    // The reusing decoder (verification) reads the same entry.
    Entry into;
    into.payload.assign(700, 0xee);
    Bytes scratch;
    ASSERT_TRUE(decode_entry_into(direct, into, scratch)) << "payload length " << len;
    EXPECT_EQ(encode_entry(into), direct) << "payload length " << len;
  }
  Entry big;
  big.payload.assign(kEntryPayloadBytesMax, 0xab);
  EXPECT_EQ(encode_entry(big), encode_entry_reference(big));
}

TEST_F(LedgerTest, MalformedEntryBytesAreRejected) {
  Entry e;
  e.payload = to_bytes("payload");
  Bytes good = encode_entry(e);
  ASSERT_TRUE(decode_entry(good));
  EXPECT_FALSE(decode_entry({}));
  for (std::size_t cut = 0; cut < good.size(); ++cut)
    EXPECT_FALSE(decode_entry(ByteSpan(good).first(cut))) << cut;
  Bytes longer = good;
  longer.insert(longer.end(), 8, 0);  // A trailing word makes it non-canonical.
  EXPECT_FALSE(decode_entry(longer));
  for (std::size_t i = 0; i < kEntryDomain.size() + 1; ++i) {
    Bytes bad = good;
    bad[i] ^= 0x01;
    EXPECT_FALSE(decode_entry(bad)) << i;
  }
  // The reusing decoder refuses exactly what decode_entry refuses: every
  // single bit flip of an entry, every cut and the trailing word.
  Entry out;
  Bytes scratch;
  EXPECT_FALSE(decode_entry_into(longer, out, scratch));
  for (std::size_t cut = 0; cut < good.size(); ++cut)
    EXPECT_FALSE(decode_entry_into(ByteSpan(good).first(cut), out, scratch)) << cut;
  for (std::size_t bit = 0; bit < 8 * good.size(); ++bit) {
    Bytes flipped = good;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1 << (bit % 8));
    auto strict = decode_entry(flipped);
    auto fast = decode_entry_into(flipped, out, scratch);
    ASSERT_EQ(strict.has_value(), fast.has_value()) << "bit " << bit;
    if (strict) {
      EXPECT_EQ(encode_entry(out), encode_entry(*strict)) << "bit " << bit;
    }
  }
}

TEST_F(LedgerTest, AppendsChainAndProveAgainstMemoryTree) {
  TempDir dir;
  auto ledger = Ledger::open(dir.str(), test_options());
  ASSERT_TRUE(ledger) << ledger.error().to_string();
  MemoryTree mem;
  Hash prev{};
  for (int i = 0; i < 37; ++i) {
    auto r = (*ledger)->append(request("entry " + std::to_string(i), EntryKind::kEscrowEvent));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->index, static_cast<std::uint64_t>(i));
    EXPECT_FALSE(r->existed);
    auto e = (*ledger)->entry(r->index);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->prev_hash, prev);
    EXPECT_EQ(e->kind, EntryKind::kEscrowEvent);
    EXPECT_EQ(e->timestamp_ms, 1700000000000);
    EXPECT_EQ(as_chars(e->payload), "entry " + std::to_string(i));
    prev = leaf_hash(*(*ledger)->entry_bytes(r->index));
    mem.append(prev);
  }
  ASSERT_EQ((*ledger)->size(), 37u);
  for (std::uint64_t n = 0; n <= 37; ++n) {
    ASSERT_EQ(*(*ledger)->root(n), *tree_root(mem, n)) << n;
    for (std::uint64_t i = 0; i < n; ++i) {
      auto p = (*ledger)->prove_inclusion(i, n);
      ASSERT_TRUE(p);
      EXPECT_TRUE(verify_inclusion(*mem.node(0, i), *p, *tree_root(mem, n)));
    }
    for (std::uint64_t m = 1; m <= n; ++m) {
      auto c = (*ledger)->prove_consistency(m, n);
      ASSERT_TRUE(c);
      EXPECT_TRUE(verify_consistency(*c, *tree_root(mem, m), *tree_root(mem, n)));
    }
  }
  EXPECT_EQ((*ledger)->root(38).error().code, Errc::kOutOfRange);
  EXPECT_EQ((*ledger)->entry_bytes(37).error().code, Errc::kNotFound);
}

TEST_F(LedgerTest, DuplicateIdsReturnTheExistingIndexAndWriteNothing) {
  TempDir dir;
  auto ledger = std::move(*Ledger::open(dir.str(), test_options()));
  ASSERT_EQ(ledger->append(request("a"))->index, 0u);
  ASSERT_EQ(ledger->append(request("b"))->index, 1u);
  AppendRequest again = request("other payload");
  again.id = request("a").id;
  auto r = ledger->append(again);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->index, 0u);
  EXPECT_TRUE(r->existed);
  EXPECT_EQ(ledger->size(), 2u);
  EXPECT_EQ(as_chars(ledger->entry(0)->payload), "a");
  std::vector<AppendRequest> batch = {request("c"), request("c"), request("b"), request("d")};
  auto rs = ledger->append_batch(batch);
  ASSERT_TRUE(rs);
  ASSERT_EQ(rs->size(), 4u);
  EXPECT_EQ((*rs)[0].index, 2u);
  EXPECT_FALSE((*rs)[0].existed);
  EXPECT_EQ((*rs)[1].index, 2u);
  EXPECT_TRUE((*rs)[1].existed);
  EXPECT_EQ((*rs)[2].index, 1u);
  EXPECT_TRUE((*rs)[2].existed);
  EXPECT_EQ((*rs)[3].index, 3u);
  EXPECT_EQ(ledger->size(), 4u);
  EXPECT_EQ(*ledger->find_id(request("d").id), std::optional<std::uint64_t>(3));
  EXPECT_EQ(*ledger->find_id(request("zzz").id), std::nullopt);
}

TEST_F(LedgerTest, ReopenContinuesTheChain) {
  TempDir dir;
  Hash root5{};
  {
    auto ledger = std::move(*Ledger::open(dir.str(), test_options()));
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(ledger->append(request("x" + std::to_string(i))));
    root5 = *ledger->root(5);
  }
  auto ledger = std::move(*Ledger::open(dir.str(), test_options()));
  EXPECT_EQ(ledger->size(), 5u);
  EXPECT_EQ(*ledger->root(5), root5);
  EXPECT_TRUE(ledger->append(request("x0"))->existed);
  auto r = ledger->append(request("x5"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->index, 5u);
  EXPECT_EQ(ledger->entry(5)->prev_hash, leaf_hash(*ledger->entry_bytes(4)));
  auto c = ledger->prove_consistency(5, 6);
  EXPECT_TRUE(verify_consistency(*c, root5, *ledger->root(6)));
}

// Writes meta "format" = `format` (empty: deletes it) with LMDB alone.
void set_format_record(const std::string& dir, std::string_view format) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_set_maxdbs(env, kMaxNamedDatabases), 0);
  ASSERT_EQ(mdb_env_open(env, dir.c_str(), MDB_NOSYNC, 0640), 0);
  MDB_txn* txn = nullptr;
  MDB_dbi meta = 0;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  ASSERT_EQ(mdb_dbi_open(txn, "meta", 0, &meta), 0);
  MDB_val key{6, const_cast<char*>("format")};
  MDB_val value{format.size(), const_cast<char*>(format.data())};
  ASSERT_EQ(format.empty() ? mdb_del(txn, meta, &key, nullptr) : mdb_put(txn, meta, &key, &value, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

TEST_F(LedgerTest, ALedgerOfAnotherFormatIsRefusedNotMisread) {
  TempDir dir;
  {
    auto ledger = std::move(*Ledger::open(dir.str(), test_options()));
    ASSERT_TRUE(ledger->append(request("a")));
  }
  set_format_record(dir.str(), "pactum-ledger-3");
  auto newer = Ledger::open(dir.str(), test_options());
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code, Errc::kUnsupported);
  EXPECT_NE(newer.error().detail.find("pactum-ledger-3"), std::string::npos) << newer.error().detail;
  auto verified = verify_ledger(dir.str(), {.threads = 1});
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, Errc::kUnsupported);
  // No format record but entries: a format-1 ledger (one record per Merkle node).
  set_format_record(dir.str(), "");
  auto older = Ledger::open(dir.str(), test_options());
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error().code, Errc::kUnsupported);
  EXPECT_NE(older.error().detail.find("format 1"), std::string::npos) << older.error().detail;
  set_format_record(dir.str(), "pactum-ledger-2");
  auto ledger = Ledger::open(dir.str(), test_options());
  ASSERT_TRUE(ledger);
  EXPECT_EQ((*ledger)->size(), 1u);
}

TEST_F(LedgerTest, ConcurrentAppendsAreBatchedAndGapless) {
  TempDir dir;
  Options o = test_options();
  o.batch_wait = std::chrono::microseconds(500);
  // Commits counted through the fault hook (called by whichever caller leads a batch).
  auto commits = std::make_shared<std::atomic<int>>(0);
  o.fault_hook = [commits](WritePoint p) {
    if (p == WritePoint::kBeforeCommit) commits->fetch_add(1);
    return 0;
  };
  auto ledger = std::move(*Ledger::open(dir.str(), o));
  const int commits_at_open = commits->load();
  constexpr int kThreads = 8, kEach = 150;
  std::vector<std::vector<std::uint64_t>> got(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          auto r = ledger->append(request("t" + std::to_string(t) + "-" + std::to_string(i)));
          ASSERT_TRUE(r);
          got[t].push_back(r->index);
        }
      });
    }
  }
  std::vector<bool> seen(kThreads * kEach, false);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(got[t].size(), static_cast<std::size_t>(kEach));
    for (std::size_t i = 0; i < got[t].size(); ++i) {
      ASSERT_LT(got[t][i], seen.size());
      EXPECT_FALSE(seen[got[t][i]]);
      seen[got[t][i]] = true;
      if (i > 0) {
        EXPECT_LT(got[t][i - 1], got[t][i]);  // Each caller's appends stay in order.
      }
      auto e = ledger->entry(got[t][i]);
      EXPECT_EQ(as_chars(e->payload), "t" + std::to_string(t) + "-" + std::to_string(i));
    }
  }
  EXPECT_EQ(ledger->size(), static_cast<std::uint64_t>(kThreads * kEach));
  // Group commit: a leader writes the requests queued behind it in its own transaction.
  EXPECT_LT(commits->load() - commits_at_open, kThreads * kEach / 2);
  ledger.reset();
  auto report = verify_ledger(dir.str(), {.threads = 2});
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->failure.to_string();
  EXPECT_EQ(report->entries, static_cast<std::uint64_t>(kThreads * kEach));
}

TEST_F(LedgerTest, MapFullGrowsTheMapAndNeverFailsTheCaller) {
  TempDir dir;
  Options o = test_options();
  o.map_bytes = 256 * 1024;  // Tiny on purpose: forces several doublings.
  auto ledger = std::move(*Ledger::open(dir.str(), o));
  std::string big(2000, 'p');
  for (int i = 0; i < 1500; ++i) {
    auto r = ledger->append(request(big + std::to_string(i)));
    ASSERT_TRUE(r) << i << ": " << r.error().to_string();
    ASSERT_EQ(r->index, static_cast<std::uint64_t>(i));
  }
  ledger.reset();
  auto report = verify_ledger(dir.str(), {.threads = 2});
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->failure.to_string();
  EXPECT_EQ(report->entries, 1500u);
}

TEST_F(LedgerTest, InjectedMapFullIsRetriedAndOtherFaultsWriteNothing) {
  TempDir dir;
  Options o = test_options();
  auto faults = std::make_shared<std::vector<int>>();
  o.fault_hook = [faults](WritePoint p) {
    if (p != WritePoint::kBeforeCommit || faults->empty()) return 0;
    int rc = faults->back();
    faults->pop_back();
    return rc;
  };
  auto ledger = std::move(*Ledger::open(dir.str(), o));
  ASSERT_TRUE(ledger->append(request("first")));
  *faults = {MDB_MAP_FULL, MDB_MAP_FULL};
  auto r = ledger->append(request("second"));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->index, 1u);
  *faults = {EIO};
  auto failed = ledger->append_batch({request("third"), request("fourth")});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::kLedgerDb);
  EXPECT_EQ(ledger->size(), 2u);
  EXPECT_EQ(*ledger->find_id(request("third").id), std::nullopt);
  auto after = ledger->append(request("third"));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->index, 2u);
  EXPECT_EQ(ledger->entry(2)->prev_hash, leaf_hash(*ledger->entry_bytes(1)));
}

TEST_F(LedgerTest, LimitsAreEnforced) {
  TempDir dir;
  auto ledger = std::move(*Ledger::open(dir.str(), test_options()));
  AppendRequest big = request("x");
  big.payload.assign(kEntryPayloadBytesMax + 1, 0);
  EXPECT_EQ(ledger->append(big).error().code, Errc::kLimitExceeded);
  big.payload.resize(kEntryPayloadBytesMax);
  EXPECT_TRUE(ledger->append(big));
  std::vector<AppendRequest> many(kBatchEntriesMax + 1, request("y"));
  EXPECT_EQ(ledger->append_batch(many).error().code, Errc::kLimitExceeded);
  AppendRequest odd = request("z");
  odd.kind = static_cast<EntryKind>(kEntryKindLast + 1);
  EXPECT_EQ(ledger->append(odd).error().code, Errc::kInvalidArgument);
  Options o = test_options();
  o.batch_wait = kBatchWaitMax + std::chrono::microseconds(1);
  TempDir dir2;
  EXPECT_EQ(Ledger::open(dir2.str(), o).error().code, Errc::kInvalidArgument);
}

TEST_F(LedgerTest, CheckpointsAreSignedStoredAndVerified) {
  TempDir dir;
  crypto::SecretKey key = crypto::SecretKey::generate();
  auto ledger = std::move(*Ledger::open(dir.str(), test_options()));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(ledger->append(request(std::to_string(i))));
  auto cp = ledger->checkpoint(key, "node.example/ledger");
  ASSERT_TRUE(cp) << cp.error().to_string();
  EXPECT_EQ(cp->checkpoint.size, 10u);
  EXPECT_EQ(cp->checkpoint.root, *ledger->root(10));
  auto vkey = make_verifier_key("node.example/ledger", key.public_key());
  EXPECT_EQ(*ledger->stored_verifier_key(), std::optional<std::string>(verifier_key_text(*vkey)));
  auto opened = open_checkpoint(cp->note, *vkey);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->root, *ledger->root(10));
  ASSERT_TRUE(ledger->append(request("later")));
  ASSERT_TRUE(ledger->checkpoint(key, "node.example/ledger"));
  EXPECT_EQ((*ledger->latest_checkpoint())->checkpoint.size, 11u);
  EXPECT_EQ((*ledger->checkpoint_at(10))->note, cp->note);
  EXPECT_EQ(*ledger->checkpoint_at(9), std::nullopt);
  crypto::SecretKey other = crypto::SecretKey::generate();
  EXPECT_EQ(ledger->checkpoint(other, "node.example/ledger").error().code, Errc::kBadKey);
  ledger.reset();
  auto report = verify_ledger(dir.str(), {.threads = 2});
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->failure.to_string();
  EXPECT_EQ(report->checkpoints, 2u);
  VerifyOptions wrong_key{.threads = 1};
  wrong_key.checkpoint_keys.push_back(*make_verifier_key("node.example/ledger", other.public_key()));
  auto bad = verify_ledger(dir.str(), wrong_key);
  ASSERT_TRUE(bad);
  EXPECT_FALSE(bad->ok);
  EXPECT_EQ(bad->failure.code, Errc::kBadCheckpoint);
}

// A checkpoint asked for with a batch covers the whole batch and is stored in
// the batch's own commit; if it cannot be signed (another key), neither the
// entries nor the checkpoint are written.
TEST_F(LedgerTest, CheckpointInTheBatchCommitCoversTheBatchOrNothingIsWritten) {
  TempDir dir;
  crypto::SecretKey key = crypto::SecretKey::generate();
  auto ledger = std::move(*Ledger::open(dir.str(), test_options()));
  ASSERT_TRUE(ledger->append(request("first")));
  std::vector<AppendRequest> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(request("b" + std::to_string(i)));
  batch.push_back(request("first"));  // A duplicate: its existing index, nothing written.
  auto both = ledger->append_batch_and_checkpoint(std::move(batch), key, "node.example/ledger");
  ASSERT_TRUE(both) << both.error().to_string();
  ASSERT_EQ(both->results.size(), 6u);
  EXPECT_EQ(both->results[4].index, 5u);
  EXPECT_TRUE(both->results[5].existed);
  EXPECT_EQ(both->results[5].index, 0u);
  EXPECT_EQ(both->checkpoint.checkpoint.size, 6u);
  EXPECT_EQ(ledger->size(), 6u);
  EXPECT_EQ(both->checkpoint.checkpoint.root, *ledger->root(6));
  EXPECT_EQ((*ledger->checkpoint_at(6))->note, both->checkpoint.note);
  auto opened = open_checkpoint(both->checkpoint.note, *make_verifier_key("node.example/ledger", key.public_key()));
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->size, 6u);
  // Nothing new to append: a checkpoint of the current size all the same.
  auto none = ledger->append_batch_and_checkpoint({}, key, "node.example/ledger");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->checkpoint.checkpoint.size, 6u);
  EXPECT_EQ(none->checkpoint.note, both->checkpoint.note);  // Same tree, same key: the same note.
  crypto::SecretKey other = crypto::SecretKey::generate();
  auto refused = ledger->append_batch_and_checkpoint({request("lost")}, other, "node.example/ledger");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kBadKey);
  EXPECT_EQ(ledger->size(), 6u);
  EXPECT_EQ(*ledger->find_id(request("lost").id), std::nullopt);
  ASSERT_TRUE(ledger->append(request("after")));  // The ledger goes on from the committed tip.
  EXPECT_EQ(ledger->size(), 7u);
  ledger.reset();
  auto report = verify_ledger(dir.str(), {.threads = 2});
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->failure.to_string();
  EXPECT_EQ(report->checkpoints, 1u);
}

TEST_F(LedgerTest, EntryCheckCallbackRunsOnEveryEntryAndNamesTheFirstFailure) {
  TempDir dir;
  {
    auto ledger = std::move(*Ledger::open(dir.str(), test_options()));
    for (int i = 0; i < 3000; ++i) ASSERT_TRUE(ledger->append(request(i == 2222 || i == 2900 ? "BAD" + std::to_string(i) : "ok" + std::to_string(i))));
  }
  VerifyOptions opt{.threads = 2};
  opt.entry_check = [](const Entry& e) -> Result<bool> {
    if (as_chars(e.payload).substr(0, 3) == "BAD") return Fail(Errc::kBadSignature, "envelope signature does not verify");
    return e.index % 2 == 0;  // Pretend even entries carry signatures.
  };
  auto report = verify_ledger(dir.str(), opt);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->ok);
  EXPECT_TRUE(report->bad_entry);
  EXPECT_EQ(report->first_bad_index, 2222u);
  EXPECT_EQ(report->failure.code, Errc::kBadSignature);
  EXPECT_EQ(report->failure.detail, "entry 2222: envelope signature does not verify");
  opt.entry_check = [](const Entry& e) -> Result<bool> { return e.index % 2 == 0; };
  auto good = verify_ledger(dir.str(), opt);
  ASSERT_TRUE(good);
  EXPECT_TRUE(good->ok);
  EXPECT_EQ(good->entries_checked, 1500u);
}

}  // namespace
}  // namespace pactum::ledger
