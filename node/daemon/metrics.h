// pactumd's Prometheus metrics (prometheus-cpp), served on the metrics
// address at /metrics. Names and labels: docs/node-config.md#metrics.
//
// Gauges that mirror the core and transport (negotiations by state, frames,
// verification failures, ledger height, peer states) are refreshed by
// refresh(); counters and the commit histogram are updated as things happen.
//
// Thread-safe: prometheus-cpp metrics are atomic; the exposer serves scrapes
// on its own threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/base.h"
#include "node/core/core.h"
#include "node/daemon/config.h"
#include "node/net/transport.h"

namespace prometheus {
class Exposer;
class Registry;
class Gauge;
class Counter;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace pactum::node::daemon {

class Metrics {
 public:
  // Binds the exposer at `at`. kIo naming listen.metrics if it cannot bind.
  static Result<std::unique_ptr<Metrics>> start(const Endpoint& at,
                                                const std::vector<PartnerConfig>& partners);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  std::uint16_t port() const;  // The bound port (listen.metrics may say 0).

  // Mirrors the core's and transport's state into gauges.
  void refresh(const CoreStats& core, const net::TransportStats* transport,
               std::uint64_t ledger_height, const crypto::VerifyMemo::Stats& signatures);
  void observe_commit(double seconds, std::size_t entries);
  void count_alarm(const std::string& type);
  void count_api_request(const std::string& route, unsigned status);
  void count_notice(const std::string& type);

 private:
  Metrics() = default;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Gauge>* negotiations_ = nullptr;
  prometheus::Family<prometheus::Gauge>* frames_ = nullptr;
  prometheus::Family<prometheus::Gauge>* core_counts_ = nullptr;
  prometheus::Gauge* ledger_height_ = nullptr;
  prometheus::Family<prometheus::Gauge>* signature_checks_ = nullptr;
  prometheus::Family<prometheus::Gauge>* peer_state_ = nullptr;
  prometheus::Family<prometheus::Gauge>* peer_rate_pauses_ = nullptr;
  prometheus::Histogram* commit_seconds_ = nullptr;
  prometheus::Counter* committed_entries_ = nullptr;
  prometheus::Family<prometheus::Counter>* alarms_ = nullptr;
  prometheus::Family<prometheus::Counter>* api_requests_ = nullptr;
  prometheus::Family<prometheus::Counter>* notices_ = nullptr;
  std::map<crypto::PublicKey, std::string> partner_names_;
};

}  // namespace pactum::node::daemon
