// Goal: envelopes of every kind seal, open and re-encode exactly; signatures
// bind the body, the signer and the payload kind; required signers and
// countersignatures behave as envelope.h states.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/protocol/fixtures.h"

namespace pactum::protocol {
namespace {

using fixtures::key_from_byte;
using fixtures::seal_example;

Bytes rebuild(wire::Envelope::Reader env, const std::function<void(wire::Envelope::Builder)>& edit) {
  capnp::MallocMessageBuilder m;
  m.setRoot(env);
  auto root = m.getRoot<wire::Envelope>();
  edit(root);
  auto out = encode_envelope(root.asReader());
  EXPECT_TRUE(out.has_value());
  return out ? *out : Bytes{};
}

TEST(Envelope, EveryKindRoundTripsAndVerifies) {
  auto agent = key_from_byte(0x01);
  for (PayloadKind kind : kAllPayloadKinds) {
    SCOPED_TRACE(std::string(payload_kind_name(kind)));
    Bytes wire_bytes = seal_example(kind, agent);
    auto opened = open_envelope(wire_bytes, {.kind = kind});
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    EXPECT_EQ(opened->info.kind, kind);
    EXPECT_EQ(opened->info.sender, agent.public_key());
    EXPECT_EQ(opened->info.sequence, fixtures::kSequence);
    EXPECT_EQ(opened->info.timestamp_ms, fixtures::kTimestampMs);
    ASSERT_EQ(opened->info.signers.size(), 1u);
    EXPECT_EQ(opened->info.signers[0], agent.public_key());
    // Re-encoding the decoded message reproduces the bytes exactly.
    auto again = encode_envelope(opened->envelope());
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, wire_bytes);
    EXPECT_TRUE(std::ranges::equal(opened->message.bytes(), wire_bytes));
    // The message hash is the documented domain hash of the canonical body.
    auto body = canonical_bytes(opened->body());
    ASSERT_TRUE(body.has_value());
    EXPECT_EQ(opened->info.message_hash, domain_hash("pactum/v1/message-hash", *body));
    auto mh = message_hash(opened->body());
    ASSERT_TRUE(mh.has_value());
    EXPECT_EQ(*mh, opened->info.message_hash);
  }
}

TEST(Envelope, FieldsSurviveTheRoundTrip) {
  auto agent = key_from_byte(0x01);
  auto opened = open_envelope(seal_example(PayloadKind::PROPOSE, agent));
  ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
  auto propose = opened->body().getPayload().getPropose();
  EXPECT_EQ(propose.getContext().getRound(), 1u);
  EXPECT_EQ(propose.getContext().getPreviousHash().size(), 32u);
  EXPECT_TRUE(std::all_of(propose.getContext().getPreviousHash().begin(),
                          propose.getContext().getPreviousHash().end(),
                          [](std::uint8_t b) { return b == 0; }));
  auto terms = propose.getTerms();
  EXPECT_EQ(std::string(terms.getCurrency().cStr()), "EUR");
  EXPECT_EQ(terms.getStartDay(), 20'454);
  EXPECT_EQ(terms.getEndDay(), 20'819);
  EXPECT_EQ(std::string(terms.getSeller().getName().cStr()), "Seller SA");
  EXPECT_EQ(terms.getListPriceMinor(), 1'200'000);
  EXPECT_EQ(terms.getAmendmentOf().getEffectiveDay(), 20'500);
  EXPECT_EQ(propose.getOfferExpiresMs(), fixtures::kTimestampMs + 3'600'000);

  // The embedded mandate envelope verifies on its own, as a mandate, and its
  // id is the message hash of its body.
  auto mandate_ref = propose.getContext().getMandate();
  auto inner = verify_envelope(mandate_ref.getEnvelope(), {.kind = PayloadKind::MANDATE});
  ASSERT_TRUE(inner.has_value()) << inner.error().to_string();
  EXPECT_EQ(inner->sender, key_from_byte(0xA0).public_key());
  auto id = mandate_id(mandate_ref.getEnvelope());
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, inner->message_hash);
  auto mandate = mandate_ref.getEnvelope().getBody().getPayload().getMandate();
  EXPECT_EQ(mandate.getRole(), wire::Role::BUYER);
  EXPECT_EQ(mandate.getPerContractLimitMinor(), 5'000'000);
  EXPECT_EQ(mandate.getMaxConcessionTotalPpm(), 150'000u);
  EXPECT_EQ(mandate.getCounterparties().size(), 2u);
  EXPECT_EQ(std::string(mandate.getProducts()[1].cStr()), "sku-storage-tb");
}

TEST(Envelope, ExpectedKindIsEnforced) {
  auto agent = key_from_byte(0x01);
  Bytes accept = seal_example(PayloadKind::ACCEPT, agent);
  auto r = open_envelope(accept, {.kind = PayloadKind::PROPOSE});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kWrongKind);
}

// A signature made under one kind's domain over the very same body bytes does
// not verify once the envelope claims (by its payload) to be another kind.
TEST(Envelope, SignatureForOneKindIsRejectedAsAnother) {
  auto agent = key_from_byte(0x01);
  for (PayloadKind signed_as : kAllPayloadKinds) {
    for (PayloadKind actual : {PayloadKind::PROPOSE, PayloadKind::ACCEPT, PayloadKind::APPROVE}) {
      if (signed_as == actual) continue;
      auto opened = open_envelope(seal_example(actual, agent));
      ASSERT_TRUE(opened.has_value());
      auto body = canonical_bytes(opened->body());
      ASSERT_TRUE(body.has_value());
      crypto::Signature wrong = agent.sign(*signing_domain(signed_as), *body);
      Bytes forged = rebuild(opened->envelope(), [&](wire::Envelope::Builder e) {
        e.getSignatures()[0].setDirect(as_data(wrong));
      });
      auto r = open_envelope(forged);
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error().code, Errc::kBadSignature) << r.error().to_string();
    }
  }
}

TEST(Envelope, TamperedBodyIsRejected) {
  auto agent = key_from_byte(0x01);
  auto opened = open_envelope(seal_example(PayloadKind::COUNTER, agent));
  ASSERT_TRUE(opened.has_value());
  std::vector<std::function<void(wire::Envelope::Builder)>> edits = {
      [](auto e) { e.getBody().setSequence(fixtures::kSequence + 1); },
      [](auto e) { e.getBody().setTimestampMs(fixtures::kTimestampMs + 1); },
      [](auto e) { e.getBody().setNonce(as_data(fixtures::filled<16>(0x43))); },
      [](auto e) { e.getBody().getPayload().getCounter().getTerms().setListPriceMinor(1); },
      [](auto e) { e.getBody().getPayload().getCounter().getTerms().setNote("12 months free"); },
      [](auto e) { e.getBody().getPayload().getCounter().getContext().setRound(5); },
  };
  for (std::size_t i = 0; i < edits.size(); ++i) {
    auto r = open_envelope(rebuild(opened->envelope(), edits[i]));
    ASSERT_FALSE(r.has_value()) << "edit " << i;
    EXPECT_EQ(r.error().code, Errc::kBadSignature) << "edit " << i;
  }
}

TEST(Envelope, TamperedSignatureIsRejected) {
  auto agent = key_from_byte(0x01);
  Bytes good = seal_example(PayloadKind::ACCEPT, agent);
  auto opened = open_envelope(good);
  ASSERT_TRUE(opened.has_value());
  auto sig = opened->envelope().getSignatures()[0].getDirect();
  for (std::size_t byte = 0; byte < 64; ++byte) {
    Bytes bad = rebuild(opened->envelope(), [&](wire::Envelope::Builder e) {
      std::array<std::uint8_t, 64> s{};
      std::copy(sig.begin(), sig.end(), s.begin());
      s[byte] ^= 0x01;
      e.getSignatures()[0].setDirect(as_data(s));
    });
    auto r = open_envelope(bad);
    ASSERT_FALSE(r.has_value()) << "byte " << byte;
    EXPECT_EQ(r.error().code, Errc::kBadSignature) << "byte " << byte;
  }
}

// Any single-bit change anywhere in the wire bytes is rejected: the encoding
// is canonical and every signed byte is covered, so nothing is malleable.
TEST(Envelope, EveryBitFlipOfTheWireBytesIsRejected) {
  auto agent = key_from_byte(0x01);
  Bytes good = seal_example(PayloadKind::REJECT, agent);
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = good;
      bad[i] ^= static_cast<std::uint8_t>(1u << bit);
      auto r = open_envelope(bad);
      ASSERT_FALSE(r.has_value()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(Envelope, SignatureBySomeoneElseIsRejected) {
  auto agent = key_from_byte(0x01);
  auto mallory = key_from_byte(0x66);
  auto opened = open_envelope(seal_example(PayloadKind::ACCEPT, agent));
  ASSERT_TRUE(opened.has_value());
  // Mallory's valid signature, labelled as the agent's.
  auto body = canonical_bytes(opened->body());
  ASSERT_TRUE(body.has_value());
  crypto::Signature s = mallory.sign(domains::kAccept, *body);
  auto r = open_envelope(rebuild(opened->envelope(), [&](wire::Envelope::Builder e) {
    e.getSignatures()[0].setDirect(as_data(s));
  }));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kBadSignature);
  // Mallory's valid signature under her own key: the sender did not sign.
  r = open_envelope(rebuild(opened->envelope(), [&](wire::Envelope::Builder e) {
    e.getSignatures()[0].setSigner(as_data(mallory.public_key()));
    e.getSignatures()[0].setDirect(as_data(s));
  }));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMissingSignature);
}

TEST(Envelope, CountersignatureAndRequiredSigners) {
  auto agent = key_from_byte(0x01);
  auto node = key_from_byte(0x02);
  auto other = key_from_byte(0x03);
  Bytes single = seal_example(PayloadKind::PROPOSE, agent);
  auto opened = open_envelope(single);
  ASSERT_TRUE(opened.has_value());

  auto r = open_envelope(single, {.required_signers = {node.public_key()}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMissingSignature);

  auto both = countersign(opened->envelope(), node);
  ASSERT_TRUE(both.has_value()) << both.error().to_string();
  auto twice = open_envelope(*both, {.kind = PayloadKind::PROPOSE,
                                     .required_signers = {node.public_key()}});
  ASSERT_TRUE(twice.has_value()) << twice.error().to_string();
  ASSERT_EQ(twice->info.signers.size(), 2u);
  EXPECT_EQ(twice->info.signers[1], node.public_key());
  // The body, and so the message hash, is unchanged by countersigning.
  EXPECT_EQ(twice->info.message_hash, opened->info.message_hash);

  r = open_envelope(*both, {.required_signers = {node.public_key(), other.public_key()}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMissingSignature);

  auto again = countersign(twice->envelope(), node);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Errc::kInvalidArgument);

  // A tampered countersignature fails even though the author's is fine.
  Bytes bad = rebuild(twice->envelope(), [](wire::Envelope::Builder e) {
    e.getSignatures()[1].setDirect(as_data(fixtures::filled<64>(0)));
  });
  r = open_envelope(bad);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kBadSignature);
}

TEST(Envelope, SignatureListLimits) {
  auto agent = key_from_byte(0x01);
  auto opened = open_envelope(seal_example(PayloadKind::ACCEPT, agent));
  ASSERT_TRUE(opened.has_value());

  auto r = open_envelope(rebuild(opened->envelope(), [](auto e) { e.initSignatures(0); }));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMissingSignature);

  // kMaxSignatures distinct countersigners is the most countersign allows.
  Bytes current = *encode_envelope(opened->envelope());
  for (std::size_t i = 1; i < kMaxSignatures; ++i) {
    auto env = open_envelope(current);
    ASSERT_TRUE(env.has_value()) << env.error().to_string();
    auto next = countersign(env->envelope(), key_from_byte(static_cast<std::uint8_t>(0x10 + i)));
    ASSERT_TRUE(next.has_value());
    current = *next;
  }
  auto full = open_envelope(current);
  ASSERT_TRUE(full.has_value()) << full.error().to_string();
  EXPECT_EQ(full->info.signers.size(), kMaxSignatures);
  auto over = countersign(full->envelope(), key_from_byte(0x7F));
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code, Errc::kLimitExceeded);

  // A duplicated signer is malformed, even with a valid signature.
  r = open_envelope(rebuild(opened->envelope(), [&](wire::Envelope::Builder e) {
    auto old = opened->envelope().getSignatures()[0];
    auto sigs = e.initSignatures(2);
    sigs.setWithCaveats(0, old);
    sigs.setWithCaveats(1, old);
  }));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformedMessage);
}

TEST(Envelope, HeaderFieldsAreChecked) {
  auto agent = key_from_byte(0x01);
  auto opened = open_envelope(seal_example(PayloadKind::ACCEPT, agent));
  ASSERT_TRUE(opened.has_value());
  struct Case {
    std::function<void(wire::Envelope::Builder)> edit;
    Errc want;
  };
  std::vector<Case> cases = {
      {[](auto e) { e.getBody().setVersion(2); }, Errc::kUnknownVersion},
      {[](auto e) { e.getBody().setVersion(0); }, Errc::kUnknownVersion},
      {[](auto e) { e.getBody().setSender(as_data(fixtures::filled<31>(1))); },
       Errc::kMalformedMessage},
      {[](auto e) { e.getBody().setNonce(as_data(fixtures::filled<15>(1))); },
       Errc::kMalformedMessage},
      {[](auto e) { e.getSignatures()[0].setSigner(as_data(fixtures::filled<33>(1))); },
       Errc::kMalformedMessage},
      {[](auto e) { e.getSignatures()[0].setDirect(as_data(fixtures::filled<63>(1))); },
       Errc::kMalformedMessage},
      {[](auto e) { e.getSignatures()[0].initBatch().setRootSignature(
                        as_data(fixtures::filled<64>(1))); },
       Errc::kUnsupported},
      {[](auto e) { e.getBody().getPayload().disownAccept(); }, Errc::kMalformedMessage},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto r = open_envelope(rebuild(opened->envelope(), cases[i].edit));
    ASSERT_FALSE(r.has_value()) << "case " << i;
    EXPECT_EQ(r.error().code, cases[i].want) << "case " << i << ": " << r.error().to_string();
  }
}

TEST(Envelope, SealRejectsAnEmptyPayload) {
  EnvelopeBuilder b;
  auto r = b.seal(key_from_byte(0x01), 1, fixtures::kTimestampMs);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformedMessage);
}

TEST(Envelope, RandomNoncesDiffer) {
  auto agent = key_from_byte(0x01);
  EnvelopeBuilder b;
  fixtures::fill_payload(PayloadKind::ACCEPT, b.payload());
  auto a = b.seal(agent, 1, fixtures::kTimestampMs);
  auto c = b.seal(agent, 1, fixtures::kTimestampMs);
  ASSERT_TRUE(a.has_value() && c.has_value());
  EXPECT_NE(*a, *c);
  auto oa = open_envelope(*a);
  auto oc = open_envelope(*c);
  ASSERT_TRUE(oa.has_value() && oc.has_value());
  EXPECT_NE(oa->info.message_hash, oc->info.message_hash);
}

}  // namespace
}  // namespace pactum::protocol
