// The agent API of pactumd: HTTP/1.1 + JSON on a local address (Boost.Beast,
// Boost.JSON), described by docs/agent-api.yaml.
//
//   POST /v1/messages            an agent-signed envelope (application/
//                                octet-stream, or JSON {"envelope": base64})
//   GET  /v1/negotiations[/{id}] what the core holds
//   GET  /v1/negotiations/{id}/messages  its signed messages, for linking the next one
//   GET  /v1/contracts[/{id}]    terms hash, anchoring, settlement, escrow
//   GET  /v1/checkpoint          our latest signed checkpoint (C2SP note)
//   GET  /v1/proof?index=N[&size=M]  inclusion proof, as `pactum ledger proof`
//   GET  /v1/events[?agent=KEY]  server-sent events of AgentNotices
//   GET  /v1/health              200 once serving
//
// Writes are authenticated by the envelope's signatures and mandate, which the
// core checks; the API trusts no caller for anything. Errors are JSON
// {"error": {"code": errc name, "detail": text}} with an HTTP status.
//
// Thread-safety: none. The server and its backend live on one io_context run
// by one thread; every backend call and every method here happens on it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/base.h"
#include "node/core/core.h"
#include "node/daemon/config.h"

namespace pactum::node::daemon {

class Metrics;

// What the API reads and writes: the daemon's wiring, or a fake in tests.
class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  using ReplyFn = std::function<void(const AgentReply& reply)>;
  // Hands an envelope to the core. `done` is called exactly once, later, on
  // the io thread, unless an error is returned (then never). Errors:
  // kLimitExceeded when too many submissions wait (HTTP 503), kInvalidArgument
  // while shutting down (503).
  virtual Result<void> submit(Bytes envelope, ReplyFn done) = 0;
  virtual std::vector<NegotiationView> negotiations() const = 0;
  virtual std::vector<ContractView> contracts() const = 0;
  // The negotiation messages (envelope wire bytes) our ledger holds for one
  // negotiation, in ledger order: what an agent reads to link its next
  // message (previous hash, round, terms on the table). Empty if none.
  // Errors: the ledger's, for a finished deal's messages read back from it.
  virtual Result<std::vector<Bytes>> transcript(const crypto::Digest& negotiation_id) const = 0;
  // One negotiation or contract by its id's first `prefix_bytes` (16 or
  // 32) bytes (NodeCore::negotiation, NodeCore::contract). These defaults
  // search the lists; the daemon answers with one lookup.
  virtual std::optional<NegotiationView> negotiation(const crypto::Digest& id, std::size_t prefix_bytes) const {
    return find_by_id_prefix(negotiations(), id, prefix_bytes);
  }
  virtual std::optional<ContractView> contract(const crypto::Digest& terms_hash, std::size_t prefix_bytes) const {
    return find_by_id_prefix(contracts(), terms_hash, prefix_bytes);
  }
  // Our latest signed checkpoint note and its size; kNotFound before the first.
  virtual Result<std::pair<std::string, std::uint64_t>> checkpoint() = 0;
  // Inclusion proof JSON of entry `index` in the tree of `size` (default: the
  // latest checkpoint's size if it covers index, else the ledger's size).
  // kOutOfRange / kNotFound for indexes or sizes the ledger does not have.
  virtual Result<boost::json::object> proof(std::uint64_t index,
                                            std::optional<std::uint64_t> size) = 0;
};

// ---- JSON forms (api_json.cc), shared with tests ----
std::string digest_hex(const crypto::Digest& d);
boost::json::object negotiation_json(const NegotiationView& n);
boost::json::object contract_json(const ContractView& c);
boost::json::object notice_json(const AgentNotice& n);
boost::json::object reply_json(const AgentReply& r);
boost::json::object error_json(std::string_view code, std::string_view detail);
// HTTP status of a refusal code: 400 for malformed input, 403 for mandate and
// policy refusals, 409 for conflicts and turn errors, 422 otherwise.
unsigned status_for_refusal(std::string_view code);

class ApiServer {
 public:
  // Binds `at` and starts accepting. kIo naming listen.api if it cannot bind.
  // `metrics` may be null; both references must outlive the server.
  static Result<std::unique_ptr<ApiServer>> start(boost::asio::io_context& io, const Endpoint& at,
                                                  const DaemonLimits& limits, ApiBackend& backend,
                                                  Metrics* metrics);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  std::uint16_t port() const;
  // Sends the notice to every event-stream subscriber whose filter matches
  // (a zero notice.agent goes to all). A subscriber too slow to keep up with
  // kSseQueueEventsMax events is disconnected.
  void publish(const AgentNotice& notice);
  // Stops accepting, ends event streams and closes idle connections;
  // requests in flight finish. Idempotent.
  void stop();
  std::size_t open_connections() const;

  struct State;

 private:
  explicit ApiServer(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace pactum::node::daemon
