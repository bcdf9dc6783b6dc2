// Goal: pin the exact bytes of pactum's signed and hashed formats (golden
// vectors), so a library or schema change cannot alter them silently; check
// the signature independently with libsodium; check `capnp decode` reads what
// pactum writes.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdio>
#include <fstream>

#include "tests/protocol/fixtures.h"

#ifndef PACTUM_SOURCE_ROOT
#error "PACTUM_SOURCE_ROOT must name the source tree (set by tests/protocol/meson.build)"
#endif

namespace pactum::protocol {
namespace {

using fixtures::filled;

// The golden Accept: every value fixed, independent of the other fixtures.
Bytes golden_accept() {
  auto agent = fixtures::key_from_byte(0x01);  // RFC 8032 seed 0x0101...01.
  EnvelopeBuilder b;
  auto accept = b.payload().initAccept();
  auto ctx = accept.initContext();
  ctx.setNegotiationId(as_data(filled<16>(0x11)));
  ctx.setRound(2);
  ctx.setPreviousHash(as_data(filled<32>(0x22)));
  ctx.initMandate().setMandateId(as_data(filled<32>(0x33)));
  accept.setTermsHash(as_data(filled<32>(0x44)));
  auto out = b.seal_with_nonce(agent, 7, 1'790'000'000'000, filled<16>(0x42));
  PACTUM_ASSERT(out.has_value());
  return *out;
}

// Pinned. If this changes, the wire format changed: that is a new protocol
// version, never a silent update (docs/protocol.md, "Golden vector").
constexpr std::string_view kGoldenEnvelopeHex = "0000000000000200040000000300030085000000170000000100060000000000"
    "0700000000000000006c50c4a001000009000000020100001500000082000000"
    "18000000000002008a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121b"
    "f3748801b40f6f5c424242424242424242424242424242420400000001000300"
    "3d00000002010000020000000000000009000000820000000d00000002010000"
    "1800000000000100111111111111111111111111111111112222222222222222"
    "2222222222222222222222222222222222222222222222220100000002010000"
    "3333333333333333333333333333333333333333333333333333333333333333"
    "4444444444444444444444444444444444444444444444444444444444444444"
    "0400000000000200050000000201000011000000020200008a88e3dd7409f195"
    "fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c47d099818d8b3e4f"
    "a802ed167e6e2076fd91fc4446b0d5db470c4dc2e52af251ddbbead3c2dd831c"
    "ada24ef2cc2e9ba1a2cbdf2f5aa720cdd2e4f6ff01facd07";
constexpr std::string_view kGoldenBodyHex = "000000000300030001000600000000000700000000000000006c50c4a0010000"
    "0900000002010000150000008200000018000000000002008a88e3dd7409f195"
    "fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c4242424242424242"
    "424242424242424204000000010003003d000000020100000200000000000000"
    "09000000820000000d0000000201000018000000000001001111111111111111"
    "1111111111111111222222222222222222222222222222222222222222222222"
    "2222222222222222010000000201000033333333333333333333333333333333"
    "3333333333333333333333333333333344444444444444444444444444444444"
    "44444444444444444444444444444444";
constexpr std::string_view kGoldenSignatureHex = "47d099818d8b3e4fa802ed167e6e2076fd91fc4446b0d5db470c4dc2e52af251"
    "ddbbead3c2dd831cada24ef2cc2e9ba1a2cbdf2f5aa720cdd2e4f6ff01facd07";
constexpr std::string_view kGoldenMessageHashHex = "4599d5497c0f8adce232f29956ccbe0fb5ce04dccbc4da3736bda16da4a86661";
constexpr std::string_view kGoldenTermsHashHex = "361c2c426aba59b18adc5a388b25516ddedf6657e83f145a2e04a83f725bde29";

TEST(Golden, AcceptEnvelopeBytes) {
  Bytes wire_bytes = golden_accept();
  EXPECT_EQ(to_hex(wire_bytes), kGoldenEnvelopeHex);
  auto opened = open_envelope(wire_bytes, {.kind = PayloadKind::ACCEPT});
  ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
  auto body = canonical_bytes(opened->body());
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(to_hex(*body), kGoldenBodyHex);
  auto sig = opened->envelope().getSignatures()[0].getDirect();
  EXPECT_EQ(to_hex(as_span(sig)), kGoldenSignatureHex);
  EXPECT_EQ(to_hex(opened->info.message_hash), kGoldenMessageHashHex);
}

// The signature rule checked without pactum's crypto: Ed25519 (libsodium)
// over "pactum/v1/accept" || 0x00 || canonical(body).
TEST(Golden, SignatureIsOverDomainNulBody) {
  auto opened = open_envelope(golden_accept());
  ASSERT_TRUE(opened.has_value());
  auto body = canonical_bytes(opened->body());
  ASSERT_TRUE(body.has_value());
  Bytes signed_bytes = to_bytes("pactum/v1/accept");
  signed_bytes.push_back(0x00);
  append(signed_bytes, *body);
  auto sig = opened->envelope().getSignatures()[0].getDirect();
  auto key = opened->envelope().getSignatures()[0].getSigner();
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_EQ(crypto_sign_verify_detached(sig.begin(), signed_bytes.data(), signed_bytes.size(),
                                        key.begin()),
            0);
  // And the message hash is SHA-256 over "pactum/v1/message-hash" || 0x00 || body.
  Bytes hashed = to_bytes("pactum/v1/message-hash");
  hashed.push_back(0x00);
  append(hashed, *body);
  std::array<std::uint8_t, 32> digest{};
  crypto_hash_sha256(digest.data(), hashed.data(), hashed.size());
  EXPECT_EQ(digest, opened->info.message_hash);
}

TEST(Golden, TermsHash) {
  capnp::MallocMessageBuilder m;
  auto t = m.initRoot<wire::ContractTerms>();
  t.setContractId(as_data(filled<16>(0x21)));
  t.setNegotiationId(as_data(filled<16>(0x11)));
  t.initBuyer().setName("Buyer GmbH");
  t.initSeller().setName("Seller SA");
  t.setCurrency("EUR");
  t.setStartDay(20'454);
  t.setEndDay(20'819);
  t.setListPriceMinor(1'200'000);
  auto h = terms_hash(t.asReader());
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(to_hex(*h), kGoldenTermsHashHex);
  auto bytes = canonical_bytes(t.asReader());
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*h, domain_hash("pactum/v1/terms-hash", *bytes));
}

TEST(Golden, DomainsAreDistinctAndVersioned) {
  std::vector<std::string_view> seen;
  for (PayloadKind kind : kAllPayloadKinds) {
    auto d = signing_domain(kind);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->substr(0, 10), "pactum/v1/");
    EXPECT_EQ(std::count(seen.begin(), seen.end(), *d), 0) << *d;
    seen.push_back(*d);
  }
  EXPECT_EQ(signing_domain(PayloadKind::PROPOSE), "pactum/v1/propose");
  EXPECT_EQ(signing_domain(PayloadKind::KILL_SWITCH), "pactum/v1/kill-switch");
  EXPECT_EQ(payload_kind_name(PayloadKind::EQUIVOCATION_PROOF), "equivocation-proof");
  EXPECT_FALSE(signing_domain(static_cast<PayloadKind>(1000)).has_value());
  EXPECT_EQ(std::count(seen.begin(), seen.end(), domains::kMessageHash), 0);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), domains::kTermsHash), 0);
}

// `capnp decode --flat protocol/pactum.capnp Envelope` prints what we write.
TEST(Golden, CapnpToolDecodesTheWireBytes) {
  if (std::system("capnp --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no capnp tool";
  std::string dir = ::testing::TempDir();
  std::string in = dir + "/pactum_golden_propose.bin";
  std::string out = dir + "/pactum_golden_propose.txt";
  {
    Bytes wire_bytes = fixtures::seal_example(PayloadKind::PROPOSE, fixtures::key_from_byte(1));
    std::ofstream f(in, std::ios::binary);
    f.write(reinterpret_cast<const char*>(wire_bytes.data()),
            static_cast<std::streamsize>(wire_bytes.size()));
  }
  std::string cmd = "capnp decode --flat " PACTUM_SOURCE_ROOT "/protocol/pactum.capnp Envelope < " +
                    in + " > " + out + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream f(out);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("version = 1"), std::string::npos) << text;
  EXPECT_NE(text.find("sequence = 7"), std::string::npos) << text;
  EXPECT_NE(text.find("propose = ("), std::string::npos) << text;
  EXPECT_NE(text.find("currency = \"EUR\""), std::string::npos) << text;
  EXPECT_NE(text.find("mandate = ("), std::string::npos) << text;  // The embedded mandate.
  EXPECT_NE(text.find("role = buyer"), std::string::npos) << text;
  EXPECT_NE(text.find("direct = "), std::string::npos) << text;
  std::remove(in.c_str());
  std::remove(out.c_str());
}

}  // namespace
}  // namespace pactum::protocol
