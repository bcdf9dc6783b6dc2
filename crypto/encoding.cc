// crypto: key ids, fingerprints, base64 and hex.
#include <sodium.h>

#include <string>

#include "crypto/crypto.h"

namespace pactum::crypto {
namespace {

constexpr std::string_view kKeyIdDomain = "pactum-key-id";
constexpr std::size_t kKeyIdBytes = 8;  // 64 bits: for display, not for security.

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '=';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string key_id(const PublicKey& key) {
  Sha256 h;
  h.update(as_bytes(kKeyIdDomain));
  const std::uint8_t zero = 0;
  h.update(ByteSpan(&zero, 1));
  h.update(key);
  Digest d = h.finish();
  return to_hex(ByteSpan(d.data(), kKeyIdBytes));
}

std::string fingerprint(const PublicKey& key) {
  std::string b64 = base64_encode(sha256(key));
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

std::string base64_encode(ByteSpan data) {
  const std::size_t len = sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(len, '\0');  // len counts the terminating NUL.
  sodium_bin2base64(out.data(), len, data.data(), data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();
  return out;
}

Result<Bytes> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return Fail(Errc::kBadEncoding,
                "base64 length " + std::to_string(text.size()) + " is not a multiple of 4");
  }
  if (text.empty()) return Bytes{};  // libsodium's output pointer must not be null.
  // libsodium 1.0.18 maps some bytes >= 0x80 to alphabet values (its
  // constant-time compare sees them as negative), so the alphabet is checked here.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_base64_char(text[i])) {
      return Fail(Errc::kBadEncoding, "invalid base64 character at offset " + std::to_string(i));
    }
  }
  Bytes out(text.size() / 4 * 3);
  std::size_t out_len = 0;
  const char* end = nullptr;
  // libsodium rejects missing or extra padding and non-zero trailing bits;
  // `end` catches anything left over.
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &out_len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return Fail(Errc::kBadEncoding, "invalid base64");
  }
  out.resize(out_len);
  return out;
}

std::string public_key_to_text(const PublicKey& key) { return base64_encode(key); }

Result<PublicKey> public_key_from_text(std::string_view text) {
  PACTUM_TRY(Bytes raw, base64_decode(text));
  if (raw.size() != kPublicKeyBytes) {
    return Fail(Errc::kBadKey, "public key must be 32 bytes, got " + std::to_string(raw.size()));
  }
  PublicKey key{};
  std::copy(raw.begin(), raw.end(), key.begin());
  return key;
}

Result<Bytes> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return Fail(Errc::kBadEncoding, "hex length " + std::to_string(text.size()) + " is odd");
  }
  Bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_value(text[i]);
    const int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) {
      return Fail(Errc::kBadEncoding,
                  "non-hex character at offset " + std::to_string(hi < 0 ? i : i + 1));
    }
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

}  // namespace pactum::crypto
