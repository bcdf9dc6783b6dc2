// Canonical encoding helpers and domain-separated hashes (canonical.h).
#include "protocol/canonical.h"

#include <string>

namespace pactum::protocol {

crypto::Digest domain_hash(std::string_view domain, ByteSpan bytes) {
  return domain_hash(domain, bytes, ByteSpan());
}

crypto::Digest domain_hash(std::string_view domain, ByteSpan first, ByteSpan second) {
  PACTUM_ASSERT(!domain.empty());
  PACTUM_ASSERT(domain.find('\0') == std::string_view::npos);
  static constexpr std::uint8_t kSeparator[1] = {0x00};
  crypto::Sha256 h;
  h.update(as_bytes(domain));
  h.update(ByteSpan(kSeparator, 1));
  h.update(first);
  h.update(second);
  return h.finish();
}

Result<crypto::Digest> message_hash(wire::Body::Reader body) {
  PACTUM_TRY(Bytes canonical, canonical_bytes(body));
  return domain_hash(domains::kMessageHash, canonical);
}

Result<crypto::Digest> terms_hash(wire::ContractTerms::Reader terms) {
  PACTUM_TRY(Bytes canonical, canonical_bytes(terms));
  return domain_hash(domains::kTermsHash, canonical);
}

namespace {
template <std::size_t N>
Result<std::array<std::uint8_t, N>> read_fixed(capnp::Data::Reader data, std::string_view what) {
  if (data.size() != N) {
    return Fail(Errc::kMalformedMessage, std::string(what) + " is " + std::to_string(data.size()) +
                                             " bytes, expected " + std::to_string(N));
  }
  std::array<std::uint8_t, N> out{};
  std::copy(data.begin(), data.end(), out.begin());
  return out;
}
}  // namespace

Result<crypto::PublicKey> read_key(capnp::Data::Reader data, std::string_view what) {
  return read_fixed<crypto::kPublicKeyBytes>(data, what);
}
Result<crypto::Digest> read_hash(capnp::Data::Reader data, std::string_view what) {
  return read_fixed<crypto::kSha256Bytes>(data, what);
}
Result<crypto::Signature> read_signature(capnp::Data::Reader data, std::string_view what) {
  return read_fixed<crypto::kSignatureBytes>(data, what);
}

Error error_from_exception(const kj::Exception& e, std::string_view context) {
  std::string description = e.getDescription().cStr();
  // The library reports exhausted reader budgets in these words; they are a
  // size problem, not a shape problem, and callers may treat them apart.
  bool too_large = description.find("traversal limit") != std::string::npos ||
                   description.find("too large") != std::string::npos;
  return Error{too_large ? Errc::kMessageTooLarge : Errc::kMalformedMessage,
               std::string(context) + ": " + description};
}

}  // namespace pactum::protocol
