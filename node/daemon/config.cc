// Parsing and checking pactumd's TOML configuration (docs/node-config.md).
#include "node/daemon/config.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "node/daemon/daemon_limits.h"
#include "node/net/transport.h"

namespace pactum::node::daemon {
namespace {

// Keys each table may hold; anything else is a typo the operator must hear of.
const std::set<std::string, std::less<>> kTopKeys = {"node", "keys", "listen", "partners",
                                                     "limits"};
const std::set<std::string, std::less<>> kNodeKeys = {"name", "data_dir", "policy", "log_level",
                                                      "ledger_fsync"};
const std::set<std::string, std::less<>> kKeysKeys = {"node_key", "passphrase", "org_root",
                                                      "node_certificate_pem", "node_certificate"};
const std::set<std::string, std::less<>> kListenKeys = {"peer", "api", "metrics"};
const std::set<std::string, std::less<>> kPartnerKeys = {"name", "org_root", "address"};
const std::set<std::string, std::less<>> kLimitKeys = {"api_body_bytes", "api_connections",
                                                       "sse_subscribers", "tick_ms",
                                                       "open_negotiations_per_peer",
                                                       "peer_frames_per_second", "peer_frames_burst",
                                                       "signature_offload_percent"};

tl::unexpected<Error> bad(std::string_view key, const std::string& what) {
  return Fail(Errc::kBadConfig, std::string(key) + ": " + what);
}

Result<void> only_known(const toml::table& t, std::string_view prefix,
                        const std::set<std::string, std::less<>>& known) {
  for (const auto& [k, v] : t) {
    if (!known.contains(k.str())) {
      std::string name = prefix.empty() ? std::string(k.str()) : std::string(prefix) + "." + std::string(k.str());
      return bad(name, "unknown key");
    }
  }
  return Ok();
}

Result<const toml::table*> get_table(const toml::table& root, std::string_view key) {
  const toml::node* n = root.get(key);
  if (n == nullptr) return bad(key, "missing table [" + std::string(key) + "]");
  const toml::table* t = n->as_table();
  if (t == nullptr) return bad(key, "must be a table");
  return t;
}

Result<std::string> get_string(const toml::table& t, std::string_view table, std::string_view key,
                               std::optional<std::string> fallback = std::nullopt) {
  std::string name = std::string(table) + "." + std::string(key);
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    if (fallback) return *fallback;
    return bad(name, "missing");
  }
  auto v = n->value<std::string>();
  if (!n->is_string() || !v) return bad(name, "must be a string");
  if (v->empty()) return bad(name, "must not be empty");
  return *v;
}

Result<std::int64_t> get_int(const toml::table& t, std::string_view table, std::string_view key,
                             std::int64_t lo, std::int64_t hi, std::int64_t fallback) {
  std::string name = std::string(table) + "." + std::string(key);
  const toml::node* n = t.get(key);
  if (n == nullptr) return fallback;
  auto v = n->value<std::int64_t>();
  if (!n->is_integer() || !v) return bad(name, "must be an integer");
  if (*v < lo || *v > hi) {
    return bad(name, std::to_string(*v) + " is not in " + std::to_string(lo) + ".." +
                         std::to_string(hi));
  }
  return *v;
}

// Names go into metric labels and the ledger origin line: a conservative set.
Result<void> check_name(std::string_view key, std::string_view name) {
  if (name.size() > kNameBytesMax) {
    return bad(key, "longer than " + std::to_string(kNameBytesMax) + " bytes");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) return bad(key, "'" + std::string(name) + "' may hold only A-Z a-z 0-9 . - _");
  }
  return Ok();
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) return p.lexically_normal().string();
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

// An org root key as base64 text, or a path to a public key file whose first
// line is that text (`pactum key show --public-out`).
Result<crypto::PublicKey> get_org_key(const std::string& key, const std::string& value,
                                      const std::string& base_dir) {
  if (auto k = crypto::public_key_from_text(value); k) return *k;
  std::string path = resolve(base_dir, value);
  std::ifstream in(path);
  if (!in) return bad(key, "neither a base64 public key nor a readable key file: " + value);
  std::string first;
  std::getline(in, first);
  auto k = crypto::public_key_from_text(first);
  if (!k) return bad(key, "file " + path + " does not start with a base64 public key");
  return *k;
}

Result<void> parse_node(const toml::table& root, const std::string& base_dir, DaemonConfig& c) {
  PACTUM_TRY(const toml::table* t, get_table(root, "node"));
  PACTUM_CHECK(only_known(*t, "node", kNodeKeys));
  PACTUM_TRY(c.node_name, get_string(*t, "node", "name"));
  PACTUM_CHECK(check_name("node.name", c.node_name));
  PACTUM_TRY(std::string data, get_string(*t, "node", "data_dir"));
  c.data_dir = resolve(base_dir, data);
  PACTUM_TRY(std::string policy, get_string(*t, "node", "policy"));
  c.policy_file = resolve(base_dir, policy);
  PACTUM_TRY(c.log_level, get_string(*t, "node", "log_level", std::string("info")));
  static const std::set<std::string, std::less<>> kLevels = {"trace", "debug", "info", "warn",
                                                             "error"};
  if (!kLevels.contains(c.log_level)) {
    return bad("node.log_level", "'" + c.log_level + "' is not one of trace, debug, info, warn, error");
  }
  if (const toml::node* n = t->get("ledger_fsync"); n != nullptr) {
    if (!n->is_boolean()) return bad("node.ledger_fsync", "must be true or false");
    c.ledger_fsync = n->value<bool>().value_or(true);
  }
  return Ok();
}

Result<void> parse_keys(const toml::table& root, const std::string& base_dir, DaemonConfig& c) {
  PACTUM_TRY(const toml::table* t, get_table(root, "keys"));
  PACTUM_CHECK(only_known(*t, "keys", kKeysKeys));
  PACTUM_TRY(std::string key, get_string(*t, "keys", "node_key"));
  c.node_key_file = resolve(base_dir, key);
  PACTUM_TRY(std::string pass, get_string(*t, "keys", "passphrase", std::string("env")));
  if (pass == "env") {
    c.passphrase = PassphraseSource::kEnv;
  } else if (pass == "none") {
    c.passphrase = PassphraseSource::kNone;
  } else {
    return bad("keys.passphrase", "'" + pass + "' is not \"env\" or \"none\"");
  }
  PACTUM_TRY(std::string org, get_string(*t, "keys", "org_root"));
  PACTUM_TRY(c.org_root, get_org_key("keys.org_root", org, base_dir));
  PACTUM_TRY(std::string pem, get_string(*t, "keys", "node_certificate_pem"));
  c.certificate_pem_file = resolve(base_dir, pem);
  PACTUM_TRY(std::string cert, get_string(*t, "keys", "node_certificate"));
  c.certificate_file = resolve(base_dir, cert);
  return Ok();
}

Result<void> parse_listen(const toml::table& root, DaemonConfig& c) {
  PACTUM_TRY(const toml::table* t, get_table(root, "listen"));
  PACTUM_CHECK(only_known(*t, "listen", kListenKeys));
  PACTUM_TRY(std::string peer, get_string(*t, "listen", "peer"));
  PACTUM_TRY(c.peer_listen, parse_endpoint("listen.peer", peer));
  PACTUM_TRY(std::string api, get_string(*t, "listen", "api"));
  PACTUM_TRY(c.api_listen, parse_endpoint("listen.api", api));
  PACTUM_TRY(std::string metrics, get_string(*t, "listen", "metrics"));
  PACTUM_TRY(c.metrics_listen, parse_endpoint("listen.metrics", metrics));
  return Ok();
}

Result<void> parse_partners(const toml::table& root, const std::string& base_dir,
                            DaemonConfig& c) {
  const toml::node* n = root.get("partners");
  if (n == nullptr) return Ok();  // A node with no partners can still be started and inspected.
  const toml::array* a = n->as_array();
  if (a == nullptr) return bad("partners", "must be an array of tables [[partners]]");
  if (a->size() > kPartnersMax) {
    return bad("partners", "more than " + std::to_string(kPartnersMax) + " partners");
  }
  std::set<std::string> names;
  std::set<crypto::PublicKey> keys;
  for (std::size_t i = 0; i < a->size(); ++i) {
    std::string at = "partners[" + std::to_string(i) + "]";
    const toml::table* t = (*a)[i].as_table();
    if (t == nullptr) return bad(at, "must be a table");
    PACTUM_CHECK(only_known(*t, at, kPartnerKeys));
    PartnerConfig p;
    PACTUM_TRY(p.name, get_string(*t, at, "name"));
    PACTUM_CHECK(check_name(at + ".name", p.name));
    if (!names.insert(p.name).second) return bad(at + ".name", "'" + p.name + "' named twice");
    PACTUM_TRY(std::string org, get_string(*t, at, "org_root"));
    PACTUM_TRY(p.org_root, get_org_key(at + ".org_root", org, base_dir));
    if (p.org_root == c.org_root) return bad(at + ".org_root", "is our own org_root");
    if (!keys.insert(p.org_root).second) return bad(at + ".org_root", "same key as another partner");
    PACTUM_TRY(std::string addr, get_string(*t, at, "address"));
    PACTUM_TRY(p.address, parse_endpoint(at + ".address", addr));
    if (p.address.port == 0) return bad(at + ".address", "port 0 cannot be dialled");
    c.partners.push_back(std::move(p));
  }
  return Ok();
}

Result<void> parse_limits(const toml::table& root, DaemonConfig& c) {
  toml::table empty;
  const toml::table* t = &empty;
  if (const toml::node* n = root.get("limits"); n != nullptr) {
    t = n->as_table();
    if (t == nullptr) return bad("limits", "must be a table");
  }
  PACTUM_CHECK(only_known(*t, "limits", kLimitKeys));
  PACTUM_TRY(std::int64_t body, get_int(*t, "limits", "api_body_bytes", 1024,
                                        kApiBodyBytesMax, kApiBodyBytesDefault));
  PACTUM_TRY(std::int64_t conns, get_int(*t, "limits", "api_connections", 2, kApiConnectionsMax,
                                         kApiConnectionsDefault));
  PACTUM_TRY(std::int64_t subs, get_int(*t, "limits", "sse_subscribers", 1, kApiConnectionsMax,
                                        kSseSubscribersDefault));
  if (subs >= conns) {
    return bad("limits.sse_subscribers", std::to_string(subs) +
                                             " must be below limits.api_connections (" +
                                             std::to_string(conns) + ")");
  }
  PACTUM_TRY(std::int64_t tick, get_int(*t, "limits", "tick_ms", kTickMsMin, kTickMsMax,
                                        kTickMsDefault));
  c.limits.api_body_bytes = static_cast<std::size_t>(body);
  c.limits.api_connections = static_cast<std::size_t>(conns);
  c.limits.sse_subscribers = static_cast<std::size_t>(subs);
  c.limits.tick_ms = static_cast<std::uint32_t>(tick);
  PACTUM_TRY(std::int64_t open, get_int(*t, "limits", "open_negotiations_per_peer", 1,
                                        net::kOpenNegotiationsPerPeerMax,
                                        net::kOpenNegotiationsPerPeerDefault));
  c.limits.open_negotiations_per_peer = static_cast<std::uint32_t>(open);
  PACTUM_TRY(std::int64_t rate, get_int(*t, "limits", "peer_frames_per_second", 1, net::kFramesPerSecondMax,
                                        net::kFramesPerSecondDefault));
  PACTUM_TRY(std::int64_t burst, get_int(*t, "limits", "peer_frames_burst", 1, net::kFramesPerSecondMax,
                                         net::kFramesBurstDefault));
  c.limits.peer_frames_per_second = static_cast<std::uint32_t>(rate);
  c.limits.peer_frames_burst = static_cast<std::uint32_t>(burst);
  PACTUM_TRY(std::int64_t offload, get_int(*t, "limits", "signature_offload_percent", 0, 100,
                                           kSignatureOffloadPercentDefault));
  c.limits.signature_offload_percent = static_cast<std::uint32_t>(offload);
  return Ok();
}

}  // namespace

std::string Endpoint::text() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Endpoint> parse_endpoint(std::string_view key, std::string_view text) {
  std::string shown = "'" + std::string(text) + "'";
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad(key, shown + " is not host:port");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos ||
        host.find(':') == std::string_view::npos) {
      return bad(key, shown + ": '" + std::string(host) + "' is not an IPv6 address");
    }
  } else if (host != "localhost") {
    // An IPv4 dotted quad: four decimal parts of 0..255.
    int parts = 0;
    std::size_t i = 0;
    bool ok = !host.empty();
    while (ok && i <= host.size()) {
      std::size_t dot = host.find('.', i);
      std::string_view part = host.substr(i, dot == std::string_view::npos ? host.npos : dot - i);
      ok = !part.empty() && part.size() <= 3 &&
           part.find_first_not_of("0123456789") == std::string_view::npos &&
           std::stoi(std::string(part)) <= 255;
      ++parts;
      if (dot == std::string_view::npos) break;
      i = dot + 1;
    }
    if (!ok || parts != 4) {
      return bad(key, shown + ": host must be an IPv4 address, [IPv6] or localhost");
    }
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos) {
    return bad(key, shown + ": port must be a decimal number");
  }
  int p = std::stoi(std::string(port));
  if (p > 65535) return bad(key, "port " + std::to_string(p) + " is not in 0..65535");
  return Endpoint{std::string(host == "localhost" ? "127.0.0.1" : host),
                  static_cast<std::uint16_t>(p)};
}

Result<DaemonConfig> parse_config(std::string_view toml_text, const std::string& base_dir) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& err) {
    return Fail(Errc::kBadConfig, "config: line " + std::to_string(err.source().begin.line) +
                                      ": " + std::string(err.description()));
  }
  DaemonConfig c;
  PACTUM_CHECK(only_known(root, "", kTopKeys));
  PACTUM_CHECK(parse_node(root, base_dir, c));
  PACTUM_CHECK(parse_keys(root, base_dir, c));
  PACTUM_CHECK(parse_listen(root, c));
  PACTUM_CHECK(parse_partners(root, base_dir, c));
  PACTUM_CHECK(parse_limits(root, c));
  return c;
}

Result<DaemonConfig> load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad("config", "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kConfigBytesMax) {
    return bad("config", path + " is larger than " + std::to_string(kConfigBytesMax) + " bytes");
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  return parse_config(text.str(), dir);
}

}  // namespace pactum::node::daemon
