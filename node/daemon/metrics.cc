// Prometheus metrics of pactumd. prometheus-cpp throws on a bad bind or bad
// label set; both are caught here, where the library is called.
#include "node/daemon/metrics.h"

#include <algorithm>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace pactum::node::daemon {

Result<std::unique_ptr<Metrics>> Metrics::start(const Endpoint& at,
                                                const std::vector<PartnerConfig>& partners) {
  std::unique_ptr<Metrics> m(new Metrics());
  try {
    m->registry_ = std::make_shared<prometheus::Registry>();
    auto& r = *m->registry_;
    m->negotiations_ = &prometheus::BuildGauge()
                            .Name("pactum_negotiations")
                            .Help("Negotiations held by the node core, by state")
                            .Register(r);
    m->frames_ = &prometheus::BuildGauge()
                      .Name("pactum_peer_frames")
                      .Help("Frames exchanged with each partner since start, by direction")
                      .Register(r);
    m->core_counts_ = &prometheus::BuildGauge()
                           .Name("pactum_core_events")
                           .Help("Core counters since start: peer_messages_in/out, "
                                 "verification_failures, refusals, contracts, alarms, "
                                 "deals_retired (finished deals whose messages and receipts left memory)")
                           .Register(r);
    m->ledger_height_ = &prometheus::BuildGauge()
                             .Name("pactum_ledger_height")
                             .Help("Entries durably committed to the node's ledger")
                             .Register(r)
                             .Add({});
    m->signature_checks_ = &prometheus::BuildGauge()
                                .Name("pactum_signature_checks")
                                .Help("Ed25519 signature checks of the node core since start, by outcome: "
                                      "verified (the curve check ran, whatever its result), "
                                      "memo_hit (a signature that already verified, met again)")
                                .Register(r);
    m->peer_rate_pauses_ = &prometheus::BuildGauge()
                                .Name("pactum_peer_rate_pauses")
                                .Help("Times reading from a peer paused because it sent more than "
                                      "limits.peer_frames_per_second")
                                .Register(r);
    m->peer_state_ = &prometheus::BuildGauge()
                          .Name("pactum_peer_state")
                          .Help("Peer link state: 0 disconnected, 1 connecting, 2 connected, 3 backoff")
                          .Register(r);
    // Buckets from 100 us (no fsync) to 1 s (a stalled disk).
    m->commit_seconds_ = &prometheus::BuildHistogram()
                              .Name("pactum_ledger_commit_seconds")
                              .Help("Latency of one durable group commit")
                              .Register(r)
                              .Add({}, prometheus::Histogram::BucketBoundaries{
                                           0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                           0.025, 0.05, 0.1, 0.25, 0.5, 1.0});
    m->committed_entries_ = &prometheus::BuildCounter()
                                 .Name("pactum_ledger_appended_entries_total")
                                 .Help("Entries appended through group commits")
                                 .Register(r)
                                 .Add({});
    m->alarms_ = &prometheus::BuildCounter()
                      .Name("pactum_alarms_total")
                      .Help("Alarms raised by the core, by type")
                      .Register(r);
    m->api_requests_ = &prometheus::BuildCounter()
                            .Name("pactum_api_requests_total")
                            .Help("Agent API requests, by route and HTTP status")
                            .Register(r);
    m->notices_ = &prometheus::BuildCounter()
                       .Name("pactum_agent_notices_total")
                       .Help("Notices published to agents, by type")
                       .Register(r);
    m->exposer_ = std::make_unique<prometheus::Exposer>(at.text(), 2);
    m->exposer_->RegisterCollectable(m->registry_);
  } catch (const std::exception& e) {
    return Fail(Errc::kIo, "listen.metrics: cannot serve metrics on " + at.text() + ": " + e.what());
  }
  for (const PartnerConfig& p : partners) m->partner_names_[p.org_root] = p.name;
  return m;
}

Metrics::~Metrics() = default;

std::uint16_t Metrics::port() const {
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : static_cast<std::uint16_t>(ports.front());
}

void Metrics::refresh(const CoreStats& core, const net::TransportStats* transport,
                      std::uint64_t ledger_height, const crypto::VerifyMemo::Stats& signatures) {
  try {
    // Every state but INIT (a negotiation leaves it with its first message), zeros included.
    for (std::size_t s = 1; s < protocol::kNegStateCount; ++s) {
      const std::string name(protocol::state_name(static_cast<protocol::NegState>(s)));
      negotiations_->Add({{"state", name}}).Set(static_cast<double>(core.negotiations_by_state[s]));
    }
    auto set = [this](const char* what, std::uint64_t v) {
      core_counts_->Add({{"counter", what}}).Set(static_cast<double>(v));
    };
    set("peer_messages_in", core.peer_messages_in);
    set("peer_messages_out", core.peer_messages_out);
    set("verification_failures", core.verification_failures);
    set("refusals", core.refusals);
    set("contracts", core.contracts);
    set("alarms", core.alarms);
    set("deals_retired", core.deals_retired);
    ledger_height_->Set(static_cast<double>(ledger_height));
    signature_checks_->Add({{"outcome", "verified"}}).Set(static_cast<double>(signatures.misses));
    signature_checks_->Add({{"outcome", "memo_hit"}}).Set(static_cast<double>(signatures.hits));
    if (transport != nullptr) {
      for (const net::PeerStats& p : transport->peers) {
        frames_->Add({{"peer", p.name}, {"direction", "in"}}).Set(static_cast<double>(p.frames_in));
        frames_->Add({{"peer", p.name}, {"direction", "out"}}).Set(static_cast<double>(p.frames_out));
        peer_state_->Add({{"peer", p.name}}).Set(static_cast<double>(p.state));
        peer_rate_pauses_->Add({{"peer", p.name}}).Set(static_cast<double>(p.rate_pauses));
      }
    }
  } catch (const std::exception&) {
    // A label prometheus-cpp refuses (cannot happen with checked names)
    // must not stop the node; the scrape just misses that sample.
  }
}

void Metrics::observe_commit(double seconds, std::size_t entries) {
  commit_seconds_->Observe(seconds);
  committed_entries_->Increment(static_cast<double>(entries));
}

void Metrics::count_alarm(const std::string& type) {
  try {
    alarms_->Add({{"type", type}}).Increment();
  } catch (const std::exception&) {
  }
}

void Metrics::count_api_request(const std::string& route, unsigned status) {
  try {
    api_requests_->Add({{"route", route}, {"status", std::to_string(status)}}).Increment();
  } catch (const std::exception&) {
  }
}

void Metrics::count_notice(const std::string& type) {
  try {
    notices_->Add({{"type", type}}).Increment();
  } catch (const std::exception&) {
  }
}

}  // namespace pactum::node::daemon
