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
#include "protocol/canonical.h"
#include "protocol/escrow_codec.h"
#include "protocol/negotiation_wire.h"
#include "protocol/protocol.h"
#include "tools/agent_http.h"
#include "tools/cli.h"
#include "tools/key_io.h"

namespace pactum::tools {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using W = wire::Body::Payload;

struct ControlArgs {
  std::string node = "127.0.0.1:7480", key, negotiation, contract, reason;
  std::vector<std::uint32_t> milestones;
  std::int64_t amount_minor = 0, seller_amount = -1, buyer_amount = -1, seller_bps = -1;
  bool json_out = false;
};

Result<crypto::Digest> id_from_hex(const std::string& hex, const std::string& what) {
  auto b = crypto::hex_decode(hex);
  if (!b || (b->size() != 16 && b->size() != 32)) return Fail(Errc::kInvalidArgument, what + ": need a 32- or 64-digit hex id");
  crypto::Digest d{};
  std::copy(b->begin(), b->end(), d.begin());
  return d;
}

// The approval or denial of the escalated offer: it links to that offer
// (the last message our node holds of the negotiation) and names its terms.
Result<void> run_approval(const ControlArgs& a, bool approve) {
  PACTUM_TRY(crypto::SecretKey key, load_secret_key(a.key));
  protocol::MessageSpec s;
  s.kind = approve ? protocol::NegEvent::kApprove : protocol::NegEvent::kDeny;
  PACTUM_TRY(s.negotiation_id, id_from_hex(a.negotiation, "--negotiation"));
  PACTUM_TRY(auto msgs, api_call(a.node, http::verb::get, "/v1/negotiations/" + a.negotiation + "/messages", nullptr));
  const json::object* o = msgs.second.if_object();
  if (msgs.first != 200 || o == nullptr || !o->contains("messages")) {
    return Fail(Errc::kNotFound, "node: " + json::serialize(msgs.second));
  }
  const json::array& list = o->at("messages").as_array();
  if (list.empty()) return Fail(Errc::kNotFound, "the node holds no message of negotiation " + a.negotiation);
  PACTUM_TRY(Bytes last, crypto::base64_decode(std::string(list.back().as_string())));
  PACTUM_TRY(auto env, protocol::open_envelope(last));
  auto p = env.body().getPayload();
  if (p.which() != W::PROPOSE && p.which() != W::COUNTER) {
    return Fail(Errc::kIllegalTransition, "the last message of " + a.negotiation + " is no offer awaiting approval");
  }
  auto ctx = p.which() == W::PROPOSE ? p.getPropose().getContext() : p.getCounter().getContext();
  PACTUM_TRY(s.terms_hash, protocol::terms_hash(p.which() == W::PROPOSE ? p.getPropose().getTerms()
                                                                          : p.getCounter().getTerms()));
  s.prev_hash = env.info.message_hash;
  s.round = ctx.getRound();
  PACTUM_TRY(Bytes wire, protocol::build_negotiation_message(s, key, unix_sequence(), unix_now_ms()));
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
  protocol::EnvelopeBuilder b;
  const std::int64_t now = unix_now_ms();
  try {
    auto k = b.payload().initKillSwitch();
    k.setAction(engage ? wire::KillSwitchAction::ENGAGE : wire::KillSwitchAction::LIFT);
    k.getScope().setOrganization(capnp::Data::Reader(target.data(), target.size()));
    k.setEffectiveMs(now);
    if (!a.reason.empty()) k.setNote(a.reason);
  } catch (const kj::Exception& e) {
    return Fail(Errc::kMalformedMessage, std::string("building the kill switch: ") + e.getDescription().cStr());
  }
  PACTUM_TRY(Bytes wire, b.seal(key, unix_sequence(), now));
  PACTUM_TRY(json::object reply, api_submit(a.node, wire, a.json_out));
  if (!a.json_out) std::printf("kill switch: %s\n", reply.at("detail").as_string().c_str());
  return Ok();
}

// The contract our node holds for a negotiation (or contract) id prefix.
Result<json::object> find_contract(const ControlArgs& a) {
  PACTUM_TRY(auto r, api_call(a.node, http::verb::get, "/v1/contracts", nullptr));
  const json::object* o = r.second.if_object();
  if (r.first != 200 || o == nullptr || !o->contains("contracts")) return Fail(Errc::kIo, "node: " + json::serialize(r.second));
  for (const json::value& c : o->at("contracts").as_array()) {
    const json::object& co = c.as_object();
    if (std::string(co.at("negotiation_id").as_string()).starts_with(a.contract)) return co;
  }
  return Fail(Errc::kNotFound, "the node holds no contract of negotiation " + a.contract);
}

// The fields of the escrow event `verb` asks for.
Result<escrow::EscrowEvent> escrow_event(const ControlArgs& a, const std::string& verb, const json::object& c) {
  escrow::EscrowEvent e;
  if (verb == "fund") {
    e.kind = escrow::EventKind::kFund;
    e.amount = a.amount_minor;
    if (e.amount == 0) {
      // Every invoice is held in full (docs/node.md): the escrow total is the invoiced total.
      const std::string total(c.at("settlement").as_object().at("invoiced_total_minor").as_string());
      e.amount = std::stoll(total);
    }
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
  PACTUM_TRY(json::object c, find_contract(a));
  PACTUM_TRY(crypto::Digest terms_hash, id_from_hex(std::string(c.at("id").as_string()), "contract id"));
  PACTUM_TRY(crypto::Digest negotiation, id_from_hex(std::string(c.at("negotiation_id").as_string()), "negotiation id"));
  PACTUM_TRY(escrow::EscrowEvent base, escrow_event(a, verb, c));
  // The agent commands make the contract id the negotiation id (protocol::fill_terms).
  std::copy_n(negotiation.begin(), base.contract_id.size(), base.contract_id.begin());
  base.signer = key.public_key();
  std::vector<std::uint32_t> milestones = a.milestones;
  if (milestones.empty()) milestones.push_back(0);
  if (base.kind != escrow::EventKind::kAcceptDelivery) milestones.resize(1);
  for (std::uint32_t m : milestones) {
    escrow::EscrowEvent e = base;
    e.milestone = m;
    crypto::random_bytes(MutableByteSpan(e.id.data(), e.id.size()));
    e.timestamp_ms = unix_now_ms();
    PACTUM_TRY(Bytes wire, protocol::seal_escrow_event(key, unix_sequence(), e, terms_hash));
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
