// The agent API client the `pactum agent|org|escrow` commands share: one
// HTTP/1.1 exchange per call with a pactumd agent API (docs/agent-api.yaml).
// Thread-safe: each call uses its own io_context and socket.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <utility>

#include "base/base.h"

namespace pactum::tools {

// "host:port" or "http://host:port" split; kInvalidArgument naming --node.
Result<std::pair<std::string, std::uint16_t>> host_port(std::string url);
// A TCP connection to the node's agent API; kIo when it cannot be reached.
Result<boost::asio::ip::tcp::socket> connect_node(boost::asio::io_context& io, const std::string& node);

// One exchange with the node at `node` ("host:port" or "http://host:port").
// On success the HTTP status and the parsed JSON body (any status). Errors:
// kInvalidArgument for a bad address, kIo when the node cannot be reached or
// the exchange fails, kParse when the answer is not JSON.
Result<std::pair<unsigned, boost::json::value>> api_call(const std::string& node, boost::beast::http::verb verb,
                                                         const std::string& target, const Bytes* body);

// POSTs a signed envelope to /v1/messages. On success ("ok": true) the
// node's answer object; otherwise kPolicyViolation naming the HTTP status,
// the refusal code and detail (the code also in the text, for scripts).
// `json_out` prints the node's answer as one JSON line either way.
Result<boost::json::object> api_submit(const std::string& node, const Bytes& envelope, bool json_out);

// Unix milliseconds now (signed timestamps of what the CLI signs).
std::int64_t unix_now_ms();
// A sender sequence number that grows across runs of the CLI (microseconds)
// and strictly across calls in one process. Thread-safe.
std::uint64_t unix_sequence();

}  // namespace pactum::tools
