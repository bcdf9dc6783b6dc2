// Decoding untrusted bytes into validated messages (decode.h).
//
// Input grammar: one Cap'n Proto segment, no segment table:
//   message = root-pointer(8 bytes) *word   ; total size a multiple of 8
// which is exactly what capnp::canonicalize() produces and what
// `capnp decode --flat` reads.
#include "protocol/decode.h"

#include <capnp/dynamic.h>
#include <kj/exception.h>

#include <cstring>
#include <limits>
#include <optional>
#include <string>

namespace pactum::protocol {

struct DecodedMessage::Storage {
  kj::Array<capnp::word> words;
  kj::ArrayPtr<const capnp::word> segments[1];
  std::optional<capnp::SegmentArrayMessageReader> reader;  // Borrows words; destroyed first.
  capnp::AnyStruct::Reader root;                           // Set once validated.
};

DecodedMessage::DecodedMessage(std::unique_ptr<Storage> storage) : storage_(std::move(storage)) {}
DecodedMessage::DecodedMessage(DecodedMessage&&) noexcept = default;
DecodedMessage& DecodedMessage::operator=(DecodedMessage&&) noexcept = default;
DecodedMessage::~DecodedMessage() = default;

ByteSpan DecodedMessage::bytes() const {
  auto b = storage_->words.asBytes();
  return {b.begin(), b.size()};
}

capnp::AnyStruct::Reader DecodedMessage::root_struct() const { return storage_->root; }

capnp::ReaderOptions reader_options(const DecodeLimits& limits) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = limits.traversal_limit_words;
  options.nestingLimit = limits.nesting_limit;
  return options;
}

namespace {

// A reader over `words`, which the storage then owns. The reader only records
// pointers here; nothing is read until the first access.
std::unique_ptr<DecodedMessage::Storage> load(kj::Array<capnp::word> words,
                                              const DecodeLimits& limits) {
  auto storage = std::make_unique<DecodedMessage::Storage>();
  storage->words = std::move(words);
  storage->segments[0] = kj::ArrayPtr<const capnp::word>(storage->words.begin(), storage->words.size());
  storage->reader.emplace(kj::arrayPtr(storage->segments, 1), reader_options(limits));
  return storage;
}

// Copies the input into word-aligned memory: Cap'n Proto reads words in place
// and the caller's buffer may have any alignment.
kj::Array<capnp::word> copy_to_words(ByteSpan bytes) {
  auto words = kj::heapArray<capnp::word>(bytes.size() / kWordBytes);
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  return words;
}

bool same_words(const kj::Array<capnp::word>& a, const DecodedMessage::Storage& storage) {
  const auto& b = storage.words;
  return a.size() == b.size() && std::memcmp(a.begin(), b.begin(), b.size() * kWordBytes) == 0;
}

void walk_value(const capnp::DynamicValue::Reader& value);

// Reads every field the schema knows, and only the active member of each
// union: each read makes the library check the pointer's kind, bounds, text
// termination and nesting depth, and throw if anything is off. Recursion depth
// is bounded by the reader's nesting limit.
void walk_struct(const capnp::DynamicStruct::Reader& s) {
  for (auto field : s.getSchema().getNonUnionFields()) walk_value(s.get(field));
  KJ_IF_MAYBE(field, s.which()) { walk_value(s.get(*field)); }
}

void walk_value(const capnp::DynamicValue::Reader& value) {
  auto type = value.getType();
  if (type == capnp::DynamicValue::STRUCT) {
    walk_struct(value.as<capnp::DynamicStruct>());
  } else if (type == capnp::DynamicValue::LIST) {
    for (auto element : value.as<capnp::DynamicList>()) walk_value(element);
  }
  // Scalars, enums, text and data were fully checked by the read itself.
}

}  // namespace

Result<DecodedMessage> decode_message(ByteSpan bytes, Canonical mode, capnp::StructSchema schema,
                                      const DecodeLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return Fail(Errc::kMessageTooLarge, std::to_string(bytes.size()) + " bytes, limit " +
                                            std::to_string(limits.max_bytes));
  }
  if (bytes.empty() || bytes.size() % kWordBytes != 0) {
    return Fail(Errc::kMalformedMessage,
                std::to_string(bytes.size()) + " bytes is not a positive multiple of 8");
  }
  auto storage = load(copy_to_words(bytes), limits);

  bool canonical = false;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() { canonical = storage->reader->isCanonical(); })) {
    return Fail(error_from_exception(*e, "decode"));
  }
  if (!canonical && mode == Canonical::kRequire) {
    return Fail(Errc::kNonCanonical, "message is not in canonical form");
  }
  if (!canonical) {
    kj::Array<capnp::word> normalized;
    KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                  normalized = storage->reader->getRoot<capnp::AnyStruct>().canonicalize();
                })) {
      return Fail(error_from_exception(*e, "normalize"));
    }
    if (normalized.size() * kWordBytes > limits.max_bytes) {
      return Fail(Errc::kMessageTooLarge, "normalized message exceeds " +
                                              std::to_string(limits.max_bytes) + " bytes");
    }
    storage = load(std::move(normalized), limits);
  }

  bool reproduces = true;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                walk_struct(storage->reader->getRoot<capnp::DynamicStruct>(schema));
                storage->root = storage->reader->getRoot<capnp::AnyStruct>();
                if (canonical) reproduces = same_words(storage->root.canonicalize(), *storage);
              })) {
    return Fail(error_from_exception(*e, "decode"));
  }
  if (!reproduces) {
    // isCanonical() ignores a few bits the readers ignore too (e.g. the top
    // bits of a composite list's element count); such bytes would be a second
    // encoding of the same message, so they are not canonical.
    return Fail(Errc::kNonCanonical, "message does not re-encode to the same bytes");
  }
  // The walk read everything once within the budget, and canonical form has
  // no cycles or shared objects, so every later pass costs no more than that
  // walk: a fresh reader without a traversal budget means callers that read a
  // field many times (a negotiation held for hours) can never hit the limit
  // and throw in code that does not expect it.
  DecodeLimits unlimited = limits;
  unlimited.traversal_limit_words = std::numeric_limits<std::uint64_t>::max();
  storage->reader.reset();
  storage->reader.emplace(kj::arrayPtr(storage->segments, 1), reader_options(unlimited));
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                storage->root = storage->reader->getRoot<capnp::AnyStruct>();
              })) {
    return Fail(error_from_exception(*e, "decode"));
  }
  return DecodedMessage(std::move(storage));
}

}  // namespace pactum::protocol
