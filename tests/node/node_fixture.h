// Test helper: an organization with a node identity written to a temporary
// directory (keys, X.509 PEM, NodeCertificate envelope, policy), and the
// node.toml that names them.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/crypto.h"
#include "protocol/protocol.h"

namespace pactum::node::testing {

inline void write_text(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

struct OrgFiles {
  // Keys below need libsodium started; init() is idempotent.
  bool crypto_ready = static_cast<bool>(crypto::init());
  std::string dir;
  crypto::SecretKey org = crypto::SecretKey::generate();
  crypto::SecretKey node = crypto::SecretKey::generate();

  // Writes node.key, node.pem, node.cert, org.pub and policy.toml into `dir`.
  // `issuer` signs the NodeCertificate (normally `org`).
  void write(const std::string& directory, const crypto::SecretKey* issuer = nullptr) {
    dir = directory;
    std::filesystem::create_directories(dir);
    const crypto::SecretKey& by = issuer != nullptr ? *issuer : org;
    auto wk = crypto::write_key_file(dir + "/node.key", node, std::nullopt);
    if (!wk) throw std::runtime_error(wk.error().to_string());
    auto der = crypto::make_certificate(by, "org", node.public_key(), "node", false, 0,
                                        4102444800);  // 2100-01-01
    if (!der) throw std::runtime_error(der.error().to_string());
    write_text(dir + "/node.pem", crypto::certificate_to_pem(*der));
    protocol::EnvelopeBuilder b;
    auto c = b.payload().initNodeCertificate();
    c.setOrgRootKey(capnp::Data::Reader(by.public_key().data(), 32));
    c.setNodeKey(capnp::Data::Reader(node.public_key().data(), 32));
    c.setNodeName("node");
    c.setTlsCertificateDer(capnp::Data::Reader(der->der.data(), der->der.size()));
    c.setNotBeforeMs(0);
    c.setNotAfterMs(4102444800000);
    auto sealed = b.seal(by, 1, 1000);
    if (!sealed) throw std::runtime_error(sealed.error().to_string());
    write_text(dir + "/node.cert", as_chars(*sealed));
    write_text(dir + "/org.pub", crypto::public_key_to_text(org.public_key()) + "\n");
    write_text(dir + "/policy.toml", "version = 1\n");
  }
};

// A complete, valid node.toml for `files`; `extra` is appended verbatim.
inline std::string node_toml(const OrgFiles& files, const crypto::PublicKey& partner_org,
                             std::string_view extra = {}) {
  (void)files;
  std::string t =
      "[node]\n"
      "name = \"buyer-node\"\n"
      "data_dir = \"data\"\n"
      "policy = \"policy.toml\"\n"
      "[keys]\n"
      "node_key = \"node.key\"\n"
      "passphrase = \"none\"\n"
      "org_root = \"org.pub\"\n"
      "node_certificate_pem = \"node.pem\"\n"
      "node_certificate = \"node.cert\"\n"
      "[listen]\n"
      "peer = \"127.0.0.1:7400\"\n"
      "api = \"127.0.0.1:7480\"\n"
      "metrics = \"[::1]:7490\"\n"
      "[[partners]]\n"
      "name = \"seller-a\"\n"
      "org_root = \"" + crypto::public_key_to_text(partner_org) + "\"\n"
      "address = \"127.0.0.1:7401\"\n";
  t += extra;
  return t;
}

}  // namespace pactum::node::testing
