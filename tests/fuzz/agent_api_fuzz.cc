// Fuzz body: agent API requests. The input is the raw bytes an agent sends to
// pactumd's API port. They go through the same steps as node/daemon's
// Session (api_session.cc), whose parsing is not a separate function: Beast's
// request_parser with the daemon's header and body limits, the route, the
// JSON {"envelope": "<base64>"} or octet-stream body, then the node core's
// AgentSubmit (a fresh core per input, so a crash reproduces from its input).
// Checks: no exception escapes (Beast and Boost.JSON report by error_code);
// a refused submission changes no state and asks for no ledger append.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "node/core/testing/testing.h"
#include "node/daemon/daemon_limits.h"
#include "tests/fuzz/targets.h"

namespace pactum::fuzz {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using node::testing::key_from_name;

bool agent_api_init() { return crypto::init().has_value(); }

// The body of a POST /v1/messages as Session::handle_submit reads it.
std::optional<Bytes> submit_body(const http::request<http::string_body>& req) {
  std::string_view type(req[http::field::content_type].data(), req[http::field::content_type].size());
  if (type.starts_with("application/json")) {
    boost::system::error_code ec;
    json::value v = json::parse(req.body(), ec);
    const json::object* o = ec ? nullptr : v.if_object();
    const json::value* e = o != nullptr ? o->if_contains("envelope") : nullptr;
    if (e == nullptr || !e->is_string()) return std::nullopt;
    auto bytes = crypto::base64_decode(std::string_view(e->as_string()));
    if (!bytes) return std::nullopt;
    return std::move(*bytes);
  }
  if (type.starts_with("application/octet-stream")) return Bytes(req.body().begin(), req.body().end());
  return std::nullopt;
}

// A node "buyer" partnered with "seller", as in node/core's tests.
void submit_to_core(const Bytes& envelope) {
  static const crypto::SecretKey org = key_from_name("org:buyer");
  static const crypto::SecretKey node_key = key_from_name("node:buyer");
  static const Bytes certificate = node::testing::node_certificate(org, node_key, "buyer");
  const crypto::PublicKey seller = key_from_name("org:seller").public_key();
  node::testing::SeededNonces nonces(1);
  node::CoreConfig c;
  c.node_name = "buyer";
  c.org_root = org.public_key();
  c.node_key = &node_key;
  c.node_certificate = certificate;
  c.policy_toml = to_bytes(node::testing::test_policy({seller}));
  c.partners.push_back(node::Partner{"seller", seller});
  c.nonces = &nonces;
  auto core = node::NodeCore::create(c);
  PACTUM_ASSERT(core.has_value());
  (void)(*core)->handle(node::Tick{1'767'225'601'000});
  auto effects = (*core)->handle(node::AgentSubmit{7, envelope});
  bool refused = false, appended = false;
  for (const auto& fx : effects) {
    if (const auto* r = std::get_if<node::AgentReply>(&fx)) refused |= !r->ok;
    appended |= std::holds_alternative<node::AppendToLedger>(fx);
  }
  if (refused) {
    PACTUM_ASSERT(!appended);
    PACTUM_ASSERT((*core)->negotiations().empty());
  }
}

void agent_api_one(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(node::daemon::kApiBodyBytesDefault);
  parser.header_limit(static_cast<std::uint32_t>(node::daemon::kApiHeaderBytesMax));
  parser.eager(true);
  boost::system::error_code ec;
  std::size_t used = 0;
  while (used < size && !ec && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (n == 0 && !ec) break;  // Needs more bytes than the input has.
    used += n;
  }
  if (ec || !parser.is_done()) return;  // The daemon answers 400/413/431 or waits.
  const auto& req = parser.get();
  std::string_view target(req.target().data(), req.target().size());
  if (target.substr(0, target.find('?')) != "/v1/messages" || req.method() != http::verb::post) return;
  auto envelope = submit_body(req);
  if (!envelope || envelope->empty()) return;
  submit_to_core(*envelope);
}

}  // namespace

const Target& agent_api_target() {
  static const Target t{"agent_api", agent_api_init, agent_api_one};
  return t;
}

}  // namespace pactum::fuzz
