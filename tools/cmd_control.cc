// `pactum agent approve|deny`, `pactum org kill-switch engage|lift` and
// `pactum escrow fund|accept|dispute|rule|refund`: the signed control and
// escrow messages a person or an agent hands to its own node's agent API
// (POST /v1/messages, docs/agent-api.yaml). Approvals link to the escalated
// message the node holds; escrow events name the contract and its accepted
// terms hash, both read from the node.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "escrow/escrow.h"
#include "tools/agent_http.h"
#include "tools/agent_messages.h"
#include "tools/cli.h"
#include "tools/key_io.h"

namespace pactum::tools {
namespace {

namespace json = boost::json;

struct ControlArgs {
  std::string node = "127.0.0.1:7480", key, negotiation, contract, reason;
  std::vector<std::uint32_t> milestones;
  std::int64_t amount_minor = 0, seller_amount = -1, buyer_amount = -1, seller_bps = -1;
  bool json_out = false;
};

// The approval or denial of the escalated offer (tools/agent_messages.h).
Result<void> run_approval(const ControlArgs& a, bool approve) {
  PACTUM_TRY(crypto::SecretKey key, load_secret_key(a.key));
  PACTUM_TRY(Bytes wire, build_approval(a.node, a.negotiation, key, approve));
  PACTUM_TRY(json::object reply, api_submit(a.node, wire, a.json_out));
  if (!a.json_out) std::printf("%s: negotiation %s: %s\n", approve ? "approve" : "deny", a.negotiation.c_str(),
                               reply.at("detail").as_string().c_str());
  return Ok();
}

// Engages or lifts the kill switch over the signer's whole organization
// (signed by the org root key or an approver the policy lists).
Result<void> run_kill_switch(const ControlArgs& a, const std::string& org, bool engage) {
  PACTUM_TRY(crypto::SecretKey key, load_secret_key(a.key));
  crypto::PublicKey target = key.public_key();
  if (!org.empty()) { PACTUM_TRY(target, load_public_key(org)); }
  PACTUM_TRY(Bytes wire, build_kill_switch(key, target, engage, a.reason));
  PACTUM_TRY(json::object reply, api_submit(a.node, wire, a.json_out));
  if (!a.json_out) std::printf("kill switch: %s\n", reply.at("detail").as_string().c_str());
  return Ok();
}

// The fields of the escrow event `verb` asks for.
Result<escrow::EscrowEvent> escrow_event(const ControlArgs& a, const std::string& verb, const json::object& c) {
  escrow::EscrowEvent e;
  if (verb == "fund") {
    e.kind = escrow::EventKind::kFund;
    e.amount = a.amount_minor;
    if (e.amount == 0) { PACTUM_TRY(e.amount, invoiced_total_minor(c)); }
  } else if (verb == "accept") {
    e.kind = escrow::EventKind::kAcceptDelivery;
  } else if (verb == "dispute") {
    e.kind = escrow::EventKind::kOpenDispute;
    e.reason = a.reason.empty() ? std::string("disputed") : a.reason;
  } else if (verb == "rule") {
    e.kind = escrow::EventKind::kRuling;
    if (a.seller_bps >= 0) {
      e.split = escrow::SplitKind::kBasisPoints;
      e.seller_bps = static_cast<std::uint32_t>(a.seller_bps);
    } else if (a.seller_amount >= 0 && a.buyer_amount >= 0) {
      e.split = escrow::SplitKind::kExact;
      e.seller_amount = a.seller_amount;
      e.buyer_amount = a.buyer_amount;
    } else {
      return Fail(Errc::kInvalidArgument, "rule needs --seller-bps N or --seller-amount and --buyer-amount");
    }
  } else {
    e.kind = escrow::EventKind::kRefund;
  }
  return e;
}

Result<void> run_escrow(const ControlArgs& a, const std::string& verb) {
  PACTUM_TRY(crypto::SecretKey key, load_secret_key(a.key));
  if (a.contract.size() < 8) return Fail(Errc::kInvalidArgument, "--contract: give at least 8 hex digits of the id");
  PACTUM_TRY(json::object c, find_contract(a.node, a.contract));
  PACTUM_TRY(escrow::EscrowEvent base, escrow_event(a, verb, c));
  PACTUM_TRY(std::vector<Bytes> wires, build_escrow_events(key, c, base, a.milestones));
  for (const Bytes& wire : wires) {
    PACTUM_TRY(json::object reply, api_submit(a.node, wire, a.json_out));
    if (!a.json_out) std::printf("escrow %s: contract %s: %s\n", verb.c_str(), a.contract.c_str(),
                                 reply.at("detail").as_string().c_str());
  }
  return Ok();
}

void common(CLI::App* sub, ControlArgs& a, const char* key_help) {
  sub->add_option("--node", a.node, "Agent API address host:port")->capture_default_str();
  sub->add_option("--key", a.key, key_help)->required();
  sub->add_flag("--json", a.json_out, "Print the node's JSON answer");
}

}  // namespace

void add_control_commands(CLI::App& app) {
  CLI::App* agent = app.get_subcommand("agent");
  for (bool approve : {true, false}) {
    auto a = std::make_shared<ControlArgs>();
    auto* sub = agent->add_subcommand(approve ? "approve" : "deny",
                                      approve ? "Approve the escalated offer of a negotiation (approver key)"
                                              : "Deny the escalated offer of a negotiation (approver key)");
    common(sub, *a, "Approver key file (listed in the policy's approvers)");
    sub->add_option("--negotiation", a->negotiation, "Negotiation id (hex)")->required();
    sub->callback(command([a, approve] { return run_approval(*a, approve); }));
  }

  auto* org = app.add_subcommand("org", "Organization controls through your node's agent API");
  org->require_subcommand(1);
  auto k = std::make_shared<ControlArgs>();
  auto action = std::make_shared<std::string>();
  auto target = std::make_shared<std::string>();
  auto* ks = org->add_subcommand("kill-switch", "Engage or lift the kill switch over the organization");
  ks->add_option("action", *action, "engage|on or lift|off")->required()->check(CLI::IsMember({"engage", "on", "lift", "off"}));
  common(ks, *k, "Org root or approver key file");
  ks->add_option("--org", *target, "Organization root key (default: the signing key)");
  ks->add_option("--note", k->reason, "Why");
  ks->callback(command([k, action, target] {
    return run_kill_switch(*k, *target, *action == "engage" || *action == "on");
  }));

  auto* esc = app.add_subcommand("escrow", "Signed escrow events through your node's agent API");
  esc->require_subcommand(1);
  struct Verb { const char* name; const char* help; };
  const Verb verbs[] = {{"fund", "Buyer: deposit the escrow total"},
                        {"accept", "Buyer: accept delivery of milestones (releases them)"},
                        {"dispute", "Buyer or seller: freeze the escrow"},
                        {"rule", "Arbiter: split what is held"},
                        {"refund", "Seller: return what is held to the buyer"}};
  for (const Verb& v : verbs) {
    auto a = std::make_shared<ControlArgs>();
    auto* sub = esc->add_subcommand(v.name, v.help);
    common(sub, *a, "Signing key file (the escrow terms name it)");
    sub->add_option("--contract", a->contract, "Negotiation (= contract) id, hex prefix")->required();
    std::string name = v.name;
    if (name == "fund") sub->add_option("--amount-minor", a->amount_minor, "Amount in minor units (default: the invoiced total)");
    if (name == "accept") sub->add_option("--milestone", a->milestones, "Milestone index (repeat; default 0)");
    if (name == "dispute") sub->add_option("--reason", a->reason, "Why");
    if (name == "rule") {
      sub->add_option("--seller-bps", a->seller_bps, "Seller's share of what is held, basis points");
      sub->add_option("--seller-amount", a->seller_amount, "Seller's exact share, minor units");
      sub->add_option("--buyer-amount", a->buyer_amount, "Buyer's exact share, minor units");
    }
    sub->callback(command([a, name] { return run_escrow(*a, name); }));
  }
}

}  // namespace pactum::tools
