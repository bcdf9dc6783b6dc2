// `pactum simulate`: runs the simulated federation (simulate.h) and prints
// its measures as text or JSON. Measures: docs/simulate.md.
#include <boost/json.hpp>
#include <cstdio>
#include <memory>

#include "tools/cli.h"
#include "tools/simulate.h"

namespace pactum::tools {
namespace {

// "71.50 %" from parts per million, integer math only.
std::string pct(std::int64_t ppm) {
  const bool neg = ppm < 0;
  const std::int64_t a = neg ? -ppm : ppm;
  const std::int64_t hundredths = (a + 50) / 100;
  std::string frac = std::to_string(hundredths % 100);
  if (frac.size() < 2) frac.insert(0, "0");
  return (neg ? "-" : "") + std::to_string(hundredths / 100) + "." + frac + " %";
}

std::int64_t ratio_ppm(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0 : static_cast<std::int64_t>(part * 1'000'000 / whole);
}

std::string line(const std::string& label, const std::string& value) {
  std::string l = label;
  if (l.size() < 34) l.resize(34, ' ');
  return l + value + "\n";
}

}  // namespace

std::string simulation_text(const SimConfig& c, const SimResult& r, bool timing) {
  std::string out = "pactum simulate: seed " + std::to_string(c.seed) + ", " + std::to_string(c.orgs) +
                    " organizations, " + std::to_string(c.agents) + " agents, " + std::to_string(c.deals) + " deals\n";
  out += line("agreed", std::to_string(r.agreed) + " (" + pct(ratio_ppm(r.agreed, r.deals)) + ")");
  out += line("no agreement", std::to_string(r.no_agreement));
  out += line("refused by a guardrail", std::to_string(r.refused));
  out += line("escalated / approved / denied", std::to_string(r.escalations) + " / " + std::to_string(r.approvals) +
                                                   " / " + std::to_string(r.denied));
  for (const auto& [rule, n] : r.guardrail_hits) out += line("  guardrail hit " + rule, std::to_string(n));
  out += line("refused by the receiving node", std::to_string(r.counterparty_refusals));
  out += line("messages (signed, decided twice)", std::to_string(r.messages));
  out += line("rounds to agreement, median", std::to_string(r.rounds_median));
  out += line("rounds to agreement, mean", std::to_string(r.rounds_mean_milli / 1000) + "." +
                                               std::to_string(r.rounds_mean_milli % 1000 / 100));
  out += line("time to agreement, median", std::to_string(r.time_median_ms / 1000) + " s (simulated)");
  out += line("discount against list, mean", pct(r.discount_mean_ppm));
  out += line("deals with a ZOPA / missed", std::to_string(r.zopa_deals) + " / " + std::to_string(r.zopa_missed));
  out += line("surplus lost (off Pareto frontier)", pct(r.surplus_lost_ppm));
  out += line("distance from Nash point, mean", pct(r.nash_distance_mean_ppm) + " of the ZOPA");
  out += line("buyer's share of surplus, mean", pct(r.buyer_share_mean_ppm));
  out += line("irrational agreements", std::to_string(r.irrational));
  for (const auto& [pair, n] : r.agreed_by_pair) out += line("  agreed " + pair, std::to_string(n));
  if (timing && r.wall_seconds > 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.0f messages/s, %.0f deals/s (wall clock, %.2f s)",
                  static_cast<double>(r.messages) / r.wall_seconds, r.deals / r.wall_seconds, r.wall_seconds);
    out += line("throughput", buf);
  }
  return out;
}

std::string simulation_json(const SimConfig& c, const SimResult& r, bool timing) {
  boost::json::object o;
  o["seed"] = c.seed;
  o["orgs"] = c.orgs;
  o["agents"] = c.agents;
  o["deals"] = r.deals;
  o["agreed"] = r.agreed;
  o["agreement_rate_ppm"] = ratio_ppm(r.agreed, r.deals);
  o["no_agreement"] = r.no_agreement;
  o["refused"] = r.refused;
  o["denied"] = r.denied;
  o["escalations"] = r.escalations;
  o["approvals"] = r.approvals;
  boost::json::object hits;
  for (const auto& [rule, n] : r.guardrail_hits) hits[rule] = n;
  o["guardrail_hits"] = std::move(hits);
  o["counterparty_refusals"] = r.counterparty_refusals;
  o["messages"] = r.messages;
  o["rounds_median"] = r.rounds_median;
  o["rounds_mean_milli"] = r.rounds_mean_milli;
  o["time_to_agreement_median_ms"] = r.time_median_ms;
  o["discount_mean_ppm"] = r.discount_mean_ppm;
  o["zopa_deals"] = r.zopa_deals;
  o["zopa_missed"] = r.zopa_missed;
  o["surplus_lost_ppm"] = r.surplus_lost_ppm;
  o["nash_distance_mean_ppm"] = r.nash_distance_mean_ppm;
  o["buyer_share_mean_ppm"] = r.buyer_share_mean_ppm;
  o["irrational"] = r.irrational;
  boost::json::object pairs;
  for (const auto& [pair, n] : r.agreed_by_pair) pairs[pair] = n;
  o["agreed_by_strategies"] = std::move(pairs);
  if (timing) o["wall_seconds"] = r.wall_seconds;
  return boost::json::serialize(o) + "\n";
}

void add_simulate_command(CLI::App& app) {
  auto cfg = std::make_shared<SimConfig>();
  auto json = std::make_shared<bool>(false);
  auto no_timing = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("simulate", "negotiate deals in an in-process federation; reproducible by --seed");
  cmd->add_option("--seed", cfg->seed, "random seed; the same seed gives the same figures")->capture_default_str();
  cmd->add_option("--orgs", cfg->orgs, "organizations (K)")->capture_default_str();
  cmd->add_option("--agents", cfg->agents, "agents (M), buyers and sellers round-robin over the orgs")->capture_default_str();
  cmd->add_option("--deals", cfg->deals, "deals to negotiate")->capture_default_str();
  cmd->add_flag("--json", *json, "print JSON");
  cmd->add_flag("--no-timing", *no_timing, "leave out the wall-clock throughput (byte-identical output per seed)");
  cmd->callback(command([cfg, json, no_timing]() -> Result<void> {
    PACTUM_TRY(SimResult r, run_simulation(*cfg));
    std::string out = *json ? simulation_json(*cfg, r, !*no_timing) : simulation_text(*cfg, r, !*no_timing);
    std::fputs(out.c_str(), stdout);
    return Ok();
  }));
}

}  // namespace pactum::tools
