// RFC 6962 / RFC 9162 Merkle tree hashing, proof generation over stored
// complete subtrees, and proof verification (RFC 9162 sections 2.1.3.2 and
// 2.1.4.2, followed step by step).
#include <bit>
#include <string>

#include "ledger/ledger.h"

namespace pactum::ledger {
namespace {

// Largest power of two strictly below n. REQUIRES: n >= 2.
std::uint64_t split_point(std::uint64_t n) {
  PACTUM_ASSERT(n >= 2);
  return std::uint64_t{1} << (63 - std::countl_zero(n - 1));
}

unsigned log2_exact(std::uint64_t k) {
  PACTUM_ASSERT(std::has_single_bit(k));
  return static_cast<unsigned>(std::countr_zero(k));
}

// MTH of leaves [begin, begin + count). REQUIRES: count >= 1 and begin is a
// multiple of the smallest power of two >= count (true of every range the
// RFC 6962 recursion visits), so the range is a run of stored perfect subtrees.
Result<Hash> range_hash(NodeReader& nodes, std::uint64_t begin, std::uint64_t count) {
  PACTUM_ASSERT(count >= 1);
  Hash parts[64];
  int n = 0;
  std::uint64_t offset = begin;
  for (int level = 63; level >= 0; --level) {
    std::uint64_t width = std::uint64_t{1} << level;
    if ((count & width) == 0) continue;
    PACTUM_ASSERT(offset % width == 0);
    PACTUM_TRY(parts[n], nodes.node(static_cast<unsigned>(level), offset >> level));
    ++n;
    offset += width;
  }
  Hash r = parts[n - 1];
  for (int i = n - 2; i >= 0; --i) r = node_hash(parts[i], r);
  return r;
}

// RFC 6962 PATH(m, D[begin : begin + n]), lowest level first.
Result<void> path(NodeReader& nodes, std::uint64_t m, std::uint64_t begin, std::uint64_t n,
                  std::vector<Hash>& out) {
  if (n == 1) return Ok();
  std::uint64_t k = split_point(n);
  if (m < k) {
    PACTUM_CHECK(path(nodes, m, begin, k, out));
    PACTUM_TRY(Hash right, range_hash(nodes, begin + k, n - k));
    out.push_back(right);
  } else {
    PACTUM_CHECK(path(nodes, m - k, begin + k, n - k, out));
    PACTUM_TRY(Hash left, nodes.node(log2_exact(k), begin >> log2_exact(k)));
    out.push_back(left);
  }
  return Ok();
}

// RFC 6962 SUBPROOF(m, D[begin : begin + n], b).
Result<void> subproof(NodeReader& nodes, std::uint64_t m, std::uint64_t begin, std::uint64_t n,
                      bool b, std::vector<Hash>& out) {
  if (m == n) {
    if (!b) {
      PACTUM_TRY(Hash h, range_hash(nodes, begin, n));
      out.push_back(h);
    }
    return Ok();
  }
  std::uint64_t k = split_point(n);
  if (m <= k) {
    PACTUM_CHECK(subproof(nodes, m, begin, k, b, out));
    PACTUM_TRY(Hash right, range_hash(nodes, begin + k, n - k));
    out.push_back(right);
  } else {
    PACTUM_CHECK(subproof(nodes, m - k, begin + k, n - k, false, out));
    PACTUM_TRY(Hash left, nodes.node(log2_exact(k), begin >> log2_exact(k)));
    out.push_back(left);
  }
  return Ok();
}

// Right-shifts fn and sn together until LSB(fn) is set or fn is 0.
void shift_until_lsb_or_zero(std::uint64_t& fn, std::uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

std::string hex_of(const Hash& h) { return to_hex(h); }

}  // namespace

Hash leaf_hash(ByteSpan entry_bytes) {
  const std::uint8_t prefix = 0x00;
  crypto::Sha256 h;
  h.update(ByteSpan(&prefix, 1)).update(entry_bytes);
  return h.finish();
}

Hash node_hash(const Hash& left, const Hash& right) {
  std::uint8_t buf[1 + 2 * sizeof(Hash)];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 1 + left.size());
  return crypto::sha256(ByteSpan(buf, sizeof buf));
}

Hash empty_root() { return crypto::sha256(ByteSpan()); }

Result<Hash> tree_root(NodeReader& nodes, std::uint64_t size) {
  if (size == 0) return empty_root();
  if (size > kTreeSizeMax) return Fail(Errc::kOutOfRange, "tree size over kTreeSizeMax");
  return range_hash(nodes, 0, size);
}

Result<InclusionProof> prove_inclusion(NodeReader& nodes, std::uint64_t index, std::uint64_t size) {
  if (size > kTreeSizeMax) return Fail(Errc::kOutOfRange, "tree size over kTreeSizeMax");
  if (index >= size)
    return Fail(Errc::kOutOfRange, "index " + std::to_string(index) + " not below tree size " +
                                       std::to_string(size));
  InclusionProof proof{index, size, {}};
  PACTUM_CHECK(path(nodes, index, 0, size, proof.path));
  return proof;
}

Result<ConsistencyProof> prove_consistency(NodeReader& nodes, std::uint64_t from_size,
                                           std::uint64_t to_size) {
  if (to_size > kTreeSizeMax) return Fail(Errc::kOutOfRange, "tree size over kTreeSizeMax");
  if (from_size > to_size || (from_size == 0 && to_size > 0))
    return Fail(Errc::kOutOfRange, "no consistency proof from size " + std::to_string(from_size) +
                                       " to " + std::to_string(to_size));
  ConsistencyProof proof{from_size, to_size, {}};
  if (from_size < to_size) PACTUM_CHECK(subproof(nodes, from_size, 0, to_size, true, proof.path));
  return proof;
}

Result<void> verify_inclusion(const Hash& leaf, const InclusionProof& proof, const Hash& root) {
  if (proof.index >= proof.tree_size)
    return Fail(Errc::kBadProof, "index " + std::to_string(proof.index) + " not below tree size " +
                                     std::to_string(proof.tree_size));
  if (proof.path.size() > kProofHashesMax) return Fail(Errc::kBadProof, "proof longer than kProofHashesMax");
  std::uint64_t fn = proof.index;
  std::uint64_t sn = proof.tree_size - 1;
  Hash r = leaf;
  for (const Hash& p : proof.path) {
    if (sn == 0) return Fail(Errc::kBadProof, "inclusion proof has too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0) shift_until_lsb_or_zero(fn, sn);
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Fail(Errc::kBadProof, "inclusion proof has too few hashes");
  if (r != root)
    return Fail(Errc::kBadProof, "inclusion proof leads to root " + hex_of(r) + ", not " + hex_of(root));
  return Ok();
}

Result<void> verify_consistency(const ConsistencyProof& proof, const Hash& from_root,
                                const Hash& to_root) {
  const std::uint64_t first = proof.from_size;
  const std::uint64_t second = proof.to_size;
  if (first > second) return Fail(Errc::kBadProof, "from_size is above to_size");
  if (proof.path.size() > kProofHashesMax) return Fail(Errc::kBadProof, "proof longer than kProofHashesMax");
  if (first == second) {
    if (!proof.path.empty()) return Fail(Errc::kBadProof, "equal sizes need an empty proof");
    if (from_root != to_root) return Fail(Errc::kBadProof, "equal sizes with different roots");
    return Ok();
  }
  if (first == 0) return Fail(Errc::kBadProof, "consistency from the empty tree proves nothing");
  // Step 1: an empty path fails.
  if (proof.path.empty()) return Fail(Errc::kBadProof, "empty consistency proof");
  // Step 2: for a power-of-two first size the path starts with first_hash.
  std::vector<Hash> path;
  path.reserve(proof.path.size() + 1);
  if (std::has_single_bit(first)) path.push_back(from_root);
  path.insert(path.end(), proof.path.begin(), proof.path.end());
  // Steps 3 and 4.
  std::uint64_t fn = first - 1;
  std::uint64_t sn = second - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  // Steps 5 and 6.
  Hash fr = path[0];
  Hash sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return Fail(Errc::kBadProof, "consistency proof has too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if ((fn & 1) == 0) shift_until_lsb_or_zero(fn, sn);
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 7.
  if (sn != 0) return Fail(Errc::kBadProof, "consistency proof has too few hashes");
  if (fr != from_root) return Fail(Errc::kBadProof, "consistency proof does not lead to from_root");
  if (sr != to_root) return Fail(Errc::kBadProof, "consistency proof does not lead to to_root");
  return Ok();
}

void MemoryTree::append(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  for (std::size_t l = 0; levels_[l].size() % 2 == 0; ++l) {
    if (levels_.size() == l + 1) levels_.emplace_back();
    const auto& below = levels_[l];
    Hash parent = node_hash(below[below.size() - 2], below[below.size() - 1]);
    levels_[l + 1].push_back(parent);
  }
}

Result<Hash> MemoryTree::node(unsigned level, std::uint64_t index) {
  if (level >= levels_.size() || index >= levels_[level].size())
    return Fail(Errc::kNotFound, "no node (" + std::to_string(level) + ", " + std::to_string(index) + ")");
  return levels_[level][index];
}

}  // namespace pactum::ledger
