// The agent API's HTTP server (Boost.Beast). One Session per connection;
// every handler runs on the io thread. Boost throws from a few calls (bind,
// listen); those are caught where they are made.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <set>

#include "node/daemon/api_session.h"
#include "node/daemon/daemon_limits.h"

namespace pactum::node::daemon {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

void do_accept(const std::shared_ptr<ApiServer::State>& state) {
  state->acceptor.async_accept(
      [state](boost::system::error_code ec, tcp::socket socket) {
        if (state->stopped) return;
        if (!ec) {
          auto s = std::make_shared<Session>(std::move(socket), state);
          // Past the connection limit, the client is told so and closed.
          s->start(state->sessions.size() >= state->limits.api_connections);
        }
        do_accept(state);
      });
}

}  // namespace

ApiServer::ApiServer(std::shared_ptr<State> state) : state_(std::move(state)) {}

ApiServer::~ApiServer() { stop(); }

Result<std::unique_ptr<ApiServer>> ApiServer::start(asio::io_context& io, const Endpoint& at,
                                                    const DaemonLimits& limits,
                                                    ApiBackend& backend, Metrics* metrics) {
  auto state = std::make_shared<State>(io, limits, backend, metrics);
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(at.host, ec);
  if (ec) return Fail(Errc::kIo, "listen.api: bad address " + at.host + ": " + ec.message());
  tcp::endpoint ep(addr, at.port);
  state->acceptor.open(ep.protocol(), ec);
  if (!ec) state->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(ep, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Fail(Errc::kIo, "listen.api: cannot listen on " + at.text() + ": " + ec.message());
  do_accept(state);
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(state)));
}

std::uint16_t ApiServer::port() const {
  boost::system::error_code ec;
  auto ep = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void ApiServer::publish(const AgentNotice& notice) {
  if (state_->stopped) return;
  ++state_->event_seq;
  std::string data = boost::json::serialize(notice_json(notice));
  std::string frame = "id: " + std::to_string(state_->event_seq) + "\nevent: " + notice.type +
                      "\ndata: " + data + "\n\n";
  // Copy: a send may drop a subscriber, which edits the set.
  std::vector<std::shared_ptr<Session>> subs;
  for (const auto& w : state_->subscribers) {
    if (auto s = w.lock()) subs.push_back(std::move(s));
  }
  for (const auto& s : subs) {
    if (s->wants(notice.agent)) s->push_event(frame);
  }
}

void ApiServer::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ec;
  state_->acceptor.close(ec);
  std::vector<std::shared_ptr<Session>> all;
  for (const auto& w : state_->sessions) {
    if (auto s = w.lock()) all.push_back(std::move(s));
  }
  for (const auto& s : all) s->on_server_stop();
}

std::size_t ApiServer::open_connections() const { return state_->sessions.size(); }

}  // namespace pactum::node::daemon
