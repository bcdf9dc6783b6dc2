// protocol decoding of untrusted bytes.
//
// pactum messages travel as one flat, single-segment Cap'n Proto message with
// no segment table (what capnp::canonicalize produces). decode<T>() turns such
// bytes into an owned, fully validated message of root type T:
//
//   1. size: at most DecodeLimits::max_bytes (kMessageTooLarge), non-empty and
//      a whole number of 8-byte words (kMalformedMessage);
//   2. the bytes are copied into a word-aligned buffer, so the input may have
//      any alignment and is never read past its end;
//   3. the reader gets explicit limits (traversal words, nesting depth);
//   4. canonical form: with Canonical::kRequire the bytes must already be
//      canonical: isCanonical() holds and canonicalize() of the root
//      reproduces them byte for byte (kNonCanonical otherwise), so one
//      message has exactly one accepted encoding; with kNormalize any valid
//      message is accepted and re-encoded canonically;
//   5. a typed walk reads every field known to T's schema (following only the
//      active member of each union), so every pointer, list and text is
//      checked against the schema here: after decode succeeds, reading any
//      field of root() cannot throw. The walk runs from a SchemaPlan: T's
//      schema compiled once into the pointer reads the walk must make, each
//      made through the same Cap'n Proto layout calls the generated readers
//      use (same checks, same traversal and nesting accounting), without
//      the reflective schema lookups of capnp::DynamicStruct per field.
//   6. the traversal budget is then lifted: the walk proved one full pass fits
//      it and canonical form has no cycles, so reading the root any number of
//      times can never exhaust a budget and throw later.
//
// Every Cap'n Proto exception on the way becomes an Error (kMalformedMessage,
// or kMessageTooLarge when a traversal limit was hit). Nothing is thrown.
//
// Decoded<T> is a move-only value owning its buffer and reader; root() readers
// stay valid while it lives. Not thread-safe to read from several threads at
// once (the traversal budget is counted per message).
#pragma once

#include <capnp/message.h>
#include <capnp/schema.h>

#include <array>
#include <memory>
#include <optional>
#include <string_view>

#include "base/base.h"
#include "protocol/canonical.h"
#include "protocol/limits.h"

namespace pactum::protocol {

// Bounds for one decode. The defaults are the protocol's (limits.h); a
// caller with larger legitimate messages (e.g. a ledger entry holding a
// transcript) passes its own named limits.
struct DecodeLimits {
  std::size_t max_bytes = kMaxMessageBytes;
  std::uint64_t traversal_limit_words = kTraversalLimitWords;
  int nesting_limit = kNestingLimit;
};

// The Cap'n Proto reader options for `limits`.
capnp::ReaderOptions reader_options(const DecodeLimits& limits = {});

enum class Canonical {
  kRequire,    // Bytes that are supposed to be canonical (signed, hashed, stored).
  kNormalize,  // Bytes from a tool or older encoder: validated, then re-encoded.
};

// The canonical encoding of a struct inside a decoded message, without a
// copy: the bytes are `root_pointer` followed by `words`, which point into
// the message (valid while it lives).
struct CanonicalView {
  std::array<std::uint8_t, kWordBytes> root_pointer{};
  ByteSpan words;
  std::size_t size() const { return root_pointer.size() + words.size(); }
};

// An owned, validated message with no static root type. See Decoded<T>.
class DecodedMessage {
 public:
  DecodedMessage(DecodedMessage&&) noexcept;
  DecodedMessage& operator=(DecodedMessage&&) noexcept;
  ~DecodedMessage();

  // The message's canonical bytes (the input itself under kRequire).
  ByteSpan bytes() const;
  // The root as an untyped struct; REQUIRES: the message was validated.
  capnp::AnyStruct::Reader root_struct() const;
  // The canonical encoding of `part`, the struct one of `parent`'s pointer
  // fields points to in this message, cut from the message instead of
  // re-encoded: in canonical form such a struct's subtree is one contiguous
  // pre-order run of words with self-relative pointers and sections already
  // truncated, exactly what canonicalizing it alone lays out after its root
  // pointer. nullopt (callers then re-encode) unless a struct pointer of
  // `parent` inside this message targets `part` with its sizes, or when the
  // struct is empty or would exceed kMaxMessageBytes. A list element is never
  // cut: no struct pointer targets it, and its children lie elsewhere.
  std::optional<Bytes> cut_canonical(capnp::AnyStruct::Reader parent,
                                     capnp::AnyStruct::Reader part) const;
  // The same bytes as cut_canonical(), in place: hashing them needs no copy.
  std::optional<CanonicalView> canonical_view(capnp::AnyStruct::Reader parent,
                                              capnp::AnyStruct::Reader part) const;

  struct Storage;  // Internal (decode.cc).

 private:
  explicit DecodedMessage(std::unique_ptr<Storage> storage);
  std::unique_ptr<Storage> storage_;
  friend class SchemaPlan;
};

// A struct schema compiled into the checks of the typed walk (step 5): for
// every struct and group, which pointer fields to read as what (text, data,
// struct, list of what), which only when a union discriminant selects them.
// Immutable once built, so one plan may serve any number of threads.
class SchemaPlan {
 public:
  explicit SchemaPlan(capnp::StructSchema schema);
  SchemaPlan(SchemaPlan&&) noexcept;
  ~SchemaPlan();

  // The plan of a generated root type T, compiled on first use and kept for
  // the life of the process: a constant table derived from T's constant
  // generated schema (C++ guarantees the one-time initialization is
  // thread-safe), so hot decoders do not recompile it per message.
  template <class T>
  static const SchemaPlan& of() {
    static const SchemaPlan plan(capnp::Schema::from<T>());
    return plan;
  }

  // Decodes and validates `bytes` (steps 1-6 above) against this plan.
  Result<DecodedMessage> decode(ByteSpan bytes, Canonical mode, const DecodeLimits& limits) const;

  struct Tables;  // Internal (decode.cc).

 private:
  std::unique_ptr<const Tables> tables_;
};

// Decodes and validates `bytes` against `schema` (steps 1-6 above), compiling
// the schema's plan for this one call (for tools that pick a schema at run
// time; decode<T>() reuses T's plan).
Result<DecodedMessage> decode_message(ByteSpan bytes, Canonical mode, capnp::StructSchema schema,
                                      const DecodeLimits& limits = {});

// A validated message of root type T (a generated struct type).
template <class T>
class Decoded {
 public:
  typename T::Reader root() const { return root_; }
  ByteSpan bytes() const { return message_.bytes(); }
  const DecodedMessage& untyped() const { return message_; }
  // canonical_bytes(part) for `part` = a struct field of `parent`, both read
  // from this message: the same bytes and errors, cut from the message when
  // it can be (DecodedMessage::cut_canonical): a copy, not a re-encoding.
  template <class Parent, class Part>
  Result<Bytes> canonical_part(Parent parent, Part part) const {
    if (auto cut = message_.cut_canonical(capnp::AnyStruct::Reader(parent), capnp::AnyStruct::Reader(part))) {
      return std::move(*cut);
    }
    return canonical_bytes(part);
  }
  // domain_hash(domain, canonical_part(parent, part)), hashed in place when
  // the part can be cut (no copy), else over its re-encoding.
  template <class Parent, class Part>
  Result<crypto::Digest> canonical_part_hash(std::string_view domain, Parent parent, Part part) const {
    if (auto view = message_.canonical_view(capnp::AnyStruct::Reader(parent), capnp::AnyStruct::Reader(part))) {
      return domain_hash(domain, view->root_pointer, view->words);
    }
    PACTUM_TRY(Bytes bytes, canonical_bytes(part));
    return domain_hash(domain, bytes);
  }

 private:
  Decoded(DecodedMessage message, typename T::Reader root)
      : message_(std::move(message)), root_(root) {}
  DecodedMessage message_;
  typename T::Reader root_;  // Points into message_'s heap storage, stable across moves.
  template <class U>
  friend Result<Decoded<U>> decode(ByteSpan, Canonical, const DecodeLimits&);
};

// Decodes `bytes` as a T. Errors: kMessageTooLarge, kMalformedMessage,
// kNonCanonical (only with Canonical::kRequire).
template <class T>
Result<Decoded<T>> decode(ByteSpan bytes, Canonical mode = Canonical::kRequire,
                          const DecodeLimits& limits = {}) {
  PACTUM_TRY(DecodedMessage message, SchemaPlan::of<T>().decode(bytes, mode, limits));
  // Validated already, so the typed view of the root cannot fail.
  typename T::Reader root = message.root_struct().template as<T>();
  return Decoded<T>(std::move(message), root);
}

}  // namespace pactum::protocol
