// pactumd's configuration: the TOML file named by --config (format and every
// key: docs/node-config.md; example: docs/examples/node.toml).
//
// parse_config() checks the text alone (types, ranges, addresses, names,
// keys given as base64); load_identity() then reads the files it names (node
// key, certificates, policy). Every error is kBadConfig with a detail that
// starts with the key's dotted name and says what is wrong, e.g.
// "listen.api: port 70000 is not in 0..65535", so pactumd can print one line
// and exit 2. Relative paths resolve against the config file's directory.
//
// Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/base.h"
#include "crypto/crypto.h"
#include "node/daemon/daemon_limits.h"

namespace pactum::node::daemon {

// A TCP address "host:port"; host is an IPv4 literal, a bracketed IPv6
// literal or "localhost". Port 0 asks the OS for a free port.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string text() const;
};
// kBadConfig naming `key` when `text` is not of that form.
Result<Endpoint> parse_endpoint(std::string_view key, std::string_view text);

struct PartnerConfig {
  std::string name;
  crypto::PublicKey org_root{};
  Endpoint address;
};

// Where the node key's passphrase comes from.
enum class PassphraseSource : std::uint8_t {
  kEnv = 1,   // $PACTUM_PASSPHRASE (required when the key file is encrypted).
  kNone = 2,  // The key file is unencrypted (demos and tests only).
};

struct DaemonLimits {
  std::size_t api_body_bytes = 0;     // Filled with the defaults of daemon_limits.h.
  std::size_t api_connections = 0;
  std::size_t sse_subscribers = 0;
  std::uint32_t tick_ms = 0;
  std::uint32_t open_negotiations_per_peer = 0;  // Default net::kOpenNegotiationsPerPeerDefault.
  std::uint32_t peer_frames_per_second = 0;      // Default net::kFramesPerSecondDefault.
  std::uint32_t peer_frames_burst = 0;           // Default net::kFramesBurstDefault.
  std::uint32_t signature_offload_percent = kSignatureOffloadPercentDefault;  // 0..100.
};

struct DaemonConfig {
  std::string node_name;              // [node] name: ledger origin, logs.
  std::string data_dir;               // [node] data_dir: the ledger lives here.
  std::string policy_file;            // [node] policy
  std::string log_level = "info";     // [node] log_level: trace..error.
  bool ledger_fsync = true;           // [node] ledger_fsync = false only for tests.
  std::string node_key_file;          // [keys] node_key
  PassphraseSource passphrase = PassphraseSource::kEnv;  // [keys] passphrase
  crypto::PublicKey org_root{};       // [keys] org_root
  std::string certificate_pem_file;   // [keys] node_certificate_pem
  std::string certificate_file;       // [keys] node_certificate (NodeCertificate envelope)
  Endpoint peer_listen;               // [listen] peer
  Endpoint api_listen;                // [listen] api
  Endpoint metrics_listen;            // [listen] metrics
  std::vector<PartnerConfig> partners;  // [[partners]]
  DaemonLimits limits;                // [limits]
};

// Parses and checks config text. `base_dir` resolves relative paths.
Result<DaemonConfig> parse_config(std::string_view toml_text, const std::string& base_dir);
// Reads `path` (kBadConfig "config: ..." if unreadable or too large), then parse_config.
Result<DaemonConfig> load_config(const std::string& path);

// What the files named by the config hold, checked against each other.
struct NodeIdentity {
  crypto::SecretKey node_key;
  crypto::X509Der certificate;      // X.509 DER from node_certificate_pem; carries node_key.
  Bytes certificate_envelope;       // NodeCertificate envelope wire bytes.
  Bytes policy_toml;
};
// Reads the key (passphrase per the config; `passphrase` is the value of the
// environment variable, if set), the certificates and the policy. kBadConfig
// naming the key for an unreadable file, a wrong passphrase, a certificate
// that does not parse or does not carry the node key.
Result<NodeIdentity> load_identity(const DaemonConfig& config,
                                   std::optional<std::string> passphrase);

}  // namespace pactum::node::daemon
