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
//      field of root() cannot throw.
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

#include <memory>

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

  struct Storage;  // Internal (decode.cc).

 private:
  explicit DecodedMessage(std::unique_ptr<Storage> storage);
  std::unique_ptr<Storage> storage_;
  friend Result<DecodedMessage> decode_message(ByteSpan, Canonical, capnp::StructSchema,
                                               const DecodeLimits&);
};

// Decodes and validates `bytes` against `schema` (steps 1-5 above).
Result<DecodedMessage> decode_message(ByteSpan bytes, Canonical mode, capnp::StructSchema schema,
                                      const DecodeLimits& limits = {});

// A validated message of root type T (a generated struct type).
template <class T>
class Decoded {
 public:
  typename T::Reader root() const { return root_; }
  ByteSpan bytes() const { return message_.bytes(); }

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
  PACTUM_TRY(DecodedMessage message,
             decode_message(bytes, mode, capnp::Schema::from<T>(), limits));
  // Validated already, so the typed view of the root cannot fail.
  typename T::Reader root = message.root_struct().template as<T>();
  return Decoded<T>(std::move(message), root);
}

}  // namespace pactum::protocol
