// Goal: SHA-256 (one-shot and incremental) reproduces the NIST FIPS 180-2
// example digests exactly, however the input is split.
#include <gtest/gtest.h>

#include <string>

#include "tests/crypto/test_env.h"

namespace pactum::crypto {
namespace {

struct NistVector {
  std::string message;
  std::string digest_hex;
};

std::vector<NistVector> nist_vectors() {
  return {
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      // 448-bit message.
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      // 896-bit message.
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmn"
       "op"
       "qrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
      {std::string(1000000, 'a'),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
}

TEST(Sha256, NistVectorsOneShot) {
  for (const NistVector& v : nist_vectors()) {
    EXPECT_EQ(to_hex(sha256(as_bytes(v.message))), v.digest_hex) << v.message.substr(0, 60);
  }
}

TEST(Sha256, NistVectorsIncrementalEverySplit) {
  for (const NistVector& v : nist_vectors()) {
    if (v.message.size() > 200) continue;  // The million 'a' gets its own test.
    for (std::size_t cut = 0; cut <= v.message.size(); ++cut) {
      Sha256 h;
      h.update(as_bytes(std::string_view(v.message).substr(0, cut)));
      h.update(as_bytes(std::string_view(v.message).substr(cut)));
      EXPECT_EQ(to_hex(h.finish()), v.digest_hex) << "cut at " << cut;
    }
  }
}

TEST(Sha256, MillionAInOddChunks) {
  // 1000 chunks of 999 bytes plus a tail of 1000: crosses block boundaries unevenly.
  std::string chunk(999, 'a');
  Sha256 h;
  for (int i = 0; i < 1000; ++i) h.update(as_bytes(chunk));
  h.update(as_bytes(std::string(1000, 'a')));
  EXPECT_EQ(to_hex(h.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, CopiedStateContinuesIndependently) {
  Sha256 a;
  a.update(as_bytes("ab"));
  Sha256 b = a;  // Value type: the copy owns its own state.
  a.update(as_bytes("c"));
  b.update(as_bytes("d"));
  EXPECT_EQ(to_hex(a.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(b.finish(), sha256(as_bytes("abd")));
}

TEST(Sha256, DifferentInputsDiffer) {
  EXPECT_NE(sha256(as_bytes("abc")), sha256(as_bytes("abd")));
  EXPECT_NE(sha256(as_bytes("")), sha256(as_bytes(std::string(1, '\0'))));
}

}  // namespace
}  // namespace pactum::crypto
