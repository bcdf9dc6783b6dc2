// Goal: canonical bytes cut from a decoded message (Decoded::canonical_part)
// are byte for byte what canonical_bytes() re-encodes, for every struct field
// of every message kind (so every signature and hash is over the same bytes
// as before), and parts that cannot be cut (list elements, parts of another
// parent or message) fall back to re-encoding instead of cutting wrongly.
#include <capnp/dynamic.h>
#include <gtest/gtest.h>

#include <random>

#include "tests/protocol/fixtures.h"

namespace pactum::protocol {
namespace {

using fixtures::key_from_byte;
using fixtures::seal_example;

const auto& kKinds = kAllPayloadKinds;

// Whether `part` is cut from the message (not re-encoded).
template <class Parent, class Part>
bool cuts(const Decoded<wire::Envelope>& d, Parent parent, Part part) {
  return d.untyped().cut_canonical(capnp::AnyStruct::Reader(parent), capnp::AnyStruct::Reader(part)).has_value();
}

Bytes reencoded(capnp::AnyStruct::Reader s) {
  auto words = s.canonicalize();
  auto b = words.asBytes();
  return Bytes(b.begin(), b.end());
}

// For every struct reachable from `s`: a struct field's target (a pointer of
// `s` targets it) that is cut must cut to exactly its re-encoded bytes; a
// list element must never be cut. Counts the cuts.
void check_all(const Decoded<wire::Envelope>& d, capnp::DynamicStruct::Reader s, int& cut_count) {
  auto parent = s.as<capnp::AnyStruct>();
  auto visit = [&](capnp::StructSchema::Field field) {
    auto v = s.get(field);
    if (v.getType() == capnp::DynamicValue::STRUCT) {
      auto child = v.as<capnp::DynamicStruct>();
      auto cut = d.untyped().cut_canonical(parent, child.as<capnp::AnyStruct>());
      if (cut) {
        EXPECT_FALSE(field.getProto().isGroup());  // A group is its parent's sections.
        EXPECT_EQ(*cut, reencoded(child.as<capnp::AnyStruct>())) << field.getProto().getName().cStr();
        ++cut_count;
      } else {
        // Only groups, null and empty structs are not cut.
        auto any = child.as<capnp::AnyStruct>();
        EXPECT_TRUE(field.getProto().isGroup() || !s.has(field) ||
                    (any.getDataSection().size() == 0 && any.getPointerSection().size() == 0))
            << field.getProto().getName().cStr();
      }
      check_all(d, child, cut_count);
    } else if (v.getType() == capnp::DynamicValue::LIST) {
      for (auto e : v.as<capnp::DynamicList>()) {
        if (e.getType() != capnp::DynamicValue::STRUCT) continue;
        auto element = e.as<capnp::DynamicStruct>();
        EXPECT_FALSE(d.untyped().cut_canonical(parent, element.as<capnp::AnyStruct>()).has_value());
        check_all(d, element, cut_count);
      }
    }
  };
  for (auto field : s.getSchema().getNonUnionFields()) visit(field);
  KJ_IF_MAYBE(field, s.which()) { visit(*field); }
}

TEST(DecodeCut, EveryStructOfEveryKindCutsToItsCanonicalBytes) {
  int checked = 0;
  for (PayloadKind kind : kKinds) {
    Bytes wire = seal_example(kind, key_from_byte(7));
    auto d = decode<wire::Envelope>(wire);
    ASSERT_TRUE(d.has_value()) << d.error().to_string();
    auto root = capnp::toDynamic(d->root());
    check_all(*d, root, checked);
    ASSERT_FALSE(HasFatalFailure()) << payload_kind_name(kind);
    // The body, as verification takes it, and the message hash over it.
    auto body = d->canonical_part(d->root(), d->root().getBody());
    ASSERT_TRUE(body.has_value());
    EXPECT_EQ(*body, *canonical_bytes(d->root().getBody()));
    EXPECT_EQ(domain_hash(domains::kMessageHash, *body), *message_hash(d->root().getBody()));
  }
  EXPECT_GE(checked, 50);  // Every kind has struct fields that are cut.
}

TEST(DecodeCut, TermsHashOverCutBytesIsTheTermsHash) {
  for (PayloadKind kind : {PayloadKind::PROPOSE, PayloadKind::COUNTER}) {
    Bytes wire = seal_example(kind, key_from_byte(8));
    auto d = decode<wire::Envelope>(wire);
    ASSERT_TRUE(d.has_value());
    auto payload = d->root().getBody().getPayload();
    auto offer = kind == PayloadKind::PROPOSE ? capnp::AnyStruct::Reader(payload.getPropose())
                                              : capnp::AnyStruct::Reader(payload.getCounter());
    auto terms = kind == PayloadKind::PROPOSE ? payload.getPropose().getTerms() : payload.getCounter().getTerms();
    auto cut = d->canonical_part(offer, terms);
    ASSERT_TRUE(cut.has_value());
    EXPECT_EQ(domain_hash(domains::kTermsHash, *cut), *terms_hash(terms));
    // Hashed in place (no copy), the same digest.
    ASSERT_TRUE(d->untyped().canonical_view(offer, capnp::AnyStruct::Reader(terms)).has_value());
    EXPECT_EQ(*d->canonical_part_hash(domains::kTermsHash, offer, terms), *terms_hash(terms));
    // Through a parent that does not point at it: re-encoded, same digest.
    EXPECT_EQ(*d->canonical_part_hash(domains::kTermsHash, d->root().getBody(), terms), *terms_hash(terms));
  }
}

TEST(DecodeCut, ViewIsTheCutBytesInPlace) {
  Bytes wire = seal_example(PayloadKind::PROPOSE, key_from_byte(10));
  auto d = decode<wire::Envelope>(wire);
  ASSERT_TRUE(d.has_value());
  auto root = capnp::AnyStruct::Reader(d->root());
  auto body = capnp::AnyStruct::Reader(d->root().getBody());
  auto view = d->untyped().canonical_view(root, body);
  ASSERT_TRUE(view.has_value());
  // The words lie inside the message's own buffer: nothing was copied.
  const ByteSpan all = d->bytes();
  EXPECT_GE(view->words.data(), all.data());
  EXPECT_LE(view->words.data() + view->words.size(), all.data() + all.size());
  Bytes joined(view->root_pointer.begin(), view->root_pointer.end());
  joined.insert(joined.end(), view->words.begin(), view->words.end());
  EXPECT_EQ(joined.size(), view->size());
  EXPECT_EQ(joined, *canonical_bytes(d->root().getBody()));
  // A hash over the two pieces is the hash over the joined bytes.
  EXPECT_EQ(domain_hash(domains::kMessageHash, view->root_pointer, view->words),
            domain_hash(domains::kMessageHash, joined));
  EXPECT_EQ(domain_hash(domains::kMessageHash, joined, ByteSpan()), domain_hash(domains::kMessageHash, joined));
  // A list element has no view, as it has no cut.
  EXPECT_FALSE(d->untyped().canonical_view(root, capnp::AnyStruct::Reader(d->root().getSignatures()[0])));
}

TEST(DecodeCut, WrongParentOrOtherMessageFallsBackToReencoding) {
  Bytes wire = seal_example(PayloadKind::PROPOSE, key_from_byte(9));
  auto d = decode<wire::Envelope>(wire);
  auto other = decode<wire::Envelope>(seal_example(PayloadKind::COUNTER, key_from_byte(9)));
  ASSERT_TRUE(d.has_value() && other.has_value());
  auto terms = d->root().getBody().getPayload().getPropose().getTerms();
  // Not a direct child of the body: no pointer of the body targets it.
  auto cut = d->canonical_part(d->root().getBody(), terms);
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(*cut, *canonical_bytes(terms));
  EXPECT_FALSE(cuts(*d, d->root().getBody(), terms));
  // A part of another message.
  auto foreign = other->root().getBody();
  auto cut2 = d->canonical_part(other->root(), foreign);
  ASSERT_TRUE(cut2.has_value());
  EXPECT_EQ(*cut2, *canonical_bytes(foreign));
  // A list element (a signature) is never cut.
  auto sig = d->root().getSignatures()[0];
  EXPECT_FALSE(cuts(*d, d->root(), sig));
  // A direct child is.
  EXPECT_TRUE(cuts(*d, d->root(), d->root().getBody()));
}

TEST(DecodeCut, ManyRandomMessagesCutExactly) {
  // Random headers, keys and kinds: a few hundred messages, every struct.
  std::mt19937 rng(20261123);
  int checked = 0;
  for (int i = 0; i < 300; ++i) {
    PayloadKind kind = kKinds[rng() % std::size(kKinds)];
    EnvelopeBuilder b;
    fixtures::fill_payload(kind, b.payload());
    crypto::Nonce nonce{};
    for (auto& x : nonce) x = static_cast<std::uint8_t>(rng());
    auto wire = b.seal_with_nonce(key_from_byte(static_cast<std::uint8_t>(1 + rng() % 200)), rng(),
                                  static_cast<std::int64_t>(rng()), nonce);
    ASSERT_TRUE(wire.has_value());
    auto d = decode<wire::Envelope>(*wire);
    ASSERT_TRUE(d.has_value());
    check_all(*d, capnp::toDynamic(d->root()), checked);
    ASSERT_FALSE(HasFatalFailure());
  }
  EXPECT_GE(checked, 900);
}

}  // namespace
}  // namespace pactum::protocol
