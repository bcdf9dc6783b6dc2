// Goal: pactumd's config accepts a valid file exactly, and every bad key stops
// start-up with kBadConfig naming that key and what is wrong.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "node/daemon/config.h"
#include "node/net/transport.h"
#include "node/daemon/daemon_limits.h"
#include "tests/node/node_fixture.h"

namespace pactum::node::daemon {
namespace {

using testing::OrgFiles;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::init());
    dir_ = std::filesystem::temp_directory_path() /
           ("pactum-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    files_.write(dir_.string());
    partner_ = crypto::SecretKey::generate().public_key();
    valid_ = testing::node_toml(files_, partner_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The valid config with `from` replaced by `to` (which must occur).
  std::string with(std::string_view from, std::string_view to) {
    std::string t = valid_;
    std::size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return t;
  }
  Result<DaemonConfig> parse(const std::string& text) { return parse_config(text, dir_.string()); }

  std::filesystem::path dir_;
  OrgFiles files_;
  crypto::PublicKey partner_{};
  std::string valid_;
};

TEST_F(ConfigTest, ValidConfigParsesExactly) {
  auto c = parse(valid_);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->node_name, "buyer-node");
  EXPECT_EQ(c->data_dir, (dir_ / "data").string());
  EXPECT_EQ(c->policy_file, (dir_ / "policy.toml").string());
  EXPECT_EQ(c->node_key_file, (dir_ / "node.key").string());
  EXPECT_EQ(c->passphrase, PassphraseSource::kNone);
  EXPECT_EQ(c->org_root, files_.org.public_key());
  EXPECT_EQ(c->peer_listen.host, "127.0.0.1");
  EXPECT_EQ(c->peer_listen.port, 7400);
  EXPECT_EQ(c->api_listen.port, 7480);
  EXPECT_EQ(c->metrics_listen.host, "::1");
  EXPECT_EQ(c->metrics_listen.text(), "[::1]:7490");
  ASSERT_EQ(c->partners.size(), 1u);
  EXPECT_EQ(c->partners[0].name, "seller-a");
  EXPECT_EQ(c->partners[0].org_root, partner_);
  EXPECT_EQ(c->partners[0].address.text(), "127.0.0.1:7401");
  EXPECT_EQ(c->limits.api_body_bytes, kApiBodyBytesDefault);
  EXPECT_EQ(c->limits.api_connections, kApiConnectionsDefault);
  EXPECT_EQ(c->limits.sse_subscribers, kSseSubscribersDefault);
  EXPECT_EQ(c->limits.tick_ms, kTickMsDefault);
  EXPECT_EQ(c->limits.open_negotiations_per_peer, net::kOpenNegotiationsPerPeerDefault);
  EXPECT_EQ(c->limits.peer_frames_per_second, net::kFramesPerSecondDefault);
  EXPECT_EQ(c->limits.peer_frames_burst, net::kFramesBurstDefault);
  EXPECT_EQ(c->limits.signature_offload_percent, kSignatureOffloadPercentDefault);
  EXPECT_TRUE(c->ledger_fsync);
  EXPECT_EQ(c->log_level, "info");
}

TEST_F(ConfigTest, LimitsAndOptionalKeysAreRead) {
  auto c = parse(valid_ +
                 "[limits]\napi_body_bytes = 4096\napi_connections = 10\nsse_subscribers = 3\n"
                 "tick_ms = 50\nopen_negotiations_per_peer = 7\npeer_frames_per_second = 300\n"
                 "peer_frames_burst = 40\nsignature_offload_percent = 0\n");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->limits.open_negotiations_per_peer, 7u);
  EXPECT_EQ(c->limits.peer_frames_per_second, 300u);
  EXPECT_EQ(c->limits.peer_frames_burst, 40u);
  EXPECT_EQ(c->limits.signature_offload_percent, 0u);
  EXPECT_EQ(c->limits.api_body_bytes, 4096u);
  EXPECT_EQ(c->limits.api_connections, 10u);
  EXPECT_EQ(c->limits.sse_subscribers, 3u);
  EXPECT_EQ(c->limits.tick_ms, 50u);
  auto d = parse(with("name = \"buyer-node\"\n",
                      "name = \"buyer-node\"\nlog_level = \"debug\"\nledger_fsync = false\n"));
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_EQ(d->log_level, "debug");
  EXPECT_FALSE(d->ledger_fsync);
}

struct BadCase {
  std::string from;
  std::string to;
  std::string expect;  // The error detail must start with this.
};

TEST_F(ConfigTest, EveryBadKeyIsNamed) {
  const std::string partner = crypto::public_key_to_text(partner_);
  const BadCase cases[] = {
      {"[node]\nname = \"buyer-node\"\n", "[node]\n", "node.name: missing"},
      {"name = \"buyer-node\"", "name = \"buyer node\"", "node.name: 'buyer node' may hold only"},
      {"name = \"buyer-node\"", "name = 7", "node.name: must be a string"},
      {"name = \"buyer-node\"", "name = \"\"", "node.name: must not be empty"},
      {"name = \"buyer-node\"", "name = \"" + std::string(65, 'a') + "\"",
       "node.name: longer than 64 bytes"},
      {"data_dir = \"data\"\n", "", "node.data_dir: missing"},
      {"policy = \"policy.toml\"\n", "", "node.policy: missing"},
      {"policy = \"policy.toml\"\n", "policy = \"policy.toml\"\nlog_level = \"loud\"\n",
       "node.log_level: 'loud' is not one of"},
      {"policy = \"policy.toml\"\n", "policy = \"policy.toml\"\nledger_fsync = \"yes\"\n",
       "node.ledger_fsync: must be true or false"},
      {"policy = \"policy.toml\"\n", "policy = \"policy.toml\"\nlistn = 1\n",
       "node.listn: unknown key"},
      {"node_key = \"node.key\"\n", "", "keys.node_key: missing"},
      {"passphrase = \"none\"", "passphrase = \"ask\"", "keys.passphrase: 'ask' is not"},
      {"org_root = \"org.pub\"", "org_root = \"nope\"", "keys.org_root: neither a base64"},
      {"org_root = \"org.pub\"", "org_root = \"policy.toml\"",
       "keys.org_root: file "},
      {"node_certificate_pem = \"node.pem\"\n", "", "keys.node_certificate_pem: missing"},
      {"node_certificate = \"node.cert\"\n", "", "keys.node_certificate: missing"},
      {"peer = \"127.0.0.1:7400\"", "peer = \"127.0.0.1\"", "listen.peer: '127.0.0.1' is not host:port"},
      {"api = \"127.0.0.1:7480\"", "api = \"127.0.0.1:70000\"",
       "listen.api: port 70000 is not in 0..65535"},
      {"api = \"127.0.0.1:7480\"", "api = \"127.0.0.1:http\"", "listen.api: '127.0.0.1:http': port"},
      {"api = \"127.0.0.1:7480\"", "api = \"example.com:80\"", "listen.api: 'example.com:80': host"},
      {"api = \"127.0.0.1:7480\"", "api = \"127.0.0.256:80\"", "listen.api: '127.0.0.256:80': host"},
      {"metrics = \"[::1]:7490\"", "metrics = \"[zz]:7490\"", "listen.metrics: '[zz]:7490':"},
      {"metrics = \"[::1]:7490\"\n", "", "listen.metrics: missing"},
      {"name = \"seller-a\"", "name = \"buyer-node\"\nname2 = 1", "partners[0].name2: unknown key"},
      {"address = \"127.0.0.1:7401\"", "address = \"127.0.0.1:0\"",
       "partners[0].address: port 0 cannot be dialled"},
      {"address = \"127.0.0.1:7401\"\n", "", "partners[0].address: missing"},
      {partner, crypto::public_key_to_text(files_.org.public_key()),
       "partners[0].org_root: is our own org_root"},
      {"[[partners]]", "[partners]", "partners: must be an array of tables"},
      {"[node]", "[nod]", "nod: unknown key"},
      {"[listen]\n", "[listen]\n[listen]\n", "config: line "},
  };
  for (const BadCase& bc : cases) {
    auto c = parse(with(bc.from, bc.to));
    ASSERT_FALSE(c) << "accepted: " << bc.from << " -> " << bc.to;
    EXPECT_EQ(c.error().code, Errc::kBadConfig);
    EXPECT_EQ(c.error().detail.rfind(bc.expect, 0), 0u)
        << "got '" << c.error().detail << "', want prefix '" << bc.expect << "'";
  }
}

TEST_F(ConfigTest, BadLimitsAndPartnersAreNamed) {
  struct Extra {
    std::string text;
    std::string expect;
  };
  const std::string p2 = "[[partners]]\nname = \"seller-a\"\norg_root = \"" +
                         crypto::public_key_to_text(crypto::SecretKey::generate().public_key()) +
                         "\"\naddress = \"127.0.0.1:7402\"\n";
  const std::string p3 = "[[partners]]\nname = \"seller-b\"\norg_root = \"" +
                         crypto::public_key_to_text(partner_) + "\"\naddress = \"127.0.0.1:7402\"\n";
  const Extra cases[] = {
      {"[limits]\napi_body_bytes = 10\n", "limits.api_body_bytes: 10 is not in 1024..16777216"},
      {"[limits]\napi_body_bytes = \"1M\"\n", "limits.api_body_bytes: must be an integer"},
      {"[limits]\napi_connections = 1\n", "limits.api_connections: 1 is not in 2..4096"},
      {"[limits]\napi_connections = 8\nsse_subscribers = 8\n",
       "limits.sse_subscribers: 8 must be below limits.api_connections (8)"},
      {"[limits]\ntick_ms = 5\n", "limits.tick_ms: 5 is not in 10..10000"},
      {"[limits]\nflood = 1\n", "limits.flood: unknown key"},
      {"[limits]\npeer_frames_per_second = 0\n", "limits.peer_frames_per_second: 0 is not in 1..1000000"},
      {"[limits]\npeer_frames_burst = -3\n", "limits.peer_frames_burst: -3 is not in 1..1000000"},
      {"[limits]\nsignature_offload_percent = 101\n", "limits.signature_offload_percent: 101 is not in 0..100"},
      {p2, "partners[1].name: 'seller-a' named twice"},
      {p3, "partners[1].org_root: same key as another partner"},
  };
  for (const Extra& e : cases) {
    auto c = parse(valid_ + e.text);
    ASSERT_FALSE(c) << "accepted: " << e.text;
    EXPECT_EQ(c.error().code, Errc::kBadConfig);
    EXPECT_EQ(c.error().detail.rfind(e.expect, 0), 0u)
        << "got '" << c.error().detail << "', want prefix '" << e.expect << "'";
  }
}

TEST_F(ConfigTest, MissingTablesAndFile) {
  auto c = parse("[node]\nname = \"x\"\ndata_dir = \"d\"\npolicy = \"p\"\n");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().detail, "keys: missing table [keys]");
  auto f = load_config((dir_ / "absent.toml").string());
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().detail.rfind("config: cannot read ", 0), 0u);
}

TEST_F(ConfigTest, IdentityLoadsWhenFilesBelongTogether) {
  testing::write_text((dir_ / "node.toml").string(), valid_);
  auto c = load_config((dir_ / "node.toml").string());
  ASSERT_TRUE(c) << c.error().to_string();
  auto id = load_identity(*c, std::nullopt);
  ASSERT_TRUE(id) << id.error().to_string();
  EXPECT_EQ(id->node_key.public_key(), files_.node.public_key());
  EXPECT_EQ(as_chars(id->policy_toml), "version = 1\n");
}

TEST_F(ConfigTest, IdentityMismatchesAreNamed) {
  auto c = parse(valid_);
  ASSERT_TRUE(c);
  // Certificate envelope signed by another organization.
  OrgFiles other;
  other.write((dir_ / "other").string());
  std::filesystem::copy_file(dir_ / "other" / "node.cert", dir_ / "node.cert",
                             std::filesystem::copy_options::overwrite_existing);
  auto id = load_identity(*c, std::nullopt);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().detail.rfind("keys.node_certificate: signed by ", 0), 0u)
      << id.error().detail;
  // A PEM for another key.
  files_.write(dir_.string());
  std::filesystem::copy_file(dir_ / "other" / "node.pem", dir_ / "node.pem",
                             std::filesystem::copy_options::overwrite_existing);
  c = parse(valid_);
  id = load_identity(*c, std::nullopt);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().detail.rfind("keys.node_certificate_pem: carries key ", 0), 0u)
      << id.error().detail;
  // Garbage PEM, missing policy, garbage key file, garbage envelope.
  files_.write(dir_.string());
  testing::write_text((dir_ / "node.pem").string(), "not a pem");
  id = load_identity(*c, std::nullopt);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().detail.rfind("keys.node_certificate_pem: bad_certificate", 0), 0u);
  files_.write(dir_.string());
  std::filesystem::remove(dir_ / "policy.toml");
  id = load_identity(*c, std::nullopt);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().detail.rfind("node.policy: cannot read ", 0), 0u);
  files_.write(dir_.string());
  testing::write_text((dir_ / "node.cert").string(), "garbage");
  id = load_identity(*c, std::nullopt);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().detail.rfind("keys.node_certificate: ", 0), 0u);
  files_.write(dir_.string());
  testing::write_text((dir_ / "node.key").string(), "garbage");
  id = load_identity(*c, std::nullopt);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().detail.rfind("keys.node_key: ", 0), 0u);
}

TEST_F(ConfigTest, EncryptedKeyNeedsPassphrase) {
  ASSERT_TRUE(crypto::write_key_file((dir_ / "node.key").string(), files_.node, "hunter22"));
  auto c = parse(with("passphrase = \"none\"", "passphrase = \"env\""));
  ASSERT_TRUE(c);
  auto id = load_identity(*c, std::nullopt);
  ASSERT_FALSE(id);
  EXPECT_NE(id.error().detail.find("is encrypted and $PACTUM_PASSPHRASE is not set"),
            std::string::npos);
  id = load_identity(*c, std::string("wrong-one"));
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().detail.rfind("keys.node_key: bad_passphrase", 0), 0u) << id.error().detail;
  id = load_identity(*c, std::string("hunter22"));
  ASSERT_TRUE(id) << id.error().to_string();
}

}  // namespace
}  // namespace pactum::node::daemon
