// load_identity(): reads the files the config names and checks that they
// belong together (node key, X.509 certificate, NodeCertificate envelope,
// org root), so a mismatched set stops start-up with the key to fix.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "node/daemon/config.h"
#include "node/daemon/daemon_limits.h"
#include "protocol/protocol.h"

namespace pactum::node::daemon {
namespace {

tl::unexpected<Error> bad(std::string_view key, const std::string& what) {
  return Fail(Errc::kBadConfig, std::string(key) + ": " + what);
}

Result<Bytes> read_small(std::string_view key, const std::string& path, std::size_t max) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad(key, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string& s = text.str();
  if (s.size() > max) return bad(key, path + " is larger than " + std::to_string(max) + " bytes");
  return Bytes(s.begin(), s.end());
}

bool same_key(capnp::Data::Reader d, const crypto::PublicKey& k) {
  return d.size() == k.size() && std::equal(d.begin(), d.end(), k.begin());
}

Result<void> check_certificate_envelope(const DaemonConfig& c, const NodeIdentity& id) {
  auto env = protocol::open_envelope(id.certificate_envelope,
                                     {.kind = protocol::PayloadKind::NODE_CERTIFICATE});
  if (!env) return bad("keys.node_certificate", env.error().to_string());
  if (env->info.sender != c.org_root) {
    return bad("keys.node_certificate", "signed by " + crypto::key_id(env->info.sender) +
                                            ", not by keys.org_root " + crypto::key_id(c.org_root));
  }
  auto cert = env->body().getPayload().getNodeCertificate();
  if (!same_key(cert.getOrgRootKey(), c.org_root)) {
    return bad("keys.node_certificate", "names another organization than keys.org_root");
  }
  if (!same_key(cert.getNodeKey(), id.node_key.public_key())) {
    return bad("keys.node_certificate", "certifies another node key than keys.node_key " +
                                            crypto::key_id(id.node_key.public_key()));
  }
  auto der = cert.getTlsCertificateDer();
  if (!std::equal(der.begin(), der.end(), id.certificate.der.begin(), id.certificate.der.end())) {
    return bad("keys.node_certificate_pem",
               "is not the X.509 certificate inside keys.node_certificate");
  }
  return Ok();
}

}  // namespace

Result<NodeIdentity> load_identity(const DaemonConfig& c, std::optional<std::string> passphrase) {
  std::optional<std::string_view> pass;
  if (c.passphrase == PassphraseSource::kEnv) {
    auto enc = crypto::key_file_encrypted(c.node_key_file);
    if (!enc) return bad("keys.node_key", enc.error().to_string());
    if (*enc && !passphrase) {
      return bad("keys.node_key", c.node_key_file + " is encrypted and $" +
                                      std::string(crypto::kPassphraseEnv) + " is not set");
    }
    if (passphrase) pass = *passphrase;
  }
  auto key = crypto::read_key_file(c.node_key_file, pass);
  if (!key) return bad("keys.node_key", key.error().to_string());
  NodeIdentity id{std::move(*key), {}, {}, {}};

  PACTUM_TRY(Bytes pem, read_small("keys.node_certificate_pem", c.certificate_pem_file,
                                   kCertificateBytesMax));
  auto der = crypto::certificate_from_pem(as_chars(pem));
  if (!der) return bad("keys.node_certificate_pem", der.error().to_string());
  auto cert_key = crypto::certificate_public_key(*der);
  if (!cert_key) return bad("keys.node_certificate_pem", cert_key.error().to_string());
  if (*cert_key != id.node_key.public_key()) {
    return bad("keys.node_certificate_pem", "carries key " + crypto::key_id(*cert_key) +
                                                ", not keys.node_key " +
                                                crypto::key_id(id.node_key.public_key()));
  }
  id.certificate = std::move(*der);
  PACTUM_TRY(id.certificate_envelope,
             read_small("keys.node_certificate", c.certificate_file, kCertificateBytesMax));
  PACTUM_CHECK(check_certificate_envelope(c, id));
  PACTUM_TRY(id.policy_toml, read_small("node.policy", c.policy_file, kPolicyBytesMax));
  return id;
}

}  // namespace pactum::node::daemon
