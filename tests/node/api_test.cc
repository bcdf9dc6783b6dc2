// Goal: the agent API's routes, status codes, typed JSON errors, size limits
// and event stream behave exactly as docs/agent-api.yaml says, against a fake
// core backend.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <thread>

#include "node/daemon/api.h"
#include "node/daemon/daemon_limits.h"

namespace pactum::node::daemon {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

crypto::Digest digest_of(std::uint8_t b) {
  crypto::Digest d{};
  d.fill(b);
  return d;
}

class FakeBackend final : public ApiBackend {
 public:
  Result<void> submit(Bytes envelope, ReplyFn done) override {
    submitted.push_back(envelope);
    if (full) return Fail(Errc::kLimitExceeded, "queue full");
    AgentReply r;
    r.request_id = submitted.size();
    r.ok = envelope[0] == 'o';
    r.code = r.ok ? "" : "mandate_scope";
    r.detail = r.ok ? "relayed" : "product not in mandate";
    r.negotiation_id = digest_of(0xab);
    done(r);
    return Ok();
  }
  std::vector<NegotiationView> negotiations() const override {
    NegotiationView n;
    n.id = digest_of(0x11);
    n.state = "COUNTERED";
    n.rounds = 3;
    n.terms_hash = digest_of(0x22);
    return {n};
  }
  std::vector<ContractView> contracts() const override {
    ContractView c;
    c.id = digest_of(0x33);
    c.negotiation_id = digest_of(0x11);
    c.ledger_index = 7;
    c.peer_anchored = true;
    c.settlement_status = "agreed";
    c.escrow_state = "none";
    c.invoiced_total_minor = 123456789012345;
    return {c};
  }
  Result<std::vector<Bytes>> transcript(const crypto::Digest& id) const override {
    if (transcript_fails) return Fail(Errc::kLedgerCorrupt, "entry 9: bad hash");
    if (id != digest_of(0x11)) return std::vector<Bytes>{};
    return std::vector<Bytes>{to_bytes("first"), to_bytes("second")};
  }
  Result<std::pair<std::string, std::uint64_t>> checkpoint() override {
    if (!has_checkpoint) return Fail(Errc::kNotFound, "no checkpoint yet");
    return std::pair<std::string, std::uint64_t>{"origin\n5\nroot\n", 5};
  }
  Result<json::object> proof(std::uint64_t index, std::optional<std::uint64_t> size) override {
    if (index >= 5) return Fail(Errc::kOutOfRange, "index " + std::to_string(index));
    json::object o;
    o["index"] = index;
    o["tree_size"] = size.value_or(5);
    return o;
  }
  std::vector<Bytes> submitted;
  bool full = false;
  bool has_checkpoint = false;
  bool transcript_fails = false;
};

struct Reply {
  unsigned status = 0;
  json::value body;
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::init());
    start({kApiBodyBytesDefault, 8, 2, kTickMsDefault});
  }
  void start(DaemonLimits limits) {
    auto s = ApiServer::start(io_, Endpoint{"127.0.0.1", 0}, limits, backend_, nullptr);
    ASSERT_TRUE(s) << s.error().to_string();
    server_ = std::move(*s);
    work_.emplace(asio::make_work_guard(io_));
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    on_io([this] { server_->stop(); });
    work_.reset();
    io_.stop();
    thread_.join();
  }
  template <class F>
  void on_io(F f) {
    std::promise<void> p;
    asio::post(io_, [&] { f(); p.set_value(); });
    p.get_future().wait();
  }
  Reply request(http::verb verb, const std::string& target, const std::string& body = {},
                const std::string& type = "application/octet-stream") {
    asio::io_context cio;
    tcp::socket sock(cio);
    sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "localhost");
    if (!body.empty()) req.set(http::field::content_type, type);
    req.body() = body;
    req.prepare_payload();
    http::write(sock, req);
    boost::beast::flat_buffer buf;
    http::response_parser<http::string_body> res;
    res.body_limit(64u << 20);
    boost::system::error_code ec;
    http::read(sock, buf, res, ec);
    Reply r;
    if (ec) return r;
    r.status = res.get().result_int();
    r.body = json::parse(res.get().body(), ec);
    EXPECT_EQ(res.get()[http::field::content_type], "application/json");
    return r;
  }
  static std::string code_of(const Reply& r) {
    return std::string(r.body.at("error").at("code").as_string());
  }

  asio::io_context io_;
  FakeBackend backend_;
  std::unique_ptr<ApiServer> server_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
};

TEST_F(ApiTest, SubmitOctetStreamAndJson) {
  Reply r = request(http::verb::post, "/v1/messages", "ok-envelope");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.at("ok").as_bool(), true);
  EXPECT_EQ(r.body.at("negotiation_id").as_string(), to_hex(digest_of(0xab)));
  EXPECT_EQ(r.body.at("detail").as_string(), "relayed");
  r = request(http::verb::post, "/v1/messages",
              "{\"envelope\":\"" + crypto::base64_encode(as_bytes("ok-b64")) + "\"}",
              "application/json");
  EXPECT_EQ(r.status, 200u);
  ASSERT_EQ(backend_.submitted.size(), 2u);
  EXPECT_EQ(backend_.submitted[0], to_bytes("ok-envelope"));
  EXPECT_EQ(backend_.submitted[1], to_bytes("ok-b64"));
}

TEST_F(ApiTest, RefusalsAndBadInputsAreTyped) {
  Reply r = request(http::verb::post, "/v1/messages", "no-good");
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.body.at("ok").as_bool(), false);
  EXPECT_EQ(code_of(r), "mandate_scope");
  EXPECT_EQ(r.body.at("error").at("detail").as_string(), "product not in mandate");
  r = request(http::verb::post, "/v1/messages", "{\"envelope\":\"not base64!\"}", "application/json");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(code_of(r), "bad_encoding");
  r = request(http::verb::post, "/v1/messages", "{\"env\":1}", "application/json");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(code_of(r), "parse");
  r = request(http::verb::post, "/v1/messages", "x", "text/plain");
  EXPECT_EQ(r.status, 415u);
  EXPECT_EQ(code_of(r), "unsupported");
  r = request(http::verb::post, "/v1/messages", std::string(kApiBodyBytesDefault + 1, 'o'));
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(code_of(r), "limit_exceeded");
  r = request(http::verb::get, "/v1/messages");
  EXPECT_EQ(r.status, 405u);
  r = request(http::verb::delete_, "/v1/contracts");
  EXPECT_EQ(r.status, 405u);
  r = request(http::verb::get, "/v2/anything");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(code_of(r), "not_found");
  backend_.full = true;
  r = request(http::verb::post, "/v1/messages", "ok");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(code_of(r), "limit_exceeded");
  // Only the two requests the backend itself refused reached it; none of the
  // malformed ones did.
  EXPECT_EQ(backend_.submitted.size(), 2u);
}

TEST_F(ApiTest, ReadRoutes) {
  Reply r = request(http::verb::get, "/v1/health");
  EXPECT_EQ(r.status, 200u);
  r = request(http::verb::get, "/v1/negotiations");
  ASSERT_EQ(r.status, 200u);
  ASSERT_EQ(r.body.at("negotiations").as_array().size(), 1u);
  const json::value& n = r.body.at("negotiations").as_array()[0];
  EXPECT_EQ(n.at("id").as_string(), to_hex(digest_of(0x11)));
  EXPECT_EQ(n.at("state").as_string(), "COUNTERED");
  EXPECT_EQ(n.at("rounds").as_int64(), 3);
  r = request(http::verb::get, "/v1/negotiations/" + to_hex(digest_of(0x11)).substr(0, 32));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.at("terms_hash").as_string(), to_hex(digest_of(0x22)));
  r = request(http::verb::get, "/v1/negotiations/" + to_hex(digest_of(0x11)) + "/messages");
  ASSERT_EQ(r.status, 200u);
  ASSERT_EQ(r.body.at("messages").as_array().size(), 2u);
  EXPECT_EQ(r.body.at("messages").as_array()[1].as_string(), crypto::base64_encode(as_bytes("second")));
  backend_.transcript_fails = true;  // A finished deal's messages are read back from the ledger.
  r = request(http::verb::get, "/v1/negotiations/" + to_hex(digest_of(0x11)) + "/messages");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(code_of(r), "ledger_corrupt");
  backend_.transcript_fails = false;
  r = request(http::verb::get, "/v1/negotiations/" + to_hex(digest_of(0x12)) + "/messages");
  EXPECT_EQ(r.status, 404u);
  r = request(http::verb::get, "/v1/negotiations/" + to_hex(digest_of(0x12)));
  EXPECT_EQ(r.status, 404u);
  r = request(http::verb::get, "/v1/negotiations/1111");  // Too short to be an id.
  EXPECT_EQ(r.status, 404u);
  r = request(http::verb::get, "/v1/contracts/" + to_hex(digest_of(0x33)));
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.at("ledger_index").as_int64(), 7);
  EXPECT_EQ(r.body.at("peer_anchored").as_bool(), true);
  EXPECT_EQ(r.body.at("settlement").at("status").as_string(), "agreed");
  EXPECT_EQ(r.body.at("settlement").at("invoiced_total_minor").as_string(), "123456789012345");
  EXPECT_EQ(r.body.at("escrow").at("state").as_string(), "none");
  r = request(http::verb::get, "/v1/checkpoint");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(code_of(r), "not_found");
  backend_.has_checkpoint = true;
  r = request(http::verb::get, "/v1/checkpoint");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.at("size").as_int64(), 5);
  r = request(http::verb::get, "/v1/proof?index=2&size=4");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.at("tree_size").as_int64(), 4);
  r = request(http::verb::get, "/v1/proof?index=9");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(code_of(r), "out_of_range");
  for (const char* bad : {"/v1/proof", "/v1/proof?index=x", "/v1/proof?index=1&size=-1",
                          "/v1/proof?index=99999999999999999999"}) {
    r = request(http::verb::get, bad);
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_EQ(code_of(r), "invalid_argument") << bad;
  }
}

TEST_F(ApiTest, GarbageRequestGetsJson400) {
  asio::io_context cio;
  tcp::socket sock(cio);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  asio::write(sock, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  std::string got;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    std::size_t n = sock.read_some(asio::buffer(buf), ec);
    if (ec) break;
    got.append(buf, n);
  }
  EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << got;
  EXPECT_NE(got.find("\"code\":\"parse\""), std::string::npos) << got;
}

// Reads SSE frames until `count` "data:" lines arrived.
std::vector<json::value> read_events(tcp::socket& sock, std::size_t count) {
  std::vector<json::value> out;
  std::string buf;
  char chunk[4096];
  while (out.size() < count) {
    boost::system::error_code ec;
    std::size_t n = sock.read_some(asio::buffer(chunk), ec);
    if (ec) break;
    buf.append(chunk, n);
    std::size_t at;
    while ((at = buf.find("\n\n")) != std::string::npos) {
      std::string frame = buf.substr(0, at);
      buf.erase(0, at + 2);
      std::size_t d = frame.find("data: ");
      if (d != std::string::npos) out.push_back(json::parse(frame.substr(d + 6)));
    }
  }
  return out;
}

TEST_F(ApiTest, EventStreamFiltersByAgentAndLimitsSubscribers) {
  crypto::PublicKey me = crypto::SecretKey::generate().public_key();
  crypto::PublicKey other = crypto::SecretKey::generate().public_key();
  asio::io_context cio;
  tcp::socket sock(cio);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  std::string key = crypto::public_key_to_text(me);
  std::string enc;
  for (char c : key) enc += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
  asio::write(sock, asio::buffer("GET /v1/events?agent=" + enc + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Wait until the server registered the subscriber, then publish.
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && sock.read_some(asio::buffer(&c, 1)) == 1) head += c;
  EXPECT_NE(head.find("text/event-stream"), std::string::npos);
  on_io([&] {
    server_->publish(AgentNotice{other, "countered", digest_of(1), "not mine"});
    server_->publish(AgentNotice{me, "countered", digest_of(2), "mine"});
    server_->publish(AgentNotice{{}, "committed", digest_of(3), "everyone"});
  });
  auto events = read_events(sock, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at("detail").as_string(), "mine");
  EXPECT_EQ(events[0].at("agent").as_string(), key);
  EXPECT_EQ(events[1].at("type").as_string(), "committed");
  EXPECT_EQ(events[1].at("negotiation_id").as_string(), to_hex(digest_of(3)));
  // Subscriber limit 2: a second is admitted, a third refused.
  tcp::socket s2(cio);
  s2.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  asio::write(s2, asio::buffer(std::string("GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n")));
  head.clear();
  while (head.find("\r\n\r\n") == std::string::npos && s2.read_some(asio::buffer(&c, 1)) == 1) head += c;
  Reply r = request(http::verb::get, "/v1/events");
  EXPECT_EQ(r.status, 503u);
  Reply bad = request(http::verb::get, "/v1/events?agent=zz");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(code_of(bad), "bad_key");
  // stop() ends the streams: the reader sees end of file.
  on_io([&] { server_->stop(); });
  boost::system::error_code ec;
  std::string rest;
  char chunk[256];
  for (;;) {
    std::size_t n = sock.read_some(asio::buffer(chunk), ec);
    if (ec) break;
    rest.append(chunk, n);
  }
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

TEST_F(ApiTest, ConnectionLimitAnswers503) {
  // The limit is 8 connections; hold 8 idle ones open.
  asio::io_context cio;
  std::vector<tcp::socket> held;
  for (int i = 0; i < 8; ++i) {
    held.emplace_back(cio);
    held.back().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  }
  // Let the server accept them all.
  for (int i = 0; i < 200; ++i) {
    std::size_t open = 0;
    on_io([&] { open = server_->open_connections(); });
    if (open == 8) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Reply r = request(http::verb::get, "/v1/health");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(code_of(r), "limit_exceeded");
  held.clear();
  for (int i = 0; i < 200; ++i) {
    std::size_t open = 99;
    on_io([&] { open = server_->open_connections(); });
    if (open == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(request(http::verb::get, "/v1/health").status, 200u);
}

}  // namespace
}  // namespace pactum::node::daemon
