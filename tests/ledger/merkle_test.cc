// Goal: RFC 6962/9162 hashing and proofs reproduce the published transparency-dev
// test vectors exactly, and every mutated proof is rejected.
#include <gtest/gtest.h>

#include "ledger/ledger.h"

namespace pactum::ledger {
namespace {

Hash H(std::string_view hex) {
  auto b = crypto::hex_decode(hex);
  PACTUM_ASSERT(b && b->size() == 32);
  Hash h{};
  std::copy(b->begin(), b->end(), h.begin());
  return h;
}

// transparency-dev/merkle testonly/constants.go: LeafInputs and RootHashes.
const std::vector<std::string> kLeafInputsHex = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
const std::vector<std::string> kRootsHex = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

MemoryTree vector_tree(std::size_t n) {
  MemoryTree t;
  for (std::size_t i = 0; i < n; ++i) t.append(leaf_hash(*crypto::hex_decode(kLeafInputsHex[i])));
  return t;
}

TEST(Merkle, PublishedRootsForEverySize) {
  EXPECT_EQ(empty_root(), H(kRootsHex[0]));
  for (std::size_t n = 0; n <= 8; ++n) {
    MemoryTree t = vector_tree(n);
    auto root = tree_root(t, n);
    ASSERT_TRUE(root) << n;
    EXPECT_EQ(to_hex(*root), kRootsHex[n]) << "size " << n;
  }
}

TEST(Merkle, PublishedNodeHashes) {
  MemoryTree t = vector_tree(8);
  EXPECT_EQ(to_hex(*t.node(0, 7)), "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1");
  EXPECT_EQ(to_hex(*t.node(1, 3)), "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0");
  EXPECT_EQ(to_hex(*t.node(2, 1)), "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
  EXPECT_FALSE(t.node(3, 1));
  EXPECT_FALSE(t.node(4, 0));
}

struct ProofVector {
  std::uint64_t a, b;  // Inclusion: 1-based leaf, size. Consistency: size1, size2.
  std::vector<std::string> path;
};

// transparency-dev/merkle proof/verify_test.go inclusionProofs (leaf is 1-based).
const std::vector<ProofVector> kInclusion = {
    {1, 1, {}},
    {1, 8, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8, {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {3, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {2, 5, {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

// transparency-dev/merkle proof/verify_test.go consistencyProofs.
const std::vector<ProofVector> kConsistency = {
    {1, 1, {}},
    {1, 8, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5, {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6, 7, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

std::vector<Hash> hashes(const std::vector<std::string>& hex) {
  std::vector<Hash> out;
  for (const auto& h : hex) out.push_back(H(h));
  return out;
}

TEST(Merkle, PublishedInclusionProofsAreGeneratedAndVerify) {
  MemoryTree t = vector_tree(8);
  for (const ProofVector& v : kInclusion) {
    auto proof = prove_inclusion(t, v.a - 1, v.b);
    ASSERT_TRUE(proof);
    EXPECT_EQ(proof->path, hashes(v.path)) << v.a << "/" << v.b;
    Hash leaf = leaf_hash(*crypto::hex_decode(kLeafInputsHex[v.a - 1]));
    EXPECT_TRUE(verify_inclusion(leaf, *proof, H(kRootsHex[v.b])));
  }
}

TEST(Merkle, PublishedConsistencyProofsAreGeneratedAndVerify) {
  MemoryTree t = vector_tree(8);
  for (const ProofVector& v : kConsistency) {
    auto proof = prove_consistency(t, v.a, v.b);
    ASSERT_TRUE(proof);
    EXPECT_EQ(proof->path, hashes(v.path)) << v.a << "->" << v.b;
    EXPECT_TRUE(verify_consistency(*proof, H(kRootsHex[v.a]), H(kRootsHex[v.b])));
  }
}

// The corruptions of verify_test.go's corruptInclusionProof, each must fail.
TEST(Merkle, CorruptedInclusionProofsFail) {
  const Hash some = H("abacaba000000000000000000000000000000000000000000060061e00123456");
  for (const ProofVector& v : kInclusion) {
    const Hash leaf = leaf_hash(*crypto::hex_decode(kLeafInputsHex[v.a - 1]));
    const Hash root = H(kRootsHex[v.b]);
    const InclusionProof good{v.a - 1, v.b, hashes(v.path)};
    std::vector<InclusionProof> bad;
    for (std::uint64_t idx : {good.index - 1, good.index + 1, good.index ^ 2})
      bad.push_back({idx, good.tree_size, good.path});
    bad.push_back({good.index, good.tree_size * 2, good.path});
    bad.push_back({good.index, good.tree_size / 2, good.path});
    auto extended = good.path;
    extended.push_back(root);
    bad.push_back({good.index, good.tree_size, extended});
    auto prepended = good.path;
    prepended.insert(prepended.begin(), root);
    bad.push_back({good.index, good.tree_size, prepended});
    for (std::size_t i = 0; i < good.path.size(); ++i) {
      auto flipped = good.path;
      flipped[i][0] ^= 8;
      bad.push_back({good.index, good.tree_size, flipped});
    }
    if (!good.path.empty()) bad.push_back({good.index, good.tree_size, {good.path.begin(), good.path.end() - 1}});
    for (const auto& p : bad) {
      if (p.index == good.index && p.tree_size == good.tree_size && p.path == good.path) continue;
      EXPECT_FALSE(verify_inclusion(leaf, p, root)) << v.a << "/" << v.b << " idx " << p.index << " size " << p.tree_size;
    }
    EXPECT_FALSE(verify_inclusion(some, good, root));
    EXPECT_FALSE(verify_inclusion(leaf, good, empty_root()));
    EXPECT_FALSE(verify_inclusion(leaf, good, some));
  }
}

TEST(Merkle, CorruptedConsistencyProofsFail) {
  for (const ProofVector& v : kConsistency) {
    if (v.path.empty()) continue;
    const Hash r1 = H(kRootsHex[v.a]);
    const Hash r2 = H(kRootsHex[v.b]);
    const ConsistencyProof good{v.a, v.b, hashes(v.path)};
    std::vector<ConsistencyProof> bad;
    for (std::uint64_t s1 : {good.from_size - 1, good.from_size + 1, good.from_size ^ 2})
      bad.push_back({s1, good.to_size, good.path});
    bad.push_back({good.from_size, good.to_size * 2, good.path});
    bad.push_back({good.from_size, good.to_size / 2, good.path});
    bad.push_back({good.from_size, good.to_size, {}});
    for (const Hash& extra : {r1, r2, good.path[0]}) {
      auto ext = good.path;
      ext.push_back(extra);
      bad.push_back({good.from_size, good.to_size, ext});
      auto pre = good.path;
      pre.insert(pre.begin(), extra);
      bad.push_back({good.from_size, good.to_size, pre});
    }
    bad.push_back({good.from_size, good.to_size, {good.path.begin(), good.path.end() - 1}});
    for (std::size_t i = 0; i < good.path.size(); ++i) {
      auto flipped = good.path;
      flipped[i][0] ^= 16;
      bad.push_back({good.from_size, good.to_size, flipped});
    }
    for (const auto& p : bad) {
      if (p.from_size == good.from_size && p.to_size == good.to_size && p.path == good.path) continue;
      EXPECT_FALSE(verify_consistency(p, r1, r2)) << v.a << "->" << v.b << " as " << p.from_size << "->" << p.to_size;
    }
    EXPECT_FALSE(verify_consistency(good, r2, r1));
    EXPECT_FALSE(verify_consistency(good, r1, r1));
  }
}

TEST(Merkle, EdgeCases) {
  const Hash a = H(kRootsHex[1]);
  const Hash b = H(kRootsHex[2]);
  EXPECT_TRUE(verify_consistency({3, 3, {}}, a, a));
  EXPECT_FALSE(verify_consistency({3, 3, {}}, a, b));
  EXPECT_FALSE(verify_consistency({3, 3, {a}}, a, a));
  EXPECT_FALSE(verify_consistency({0, 3, {}}, empty_root(), b));
  EXPECT_FALSE(verify_consistency({4, 3, {a}}, a, b));
  EXPECT_FALSE(verify_inclusion(a, {0, 0, {}}, a));
  EXPECT_TRUE(verify_inclusion(a, {0, 1, {}}, a));
  EXPECT_FALSE(verify_inclusion(a, {1, 1, {}}, a));
  MemoryTree t = vector_tree(5);
  EXPECT_EQ(prove_inclusion(t, 5, 5).error().code, Errc::kOutOfRange);
  EXPECT_EQ(prove_consistency(t, 0, 5).error().code, Errc::kOutOfRange);
  EXPECT_EQ(prove_consistency(t, 4, 3).error().code, Errc::kOutOfRange);
  EXPECT_TRUE(prove_consistency(t, 0, 0));
  EXPECT_FALSE(prove_inclusion(t, 0, 6));  // Nodes past the tree are not there.
}

}  // namespace
}  // namespace pactum::ledger
