// Fuzz body for the crypto decoders: base64, hex, key files, certificates.
// Invariants checked on every input: a decoder that accepts must accept only
// canonical text (base64 re-encodes identically, hex re-encodes to the
// lower-cased input), and a decoded key file's key matches its stored public
// key. Key files are decoded without a passphrase so no input can make the
// fuzzer run Argon2id.
#include "tests/crypto/decoders_fuzz.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "crypto/crypto.h"
#include "crypto/key_file_internal.h"

namespace pactum::crypto::fuzz {
namespace {

void check_base64(ByteSpan in) {
  Result<Bytes> r = base64_decode(as_chars(in));
  if (r) PACTUM_ASSERT(base64_encode(*r) == as_chars(in));
}

void check_hex(ByteSpan in) {
  Result<Bytes> r = hex_decode(as_chars(in));
  if (!r) return;
  std::string lower(as_chars(in));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  PACTUM_ASSERT(to_hex(*r) == lower);
}

void check_key_file(ByteSpan in) {
  Result<SecretKey> r = decode_key_file(in, std::nullopt);
  if (!r) return;
  PACTUM_ASSERT(in.size() == kKeyFilePlainBytes);
  PACTUM_ASSERT(std::equal(r->public_key().begin(), r->public_key().end(),
                           in.begin() + kKeyFileHeaderBytes - kPublicKeyBytes));
}

void check_certificate(const X509Der& der) {
  Result<PublicKey> key = certificate_public_key(der);
  if (!key) return;
  // A parsed certificate round-trips through PEM to the same DER.
  Result<X509Der> back = certificate_from_pem(certificate_to_pem(der));
  PACTUM_ASSERT(back.has_value() && back->der == der.der);
}

}  // namespace

void fuzz_decoders_one(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  const ByteSpan in(data + 1, size - 1);
  switch (static_cast<Decoder>(data[0] % kDecoderCount)) {
    case Decoder::kBase64:
      check_base64(in);
      return;
    case Decoder::kHex:
      check_hex(in);
      return;
    case Decoder::kKeyFile:
      check_key_file(in);
      return;
    case Decoder::kCertificateDer:
      check_certificate(X509Der{Bytes(in.begin(), in.end())});
      return;
    case Decoder::kCertificatePem: {
      Result<X509Der> der = certificate_from_pem(as_chars(in));
      if (der) check_certificate(*der);
      return;
    }
  }
  PACTUM_UNREACHABLE();
}

}  // namespace pactum::crypto::fuzz
