// Goal: the SchemaPlan walk in decode() accepts and refuses exactly what the
// reflective capnp::DynamicStruct walk it replaced did, with the same typed
// error and detail, on valid messages of every kind and on hundreds of
// thousands of corrupted ones (differential test against that walk, kept
// here as the reference).
#include <capnp/dynamic.h>
#include <capnp/schema.capnp.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <random>

#include "tests/protocol/fixtures.h"

namespace pactum::protocol {
namespace {

using fixtures::key_from_byte;
using fixtures::seal_example;

// ---- the reference: decode_message() as it was, with the reflective walk ----

void ref_walk_value(const capnp::DynamicValue::Reader& value);

void ref_walk_struct(const capnp::DynamicStruct::Reader& s) {
  for (auto field : s.getSchema().getNonUnionFields()) ref_walk_value(s.get(field));
  KJ_IF_MAYBE(field, s.which()) { ref_walk_value(s.get(*field)); }
}

void ref_walk_value(const capnp::DynamicValue::Reader& value) {
  auto type = value.getType();
  if (type == capnp::DynamicValue::STRUCT) {
    ref_walk_struct(value.as<capnp::DynamicStruct>());
  } else if (type == capnp::DynamicValue::LIST) {
    for (auto element : value.as<capnp::DynamicList>()) ref_walk_value(element);
  }
}

Result<Bytes> reference_decode(ByteSpan bytes, Canonical mode, capnp::StructSchema schema,
                               const DecodeLimits& limits = {}) {
  if (bytes.size() > limits.max_bytes) return Fail(Errc::kMessageTooLarge, "size");
  if (bytes.empty() || bytes.size() % kWordBytes != 0) return Fail(Errc::kMalformedMessage, "words");
  auto words = kj::heapArray<capnp::word>(bytes.size() / kWordBytes);
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
  std::optional<capnp::SegmentArrayMessageReader> reader;
  reader.emplace(kj::arrayPtr(segments, 1), reader_options(limits));
  bool canonical = false;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() { canonical = reader->isCanonical(); })) {
    return Fail(error_from_exception(*e, "decode"));
  }
  if (!canonical && mode == Canonical::kRequire) return Fail(Errc::kNonCanonical, "not canonical");
  if (!canonical) {
    kj::Array<capnp::word> normalized;
    KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                  normalized = reader->getRoot<capnp::AnyStruct>().canonicalize();
                })) {
      return Fail(error_from_exception(*e, "normalize"));
    }
    if (normalized.size() * kWordBytes > limits.max_bytes) return Fail(Errc::kMessageTooLarge, "normalized");
    reader.reset();
    words = std::move(normalized);
    segments[0] = words.asPtr();
    reader.emplace(kj::arrayPtr(segments, 1), reader_options(limits));  // A fresh budget, as before.
    // Since the zero-size-list fuzz find, normalized bytes are checked as a
    // strict decode of them would be: isCanonical, walk, re-encoding.
    KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() { canonical = reader->isCanonical(); })) {
      return Fail(error_from_exception(*e, "decode"));
    }
    if (!canonical) return Fail(Errc::kNonCanonical, "normalized not canonical");
  }
  bool reproduces = true;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                ref_walk_struct(reader->getRoot<capnp::DynamicStruct>(schema));
                if (canonical) {
                  auto again = reader->getRoot<capnp::AnyStruct>().canonicalize();
                  reproduces = again.size() == words.size() &&
                               std::memcmp(again.begin(), words.begin(), words.size() * kWordBytes) == 0;
                }
              })) {
    return Fail(error_from_exception(*e, "decode"));
  }
  if (!reproduces) return Fail(Errc::kNonCanonical, "re-encoding differs");
  auto b = words.asBytes();
  return Bytes(b.begin(), b.end());
}

// Both decoders on one input: same success, same bytes, same typed error and
// the same detail from the library (the walks read in the same order).
void expect_same(ByteSpan in, Canonical mode, capnp::StructSchema schema, const DecodeLimits& limits,
                 std::size_t& failures) {
  auto ours = decode_message(in, mode, schema, limits);
  auto ref = reference_decode(in, mode, schema, limits);
  ASSERT_EQ(ours.has_value(), ref.has_value()) << (ours ? ref.error().to_string() : ours.error().to_string());
  if (ours) {
    ASSERT_TRUE(std::ranges::equal(ours->bytes(), *ref));
    return;
  }
  ++failures;
  ASSERT_EQ(ours.error().code, ref.error().code) << ours.error().to_string() << " vs " << ref.error().to_string();
  if (ours.error().detail.starts_with("decode: ") || ours.error().detail.starts_with("normalize: ")) {
    EXPECT_EQ(ours.error().detail, ref.error().detail);
  }
}

// Random corruption: a few bytes xored with random values, often in pointers.
std::size_t mutate_and_compare(const Bytes& seed, capnp::StructSchema schema, int rounds,
                               std::uint32_t rng_seed, const DecodeLimits& limits = {}) {
  std::mt19937 rng(rng_seed);
  std::size_t failures = 0;
  for (int i = 0; i < rounds; ++i) {
    Bytes m = seed;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = rng() % m.size();
      m[at] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    }
    for (Canonical mode : {Canonical::kRequire, Canonical::kNormalize}) {
      expect_same(m, mode, schema, limits, failures);
      if (::testing::Test::HasFatalFailure()) return failures;
    }
  }
  return failures;
}

const auto& kKinds = kAllPayloadKinds;

TEST(DecodePlan, EveryKindDecodesAsBefore) {
  const auto schema = capnp::Schema::from<wire::Envelope>();
  for (PayloadKind kind : kKinds) {
    Bytes good = seal_example(kind, key_from_byte(3));
    std::size_t failures = 0;
    expect_same(good, Canonical::kRequire, schema, {}, failures);
    EXPECT_EQ(failures, 0u) << payload_kind_name(kind);
    auto d = decode<wire::Envelope>(good);
    ASSERT_TRUE(d.has_value()) << d.error().to_string();
    EXPECT_TRUE(std::ranges::equal(d->bytes(), good));
  }
}

TEST(DecodePlan, CorruptedEnvelopesFailAsBefore) {
  const auto schema = capnp::Schema::from<wire::Envelope>();
  std::size_t failures = 0;
  std::uint32_t seed = 1;
  for (PayloadKind kind : kKinds) {
    Bytes good = seal_example(kind, key_from_byte(4));
    failures += mutate_and_compare(good, schema, 400, seed++);
    ASSERT_FALSE(HasFatalFailure()) << payload_kind_name(kind);
  }
  // The corruption must reach the walk's checks, not only the size checks.
  EXPECT_GT(failures, 1500u);
}

TEST(DecodePlan, TightLimitsFailAsBefore) {
  // Nesting and traversal limits are enforced by the same reads.
  const auto schema = capnp::Schema::from<wire::Envelope>();
  Bytes good = seal_example(PayloadKind::PROPOSE, key_from_byte(5));
  std::size_t failures = 0;
  for (int nesting = 1; nesting <= 12; ++nesting) {
    DecodeLimits l;
    l.nesting_limit = nesting;
    expect_same(good, Canonical::kRequire, schema, l, failures);
    expect_same(good, Canonical::kNormalize, schema, l, failures);
  }
  for (std::uint64_t words = 1; words <= 3 * good.size() / kWordBytes; ++words) {
    DecodeLimits l;
    l.traversal_limit_words = words;
    expect_same(good, Canonical::kRequire, schema, l, failures);
  }
  EXPECT_GT(failures, 10u);
}

TEST(DecodePlan, OtherRootTypesFailAsBefore) {
  // Settlement terms (deep unions and lists of structs) and Cap'n Proto's own
  // schema nodes (groups, unions inside groups, lists of lists).
  std::size_t failures = 0;
  capnp::MallocMessageBuilder terms_msg;
  fixtures::fill_terms(terms_msg.initRoot<wire::ContractTerms>());
  Bytes terms = *canonical_bytes(terms_msg.getRoot<wire::ContractTerms>().asReader());
  failures += mutate_and_compare(terms, capnp::Schema::from<wire::ContractTerms>(), 1500, 77);
  ASSERT_FALSE(HasFatalFailure());

  Bytes node = *canonical_bytes(capnp::Schema::from<wire::ContractTerms>().getProto());
  failures += mutate_and_compare(node, capnp::Schema::from<capnp::schema::Node>(), 1500, 78);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_GT(failures, 800u);
}

TEST(DecodePlan, FuzzCorpusDecodesAsBefore) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(PACTUM_SOURCE_ROOT) / "tests" / "fuzz" / "corpus";
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  std::size_t files = 0;
  std::size_t failures = 0;
  std::uint32_t seed = 1000;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream f(entry.path(), std::ios::binary);
    Bytes in((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (in.empty()) continue;
    ++files;
    for (auto schema : {capnp::Schema::from<wire::Envelope>(), capnp::Schema::from<wire::ContractTerms>()}) {
      for (Canonical mode : {Canonical::kRequire, Canonical::kNormalize}) {
        expect_same(in, mode, schema, {}, failures);
        ASSERT_FALSE(HasFatalFailure()) << entry.path();
      }
      failures += mutate_and_compare(in, schema, 60, seed++);
      ASSERT_FALSE(HasFatalFailure()) << entry.path();
    }
  }
  EXPECT_GE(files, 20u);
}

TEST(DecodePlan, PlansAreSharedAndStable) {
  // The plan of a type is built once; decoding through it twice gives the
  // same result as a plan built for the call.
  EXPECT_EQ(&SchemaPlan::of<wire::Envelope>(), &SchemaPlan::of<wire::Envelope>());
  Bytes good = seal_example(PayloadKind::COUNTER, key_from_byte(6));
  auto a = SchemaPlan::of<wire::Envelope>().decode(good, Canonical::kRequire, {});
  auto b = SchemaPlan(capnp::Schema::from<wire::Envelope>()).decode(good, Canonical::kRequire, {});
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_TRUE(std::ranges::equal(a->bytes(), b->bytes()));
}

}  // namespace
}  // namespace pactum::protocol
