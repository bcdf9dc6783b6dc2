// `pactum verify FILE`: checks a pactum message file and prints one line per
// check; exit status non-zero when any check fails.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "protocol/protocol.h"
#include "tools/files.h"
#include "tools/key_io.h"
#include "tools/message_checks.h"

namespace pactum::tools {
namespace {

struct VerifyArgs {
  std::string file, data;
  std::vector<std::string> trust;
};

// Collects check results; prints each as it is made.
class Report {
 public:
  void check(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    failures_ += ok ? 0 : 1;
  }
  void note(const std::string& what) { std::printf("note %s\n", what.c_str()); }
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
};

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string id_of(capnp::Data::Reader d) {
  auto k = protocol::read_key(d, "key");
  return k ? crypto::key_id(*k) : std::string("<malformed key>");
}

bool same_key(capnp::Data::Reader d, const crypto::PublicKey& k) {
  return d.size() == k.size() && std::equal(k.begin(), k.end(), d.begin());
}

void check_window(Report& r, std::int64_t from, std::int64_t until, const char* what) {
  std::int64_t now = now_ms();
  r.check(from <= now && now < until, std::string(what) + " valid now (window " +
                                          std::to_string(from) + " .. " + std::to_string(until) + " ms)");
}

// Kind-specific checks; returns the key that must be trusted (the issuer).
crypto::PublicKey check_payload(Report& r, const protocol::OpenedEnvelope& env,
                                const VerifyArgs& a) {
  auto body = env.body();
  auto p = body.getPayload();
  const crypto::PublicKey& sender = env.info.sender;
  switch (p.which()) {
    case wire::Body::Payload::ORG_CERTIFICATE:
      r.check(same_key(p.getOrgCertificate().getOrgRootKey(), sender),
              "organization certificate is self-signed by its org root key");
      break;
    case wire::Body::Payload::NODE_CERTIFICATE: {
      auto c = p.getNodeCertificate();
      r.check(same_key(c.getOrgRootKey(), sender), "node certificate is signed by its org root key " + id_of(c.getOrgRootKey()));
      auto der = c.getTlsCertificateDer();
      auto x509_key = crypto::certificate_public_key(crypto::X509Der{Bytes(der.begin(), der.end())});
      r.check(x509_key && same_key(c.getNodeKey(), *x509_key), "X.509 certificate carries the node key " + id_of(c.getNodeKey()));
      check_window(r, c.getNotBeforeMs(), c.getNotAfterMs(), "certificate");
      break;
    }
    case wire::Body::Payload::MANDATE: {
      auto m = p.getMandate();
      r.check(same_key(m.getOrgRootKey(), sender), "mandate is signed by its org root key " + id_of(m.getOrgRootKey()));
      check_window(r, m.getNotBeforeMs(), m.getNotAfterMs(), "mandate");
      r.note("mandate id " + to_hex(env.info.message_hash) + " for agent " + id_of(m.getAgentKey()));
      break;
    }
    case wire::Body::Payload::FILE_SIGNATURE: {
      auto fs = p.getFileSignature();
      if (a.data.empty()) {
        r.check(false, "detached signature needs the signed file: --data FILE");
        break;
      }
      auto content = read_file(a.data);
      if (!content) {
        r.check(false, content.error().to_string());
        break;
      }
      crypto::Digest d = crypto::sha256(*content);
      bool match = fs.getSizeBytes() == content->size() && fs.getSha256().size() == d.size() &&
                   std::equal(d.begin(), d.end(), fs.getSha256().begin());
      r.check(match, "file " + a.data + " matches the signed size and SHA-256");
      break;
    }
    default:
      break;
  }
  return sender;
}

Result<void> verify(const VerifyArgs& a) {
  PACTUM_TRY(Bytes wire, read_file(a.file));
  std::vector<crypto::PublicKey> trusted;
  for (const std::string& t : a.trust) {
    PACTUM_TRY(crypto::PublicKey k, load_public_key(t));
    trusted.push_back(k);
  }
  Report r;
  auto opened = protocol::open_envelope(wire);
  if (!opened) {
    r.check(false, "envelope: " + opened.error().to_string());
    return Fail(Errc::kBadSignature, a.file + ": 1 check failed");
  }
  std::string signers;
  for (const auto& k : opened->info.signers) signers += " " + crypto::key_id(k);
  r.check(true, std::string("envelope: canonical ") +
                    std::string(protocol::payload_kind_name(opened->info.kind)) + ", " +
                    std::to_string(opened->info.signers.size()) + " valid signature(s):" + signers);
  crypto::PublicKey issuer = check_payload(r, *opened, a);
  if (trusted.empty()) {
    r.note("no --trust keys given: signatures are valid, but nothing ties the signer to an organization");
  } else {
    bool ok = std::find(trusted.begin(), trusted.end(), issuer) != trusted.end();
    r.check(ok, "signer " + crypto::key_id(issuer) + (ok ? " is trusted" : " is not among the --trust keys"));
  }
  if (r.failures() > 0) {
    return Fail(Errc::kBadSignature, a.file + ": " + std::to_string(r.failures()) + " check(s) failed");
  }
  return Ok();
}

}  // namespace

void add_verify_command(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  auto* cmd = app.add_subcommand("verify", "Verify a pactum message file (certificate, mandate, signature, ...)");
  cmd->add_option("file", args->file, "Envelope file")->required();
  cmd->add_option("--trust,-t", args->trust, "Trusted issuer key (base64 or key file); repeatable");
  cmd->add_option("--data", args->data, "The signed file, for a detached signature");
  cmd->callback(command([args] { return verify(*args); }));
}

}  // namespace pactum::tools
