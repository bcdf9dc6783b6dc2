// Internal to node/daemon: one agent API connection (HTTP requests, or an
// event stream once GET /v1/events was asked for) and the server state the
// sessions share. Runs on the io thread only.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <set>

#include "node/daemon/api.h"

namespace pactum::node::daemon {

class Session;

struct ApiServer::State {
  State(boost::asio::io_context& io_context, const DaemonLimits& l, ApiBackend& b, Metrics* m)
      : io(io_context), acceptor(io_context), limits(l), backend(b), metrics(m) {}
  boost::asio::io_context& io;
  boost::asio::ip::tcp::acceptor acceptor;
  DaemonLimits limits;
  ApiBackend& backend;
  Metrics* metrics = nullptr;
  bool stopped = false;
  std::uint64_t event_seq = 0;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> subscribers;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ApiServer::State> state);
  ~Session();
  // `refuse`: answer 503 (connection limit) and close.
  void start(bool refuse);
  bool wants(const crypto::PublicKey& agent) const;
  void push_event(const std::string& frame);
  void on_server_stop();

 private:
  void read();
  void on_read(boost::system::error_code ec);
  void route();
  void respond(unsigned status, const boost::json::object& body, bool keep_alive = true);
  void write(std::shared_ptr<Response> res, bool keep_alive);
  void close();
  void handle_submit();
  void handle_get(std::string_view path, std::string_view query);
  void start_events(std::string_view query);
  void write_next_event();
  void arm_keepalive();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<ApiServer::State> state_;
  std::string route_name_ = "unknown";  // For metrics: a fixed set, never the raw path.
  bool busy_ = false;                   // A request is being answered.
  bool closed_ = false;
  // Event stream.
  bool events_ = false;
  std::optional<crypto::PublicKey> filter_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  boost::asio::steady_timer keepalive_;
};

}  // namespace pactum::node::daemon
