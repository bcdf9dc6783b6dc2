// Server-sent events: GET /v1/events[?agent=KEY] turns a session into a
// stream of AgentNotices. Each subscriber has a bounded queue; one that
// cannot keep up is disconnected instead of growing memory.
#include <charconv>

#include "node/daemon/api_session.h"
#include "node/daemon/daemon_limits.h"
#include "node/daemon/metrics.h"

namespace pactum::node::daemon {

namespace asio = boost::asio;

void Session::start_events(std::string_view query) {
  std::string_view agent;
  for (std::string_view rest = query; !rest.empty();) {
    std::size_t amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    if (part.starts_with("agent=")) agent = part.substr(6);
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  if (!agent.empty()) {
    // Base64 '+', '/' and '=' may come %-encoded; hex is accepted as well.
    std::string text;
    for (std::size_t i = 0; i < agent.size(); ++i) {
      unsigned v = 0;
      if (agent[i] == '%' && i + 2 < agent.size() &&
          std::from_chars(agent.data() + i + 1, agent.data() + i + 3, v, 16).ptr ==
              agent.data() + i + 3) {
        text.push_back(static_cast<char>(v));
        i += 2;
      } else {
        text.push_back(agent[i]);
      }
    }
    auto key = crypto::public_key_from_text(text);
    if (!key) {
      auto hex = crypto::hex_decode(text);
      if (hex && hex->size() == crypto::kPublicKeyBytes) {
        crypto::PublicKey k{};
        std::copy(hex->begin(), hex->end(), k.begin());
        key = k;
      }
    }
    if (!key) {
      return respond(400, error_json("bad_key", "agent= must be a base64 or hex Ed25519 public key"));
    }
    filter_ = *key;
  }
  if (state_->subscribers.size() >= state_->limits.sse_subscribers) {
    return respond(503, error_json("limit_exceeded", "too many event-stream subscribers"), false);
  }
  if (state_->metrics != nullptr) state_->metrics->count_api_request(route_name_, 200);
  events_ = true;
  busy_ = false;
  state_->subscribers.insert(weak_from_this());
  stream_.expires_never();
  queue_.push_back(
      "HTTP/1.1 200 OK\r\nServer: pactumd\r\nContent-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\nConnection: close\r\n\r\n: pactumd event stream\n\n");
  write_next_event();
  arm_keepalive();
}

bool Session::wants(const crypto::PublicKey& agent) const {
  return events_ && !closed_ &&
         (!filter_ || agent == crypto::PublicKey{} || agent == *filter_);
}

void Session::push_event(const std::string& frame) {
  if (closed_) return;
  if (queue_.size() >= kSseQueueEventsMax) {
    close();  // Too slow: the agent reconnects and reads state from the GET routes.
    return;
  }
  queue_.push_back(frame);
  write_next_event();
}

void Session::write_next_event() {
  if (writing_ || queue_.empty() || closed_) return;
  writing_ = true;
  asio::async_write(stream_.socket(), asio::buffer(queue_.front()),
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                      self->writing_ = false;
                      if (ec) return self->close();
                      self->queue_.pop_front();
                      self->write_next_event();
                    });
}

void Session::arm_keepalive() {
  keepalive_.expires_after(kSseKeepAlive);
  keepalive_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->closed_) return;
    self->push_event(": keep-alive\n\n");
    self->arm_keepalive();
  });
}

}  // namespace pactum::node::daemon
