// One agent API connection: reads requests with bounded header and body
// sizes, routes them, answers JSON; or, after GET /v1/events, streams
// server-sent events with a bounded queue.
#include "node/daemon/api_session.h"

#include <charconv>

#include "node/daemon/daemon_limits.h"
#include "node/daemon/metrics.h"

namespace pactum::node::daemon {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

namespace {

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    std::size_t eq = part.find('=');
    if (part.substr(0, eq) == name) {
      return std::string(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// An id in a path: 64 hex digits, or its first 32 (a negotiation id has 16
// bytes, zero-padded). The digest (unnamed bytes zero) and how many of its
// bytes were named.
struct PathId {
  crypto::Digest digest{};
  std::size_t bytes = 0;
};
std::optional<PathId> path_id(std::string_view hex) {
  if (hex.size() != 64 && hex.size() != 32) return std::nullopt;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;  // Lower case, as we print ids.
  }
  auto raw = crypto::hex_decode(hex);
  if (!raw) return std::nullopt;
  PathId id;
  id.bytes = raw->size();
  std::copy(raw->begin(), raw->end(), id.digest.begin());
  return id;
}

}  // namespace

Session::Session(asio::ip::tcp::socket socket, std::shared_ptr<ApiServer::State> state)
    : stream_(std::move(socket)), state_(std::move(state)), keepalive_(state_->io) {}

Session::~Session() = default;

void Session::start(bool refuse) {
  state_->sessions.insert(weak_from_this());
  if (refuse) {
    respond(503, error_json("limit_exceeded", "too many open connections"), false);
    return;
  }
  read();
}

void Session::read() {
  if (closed_) return;
  parser_.emplace();
  parser_->body_limit(state_->limits.api_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(kApiHeaderBytesMax));
  stream_.expires_after(kApiIdleTimeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     self->on_read(ec);
                   });
}

void Session::on_read(beast::error_code ec) {
  if (closed_) return;
  if (ec == http::error::body_limit) {
    route_name_ = "too_large";
    respond(413, error_json("limit_exceeded", "request body larger than " +
                                                  std::to_string(state_->limits.api_body_bytes) +
                                                  " bytes"), false);
    return;
  }
  if (ec == http::error::header_limit) {
    route_name_ = "too_large";
    respond(431, error_json("limit_exceeded", "request headers too large"), false);
    return;
  }
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
      ec == asio::error::eof) {
    close();
    return;
  }
  if (ec) {
    route_name_ = "bad_request";
    respond(400, error_json("parse", "bad HTTP request: " + ec.message()), false);
    return;
  }
  route();
}

void Session::route() {
  busy_ = true;
  const auto& req = parser_->get();
  std::string_view target(req.target().data(), req.target().size());
  std::size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (path == "/v1/messages") {
    route_name_ = "messages";
    if (req.method() != http::verb::post) {
      respond(405, error_json("unsupported", "use POST for /v1/messages"));
      return;
    }
    handle_submit();
    return;
  }
  if (req.method() != http::verb::get) {
    route_name_ = "other";
    respond(405, error_json("unsupported", "use GET for " + std::string(path)));
    return;
  }
  if (path == "/v1/events") {
    route_name_ = "events";
    start_events(query);
    return;
  }
  handle_get(path, query);
}

void Session::handle_submit() {
  const auto& req = parser_->get();
  std::string_view type(req[http::field::content_type].data(),
                        req[http::field::content_type].size());
  Bytes envelope;
  if (type.starts_with("application/json")) {
    boost::system::error_code ec;
    json::value v = json::parse(req.body(), ec);
    const json::object* o = ec ? nullptr : v.if_object();
    const json::value* e = o != nullptr ? o->if_contains("envelope") : nullptr;
    if (e == nullptr || !e->is_string()) {
      respond(400, error_json("parse", "JSON body must be {\"envelope\": \"<base64>\"}"));
      return;
    }
    auto bytes = crypto::base64_decode(std::string_view(e->as_string()));
    if (!bytes) {
      respond(400, error_json(errc_name(bytes.error().code), "envelope: " + bytes.error().detail));
      return;
    }
    envelope = std::move(*bytes);
  } else if (type.starts_with("application/octet-stream")) {
    envelope.assign(req.body().begin(), req.body().end());
  } else {
    respond(415, error_json("unsupported",
                            "Content-Type must be application/octet-stream or application/json"));
    return;
  }
  if (envelope.empty()) {
    respond(400, error_json("malformed_message", "empty envelope"));
    return;
  }
  // The reply callback owns the session until the core answers: nothing
  // else holds it while no socket operation is pending.
  auto r = state_->backend.submit(std::move(envelope), [self = shared_from_this()](const AgentReply& reply) {
    if (self->closed_) return;
    self->respond(reply.ok ? 200 : status_for_refusal(reply.code), reply_json(reply));
  });
  if (!r) respond(503, error_json(errc_name(r.error().code), r.error().detail));
}

void Session::handle_get(std::string_view path, std::string_view query) {
  ApiBackend& b = state_->backend;
  if (path == "/v1/health") {
    route_name_ = "health";
    json::object o;
    o["ok"] = true;
    respond(200, o);
  } else if (path == "/v1/negotiations" || path.starts_with("/v1/negotiations/")) {
    route_name_ = "negotiations";
    std::string_view id = path.size() > 17 ? path.substr(17) : std::string_view();
    bool messages = id.ends_with("/messages");
    if (messages) id.remove_suffix(9);
    if (!id.empty()) {
      // One lookup, not a walk of every negotiation the node holds.
      auto pid = path_id(id);
      auto n = pid ? b.negotiation(pid->digest, pid->bytes) : std::nullopt;
      if (!n) return respond(404, error_json("not_found", "no negotiation " + std::string(id)));
      if (!messages) return respond(200, negotiation_json(*n));
      auto transcript = b.transcript(n->id);
      if (!transcript) {
        return respond(500, error_json(errc_name(transcript.error().code), transcript.error().to_string()));
      }
      json::array msgs;
      for (const Bytes& e : *transcript) msgs.push_back(json::string(crypto::base64_encode(e)));
      json::object o;
      o["id"] = digest_hex(n->id);
      o["messages"] = std::move(msgs);
      return respond(200, o);
    }
    json::array list;
    for (const NegotiationView& n : b.negotiations()) {
      if (list.size() >= kApiListMax) break;
      list.push_back(negotiation_json(n));
    }
    json::object o;
    o["negotiations"] = std::move(list);
    respond(200, o);
  } else if (path == "/v1/contracts" || path.starts_with("/v1/contracts/")) {
    route_name_ = "contracts";
    std::string_view id = path.size() > 14 ? path.substr(14) : std::string_view();
    if (!id.empty()) {
      auto pid = path_id(id);
      auto c = pid ? b.contract(pid->digest, pid->bytes) : std::nullopt;
      if (!c) return respond(404, error_json("not_found", "no contract " + std::string(id)));
      return respond(200, contract_json(*c));
    }
    json::array list;
    for (const ContractView& c : b.contracts()) {
      if (list.size() >= kApiListMax) break;
      list.push_back(contract_json(c));
    }
    json::object o;
    o["contracts"] = std::move(list);
    respond(200, o);
  } else if (path == "/v1/checkpoint") {
    route_name_ = "checkpoint";
    auto cp = b.checkpoint();
    if (!cp) return respond(404, error_json(errc_name(cp.error().code), cp.error().detail));
    json::object o;
    o["note"] = cp->first;
    o["size"] = cp->second;
    respond(200, o);
  } else if (path == "/v1/proof") {
    route_name_ = "proof";
    auto index = query_param(query, "index");
    auto size = query_param(query, "size");
    auto i = index ? parse_u64(*index) : std::nullopt;
    auto s = size ? parse_u64(*size) : std::nullopt;
    if (!i || (size && !s)) {
      return respond(400, error_json("invalid_argument",
                                     "need index=N (and optionally size=M), decimal"));
    }
    auto p = b.proof(*i, s);
    if (!p) return respond(404, error_json(errc_name(p.error().code), p.error().detail));
    respond(200, *p);
  } else {
    route_name_ = "other";
    respond(404, error_json("not_found", "no route " + std::string(path)));
  }
}

void Session::respond(unsigned status, const json::object& body, bool keep_alive) {
  if (state_->metrics != nullptr) state_->metrics->count_api_request(route_name_, status);
  auto res = std::make_shared<Response>(static_cast<http::status>(status), 11);
  res->set(http::field::server, "pactumd");
  res->set(http::field::content_type, "application/json");
  res->body() = json::serialize(body) + "\n";
  bool keep = keep_alive && !state_->stopped && parser_ && parser_->is_done() &&
              parser_->get().keep_alive();
  res->keep_alive(keep);
  res->prepare_payload();
  write(std::move(res), keep);
}

void Session::write(std::shared_ptr<Response> res, bool keep_alive) {
  stream_.expires_after(kApiIdleTimeout);
  http::async_write(stream_, *res,
                    [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
                      self->busy_ = false;
                      if (ec || !keep_alive) return self->close();
                      self->read();
                    });
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  keepalive_.cancel();
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
  state_->sessions.erase(weak_from_this());
  state_->subscribers.erase(weak_from_this());
}

void Session::on_server_stop() {
  // Event streams and idle keep-alive connections end now; a request being
  // answered finishes (respond() then closes, since the server stopped).
  if (events_ || !busy_) close();
}

}  // namespace pactum::node::daemon
