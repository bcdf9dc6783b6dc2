// Loading, validating and hashing guardrail policies. toml++ throws on syntax
// errors; that exception is caught here and never leaves this file.
#include "protocol/policy.h"

#include <algorithm>
#include <toml++/toml.h>

#include "protocol/negotiation_limits.h"

namespace pactum::protocol {
namespace {

constexpr std::string_view kPolicyHashDomain = "pactum/policy/v1";

Error bad(const std::string& key, const std::string& why) {
  return Error{Errc::kBadPolicy, "policy key '" + key + "': " + why};
}

// An integer in [lo, hi] at `key`; wrong type or range names the key.
Result<std::int64_t> get_int(const toml::node& n, const std::string& key, std::int64_t lo,
                             std::int64_t hi) {
  const auto* v = n.as_integer();
  if (v == nullptr) return Fail(bad(key, "must be an integer"));
  std::int64_t x = v->get();
  if (x < lo || x > hi) {
    return Fail(bad(key, "value " + std::to_string(x) + " outside [" + std::to_string(lo) + ", " +
                             std::to_string(hi) + "]"));
  }
  return x;
}

bool valid_product_name(std::string_view s) {
  if (s.empty() || s.size() > kProductNameBytesMax) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
  });
}

bool valid_currency(std::string_view s) {
  return s.size() == 3 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// A sorted, duplicate-free list of base64 public keys at `key`.
Result<std::vector<crypto::PublicKey>> get_keys(const toml::node& n, const std::string& key,
                                                std::size_t max) {
  const auto* arr = n.as_array();
  if (arr == nullptr) return Fail(bad(key, "must be an array of base64 public keys"));
  if (arr->size() > max) return Fail(bad(key, "more than " + std::to_string(max) + " entries"));
  std::vector<crypto::PublicKey> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto* s = (*arr)[i].as_string();
    std::string item = key + "[" + std::to_string(i) + "]";
    if (s == nullptr) return Fail(bad(item, "must be a string"));
    auto pk = crypto::public_key_from_text(s->get());
    if (!pk) return Fail(bad(item, "not a base64 Ed25519 public key: " + pk.error().to_string()));
    out.push_back(*pk);
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    return Fail(bad(key, "lists one key twice"));
  }
  return out;
}

Result<ProductRule> get_product(const toml::node& n, const std::string& prefix) {
  const auto* t = n.as_table();
  if (t == nullptr) return Fail(bad(prefix, "must be a table"));
  ProductRule r;
  bool seen[4] = {false, false, false, false};
  constexpr std::int64_t kMax = INT64_MAX;
  for (auto&& [k, v] : *t) {
    std::string key = prefix + "." + std::string(k.str());
    if (k == "floor_minor") {
      PACTUM_TRY(r.floor_minor, get_int(v, key, 0, kMax));
      seen[0] = true;
    } else if (k == "ceiling_minor") {
      PACTUM_TRY(r.ceiling_minor, get_int(v, key, 0, kMax));
      seen[1] = true;
    } else if (k == "list_minor") {
      PACTUM_TRY(r.list_minor, get_int(v, key, 0, kMax));
      seen[2] = true;
    } else if (k == "max_discount_ppm") {
      PACTUM_TRY(r.max_discount_ppm, get_int(v, key, 0, kPpmOne));
      seen[3] = true;
    } else {
      return Fail(bad(key, "unknown key"));
    }
  }
  const char* names[4] = {"floor_minor", "ceiling_minor", "list_minor", "max_discount_ppm"};
  for (int i = 0; i < 4; ++i) {
    if (!seen[i]) return Fail(bad(prefix + "." + names[i], "missing"));
  }
  if (r.floor_minor > r.ceiling_minor) {
    return Fail(bad(prefix + ".floor_minor", "floor " + std::to_string(r.floor_minor) +
                                                 " above ceiling " + std::to_string(r.ceiling_minor)));
  }
  if (r.list_minor < r.floor_minor || r.list_minor > r.ceiling_minor) {
    return Fail(bad(prefix + ".list_minor", "list " + std::to_string(r.list_minor) +
                                                " outside [floor " + std::to_string(r.floor_minor) +
                                                ", ceiling " + std::to_string(r.ceiling_minor) + "]"));
  }
  return r;
}

Result<void> get_products(const toml::node& n, Policy& p) {
  const auto* t = n.as_table();
  if (t == nullptr) return Fail(bad("products", "must be a table of product tables"));
  if (t->size() > kPolicyProductsMax) return Fail(bad("products", "too many products"));
  for (auto&& [k, v] : *t) {
    std::string name(k.str());
    if (!valid_product_name(name)) return Fail(bad("products." + name, "invalid product name"));
    PACTUM_TRY(ProductRule r, get_product(v, "products." + name));
    p.products.emplace(name, r);
  }
  return Ok();
}

// Walks the top-level table; every key is known or the file is refused.
Result<Policy> from_table(const toml::table& tbl) {
  Policy p;
  constexpr std::int64_t kMax = INT64_MAX;
  std::vector<std::string> seen;
  for (auto&& [k, v] : tbl) {
    std::string key(k.str());
    seen.push_back(key);
    if (key == "version") {
      PACTUM_TRY(p.version, get_int(v, key, 1, kMax));
    } else if (key == "currency") {
      const auto* s = v.as_string();
      if (s == nullptr || !valid_currency(s->get())) {
        return Fail(bad(key, "must be a 3-letter upper-case ISO 4217 code"));
      }
      p.currency = s->get();
    } else if (key == "max_rounds") {
      PACTUM_TRY(std::int64_t r, get_int(v, key, 1, kNegotiationRoundsMax));
      p.max_rounds = static_cast<std::uint32_t>(r);
    } else if (key == "max_concession_per_round_ppm") {
      PACTUM_TRY(p.max_concession_ppm, get_int(v, key, 0, kPpmOne));
    } else if (key == "approval_threshold_minor") {
      PACTUM_TRY(p.approval_threshold_minor, get_int(v, key, 0, kMax));
    } else if (key == "max_open_exposure_minor") {
      PACTUM_TRY(p.max_open_exposure_minor, get_int(v, key, 0, kMax));
    } else if (key == "allowed_counterparties") {
      PACTUM_TRY(p.allowed_counterparties, get_keys(v, key, kPolicyCounterpartiesMax));
    } else if (key == "approvers") {
      PACTUM_TRY(p.approvers, get_keys(v, key, kPolicyApproversMax));
    } else if (key == "products") {
      PACTUM_CHECK(get_products(v, p));
    } else {
      return Fail(bad(key, "unknown key"));
    }
  }
  for (const char* required : {"version", "currency", "max_rounds", "max_concession_per_round_ppm",
                               "approval_threshold_minor", "max_open_exposure_minor",
                               "allowed_counterparties", "approvers", "products"}) {
    if (std::find(seen.begin(), seen.end(), required) == seen.end()) {
      return Fail(bad(required, "missing"));
    }
  }
  if (p.approvers.empty() && p.approval_threshold_minor < kMax) {
    return Fail(bad("approvers", "empty, but approval_threshold_minor " +
                                     std::to_string(p.approval_threshold_minor) +
                                     " can escalate; list an approver or raise the threshold"));
  }
  return p;
}

void put_i64(Bytes& out, std::int64_t v) { append(out, be64(static_cast<std::uint64_t>(v))); }
void put_u32(Bytes& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
void put_str(Bytes& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  append(out, as_bytes(s));
}
void put_keys(Bytes& out, const std::vector<crypto::PublicKey>& keys) {
  put_u32(out, static_cast<std::uint32_t>(keys.size()));
  for (const auto& k : keys) append(out, k);
}

}  // namespace

bool Policy::counterparty_allowed(const crypto::PublicKey& org) const {
  return std::binary_search(allowed_counterparties.begin(), allowed_counterparties.end(), org);
}

bool Policy::is_approver(const crypto::PublicKey& key) const {
  return std::binary_search(approvers.begin(), approvers.end(), key);
}

Result<Policy> load_policy(std::string_view toml_text) {
  if (toml_text.size() > kPolicyFileBytesMax) {
    return Fail(Errc::kBadPolicy, "policy file of " + std::to_string(toml_text.size()) +
                                      " bytes exceeds " + std::to_string(kPolicyFileBytesMax));
  }
  toml::table tbl;
  try {
    tbl = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    return Fail(Errc::kParse, "policy TOML line " + std::to_string(e.source().begin.line) +
                                  " column " + std::to_string(e.source().begin.column) + ": " +
                                  std::string(e.description()));
  }
  return from_table(tbl);
}

Bytes policy_canonical_bytes(const Policy& p) {
  // Byte grammar (docs/policy.md): fixed field order, big-endian integers,
  // length-prefixed strings, lists sorted ascending by bytes.
  Bytes out;
  put_i64(out, p.version);
  put_str(out, p.currency);
  put_u32(out, p.max_rounds);
  put_i64(out, p.max_concession_ppm);
  put_i64(out, p.approval_threshold_minor);
  put_i64(out, p.max_open_exposure_minor);
  put_keys(out, p.allowed_counterparties);
  put_keys(out, p.approvers);
  put_u32(out, static_cast<std::uint32_t>(p.products.size()));
  for (const auto& [name, r] : p.products) {  // std::map: sorted by unsigned bytes.
    put_str(out, name);
    put_i64(out, r.floor_minor);
    put_i64(out, r.ceiling_minor);
    put_i64(out, r.list_minor);
    put_i64(out, r.max_discount_ppm);
  }
  return out;
}

crypto::Digest policy_hash(const Policy& p) {
  Bytes msg = to_bytes(kPolicyHashDomain);
  msg.push_back(0x00);
  append(msg, policy_canonical_bytes(p));
  return crypto::sha256(msg);
}

}  // namespace pactum::protocol
