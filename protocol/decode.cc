// Decoding untrusted bytes into validated messages (decode.h).
//
// Input grammar: one Cap'n Proto segment, no segment table:
//   message = root-pointer(8 bytes) *word   ; total size a multiple of 8
// which is exactly what capnp::canonicalize() produces and what
// `capnp decode --flat` reads.
#include "protocol/decode.h"

#include <capnp/capability.h>  // ClientHook, for the interface-pointer check.
#include <capnp/schema.h>
#include <kj/exception.h>

#include <array>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

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

namespace {

// Little-endian 64-bit word at `w`.
std::uint64_t load_word(const capnp::word* w) {
  std::uint8_t b[kWordBytes];
  std::memcpy(b, w, kWordBytes);
  std::uint64_t v = 0;
  for (std::size_t i = kWordBytes; i-- > 0;) v = (v << 8) | b[i];
  return v;
}

// The first word of a struct (its data section, or its pointers when it has
// no data), as a reader of this message sees it.
const capnp::word* struct_start(capnp::AnyStruct::Reader s) {
  return reinterpret_cast<const capnp::word*>(s.getDataSection().begin());
}

}  // namespace

std::optional<Bytes> DecodedMessage::cut_canonical(capnp::AnyStruct::Reader parent,
                                                   capnp::AnyStruct::Reader part) const {
  auto view = canonical_view(parent, part);
  if (!view) return std::nullopt;
  Bytes out(view->size());
  std::memcpy(out.data(), view->root_pointer.data(), view->root_pointer.size());
  std::memcpy(out.data() + view->root_pointer.size(), view->words.data(), view->words.size());
  return out;
}

std::optional<CanonicalView> DecodedMessage::canonical_view(capnp::AnyStruct::Reader parent,
                                                            capnp::AnyStruct::Reader part) const {
  const capnp::word* begin = storage_->words.begin();
  const capnp::word* end = storage_->words.end();
  const capnp::word* start = struct_start(part);
  const std::size_t data_bytes = part.getDataSection().size();
  const std::size_t pointers = part.getPointerSection().size();
  // An empty struct is a special pointer (offset -1), not a run of words.
  if (data_bytes % kWordBytes != 0 || (data_bytes == 0 && pointers == 0)) return std::nullopt;
  // Pointers into another buffer are compared with std::less (a total
  // order) and never subtracted from this message's.
  auto inside = [&](const capnp::word* w) { return !std::less<>()(w, begin) && std::less<>()(w, end); };
  if (!inside(start) || start == begin) return std::nullopt;
  // Find the struct pointer in `parent`'s pointer section that targets
  // `part`: a struct pointer (kind 0) whose signed 30-bit offset, counted in
  // words from the word after the pointer, lands on `start`, with the same
  // section sizes.
  const std::uint64_t expected_sizes = (std::uint64_t{data_bytes / kWordBytes}) | (std::uint64_t{pointers} << 16);
  const capnp::word* section = struct_start(parent) + parent.getDataSection().size() / kWordBytes;
  const std::size_t parent_pointers = parent.getPointerSection().size();
  if (parent.getDataSection().size() % kWordBytes != 0 || !inside(section) ||
      static_cast<std::size_t>(end - section) < parent_pointers) {
    return std::nullopt;
  }
  // Positions are word indices into the message, so no pointer is formed
  // outside it.
  const std::ptrdiff_t target = start - begin;
  bool targeted = false;
  for (std::size_t i = 0; i < parent_pointers && !targeted; ++i) {
    const std::uint64_t p = load_word(section + i);
    const std::int64_t offset = static_cast<std::int32_t>(static_cast<std::uint32_t>(p)) >> 2;  // Signed.
    const std::ptrdiff_t lands = (section - begin) + static_cast<std::ptrdiff_t>(i) + 1 + offset;
    targeted = (p & 3) == 0 && (p >> 32) == expected_sizes && lands == target;
  }
  if (!targeted) return std::nullopt;
  const std::uint64_t words = part.totalSize().wordCount;
  if (words > static_cast<std::uint64_t>(end - start) || (words + 1) * kWordBytes > kMaxMessageBytes) {
    return std::nullopt;
  }
  // The root pointer canonicalize() writes: the same struct pointer with
  // offset 0 (docs/protocol.md).
  CanonicalView view;
  const std::uint64_t root = expected_sizes << 32;
  for (std::size_t i = 0; i < kWordBytes; ++i) view.root_pointer[i] = static_cast<std::uint8_t>(root >> (8 * i));
  view.words = ByteSpan(reinterpret_cast<const std::uint8_t*>(start), words * kWordBytes);
  return view;
}

capnp::ReaderOptions reader_options(const DecodeLimits& limits) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = limits.traversal_limit_words;
  options.nestingLimit = limits.nesting_limit;
  return options;
}

// ---- SchemaPlan ----
//
// The typed walk used to go through capnp::DynamicStruct, which looks up the
// schema (fields, types, union members, dependencies) again for every field
// of every message. A plan does those lookups once per schema and keeps only
// what the walk needs. Indices, not pointers, link its entries, so recursive
// schemas (a struct holding a list of itself) compile to a finite table.
struct SchemaPlan::Tables {
  enum class Read : std::uint8_t { kText, kData, kStruct, kList, kCapability };
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint16_t kAlways = capnp::schema::Field::NO_DISCRIMINANT;

  // What one pointer must hold.
  struct Value {
    Read read = Read::kText;
    capnp::ElementSize element_size = capnp::ElementSize::VOID;  // kList: elements read as this.
    std::uint32_t target = kNone;  // kStruct: a scope; kList: the element's value (kNone: plain data).
  };
  // One pointer field or group of a struct, perhaps a union member.
  struct Check {
    std::uint16_t discriminant = kAlways;  // kAlways: not a union member.
    bool group = false;
    std::uint32_t pointer = 0;             // The pointer slot (fields only).
    std::uint32_t target = 0;              // A group's scope, or a field's value.
  };
  // A struct or a group. Members that hold no pointer need no check: reading
  // a data field never throws (out-of-bounds reads return the default).
  struct Scope {
    bool has_union = false;
    std::uint32_t discriminant_offset = 0;  // In 16-bit units, as in the schema.
    std::vector<Check> checks;              // Non-union members first, then union members.
  };

  std::vector<Scope> scopes;  // scopes[0] is the root.
  std::vector<Value> values;
};

namespace {

using Tables = SchemaPlan::Tables;

// The element size a list of `type` is read with: what capnp::DynamicList
// (and each generated List<T>) asks the layout code for.
capnp::ElementSize element_size(capnp::schema::Type::Which type) {
  using W = capnp::schema::Type::Which;
  switch (type) {
    case W::VOID: return capnp::ElementSize::VOID;
    case W::BOOL: return capnp::ElementSize::BIT;
    case W::INT8: case W::UINT8: return capnp::ElementSize::BYTE;
    case W::INT16: case W::UINT16: case W::ENUM: return capnp::ElementSize::TWO_BYTES;
    case W::INT32: case W::UINT32: case W::FLOAT32: return capnp::ElementSize::FOUR_BYTES;
    case W::INT64: case W::UINT64: case W::FLOAT64: return capnp::ElementSize::EIGHT_BYTES;
    case W::TEXT: case W::DATA: case W::LIST: case W::ANY_POINTER: case W::INTERFACE:
      return capnp::ElementSize::POINTER;
    case W::STRUCT: return capnp::ElementSize::INLINE_COMPOSITE;
  }
  return capnp::ElementSize::POINTER;  // Unknown kinds are pointers in every later format.
}

class PlanCompiler {
 public:
  explicit PlanCompiler(Tables& tables) : t_(tables) {}

  std::uint32_t scope(capnp::StructSchema schema) {
    for (const auto& [known, index] : seen_) {
      if (known == schema) return index;
    }
    const auto index = static_cast<std::uint32_t>(t_.scopes.size());
    seen_.emplace_back(schema, index);
    t_.scopes.emplace_back();  // Reserved first: members may refer back to it.
    Tables::Scope sc;
    auto proto = schema.getProto().getStruct();
    sc.has_union = proto.getDiscriminantCount() > 0;
    sc.discriminant_offset = proto.getDiscriminantOffset();
    // The order of the reflective walk: non-union fields, then the union.
    for (auto field : schema.getNonUnionFields()) add(sc, field, Tables::kAlways);
    for (auto field : schema.getUnionFields()) add(sc, field, field.getProto().getDiscriminantValue());
    t_.scopes[index] = std::move(sc);
    return index;
  }

 private:
  void add(Tables::Scope& sc, capnp::StructSchema::Field field, std::uint16_t discriminant) {
    auto proto = field.getProto();
    switch (proto.which()) {
      case capnp::schema::Field::GROUP:
        sc.checks.push_back({discriminant, true, 0, scope(field.getType().asStruct())});
        return;
      case capnp::schema::Field::SLOT: {
        std::uint32_t v = value(field.getType());
        if (v != Tables::kNone) sc.checks.push_back({discriminant, false, proto.getSlot().getOffset(), v});
        return;
      }
    }
  }

  // The value check for a pointer of `type`; kNone when nothing is to read.
  std::uint32_t value(capnp::Type type) {
    using W = capnp::schema::Type::Which;
    Tables::Value v;
    switch (type.which()) {
      case W::VOID: case W::BOOL: case W::INT8: case W::INT16: case W::INT32: case W::INT64:
      case W::UINT8: case W::UINT16: case W::UINT32: case W::UINT64: case W::FLOAT32:
      case W::FLOAT64: case W::ENUM:
        return Tables::kNone;
      case W::ANY_POINTER:
        return Tables::kNone;  // Untyped: the reader never interprets it (nor did DynamicStruct).
      case W::TEXT: v.read = Tables::Read::kText; break;
      case W::DATA: v.read = Tables::Read::kData; break;
      case W::INTERFACE: v.read = Tables::Read::kCapability; break;
      case W::STRUCT:
        v.read = Tables::Read::kStruct;
        v.target = scope(type.asStruct());
        break;
      case W::LIST: {
        capnp::Type element = type.asList().getElementType();
        v.read = Tables::Read::kList;
        v.element_size = element_size(element.which());
        v.target = value(element);
        break;
      }
    }
    t_.values.push_back(v);
    return static_cast<std::uint32_t>(t_.values.size() - 1);
  }

  Tables& t_;
  std::vector<std::pair<capnp::StructSchema, std::uint32_t>> seen_;  // Compiled once each.
};

// The walk: each read below is the call a generated reader makes for that
// field, so the library checks the pointer's kind, bounds, text termination,
// element size, traversal budget and nesting depth, and throws if anything is
// off. Recursion depth is bounded by the reader's nesting limit.
void walk_scope(const Tables& t, std::uint32_t index, const capnp::_::StructReader& s);

void walk_value(const Tables& t, const Tables::Value& v, const capnp::_::PointerReader& p) {
  switch (v.read) {
    case Tables::Read::kText: (void)p.getBlob<capnp::Text>(nullptr, capnp::ZERO * capnp::BYTES); return;
    case Tables::Read::kData: (void)p.getBlob<capnp::Data>(nullptr, capnp::ZERO * capnp::BYTES); return;
    case Tables::Read::kCapability: (void)p.getCapability(); return;
    case Tables::Read::kStruct: walk_scope(t, v.target, p.getStruct(nullptr)); return;
    case Tables::Read::kList: {
      capnp::_::ListReader list = p.getList(v.element_size, nullptr);
      if (v.target == Tables::kNone) return;  // Elements are plain data.
      const Tables::Value& element = t.values[v.target];
      const auto n = capnp::unbound(list.size() / capnp::ELEMENTS);
      if (element.read == Tables::Read::kStruct) {
        const bool empty = t.scopes[element.target].checks.empty();
        for (capnp::uint i = 0; i < n; ++i) {
          // Taking an element checks the nesting depth, the same for each.
          capnp::_::StructReader s = list.getStructElement(capnp::bounded(i) * capnp::ELEMENTS);
          if (empty) break;
          walk_scope(t, element.target, s);
        }
      } else {
        for (capnp::uint i = 0; i < n; ++i) {
          walk_value(t, element, list.getPointerElement(capnp::bounded(i) * capnp::ELEMENTS));
        }
      }
      return;
    }
  }
}

void walk_scope(const Tables& t, std::uint32_t index, const capnp::_::StructReader& s) {
  const Tables::Scope& sc = t.scopes[index];
  const std::uint16_t active =
      sc.has_union ? s.getDataField<std::uint16_t>(capnp::bounded(sc.discriminant_offset) * capnp::ELEMENTS)
                   : Tables::kAlways;
  for (const Tables::Check& c : sc.checks) {
    // An unknown discriminant selects no member, as in DynamicStruct::which().
    if (c.discriminant != Tables::kAlways && c.discriminant != active) continue;
    if (c.group) {
      walk_scope(t, c.target, s);  // A group lives in its parent's sections.
    } else {
      walk_value(t, t.values[c.target], s.getPointerField(capnp::bounded(c.pointer) * capnp::POINTERS));
    }
  }
}

// The root struct of `reader`: the read capnp::MessageReader::getRoot() makes.
capnp::_::StructReader root_of(capnp::MessageReader& reader) {
  return capnp::_::PointerHelpers<capnp::AnyPointer>::getInternalReader(reader.getRoot<capnp::AnyPointer>())
      .getStruct(nullptr);
}

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

// Whether canonicalizing `root` reproduces `words`. This is what
// capnp::canonicalize() does (a pre-order copy into a zeroed flat buffer with
// every section truncated) minus its two extra passes: the self-check that
// its output is canonical (asserting the library's own correctness) and the
// copy of that output into a second, exactly sized array.
//
// Messages up to kStackReencodeWords are re-encoded on the stack: a heap
// buffer of a few KiB freed right after use sits at the top of the heap,
// where glibc trims it away and the next message faults the pages in again
// (6 % of a negotiation decision in a profile, more than all other decoding).
constexpr std::size_t kStackReencodeWords = 1024;  // 8 KiB: every negotiation message.

bool reencodes_to_itself(const capnp::_::StructReader& root, kj::ArrayPtr<const capnp::word> words) {
  const std::uint64_t size = root.totalSize().asPublic().wordCount + 1;  // + the root pointer.
  std::array<capnp::word, kStackReencodeWords> local;
  kj::Array<capnp::word> heap;
  kj::ArrayPtr<capnp::word> backing;
  if (size <= kStackReencodeWords) {
    backing = kj::arrayPtr(local.data(), size);
  } else {
    heap = kj::heapArray<capnp::word>(size);
    backing = heap.asPtr();
  }
  std::memset(backing.begin(), 0, backing.asBytes().size());
  capnp::FlatMessageBuilder builder(backing);
  capnp::_::PointerHelpers<capnp::AnyPointer>::getInternalBuilder(builder.initRoot<capnp::AnyPointer>())
      .setStruct(root, true);
  auto out = builder.getSegmentsForOutput()[0];
  return out.size() == words.size() &&
         std::memcmp(out.begin(), words.begin(), words.size() * kWordBytes) == 0;
}

}  // namespace

SchemaPlan::SchemaPlan(capnp::StructSchema schema) {
  auto tables = std::make_unique<Tables>();
  PlanCompiler(*tables).scope(schema);
  tables_ = std::move(tables);
}
SchemaPlan::SchemaPlan(SchemaPlan&&) noexcept = default;
SchemaPlan::~SchemaPlan() = default;

Result<DecodedMessage> SchemaPlan::decode(ByteSpan bytes, Canonical mode,
                                           const DecodeLimits& limits) const {
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
    // Spend the budget exactly as a strict decode of the normalized bytes
    // would (isCanonical, walk, re-encoding check), so normalizing never
    // accepts bytes that the strict decode of its own output refuses (a
    // libFuzzer find: a list of zero-size elements fit one pass, not three).
    KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() { canonical = storage->reader->isCanonical(); })) {
      return Fail(error_from_exception(*e, "decode"));
    }
    if (!canonical) return Fail(Errc::kNonCanonical, "normalized message is not canonical");
  }

  bool reproduces = true;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                walk_scope(*tables_, 0, root_of(*storage->reader));
                // A second read of the root, as the reflective walk made: the
                // traversal budget is spent word for word as it always was.
                capnp::_::StructReader root = root_of(*storage->reader);
                if (canonical) reproduces = reencodes_to_itself(root, storage->segments[0]);
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

Result<DecodedMessage> decode_message(ByteSpan bytes, Canonical mode, capnp::StructSchema schema,
                                      const DecodeLimits& limits) {
  return SchemaPlan(schema).decode(bytes, mode, limits);
}

}  // namespace pactum::protocol
