// C2SP tlog-checkpoint bodies and C2SP signed notes with Ed25519 (type 0x01).
//
//   note      = text "\n" 1*sig-line          ; text ends in "\n"
//   sig-line  = U+2014 " " key-name " " base64(be32(key id) || 64-byte sig) "\n"
//   key id    = be32(SHA-256(key-name || 0x0A || 0x01 || public key)[0:4])
//   verifier  = key-name "+" 8 lowercase hex (key id) "+" base64(0x01 || public key)
//   checkpoint body = origin "\n" decimal-size "\n" base64(root) "\n"
#include <charconv>
#include <string>

#include "ledger/ledger.h"

namespace pactum::ledger {
namespace {

constexpr std::string_view kEmDash = "\xE2\x80\x94";  // U+2014, as the spec requires.
constexpr std::uint8_t kSigTypeEd25519 = 0x01;
constexpr std::size_t kKeyIdBytes = 4;

// Valid UTF-8 with no ASCII control character other than newline (spec, Format).
bool valid_note_text(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (len == 0 || (c >= 0xF0 && len != 4) || i + len > s.size()) return false;
    for (std::size_t j = 1; j < len; ++j) {
      if ((static_cast<unsigned char>(s[i + j]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

bool valid_key_name(std::string_view name) {
  if (name.empty() || name.size() > kOriginBytesMax) return false;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == '+' || c == 0x7f) return false;
  }
  // Unicode spaces beyond ASCII are rare in names; a name must still be valid UTF-8.
  return valid_note_text(name);
}

Result<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0'))
    return Fail(Errc::kBadCheckpoint, "bad tree size '" + std::string(s) + "'");
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size())
    return Fail(Errc::kBadCheckpoint, "bad tree size '" + std::string(s) + "'");
  return v;
}

}  // namespace

std::string checkpoint_body(const Checkpoint& cp) {
  return cp.origin + "\n" + std::to_string(cp.size) + "\n" + crypto::base64_encode(cp.root) + "\n";
}

Result<Checkpoint> parse_checkpoint_body(std::string_view body) {
  Checkpoint cp;
  std::string_view lines[3];
  std::string_view rest = body;
  for (auto& line : lines) {
    std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return Fail(Errc::kBadCheckpoint, "checkpoint has fewer than 3 lines");
    line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
  }
  if (!rest.empty()) return Fail(Errc::kBadCheckpoint, "checkpoint has extension lines");
  if (!valid_key_name(lines[0])) return Fail(Errc::kBadCheckpoint, "bad checkpoint origin");
  cp.origin = std::string(lines[0]);
  PACTUM_TRY(cp.size, parse_decimal(lines[1]));
  auto root = crypto::base64_decode(lines[2]);
  if (!root || root->size() != cp.root.size())
    return Fail(Errc::kBadCheckpoint, "checkpoint root is not base64 of 32 bytes");
  std::copy(root->begin(), root->end(), cp.root.begin());
  return cp;
}

std::uint32_t note_key_id(std::string_view name, const crypto::PublicKey& key) {
  crypto::Sha256 h;
  const std::uint8_t sep[2] = {0x0A, kSigTypeEd25519};
  h.update(as_bytes(name)).update(ByteSpan(sep, 2)).update(key);
  crypto::Digest d = h.finish();
  return (std::uint32_t{d[0]} << 24) | (std::uint32_t{d[1]} << 16) | (std::uint32_t{d[2]} << 8) | d[3];
}

Result<VerifierKey> make_verifier_key(std::string_view name, const crypto::PublicKey& key) {
  if (!valid_key_name(name))
    return Fail(Errc::kInvalidArgument, "key name '" + std::string(name) +
                                            "' must be 1.." + std::to_string(kOriginBytesMax) +
                                            " bytes without spaces or '+'");
  return VerifierKey{std::string(name), note_key_id(name, key), key};
}

std::string verifier_key_text(const VerifierKey& key) {
  Bytes typed{kSigTypeEd25519};
  append(typed, key.key);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", key.key_id);
  return key.name + "+" + hex + "+" + crypto::base64_encode(typed);
}

Result<VerifierKey> parse_verifier_key(std::string_view text) {
  std::size_t p1 = text.find('+');
  if (p1 == std::string_view::npos || p1 + 10 > text.size() || text[p1 + 9] != '+')
    return Fail(Errc::kBadKey, "verifier key is not name+hash+key");
  std::string_view name = text.substr(0, p1);
  std::string_view hex = text.substr(p1 + 1, 8);
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return Fail(Errc::kBadKey, "verifier key hash is not 8 lowercase hex digits");
  }
  auto typed = crypto::base64_decode(text.substr(p1 + 10));
  if (!typed || typed->size() != 1 + crypto::kPublicKeyBytes || (*typed)[0] != kSigTypeEd25519)
    return Fail(Errc::kBadKey, "verifier key is not an Ed25519 (type 0x01) key");
  crypto::PublicKey pk{};
  std::copy(typed->begin() + 1, typed->end(), pk.begin());
  auto key = make_verifier_key(name, pk);
  if (!key) return Fail(Errc::kBadKey, key.error().detail);
  std::uint32_t id = 0;
  std::from_chars(hex.data(), hex.data() + hex.size(), id, 16);
  if (id != key->key_id) return Fail(Errc::kBadKey, "verifier key hash does not match name and key");
  return key;
}

std::string sign_note(std::string_view text, std::string_view name, const crypto::SecretKey& key) {
  PACTUM_ASSERT(!text.empty() && text.back() == '\n');
  PACTUM_ASSERT(valid_key_name(name));
  crypto::Signature sig = key.sign_raw(as_bytes(text));
  std::uint32_t id = note_key_id(name, key.public_key());
  Bytes blob{static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16),
             static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
  append(blob, sig);
  std::string out(text);
  out += "\n";
  out += kEmDash;
  out += " ";
  out += name;
  out += " ";
  out += crypto::base64_encode(blob);
  out += "\n";
  return out;
}

Result<std::string> open_note(std::string_view note, const VerifierKey& key) {
  if (note.size() > kNoteBytesMax) return Fail(Errc::kBadCheckpoint, "note over kNoteBytesMax");
  if (!valid_note_text(note)) return Fail(Errc::kBadCheckpoint, "note is not UTF-8 without control characters");
  std::size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Fail(Errc::kBadCheckpoint, "note has no signature block");
  std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return Fail(Errc::kBadCheckpoint, "note signatures do not end in newline");
  bool verified = false;
  std::size_t count = 0;
  while (!sigs.empty()) {
    if (++count > kNoteSignaturesMax) return Fail(Errc::kBadCheckpoint, "note over kNoteSignaturesMax signatures");
    std::size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (line.substr(0, kEmDash.size() + 1) != std::string(kEmDash) + " ")
      return Fail(Errc::kBadCheckpoint, "signature line does not start with an em dash and a space");
    line.remove_prefix(kEmDash.size() + 1);
    std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return Fail(Errc::kBadCheckpoint, "signature line has no signature");
    std::string_view name = line.substr(0, sp);
    auto blob = crypto::base64_decode(line.substr(sp + 1));
    if (!valid_key_name(name) || !blob || blob->size() <= kKeyIdBytes)
      return Fail(Errc::kBadCheckpoint, "malformed signature line");
    std::uint32_t id = (std::uint32_t{(*blob)[0]} << 24) | (std::uint32_t{(*blob)[1]} << 16) |
                       (std::uint32_t{(*blob)[2]} << 8) | (*blob)[3];
    if (name != key.name || id != key.key_id) continue;  // Unknown keys are ignored.
    if (blob->size() != kKeyIdBytes + crypto::kSignatureBytes)
      return Fail(Errc::kBadSignature, "signature by " + key.name + " is not 64 bytes");
    crypto::Signature sig{};
    std::copy(blob->begin() + kKeyIdBytes, blob->end(), sig.begin());
    auto ok = crypto::verify_raw(key.key, as_bytes(text), sig);
    if (!ok) return Fail(Errc::kBadSignature, "note signature by " + key.name + " does not verify");
    verified = true;
  }
  if (!verified) return Fail(Errc::kBadCheckpoint, "note has no signature by " + key.name);
  return std::string(text);
}

Result<Checkpoint> open_checkpoint(std::string_view note, const VerifierKey& key) {
  PACTUM_TRY(std::string text, open_note(note, key));
  PACTUM_TRY(Checkpoint cp, parse_checkpoint_body(text));
  if (cp.origin != key.name)
    return Fail(Errc::kBadCheckpoint, "checkpoint origin '" + cp.origin + "' is not the key name '" + key.name + "'");
  return cp;
}

}  // namespace pactum::ledger
