// `pactum cert org|node`, `pactum mandate issue`, `pactum sign`,
// `pactum verify` and `pactum decode`: the signed identity messages and
// detached file signatures, as canonical Cap'n Proto envelopes.
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <memory>

#include "protocol/protocol.h"
#include "tools/cli.h"
#include "tools/files.h"
#include "tools/key_io.h"
#include "tools/mandate_toml.h"
#include "tools/message_checks.h"

namespace pactum::tools {
namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;
// Default validity of certificates the command line issues.
constexpr int kOrgCertDaysDefault = 3650;
constexpr int kNodeCertDaysDefault = 365;

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Offline signers (an org root at a terminal) keep no sequence counter; the
// microsecond clock is strictly increasing for one person at one terminal.
std::uint64_t offline_sequence() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

capnp::Data::Reader data_of(const crypto::PublicKey& k) { return {k.data(), k.size()}; }

struct CertArgs {
  std::string org_key, node_key, org_name, node_name, out, x509_out;
  int days = 0;
};

Result<void> cert_org(const CertArgs& a) {
  PACTUM_TRY(crypto::SecretKey root, load_secret_key(a.org_key));
  std::int64_t now = now_ms();
  protocol::EnvelopeBuilder b;
  auto org = b.payload().initOrgCertificate();
  org.setOrgRootKey(data_of(root.public_key()));
  org.setOrgName(a.org_name);
  PACTUM_TRY(Bytes wire, b.seal(root, offline_sequence(), now));
  PACTUM_CHECK(write_file_atomic(a.out, wire));
  if (!a.x509_out.empty()) {
    PACTUM_TRY(crypto::X509Der der,
               crypto::make_certificate(root, a.org_name, root.public_key(), a.org_name, true,
                                        now / 1000, now / 1000 + std::int64_t{a.days} * 86400));
    PACTUM_CHECK(write_file_atomic(a.x509_out, as_bytes(crypto::certificate_to_pem(der))));
  }
  std::printf("organization certificate for %s (%s) written to %s\n", a.org_name.c_str(),
              crypto::key_id(root.public_key()).c_str(), a.out.c_str());
  return Ok();
}

Result<void> cert_node(const CertArgs& a) {
  PACTUM_TRY(crypto::SecretKey root, load_secret_key(a.org_key));
  PACTUM_TRY(crypto::PublicKey node, load_public_key(a.node_key));
  std::int64_t now = now_ms();
  std::int64_t until = now + std::int64_t{a.days} * kMsPerDay;
  PACTUM_TRY(crypto::X509Der der,
             crypto::make_certificate(root, a.org_name, node, a.node_name, false, now / 1000,
                                      until / 1000));
  protocol::EnvelopeBuilder b;
  auto cert = b.payload().initNodeCertificate();
  cert.setOrgRootKey(data_of(root.public_key()));
  cert.setNodeKey(data_of(node));
  cert.setNodeName(a.node_name);
  cert.setTlsCertificateDer(capnp::Data::Reader(der.der.data(), der.der.size()));
  cert.setNotBeforeMs(now);
  cert.setNotAfterMs(until);
  PACTUM_TRY(Bytes wire, b.seal(root, offline_sequence(), now));
  PACTUM_CHECK(write_file_atomic(a.out, wire));
  if (!a.x509_out.empty()) {
    PACTUM_CHECK(write_file_atomic(a.x509_out, as_bytes(crypto::certificate_to_pem(der))));
  }
  std::printf("node certificate for %s (%s) written to %s\n", a.node_name.c_str(),
              crypto::key_id(node).c_str(), a.out.c_str());
  return Ok();
}

struct MandateArgs {
  std::string org_key, agent, terms, out;
};

Result<void> mandate_issue(const MandateArgs& a) {
  PACTUM_TRY(crypto::SecretKey root, load_secret_key(a.org_key));
  PACTUM_TRY(crypto::PublicKey agent, load_public_key(a.agent));
  PACTUM_TRY(Bytes toml, read_file(a.terms));
  protocol::EnvelopeBuilder b;
  auto m = b.payload().initMandate();
  m.setAgentKey(data_of(agent));
  m.setOrgRootKey(data_of(root.public_key()));
  auto filled = mandate_from_toml(as_chars(toml), m);
  if (!filled) return Fail(filled.error().code, a.terms + ": " + filled.error().detail);
  PACTUM_TRY(Bytes wire, b.seal(root, offline_sequence(), now_ms()));
  PACTUM_CHECK(write_file_atomic(a.out, wire));
  PACTUM_TRY(protocol::OpenedEnvelope opened, protocol::open_envelope(wire));
  std::printf("mandate %s for agent %s written to %s\n", to_hex(opened.info.message_hash).c_str(),
              crypto::key_id(agent).c_str(), a.out.c_str());
  return Ok();
}

struct SignArgs {
  std::string key, file, out;
};

Result<void> sign_file(const SignArgs& a) {
  PACTUM_TRY(crypto::SecretKey key, load_secret_key(a.key));
  PACTUM_TRY(Bytes content, read_file(a.file));
  crypto::Digest digest = crypto::sha256(content);
  protocol::EnvelopeBuilder b;
  auto fs = b.payload().initFileSignature();
  fs.setName(std::filesystem::path(a.file).filename().string());
  fs.setSizeBytes(content.size());
  fs.setSha256(capnp::Data::Reader(digest.data(), digest.size()));
  PACTUM_TRY(Bytes wire, b.seal(key, offline_sequence(), now_ms()));
  std::string out = a.out.empty() ? a.file + ".sig" : a.out;
  PACTUM_CHECK(write_file_atomic(out, wire));
  std::printf("signature by %s written to %s\n", crypto::key_id(key.public_key()).c_str(), out.c_str());
  return Ok();
}

}  // namespace

void add_message_commands(CLI::App& app) {
  auto* cert = app.add_subcommand("cert", "Issue organization and node certificates");
  cert->require_subcommand(1);
  auto org_args = std::make_shared<CertArgs>();
  auto* org = cert->add_subcommand("org", "Self-sign an organization certificate with the org root key");
  org->add_option("--org-key", org_args->org_key, "Org root secret key file")->required();
  org->add_option("--name", org_args->org_name, "Organization name")->required();
  org->add_option("--out,-o", org_args->out, "Certificate file (envelope) to write")->required();
  org->add_option("--x509-out", org_args->x509_out, "Also write a self-signed X.509 root CA (PEM)");
  org_args->days = kOrgCertDaysDefault;
  org->add_option("--days", org_args->days, "Validity in days")->check(CLI::Range(1, 36500));
  org->callback(command([org_args] { return cert_org(*org_args); }));

  auto node_args = std::make_shared<CertArgs>();
  auto* node = cert->add_subcommand("node", "Certify a node key with the org root key (+ X.509 for TLS)");
  node->add_option("--org-key", node_args->org_key, "Org root secret key file")->required();
  node->add_option("--org-name", node_args->org_name, "Organization name (X.509 issuer)")->required();
  node->add_option("--node-key", node_args->node_key, "Node public key (base64) or key file")->required();
  node->add_option("--name", node_args->node_name, "Node name")->required();
  node->add_option("--out,-o", node_args->out, "Certificate file (envelope) to write")->required();
  node->add_option("--x509-out", node_args->x509_out, "Also write the node's X.509 certificate (PEM)");
  node_args->days = kNodeCertDaysDefault;
  node->add_option("--days", node_args->days, "Validity in days")->check(CLI::Range(1, 3650));
  node->callback(command([node_args] { return cert_node(*node_args); }));

  auto* mandate = app.add_subcommand("mandate", "Agent mandates");
  mandate->require_subcommand(1);
  auto m_args = std::make_shared<MandateArgs>();
  auto* issue = mandate->add_subcommand("issue", "Sign an agent mandate described in a TOML file");
  issue->add_option("--org-key", m_args->org_key, "Org root secret key file")->required();
  issue->add_option("--agent", m_args->agent, "Agent public key (base64) or key file")->required();
  issue->add_option("--terms", m_args->terms, "Mandate TOML (docs/cli.md)")->required()->check(CLI::ExistingFile);
  issue->add_option("--out,-o", m_args->out, "Mandate file (envelope) to write")->required();
  issue->callback(command([m_args] { return mandate_issue(*m_args); }));

  auto s_args = std::make_shared<SignArgs>();
  auto* sign = app.add_subcommand("sign", "Sign a file (detached signature envelope FILE.sig)");
  sign->add_option("--key,-k", s_args->key, "Secret key file")->required();
  sign->add_option("file", s_args->file, "File to sign")->required()->check(CLI::ExistingFile);
  sign->add_option("--out,-o", s_args->out, "Signature file (default FILE.sig)");
  sign->callback(command([s_args] { return sign_file(*s_args); }));

  add_verify_command(app);
  add_decode_command(app);
}

}  // namespace pactum::tools
