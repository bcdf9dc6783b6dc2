// Goal: pactumd's wiring against a fake node core and a real ledger: agent
// submissions reach the core, appends become durable and come back as
// AppendDone with the entry's leaf hash, a checkpoint follows, an identical
// entry is never written twice, SIGTERM-style shutdown drains, and a restart
// replays the ledger into restore() exactly, in order.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <future>
#include <thread>

#include "ledger/ledger.h"
#include "node/daemon/daemon.h"
#include "tests/node/node_fixture.h"

namespace pactum::node::daemon {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

struct FakeCoreLog {
  std::vector<std::pair<std::uint64_t, Bytes>> restored;
  std::vector<AppendDone> done;
  std::uint64_t checkpoint_size = 0;
  bool saw_tick = false;
};

class FakeCore final : public NodeCore {
 public:
  explicit FakeCore(FakeCoreLog& log) : log_(log) {}
  std::vector<Effect> handle(const Event& e) override {
    std::vector<Effect> out;
    if (auto* s = std::get_if<AgentSubmit>(&e)) {
      AppendToLedger a;
      a.append_id = s->request_id;
      a.id = crypto::sha256(s->envelope);
      a.kind = 0;
      a.payload = s->envelope;
      out.push_back(std::move(a));
    } else if (auto* d = std::get_if<AppendDone>(&e)) {
      log_.done.push_back(*d);
      out.push_back(AgentReply{d->append_id, d->ok, d->ok ? "" : "io",
                               "index " + std::to_string(d->index), {}});
      out.push_back(AgentNotice{{}, "committed", {}, std::to_string(d->index)});
    } else if (auto* c = std::get_if<CheckpointTaken>(&e)) {
      log_.checkpoint_size = c->size;
    } else if (std::holds_alternative<Tick>(e)) {
      log_.saw_tick = true;
    }
    return out;
  }
  Result<void> restore(std::uint64_t index, std::uint16_t, ByteSpan payload) override {
    log_.restored.emplace_back(index, Bytes(payload.begin(), payload.end()));
    return Ok();
  }
  std::vector<NegotiationView> negotiations() const override { return {}; }
  std::vector<ContractView> contracts() const override { return {}; }
  CoreStats stats() const override { return {}; }

 private:
  FakeCoreLog& log_;
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("pactum-daemon-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    files_.write(dir_.string());
    std::string toml = testing::node_toml(files_, crypto::SecretKey::generate().public_key());
    for (const char* port : {"7400", "7480", "7490"}) {
      toml.replace(toml.find(port), 4, "0");
    }
    toml.replace(toml.find("[::1]"), 5, "127.0.0.1");
    testing::write_text((dir_ / "node.toml").string(), toml + "[limits]\ntick_ms = 10\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void start() {
    auto c = load_config((dir_ / "node.toml").string());
    ASSERT_TRUE(c) << c.error().to_string();
    auto id = load_identity(*c, std::nullopt);
    ASSERT_TRUE(id) << id.error().to_string();
    io_.emplace();
    log_ = FakeCoreLog{};
    auto d = Daemon::start(*io_, std::move(*c), std::move(*id),
                           [this](const CoreConfig& cc) -> Result<std::unique_ptr<NodeCore>> {
                             EXPECT_EQ(cc.node_name, "buyer-node");
                             EXPECT_EQ(cc.partners.size(), 1u);
                             return std::unique_ptr<NodeCore>(new FakeCore(log_));
                           });
    ASSERT_TRUE(d) << d.error().to_string();
    daemon_ = std::move(*d);
    thread_ = std::thread([this] { io_->run(); });
  }
  void stop() {
    std::promise<void> drained;
    asio::post(*io_, [&] { daemon_->shutdown([&] { drained.set_value(); io_->stop(); }); });
    drained.get_future().wait();
    thread_.join();
    daemon_.reset();
    io_.reset();
  }
  std::pair<unsigned, json::value> call(http::verb verb, const std::string& target,
                                        const std::string& body = {}) {
    asio::io_context cio;
    asio::ip::tcp::socket sock(cio);
    sock.connect({asio::ip::make_address("127.0.0.1"), daemon_->ports().api});
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "x");
    if (!body.empty()) req.set(http::field::content_type, "application/octet-stream");
    req.body() = body;
    req.prepare_payload();
    http::write(sock, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    return {res.result_int(), json::parse(res.body())};
  }

  std::filesystem::path dir_;
  testing::OrgFiles files_;
  std::optional<asio::io_context> io_;
  FakeCoreLog log_;
  std::unique_ptr<Daemon> daemon_;
  std::thread thread_;
};

TEST_F(DaemonTest, AppendsAreDurableCheckpointedAndRestored) {
  start();
  EXPECT_NE(daemon_->ports().api, 0);
  EXPECT_NE(daemon_->ports().peer, 0);
  const std::vector<std::string> msgs = {"first", "second", "third", "first"};
  const std::vector<std::string> want = {"index 0", "index 1", "index 2", "index 0"};
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    auto [status, body] = call(http::verb::post, "/v1/messages", msgs[i]);
    EXPECT_EQ(status, 200u);
    EXPECT_EQ(body.at("detail").as_string(), want[i]) << i;  // The repeat is not written again.
  }
  // The checkpoint follows the appends.
  json::value cp;
  for (int i = 0; i < 200; ++i) {
    auto [status, body] = call(http::verb::get, "/v1/checkpoint");
    if (status == 200 && body.at("size").as_int64() == 3) {
      cp = body;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(cp.is_object());
  EXPECT_EQ(std::string(cp.at("note").as_string()).rfind("buyer-node\n3\n", 0), 0u);
  auto [pst, proof] = call(http::verb::get, "/v1/proof?index=1");
  ASSERT_EQ(pst, 200u);
  EXPECT_EQ(proof.at("tree_size").as_int64(), 3);
  EXPECT_EQ(call(http::verb::get, "/v1/proof?index=3").first, 404u);
  stop();
  EXPECT_TRUE(log_.saw_tick);
  EXPECT_EQ(log_.checkpoint_size, 3u);
  ASSERT_EQ(log_.done.size(), 4u);
  // The leaf hash the core hears of is the ledger's, and verifies in the proof.
  auto lg = ledger::Ledger::open((dir_ / "data" / "ledger").string());
  ASSERT_TRUE(lg);
  for (std::uint64_t i = 0; i < 3; ++i) {
    auto bytes = (*lg)->entry_bytes(i);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(log_.done[i].entry_hash, ledger::leaf_hash(*bytes));
  }
  auto root = (*lg)->root(3);
  ASSERT_TRUE(root);
  ledger::InclusionProof ip{1, 3, {}};
  for (const auto& h : proof.at("inclusion_path").as_array()) {
    auto b = crypto::base64_decode(std::string_view(h.as_string()));
    ASSERT_TRUE(b);
    ledger::Hash hh{};
    std::copy(b->begin(), b->end(), hh.begin());
    ip.path.push_back(hh);
  }
  EXPECT_TRUE(ledger::verify_inclusion(log_.done[1].entry_hash, ip, *root));
  lg->reset();
  // Restart: the ledger is replayed into restore(), in order, exactly.
  start();
  ASSERT_EQ(log_.restored.size(), 3u);
  for (std::uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(log_.restored[i].first, i);
    EXPECT_EQ(log_.restored[i].second, to_bytes(msgs[i]));
  }
  EXPECT_EQ(log_.checkpoint_size, 3u);  // The stored checkpoint is handed over at start.
  stop();
}

// With every submission handed to the signature-check thread, a burst
// submitted right before SIGTERM is fed to the core in order and durably
// appended before the daemon stops: nothing queued there is lost.
TEST_F(DaemonTest, SubmissionsQueuedForSignatureChecksKeepOrderAndSurviveShutdown) {
  {
    std::ofstream out((dir_ / "node.toml").string(), std::ios::app);
    out << "signature_offload_percent = 0\n";  // Inside [limits], the file's last table.
  }
  start();
  constexpr std::size_t kBurst = 40;
  std::promise<void> drained;
  std::size_t refused = 0;
  asio::post(*io_, [&] {
    for (std::size_t i = 0; i < kBurst; ++i) {
      if (!daemon_->submit(to_bytes("burst " + std::to_string(i)), [](const AgentReply&) {})) ++refused;
    }
    daemon_->shutdown([&] { drained.set_value(); io_->stop(); });
  });
  drained.get_future().wait();
  thread_.join();
  daemon_.reset();
  io_.reset();
  EXPECT_EQ(refused, 0u);
  ASSERT_EQ(log_.done.size(), kBurst);
  auto lg = ledger::Ledger::open((dir_ / "data" / "ledger").string());
  ASSERT_TRUE(lg);
  ASSERT_EQ((*lg)->size(), kBurst);
  for (std::uint64_t i = 0; i < kBurst; ++i) {
    auto e = (*lg)->entry(i);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->payload, to_bytes("burst " + std::to_string(i))) << i;
  }
}

// A ledger whose checkpoints another key signed (the node key was replaced):
// checkpoints fail and are reported, appends still commit.
TEST_F(DaemonTest, AppendsCommitWhenCheckpointsCannotBeSigned) {
  {
    std::filesystem::create_directories(dir_ / "data");
    auto lg = ledger::Ledger::open((dir_ / "data" / "ledger").string());
    ASSERT_TRUE(lg);
    ASSERT_TRUE((*lg)->checkpoint(crypto::SecretKey::generate(), "buyer-node"));
  }
  start();
  for (int i = 0; i < 3; ++i) {
    auto [status, body] = call(http::verb::post, "/v1/messages", "m" + std::to_string(i));
    EXPECT_EQ(status, 200u);
    EXPECT_EQ(body.at("detail").as_string(), "index " + std::to_string(i));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // Past the checkpoint spacing.
  }
  stop();
  ASSERT_EQ(log_.done.size(), 3u);
  for (const AppendDone& d : log_.done) EXPECT_TRUE(d.ok) << d.error;
  auto lg = ledger::Ledger::open((dir_ / "data" / "ledger").string());
  ASSERT_TRUE(lg);
  EXPECT_EQ((*lg)->size(), 3u);
  EXPECT_EQ((*(*lg)->latest_checkpoint())->checkpoint.size, 0u);  // Only the other key's.
}

}  // namespace
}  // namespace pactum::node::daemon
