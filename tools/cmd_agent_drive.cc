// `pactum agent drive`: the demo's agents in one process (docs/demo.md). It
// loads the federation tools/demo.sh lays out, runs the deals on a pool of
// blocking workers (the kill-switch moment halfway, alone), waits until the
// nodes have settled every agreed contract, then funds and releases each
// contract's escrow (the first agreed one disputed and ruled) and prints
// the deal lines of the demo's summary; --json writes every deal's outcome.
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "tools/agent_drive.h"
#include "tools/cli.h"

namespace pactum::tools {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// Blocking workers: each waits on the nodes most of the time, so more
// workers than cores keep the nodes busy; beyond ~32 they only queue there.
constexpr int kWorkersMax = 64;
constexpr int kDealsMax = 100000;
// How long settlement of every agreed contract on both sides may take.
constexpr auto kSettleWait = std::chrono::seconds(120);
constexpr auto kSettlePoll = std::chrono::milliseconds(50);

struct DriveArgs {
  std::string federation = ".", json_path;
  int deals = 200, workers = 16;
};

// Runs job(k) for k in [first, last) on `workers` threads.
template <typename F>
void run_pool(int first, int last, int workers, F&& job) {
  std::atomic<int> next{first};
  std::vector<std::thread> pool;
  for (int w = 0; w < std::min(workers, std::max(last - first, 1)); ++w) {
    pool.emplace_back([&next, last, &job] {
      for (int k = next++; k < last; k = next++) job(k);
    });
  }
  for (std::thread& t : pool) t.join();
}

std::int64_t ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// Waits until the buyer's node and the two sellers' nodes between them hold
// `agreed` contracts anchored by the peer and settled.
Result<void> wait_settled(const Federation& f, int agreed) {
  const auto deadline = Clock::now() + kSettleWait;
  int b = 0, s = 0;
  while (Clock::now() < deadline) {
    auto rb = settled_contracts(f.buyer.node);
    auto ra = settled_contracts(f.sellera.node);
    auto rs = settled_contracts(f.sellerb.node);
    if (rb && ra && rs) {
      b = *rb;
      s = *ra + *rs;
      if (b >= agreed && s >= agreed) return Ok();
    }
    std::this_thread::sleep_for(kSettlePoll);
  }
  return Fail(Errc::kIo, "settled: buyer " + std::to_string(b) + ", sellers " + std::to_string(s) + " of " +
                                  std::to_string(agreed) + " agreed contracts");
}

// The lower median, as the shell summary always printed it.
std::int64_t median(std::vector<std::int64_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

const char* outcome_name(DealOutcome o) {
  switch (o) {
    case DealOutcome::kAgreed: return "agreed";
    case DealOutcome::kRejected: return "rejected";
    case DealOutcome::kRefused: return "refused";
    case DealOutcome::kDenied: return "denied";
    case DealOutcome::kLost: return "lost";
  }
  return "lost";
}

const char* escalation_name(Escalation e) {
  switch (e) {
    case Escalation::kNone: return "none";
    case Escalation::kApproved: return "approved";
    case Escalation::kDenied: return "denied";
  }
  return "none";
}

struct Phases {
  std::int64_t deals_ms = 0, escrow_ms = 0;
  int escrow_failed = 0;
  std::string dispute, dispute_seller;
  Result<AmendmentResult> amendment = Fail(Errc::kNotFound, "not run");
};

std::string euros(std::int64_t minor) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld.%02ld", static_cast<long>(minor / 100), static_cast<long>(minor % 100));
  return buf;
}

// The deal lines of the demo's summary (docs/demo.md "The summary").
void print_summary(const std::vector<DealResult>& deals, const Phases& p) {
  auto count = [&](auto pred) { return std::count_if(deals.begin(), deals.end(), pred); };
  const auto agreed = count([](const DealResult& d) { return d.outcome == DealOutcome::kAgreed; });
  std::map<std::string, int> reasons;
  std::vector<std::int64_t> messages, ms;
  for (const DealResult& d : deals) {
    if (d.outcome == DealOutcome::kRefused) ++reasons[d.refusal_rule];
    if (d.outcome == DealOutcome::kAgreed) { messages.push_back(d.messages); ms.push_back(d.ms_to_agree); }
  }
  std::string why;
  for (const auto& [rule, n] : reasons) why += rule + " " + std::to_string(n) + "; ";
  auto of = [&](DealOutcome o) { return count([o](const DealResult& d) { return d.outcome == o; }); };
  auto esc = [&](Escalation e) { return count([e](const DealResult& d) { return d.escalation == e; }); };
  std::printf("deals proposed:        %zu\n", deals.size());
  std::printf("agreed:                %ld (at once: %ld, after a counter: %ld)\n", static_cast<long>(agreed),
              static_cast<long>(count([](const DealResult& d) { return d.outcome == DealOutcome::kAgreed && d.messages == 2; })),
              static_cast<long>(count([](const DealResult& d) { return d.outcome == DealOutcome::kAgreed && d.messages == 3; })));
  std::printf("rejected by the buyer: %ld\n", static_cast<long>(of(DealOutcome::kRejected)));
  std::printf("refused:               %ld\n", static_cast<long>(of(DealOutcome::kRefused)));
  std::printf("refusal reasons:       %s\n", why.c_str());
  std::printf("escalated:             %ld (approved: %ld, denied: %ld)\n",
              static_cast<long>(esc(Escalation::kApproved) + esc(Escalation::kDenied)),
              static_cast<long>(esc(Escalation::kApproved)), static_cast<long>(esc(Escalation::kDenied)));
  std::printf("kill switch:           engaged, %ld proposal refused (kill_switch), lifted\n",
              static_cast<long>(count([](const DealResult& d) { return d.refusal_code == "kill_switch"; })));
  std::printf("lost:                  %ld\n", static_cast<long>(of(DealOutcome::kLost)));
  // The sellers' concession curves (tools/agent_drive.cc): seller A Boulware, seller B Conceder.
  std::vector<std::int64_t> counters[2];
  for (const DealResult& d : deals) {
    if (d.counter_minor > 0) counters[d.seller == "sellerb" ? 1 : 0].push_back(d.counter_minor);
  }
  const std::int64_t ca = median(counters[0]), cb = median(counters[1]);
  std::printf("seller counters:       seller-a (Boulware) median %ld.%02ld, seller-b (Conceder) median %ld.%02ld\n",
              static_cast<long>(ca / 100), static_cast<long>(ca % 100), static_cast<long>(cb / 100),
              static_cast<long>(cb % 100));
  if (p.amendment) {
    std::printf("amendment:             contract %s without escrow, 10 -> 15 seats from 2026-02-08: %s -> %s EUR, "
                "same digests on both nodes: %s\n",
                p.amendment->base.substr(0, 32).c_str(), euros(p.amendment->base_total_minor).c_str(),
                euros(p.amendment->amended_total_minor).c_str(), p.amendment->digests_agree ? "yes" : "no");
  } else {
    std::printf("amendment:             failed: %s\n", p.amendment.error().to_string().c_str());
  }
  std::printf("median messages/deal:  %ld\n", static_cast<long>(median(messages)));
  std::printf("median ms to agree:    %ld\n", static_cast<long>(median(ms)));
  std::printf("throughput:            %.2f agreed deals/s (%ld ms to agree and settle on both nodes); escrow %ld ms\n",
              static_cast<double>(agreed) * 1000.0 / static_cast<double>(p.deals_ms + 1),
              static_cast<long>(p.deals_ms), static_cast<long>(p.escrow_ms));
  for (const DealResult& d : deals) {
    if (d.outcome == DealOutcome::kLost) std::fprintf(stderr, "deal %d lost: %s\n", d.deal, d.lost_why.c_str());
  }
}

Result<void> write_json(const std::string& path, const std::vector<DealResult>& deals, const Phases& p) {
  json::array list;
  int agreed = 0;
  for (const DealResult& d : deals) {
    agreed += d.outcome == DealOutcome::kAgreed ? 1 : 0;
    list.push_back(json::object{{"deal", d.deal}, {"outcome", outcome_name(d.outcome)}, {"messages", d.messages},
                                {"ms_to_agree", d.ms_to_agree}, {"negotiation", d.negotiation}, {"seller", d.seller}, {"counter_minor", d.counter_minor},
                                {"escalated", escalation_name(d.escalation)}, {"refusal_code", d.refusal_code},
                                {"refusal_rule", d.refusal_rule}, {"lost", d.lost_why}});
  }
  json::object out{{"deals", std::move(list)}, {"agreed", agreed}, {"deals_ms", p.deals_ms},
                   {"escrow_ms", p.escrow_ms}, {"escrow_failed", p.escrow_failed},
                   {"dispute", json::object{{"contract", p.dispute}, {"seller", p.dispute_seller}}}};
  if (p.amendment) {
    out["amendment"] = json::object{{"base", p.amendment->base}, {"amendment", p.amendment->amendment},
                                    {"base_total_minor", p.amendment->base_total_minor},
                                    {"amended_total_minor", p.amendment->amended_total_minor},
                                    {"digests_agree", p.amendment->digests_agree}};
  }
  std::ofstream f(path, std::ios::trunc);
  f << json::serialize(out) << "\n";
  if (!f) return Fail(Errc::kIo, "cannot write " + path);
  return Ok();
}

Result<void> run_drive(const DriveArgs& a) {
  if (a.deals < 4 || a.deals > kDealsMax) return Fail(Errc::kInvalidArgument, "--deals: 4 .. 100000");
  if (a.workers < 1 || a.workers > kWorkersMax) return Fail(Errc::kInvalidArgument, "--workers: 1 .. 64");
  Federation f;
  PACTUM_CHECK(load_federation(a.federation, f));
  std::vector<DealResult> deals(static_cast<std::size_t>(a.deals));
  auto deal = [&](int i) { deals[static_cast<std::size_t>(i - 1)] = run_deal(f, i); };
  const auto start = Clock::now();
  const int half = a.deals / 2;
  run_pool(1, half + 1, a.workers, deal);
  // The kill-switch moment: the buyer org halts its agents, one proposal is
  // refused with the kill-switch reason, the switch is lifted, deals go on.
  // First-half deals still on their way (a seller's accept relayed to the
  // buyer's node, anchoring) complete under the switch: they are contracts
  // both sides signed (docs/negotiation.md); the summary's "diverged: 0"
  // and equal digests check it.
  PACTUM_CHECK(buyer_kill_switch(f, true));
  deal(half + 1);
  PACTUM_CHECK(buyer_kill_switch(f, false));
  run_pool(half + 2, a.deals + 1, a.workers, deal);
  std::vector<const DealResult*> agreed;
  for (const DealResult& d : deals) {
    if (d.outcome == DealOutcome::kAgreed) agreed.push_back(&d);
  }
  Phases p;
  Result<void> settled = wait_settled(f, static_cast<int>(agreed.size()));
  p.deals_ms = ms_since(start);
  if (settled && !agreed.empty()) {
    const auto escrow_start = Clock::now();
    p.dispute = agreed.front()->negotiation;
    p.dispute_seller = agreed.front()->seller;
    std::atomic<int> failed{0};
    run_pool(0, static_cast<int>(agreed.size()), a.workers, [&](int k) {
      auto r = run_escrow(f, agreed[static_cast<std::size_t>(k)]->negotiation, k == 0);
      if (!r) {
        ++failed;
        std::fprintf(stderr, "escrow of %s: %s\n", agreed[static_cast<std::size_t>(k)]->negotiation.c_str(),
                     r.error().to_string().c_str());
      }
    });
    p.escrow_failed = failed;
    p.escrow_ms = ms_since(escrow_start);
    p.amendment = run_amendment(f);
  }
  print_summary(deals, p);
  if (!a.json_path.empty()) PACTUM_CHECK(write_json(a.json_path, deals, p));
  PACTUM_CHECK(settled);
  if (agreed.empty()) return Fail(Errc::kNotFound, "no deal was agreed");
  if (p.escrow_failed > 0) return Fail(Errc::kIo, std::to_string(p.escrow_failed) + " escrows failed");
  if (!p.amendment) return Fail(p.amendment.error());
  if (!p.amendment->digests_agree) return Fail(Errc::kDivergence, "the amended contract's digests differ");
  return Ok();
}

}  // namespace

void add_agent_drive_command(CLI::App& app) {
  auto a = std::make_shared<DriveArgs>();
  auto* sub = app.get_subcommand("agent")->add_subcommand(
      "drive", "Run the demo's deals and escrow with every agent in this process (docs/demo.md)");
  sub->add_option("--federation", a->federation,
                  "Directory laid out by tools/demo.sh (buyer/, sellera/, sellerb/, arbiter/)")->capture_default_str();
  sub->add_option("--deals", a->deals, "Deals to negotiate")->capture_default_str();
  sub->add_option("--workers", a->workers, "Deals in flight at once")->capture_default_str();
  sub->add_option("--json", a->json_path, "Write every deal's outcome and the phase times here");
  sub->callback(command([a] { return run_drive(*a); }));
}

}  // namespace pactum::tools
