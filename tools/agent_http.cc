// The agent API client shared by the agent, org and escrow commands.
#include "tools/agent_http.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>

namespace pactum::tools {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

// An API answer larger than this is not from a pactum node.
constexpr std::size_t kReplyBytesMax = 64u << 20;

}  // namespace

Result<std::pair<std::string, std::uint16_t>> host_port(std::string url) {
  if (url.starts_with("http://")) url = url.substr(7);
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::size_t colon = url.rfind(':');
  if (colon == std::string::npos) return Fail(Errc::kInvalidArgument, "--node " + url + ": need host:port");
  unsigned port = 0;
  try {
    port = static_cast<unsigned>(std::stoul(url.substr(colon + 1)));
  } catch (const std::exception&) {
    port = 70000;
  }
  if (port == 0 || port > 65535) return Fail(Errc::kInvalidArgument, "--node " + url + ": bad port");
  return std::pair<std::string, std::uint16_t>{url.substr(0, colon), static_cast<std::uint16_t>(port)};
}

Result<asio::ip::tcp::socket> connect_node(asio::io_context& io, const std::string& node) {
  PACTUM_TRY(auto hp, host_port(node));
  asio::ip::tcp::socket sock(io);
  boost::system::error_code ec;
  asio::ip::tcp::resolver res(io);
  auto eps = res.resolve(hp.first, std::to_string(hp.second), ec);
  if (!ec) asio::connect(sock, eps, ec);
  if (ec) return Fail(Errc::kIo, "cannot reach the node at " + node + ": " + ec.message());
  return sock;
}

Result<std::pair<unsigned, json::value>> api_call(const std::string& node, http::verb verb,
                                                  const std::string& target, const Bytes* body) {
  asio::io_context io;
  PACTUM_TRY(auto sock, connect_node(io, node));
  boost::system::error_code ec;
  http::request<http::string_body> req(verb, target, 11);
  req.set(http::field::host, "pactum");
  if (body != nullptr) {
    req.set(http::field::content_type, "application/octet-stream");
    req.body().assign(body->begin(), body->end());
  }
  req.prepare_payload();
  http::write(sock, req, ec);
  boost::beast::flat_buffer buf;
  http::response_parser<http::string_body> parsed;
  parsed.body_limit(kReplyBytesMax);
  if (!ec) http::read(sock, buf, parsed, ec);
  if (ec) return Fail(Errc::kIo, "node " + node + ": " + ec.message());
  json::value v = json::parse(parsed.get().body(), ec);
  if (ec) return Fail(Errc::kParse, "node answered non-JSON (HTTP " + std::to_string(parsed.get().result_int()) + ")");
  return std::pair<unsigned, json::value>{parsed.get().result_int(), std::move(v)};
}

Result<json::object> api_submit(const std::string& node, const Bytes& envelope, bool json_out) {
  PACTUM_TRY(auto reply, api_call(node, http::verb::post, "/v1/messages", &envelope));
  const json::object* o = reply.second.if_object();
  if (json_out) std::cout << json::serialize(reply.second) << "\n";
  const json::value* okv = o != nullptr ? o->if_contains("ok") : nullptr;
  if (reply.first != 200 || okv == nullptr || !okv->is_bool() || !okv->as_bool()) {
    const json::value* e = o != nullptr ? o->if_contains("error") : nullptr;
    const json::object* eo = e != nullptr ? e->if_object() : nullptr;
    std::string code = "unknown", detail = json::serialize(reply.second);
    if (eo != nullptr && eo->contains("code") && eo->at("code").is_string()) code = eo->at("code").as_string().c_str();
    if (eo != nullptr && eo->contains("detail") && eo->at("detail").is_string()) detail = eo->at("detail").as_string().c_str();
    return Fail(Errc::kPolicyViolation,
                "refused by the node (HTTP " + std::to_string(reply.first) + "): " + code + ": " + detail);
  }
  return *o;
}

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

std::uint64_t unix_sequence() {
  // Strictly increasing within the process too: threads of `pactum agent
  // drive` that sign in the same microsecond still get distinct numbers.
  static std::atomic<std::uint64_t> last{0};
  const auto now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch()).count());
  std::uint64_t prev = last.load();
  std::uint64_t next = 0;
  do {
    next = std::max(now, prev + 1);
  } while (!last.compare_exchange_weak(prev, next));
  return next;
}

}  // namespace pactum::tools
