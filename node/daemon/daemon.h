// pactumd's wiring: one NodeCore driven on one io_context thread, with thin
// adapters carrying out its effects in order:
//   SendToPeer     -> net::Transport::send_many (durable outbox), batched per io-loop turn
//   AppendToLedger -> LedgerWorker (group commit on a worker), AppendDone posted back
//   AgentReply     -> the agent API request that submitted the envelope
//   AgentNotice    -> the agent API's event stream
//   Alarm          -> a warning log line and a metric
// When the io thread nears saturation, peer frames and agent submissions
// have their signatures checked on the Preverifier's thread before they are
// fed (in order), so the core's checks of them are memo hits; otherwise
// they are fed at once (preverifier.h says why).
// A timer feeds Tick events; checkpoints are signed after appends and fed
// back as CheckpointTaken. At start-up our ledger is replayed into
// NodeCore::restore(), so in-flight negotiations resume.
//
// Thread-safety: none; everything but the ledger worker runs on the io thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>

#include "ledger/ledger.h"
#include "node/core/core.h"
#include "node/daemon/api.h"
#include "node/daemon/config.h"
#include "node/daemon/ledger_worker.h"
#include "node/daemon/metrics.h"
#include "node/daemon/preverifier.h"
#include "node/net/transport.h"

namespace pactum::node::daemon {

// Makes the node core; pactumd passes NodeCore::create, tests may pass a fake.
using CoreFactory = std::function<Result<std::unique_ptr<NodeCore>>(const CoreConfig&)>;

struct Ports {
  std::uint16_t peer = 0, api = 0, metrics = 0;
};

class Daemon final : public ApiBackend {
 public:
  // Opens the ledger, creates and restores the core, starts the transport,
  // the API and metrics, and the tick timer. Errors name what failed:
  // kBadConfig from the core (e.g. a policy that does not load), kIo for an
  // address that cannot be bound, ledger errors for a corrupt data_dir.
  // `on_thread_start`, when set, runs first on the preverifier's thread
  // (naming it, or counting its work in a benchmark).
  static Result<std::unique_ptr<Daemon>> start(boost::asio::io_context& io, DaemonConfig config,
                                               NodeIdentity identity, CoreFactory make_core,
                                               std::function<void()> on_thread_start = {});
  ~Daemon() override;

  Ports ports() const;
  // SIGTERM: stops accepting agent requests, lets the ledger worker finish
  // (feeding its outcomes to the core, whose sends reach the durable outbox),
  // stops the transport and calls `done` (on the io thread). Bounded by
  // kDrainTimeout. Idempotent.
  void shutdown(std::function<void()> done);

  // ApiBackend.
  Result<void> submit(Bytes envelope, ReplyFn done) override;
  std::vector<NegotiationView> negotiations() const override;
  std::vector<ContractView> contracts() const override;
  Result<std::vector<Bytes>> transcript(const crypto::Digest& negotiation_id) const override;
  std::optional<NegotiationView> negotiation(const crypto::Digest& id, std::size_t prefix_bytes) const override;
  std::optional<ContractView> contract(const crypto::Digest& terms_hash, std::size_t prefix_bytes) const override;
  Result<std::pair<std::string, std::uint64_t>> checkpoint() override;
  Result<boost::json::object> proof(std::uint64_t index,
                                    std::optional<std::uint64_t> size) override;

 private:
  Daemon(boost::asio::io_context& io, DaemonConfig config, NodeIdentity identity);
  Result<void> open_and_restore(const CoreFactory& make_core);
  Result<void> start_io(std::function<void()> on_thread_start);
  void feed(const Event& event);
  void apply(std::vector<Effect> effects);
  // Hands the appends effects asked for to the ledger worker in one call.
  void submit_appends();
  // A group commit's completions flush their sends directly (they are a
  // round's relay); sends of other events (a burst of peer frames) wait for
  // one flush_sends() posted after the handlers already queued, so they
  // share one outbox commit.
  void flush_sends();
  void schedule_flush();
  void on_tick();
  void drain_step(std::chrono::steady_clock::time_point deadline);

  class Nonces;
  class Proofs;
  boost::asio::io_context& io_;
  DaemonConfig config_;
  NodeIdentity identity_;
  std::unique_ptr<Nonces> nonces_;
  crypto::VerifyMemo signatures_;                        // Used while the core runs (feed, restore).
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<Proofs> proofs_;                       // The core's LedgerProofs over ledger_.
  std::unique_ptr<NodeCore> core_;
  std::unique_ptr<LedgerWorker> worker_;
  std::unique_ptr<Preverifier> preverifier_;             // Checks inbound envelopes into signatures_.
  std::unique_ptr<net::Transport> transport_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<ApiServer> api_;
  boost::asio::steady_timer tick_timer_;
  std::deque<std::pair<OrgKey, Bytes>> unsent_;          // Sends not yet in the outbox, in order.
  std::vector<AppendToLedger> unsubmitted_;              // Appends not yet with the worker, in order.
  bool holding_appends_ = false;                         // A batch of events is being fed: submit after it.
  bool flush_posted_ = false;                              // A schedule_flush() is queued.
  std::map<std::uint64_t, ReplyFn> replies_;             // Agent requests awaiting the core.
  std::map<OrgKey, Bytes> peer_checkpoints_;             // From each peer's latest Hello.
  std::uint64_t next_request_ = 1;
  std::int64_t last_tick_ms_ = 0;
  std::chrono::steady_clock::time_point last_refresh_{};
  bool draining_ = false;
  std::function<void()> drained_;
};

}  // namespace pactum::node::daemon
