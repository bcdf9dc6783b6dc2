// Goal: C2SP signed notes and tlog-checkpoints are byte-exact with the published
// vectors (Go sumdb/note's PeterNeumann key, the C2SP signed-note example) and
// every malformed or tampered note, key or checkpoint is rejected.
#include <gtest/gtest.h>

#include "ledger/ledger.h"

namespace pactum::ledger {
namespace {

// golang.org/x/mod/sumdb/note documentation example (the format C2SP signed-note specifies).
constexpr std::string_view kPeterSkeyB64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";  // 0x01 || seed
constexpr std::string_view kPeterVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kPeterText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kPeterNote =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

// The example of c2sp.org/signed-note (its public key is not published).
constexpr std::string_view kC2spNote =
    "Ognuno sta solo sul cuor della terra\n"
    "trafitto da un raggio di sole:\n"
    "\n"
    "ed \xC3\xA8 subito sera.\n"
    "\n"
    "\xE2\x80\x94 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";

class NoteTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init()); }
  static crypto::SecretKey peter() {
    auto typed = crypto::base64_decode(kPeterSkeyB64);
    EXPECT_TRUE(typed && typed->size() == 33 && (*typed)[0] == 0x01);
    return std::move(*crypto::SecretKey::from_seed(ByteSpan(*typed).subspan(1)));
  }
};

TEST_F(NoteTest, PeterNeumannVectorIsByteExact) {
  crypto::SecretKey key = peter();
  auto vkey = make_verifier_key("PeterNeumann", key.public_key());
  ASSERT_TRUE(vkey);
  EXPECT_EQ(vkey->key_id, 0xc74f20a3u);
  EXPECT_EQ(verifier_key_text(*vkey), kPeterVkey);
  EXPECT_EQ(sign_note(kPeterText, "PeterNeumann", key), kPeterNote);
  auto parsed = parse_verifier_key(kPeterVkey);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->key, key.public_key());
  auto text = open_note(kPeterNote, *parsed);
  ASSERT_TRUE(text) << text.error().to_string();
  EXPECT_EQ(*text, kPeterText);
}

TEST_F(NoteTest, TamperedNotesFail) {
  auto vkey = *parse_verifier_key(kPeterVkey);
  std::string note(kPeterNote);
  std::string changed = note;
  changed[3] = 'Y';
  EXPECT_EQ(open_note(changed, vkey).error().code, Errc::kBadSignature);
  // Every single-character change of the signature line must fail.
  std::size_t sig_at = note.rfind(' ') + 1;
  for (std::size_t i = sig_at; i + 1 < note.size(); ++i) {
    std::string bad = note;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(open_note(bad, vkey)) << i;
  }
  EXPECT_FALSE(open_note(note.substr(0, note.size() - 1), vkey));         // No final newline.
  EXPECT_FALSE(open_note(std::string(kPeterText), vkey));                  // No signatures.
  std::string dash = note;
  dash.replace(dash.find("\xE2\x80\x94"), 3, "-");
  EXPECT_FALSE(open_note(dash, vkey));                                     // ASCII dash.
  std::string ctrl = note;
  ctrl[5] = '\t';
  EXPECT_FALSE(open_note(ctrl, vkey));                                     // Control character.
}

TEST_F(NoteTest, UnknownKeysAreIgnoredButNeedOneKnown) {
  auto vkey = *parse_verifier_key(kPeterVkey);
  crypto::SecretKey other = crypto::SecretKey::generate();
  std::string two = std::string(kPeterNote) +
                    std::string(sign_note(kPeterText, "Other", other)).substr(kPeterText.size() + 1);
  auto text = open_note(two, vkey);
  ASSERT_TRUE(text) << text.error().to_string();
  EXPECT_EQ(*text, kPeterText);
  auto other_key = *make_verifier_key("Other", other.public_key());
  EXPECT_TRUE(open_note(two, other_key));
  auto stranger = *make_verifier_key("PeterNeumann", crypto::SecretKey::generate().public_key());
  EXPECT_EQ(open_note(kPeterNote, stranger).error().code, Errc::kBadCheckpoint);
}

TEST_F(NoteTest, C2spSpecExampleParses) {
  // The spec's signature blob: key id 0x367ba04b, then a 64-byte Ed25519 signature.
  std::string note(kC2spNote);
  std::string b64 = note.substr(note.rfind(' ') + 1);
  b64.pop_back();
  auto blob = crypto::base64_decode(b64);
  ASSERT_TRUE(blob);
  ASSERT_EQ(blob->size(), 68u);
  EXPECT_EQ(to_hex(ByteSpan(*blob).first(4)), "367ba04b");
  // With a key of the same name but another id the signature is ignored, so
  // the note is rejected as unsigned, not as a bad signature; the text (with
  // its blank line and non-ASCII letter) is accepted by the parser.
  auto k = *make_verifier_key("quasimodo.example/salvatore", crypto::SecretKey::generate().public_key());
  ASSERT_NE(k.key_id, 0x367ba04bu);
  EXPECT_EQ(open_note(note, k).error().code, Errc::kBadCheckpoint);
  // Same name and the spec's key id but a different key: the signature is checked and fails.
  k.key_id = 0x367ba04b;
  EXPECT_EQ(open_note(note, k).error().code, Errc::kBadSignature);
}

TEST_F(NoteTest, VerifierKeyParsingRejectsManglings) {
  EXPECT_TRUE(parse_verifier_key(kPeterVkey));
  std::string v(kPeterVkey);
  for (std::size_t i = 1; i < v.size(); ++i) EXPECT_FALSE(parse_verifier_key(v.substr(0, i))) << i;
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string bad = v;
    bad[i] = static_cast<char>(bad[i] + 1);
    EXPECT_FALSE(parse_verifier_key(bad)) << i;
  }
  EXPECT_FALSE(make_verifier_key("has space", crypto::PublicKey{}));
  EXPECT_FALSE(make_verifier_key("has+plus", crypto::PublicKey{}));
  EXPECT_FALSE(make_verifier_key("", crypto::PublicKey{}));
}

TEST_F(NoteTest, CheckpointBodyRoundTripAndRejects) {
  Checkpoint cp{"example.com/log", 20852163, {}};
  for (std::size_t i = 0; i < cp.root.size(); ++i) cp.root[i] = static_cast<std::uint8_t>(i);
  std::string body = checkpoint_body(cp);
  EXPECT_EQ(body, "example.com/log\n20852163\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
  auto back = parse_checkpoint_body(body);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->origin, cp.origin);
  EXPECT_EQ(back->size, cp.size);
  EXPECT_EQ(back->root, cp.root);
  for (std::string_view bad : {
           "example.com/log\n020852163\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
           "example.com/log\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
           "example.com/log\n99999999999999999999\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
           "example.com/log\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
           "example.com/log\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nextension\n",
           "example.com/log\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
           "\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
       }) {
    EXPECT_FALSE(parse_checkpoint_body(bad)) << bad;
  }
}

TEST_F(NoteTest, SignedCheckpointOpensOnlyWithItsOrigin) {
  crypto::SecretKey key = crypto::SecretKey::generate();
  Checkpoint cp{"node.example/a", 7, empty_root()};
  std::string note = sign_note(checkpoint_body(cp), "node.example/a", key);
  auto vkey = *make_verifier_key("node.example/a", key.public_key());
  auto opened = open_checkpoint(note, vkey);
  ASSERT_TRUE(opened) << opened.error().to_string();
  EXPECT_EQ(opened->size, 7u);
  std::string other_origin = sign_note(checkpoint_body({"node.example/b", 7, empty_root()}), "node.example/a", key);
  EXPECT_EQ(open_checkpoint(other_origin, vkey).error().code, Errc::kBadCheckpoint);
}

}  // namespace
}  // namespace pactum::ledger
