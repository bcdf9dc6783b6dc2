// Goal: for random tree sizes, every inclusion and consistency proof the
// ledger's proof generator makes verifies, matches a naive RFC 6962 reference,
// and any altered hash, index or size fails.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "ledger/ledger.h"

namespace pactum::ledger {
namespace {

// Naive RFC 6962 MTH by the definition, for cross-checking.
Hash reference_root(const std::vector<Hash>& leaves, std::size_t begin, std::size_t n) {
  if (n == 0) return empty_root();
  if (n == 1) return leaves[begin];
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return node_hash(reference_root(leaves, begin, k), reference_root(leaves, begin + k, n - k));
}

struct Fixture {
  std::vector<Hash> leaves;
  MemoryTree tree;
  explicit Fixture(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      Hash h = leaf_hash(as_bytes(std::to_string(i * 7919 + 13)));
      leaves.push_back(h);
      tree.append(h);
    }
  }
};

RC_GTEST_PROP(LedgerProperty, InclusionProofsVerifyAndMutationsFail, ()) {
  const auto n = *rc::gen::inRange<std::uint64_t>(1, 300);
  const auto index = *rc::gen::inRange<std::uint64_t>(0, n);
  Fixture f(n);
  const Hash root = *tree_root(f.tree, n);
  RC_ASSERT(root == reference_root(f.leaves, 0, n));
  auto proof = prove_inclusion(f.tree, index, n);
  RC_ASSERT(proof.has_value());
  RC_ASSERT(verify_inclusion(f.leaves[index], *proof, root).has_value());
  // Wrong index.
  const auto other = *rc::gen::inRange<std::uint64_t>(0, n + 2);
  if (other != index) {
    InclusionProof p = *proof;
    p.index = other;
    RC_ASSERT(!verify_inclusion(f.leaves[index], p, root).has_value());
  }
  // Another size, checked against the root of that size (a proof says
  // nothing about sizes whose root it is not checked against).
  const auto size2 = *rc::gen::inRange<std::uint64_t>(1, n + 1);
  if (size2 != n) {
    InclusionProof p = *proof;
    p.tree_size = size2;
    RC_ASSERT(!verify_inclusion(f.leaves[index], p, reference_root(f.leaves, 0, size2)).has_value());
  }
  // Any altered hash in the path, the leaf or the root.
  if (!proof->path.empty()) {
    InclusionProof p = *proof;
    const auto at = *rc::gen::inRange<std::size_t>(0, p.path.size());
    const auto byte = *rc::gen::inRange<std::size_t>(0, 32);
    const auto bit = *rc::gen::inRange(0, 8);
    p.path[at][byte] ^= static_cast<std::uint8_t>(1 << bit);
    RC_ASSERT(!verify_inclusion(f.leaves[index], p, root).has_value());
  }
  Hash bad_leaf = f.leaves[index];
  bad_leaf[*rc::gen::inRange<std::size_t>(0, 32)] ^= 0x40;
  RC_ASSERT(!verify_inclusion(bad_leaf, *proof, root).has_value());
  Hash bad_root = root;
  bad_root[*rc::gen::inRange<std::size_t>(0, 32)] ^= 0x02;
  RC_ASSERT(!verify_inclusion(f.leaves[index], *proof, bad_root).has_value());
}

RC_GTEST_PROP(LedgerProperty, ConsistencyProofsVerifyAndMutationsFail, ()) {
  const auto n = *rc::gen::inRange<std::uint64_t>(1, 300);
  const auto m = *rc::gen::inRange<std::uint64_t>(1, n + 1);
  Fixture f(n);
  const Hash r1 = reference_root(f.leaves, 0, m);
  const Hash r2 = reference_root(f.leaves, 0, n);
  auto proof = prove_consistency(f.tree, m, n);
  RC_ASSERT(proof.has_value());
  RC_ASSERT(verify_consistency(*proof, r1, r2).has_value());
  if (m == n) {
    RC_ASSERT(proof->path.empty());
    return;
  }
  // Another from-size or to-size, checked against the roots of those sizes.
  const auto m2 = *rc::gen::inRange<std::uint64_t>(1, n);
  if (m2 != m) {
    ConsistencyProof p = *proof;
    p.from_size = m2;
    RC_ASSERT(!verify_consistency(p, reference_root(f.leaves, 0, m2), r2).has_value());
  }
  const auto n2 = *rc::gen::inRange<std::uint64_t>(m, n + 1);
  if (n2 != n) {
    ConsistencyProof p = *proof;
    p.to_size = n2;
    RC_ASSERT(!verify_consistency(p, r1, reference_root(f.leaves, 0, n2)).has_value());
  }
  ConsistencyProof p = *proof;
  const auto at = *rc::gen::inRange<std::size_t>(0, p.path.size());
  p.path[at][*rc::gen::inRange<std::size_t>(0, 32)] ^= static_cast<std::uint8_t>(1 << *rc::gen::inRange(0, 8));
  RC_ASSERT(!verify_consistency(p, r1, r2).has_value());
  Hash bad1 = r1;
  bad1[0] ^= 1;
  RC_ASSERT(!verify_consistency(*proof, bad1, r2).has_value());
  Hash bad2 = r2;
  bad2[31] ^= 0x80;
  RC_ASSERT(!verify_consistency(*proof, r1, bad2).has_value());
  ConsistencyProof shorter = *proof;
  shorter.path.pop_back();
  RC_ASSERT(!verify_consistency(shorter, r1, r2).has_value());
}

}  // namespace
}  // namespace pactum::ledger
