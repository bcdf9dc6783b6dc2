// The demo's per-deal and escrow scripts (tools/agent_drive.h).
#include "tools/agent_drive.h"

#include <algorithm>
#include <cctype>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "escrow/escrow.h"
#include "protocol/protocol.h"
#include "protocol/strategy.h"
#include "tools/agent_http.h"
#include "tools/agent_messages.h"
#include "tools/files.h"
#include "tools/key_io.h"

namespace pactum::tools {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using protocol::NegEvent;
using Clock = std::chrono::steady_clock;

// The script's figures (docs/demo.md), in EUR cents.
constexpr std::int64_t kOpenMinMinor = 700;        // Openings run 7.00 ..
constexpr std::int64_t kOpenSpanMinor = 451;       // .. 11.50 a unit.
constexpr std::int64_t kSellerAcceptsMinor = 1100;  // A seller accepts 11.00 or more (its reservation),
constexpr std::int64_t kCounterCapMinor = 1200;    // else counters on its concession curve up to
constexpr std::int64_t kCounterMarkupPct = 25;     // 12.00, at most 25% above the opening (the
                                                   // policies' 30%-a-round limit).
// The sellers' concession curves (protocol/strategy.h, Faratin et al.): the
// counter is the curve's price at round 1 of the policies' 8, between the
// reservation and 12.00: seller A is Boulware (holds near 12.00), seller B a
// Conceder (gives about two thirds of the range at once).
constexpr std::int64_t kCurveRound = 1;
constexpr std::int64_t kCurveRounds = 8;
constexpr std::int64_t kEscalatedPriceMinor = 1120;  // Every sixth deal: 100 units at 11.20
constexpr std::int64_t kEscalatedQuantity = 100;     // (above the buyer's 500.00 threshold).
constexpr std::int64_t kQuantity = 10;
constexpr std::int64_t kAmendedQuantity = 15;       // The amendment: 15 seats
constexpr const char* kAmendmentDay = "2026-02-08";  // from Feb 8 (21 of February's 28 days left).
constexpr std::uint32_t kSellerBpsRuling = 6000;   // The arbiter's split: 60% to the seller.
constexpr std::uint32_t kMilestones = 3;           // A three-month term: one per invoice.
// How long a node may take to show a state or settle a contract before the
// deal counts as lost; polls back off from 5 to 50 ms so waiting agents do
// not load the nodes they wait for.
constexpr auto kStateWait = std::chrono::seconds(30);
constexpr auto kPollFirst = std::chrono::milliseconds(5);
constexpr auto kPollMax = std::chrono::milliseconds(50);

// Polls until `ready` returns true (or an error other than "not yet").
template <typename F>
bool poll_until(F&& ready) {
  const auto deadline = Clock::now() + kStateWait;
  auto pause = kPollFirst;
  while (Clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kPollMax));
  }
  return false;
}

bool state_is(const std::string& node, const std::string& negotiation, const char* state) {
  return poll_until([&] {
    auto r = api_call(node, http::verb::get, "/v1/negotiations/" + negotiation, nullptr);
    if (!r || r->first != 200 || !r->second.is_object()) return false;
    const json::value* s = r->second.as_object().if_contains("state");
    return s != nullptr && s->is_string() && s->as_string() == state;
  });
}

// "refused by the node (HTTP 403): policy_violation: policy.price_floor ..." -> code, rule.
void record_refusal(const Error& e, DealResult& d) {
  d.outcome = DealOutcome::kRefused;
  d.refusal_code = d.refusal_rule = "other";
  const std::size_t at = e.detail.find("): ");
  if (at == std::string::npos) return;
  const std::string rest = e.detail.substr(at + 3);
  const std::size_t colon = rest.find(": ");
  if (colon == std::string::npos) return;
  d.refusal_code = rest.substr(0, colon);
  std::size_t n = colon + 2;
  while (n < rest.size() && (std::islower(static_cast<unsigned char>(rest[n])) || rest[n] == '_' || rest[n] == '.')) ++n;
  if (n > colon + 2) d.refusal_rule = rest.substr(colon + 2, n - colon - 2);
}

protocol::Offer widget_offer(std::int64_t unit_price_minor, std::int64_t quantity) {
  protocol::Offer o;
  o.product = "widget";
  o.currency = "EUR";
  o.unit_price_minor = unit_price_minor;
  o.quantity = quantity;
  o.total_minor = unit_price_minor * quantity;  // At most 12.00 x 100: far from overflow.
  return o;
}

protocol::MessageSpec spec_for(const AgentParty& a, NegEvent kind) {
  protocol::MessageSpec s;
  s.kind = kind;
  s.mandate_id = a.mandate_id;
  s.mandate_envelope = &a.mandate;
  return s;
}

// The contract window every demo offer proposes: three months.
struct Window { std::int32_t start = 0, end = 0; };
Result<Window> demo_window() {
  Window w;
  PACTUM_TRY(w.start, civil_day("2026-01-01", "start"));
  PACTUM_TRY(w.end, civil_day("2026-04-01", "end"));
  return w;
}

// A follow-up (counter, accept, reject) of `a` linked to what its node holds.
Result<void> follow_up(const AgentParty& a, NegEvent kind, const std::string& negotiation,
                       std::int64_t unit_price_minor, std::int64_t quantity) {
  protocol::MessageSpec s = spec_for(a, kind);
  PACTUM_TRY(Bytes previous_offer, link_to_node(a.node, negotiation, s));
  EscrowSpec escrow;
  escrow.previous_offer = &previous_offer;
  if (kind == NegEvent::kCounter) s.offer = widget_offer(unit_price_minor, quantity);
  PACTUM_TRY(Window w, demo_window());
  PACTUM_TRY(Bytes wire, build_agent_message(s, a.key, w.start, w.end, escrow));
  PACTUM_TRY(auto reply, api_submit(a.node, wire, false));
  return Ok();
}

std::int64_t ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// The proposal of deal `i`; its reply says whether the buyer's node escalated it.
Result<json::object> propose(const Federation& f, const AgentParty& seller, std::int64_t price, std::int64_t qty,
                             std::string& negotiation) {
  protocol::MessageSpec s = spec_for(f.buyer, NegEvent::kPropose);
  crypto::random_bytes(MutableByteSpan(s.negotiation_id.data(), 16));
  s.buyer_org = f.buyer.org;  // The mandate's signer (checked at load).
  s.seller_org = seller.org;
  s.offer = widget_offer(price, qty);
  EscrowSpec escrow;
  escrow.fresh = true;
  escrow.buyer = f.buyer.key.public_key();
  escrow.seller = seller.org;
  escrow.arbiter = f.arbiter.public_key();
  PACTUM_TRY(Window w, demo_window());
  PACTUM_TRY(Bytes wire, build_agent_message(s, f.buyer.key, w.start, w.end, escrow));
  negotiation = to_hex(ByteSpan(s.negotiation_id.data(), 16));
  PACTUM_TRY(json::object reply, api_submit(f.buyer.node, wire, false));
  if (const json::value* id = reply.if_contains("negotiation_id"); id != nullptr && id->is_string()) {
    negotiation = std::string(id->as_string());
  }
  return reply;
}

}  // namespace

DealResult run_deal(const Federation& f, int i) {
  DealResult d;
  d.deal = i;
  const AgentParty& seller = i % 2 != 0 ? f.sellerb : f.sellera;
  d.seller = seller.name;
  std::int64_t price = kOpenMinMinor + (i * 37) % kOpenSpanMinor, qty = kQuantity;
  if (i % 6 == 5) { price = kEscalatedPriceMinor; qty = kEscalatedQuantity; }
  const auto t0 = Clock::now();
  d.messages = 1;
  auto proposed = propose(f, seller, price, qty, d.negotiation);
  if (!proposed) { record_refusal(proposed.error(), d); return d; }
  if (json::serialize(*proposed).find("approval_threshold") != std::string::npos) {
    const bool approve = i % 12 != 11;  // The approver denies every other escalation.
    d.escalation = approve ? Escalation::kApproved : Escalation::kDenied;
    auto wire = build_approval(f.buyer.node, d.negotiation, f.approver, approve);
    if (!wire || !api_submit(f.buyer.node, *wire, false)) { d.lost_why = "approval not taken"; return d; }
    if (!approve) { d.outcome = DealOutcome::kDenied; return d; }
  }
  if (!state_is(seller.node, d.negotiation, "PROPOSED")) { d.lost_why = "seller never saw the proposal"; return d; }
  d.messages = 2;
  if (price >= kSellerAcceptsMinor) {
    auto r = follow_up(seller, NegEvent::kAccept, d.negotiation, 0, 0);
    if (!r) { record_refusal(r.error(), d); return d; }
    d.outcome = DealOutcome::kAgreed;
    d.ms_to_agree = ms_since(t0);
    return d;
  }
  protocol::TimeStrategy curve{protocol::Role::kSeller, kSellerAcceptsMinor, kCounterCapMinor, 0,
                               i % 2 != 0 ? protocol::kConceder : protocol::kBoulware};
  const std::int64_t ask = std::min(protocol::time_offer(curve, kCurveRound, kCurveRounds),
                                    price * (100 + kCounterMarkupPct) / 100);
  d.counter_minor = ask;
  if (auto r = follow_up(seller, NegEvent::kCounter, d.negotiation, ask, qty); !r) {
    record_refusal(r.error(), d);
    return d;
  }
  if (!state_is(f.buyer.node, d.negotiation, "COUNTERED")) { d.lost_why = "buyer never saw the counter"; return d; }
  d.messages = 3;
  if (i % 7 == 0) {  // The deal the buyer walks away from.
    (void)follow_up(f.buyer, NegEvent::kReject, d.negotiation, 0, 0);
    d.outcome = DealOutcome::kRejected;
    return d;
  }
  if (auto r = follow_up(f.buyer, NegEvent::kAccept, d.negotiation, 0, 0); !r) {
    record_refusal(r.error(), d);
    return d;
  }
  d.outcome = DealOutcome::kAgreed;
  d.ms_to_agree = ms_since(t0);
  return d;
}

Result<void> buyer_kill_switch(const Federation& f, bool engage) {
  PACTUM_TRY(Bytes wire, build_kill_switch(f.buyer_org_key, f.buyer_org_key.public_key(), engage,
                                           engage ? "demo: halt" : "demo: resume"));
  PACTUM_TRY(auto reply, api_submit(f.buyer.node, wire, false));
  return Ok();
}

namespace {

Result<void> submit_events(const std::string& node, const crypto::SecretKey& key, const json::object& c,
                           const escrow::EscrowEvent& base, std::vector<std::uint32_t> milestones) {
  PACTUM_TRY(auto wires, build_escrow_events(key, c, base, std::move(milestones)));
  for (const Bytes& w : wires) { PACTUM_TRY(auto reply, api_submit(node, w, false)); }
  return Ok();
}

}  // namespace

Result<void> run_escrow(const Federation& f, const std::string& negotiation, bool dispute) {
  const std::string& node = f.buyer.node;
  Result<void> funded = Fail(Errc::kNotFound, "contract " + negotiation + " never settled on the buyer's node");
  // The escrow opens once the contract is settled on the buyer's node: until then funding is refused.
  poll_until([&] {
    auto c = find_contract(node, negotiation);
    if (!c) return false;
    auto total = invoiced_total_minor(*c);
    if (!total) return false;
    escrow::EscrowEvent fund;
    fund.kind = escrow::EventKind::kFund;
    fund.amount = *total;
    funded = submit_events(node, f.buyer.key, *c, fund, {});
    return funded.has_value();
  });
  PACTUM_CHECK(funded);
  PACTUM_TRY(json::object c, find_contract(node, negotiation));
  escrow::EscrowEvent e;
  if (!dispute) {
    e.kind = escrow::EventKind::kAcceptDelivery;
    std::vector<std::uint32_t> all;
    for (std::uint32_t m = 0; m < kMilestones; ++m) all.push_back(m);
    return submit_events(node, f.buyer.key, c, e, all);
  }
  e.kind = escrow::EventKind::kOpenDispute;
  e.reason = "demo: two units arrived damaged";
  PACTUM_CHECK(submit_events(node, f.buyer.key, c, e, {}));
  escrow::EscrowEvent rule;
  rule.kind = escrow::EventKind::kRuling;
  rule.split = escrow::SplitKind::kBasisPoints;
  rule.seller_bps = kSellerBpsRuling;
  return submit_events(node, f.arbiter, c, rule, {});
}

namespace {

// The contract of `negotiation` at `node` once the peer anchored it and the
// settlement agreed: its invoiced total and settlement digest.
Result<std::pair<std::int64_t, std::string>> agreed_contract(const std::string& node, const std::string& negotiation) {
  std::pair<std::int64_t, std::string> out;
  bool ok = poll_until([&] {
    auto c = find_contract(node, negotiation.substr(0, 32));
    if (!c) return false;
    const json::object& s = c->at("settlement").as_object();
    if (!c->at("peer_anchored").as_bool() || s.at("status").as_string() != "agreed") return false;
    auto total = invoiced_total_minor(*c);
    if (!total) return false;
    out = {*total, std::string(s.at("digest").as_string())};
    return true;
  });
  if (!ok) return Fail(Errc::kIo, "contract of " + negotiation + " not agreed at " + node + " in time");
  return out;
}

// The buyer's proposal `wire` to seller A, accepted by seller A, until both
// nodes settled the contract alike: each node's (invoiced total, digest).
struct Agreed {
  std::string negotiation;
  std::pair<std::int64_t, std::string> buyer, seller;
};
Result<Agreed> agree_with_seller_a(const Federation& f, const Bytes& wire, const std::string& what) {
  Agreed a;
  PACTUM_TRY(auto proposed, api_submit(f.buyer.node, wire, false));
  a.negotiation = std::string(proposed.at("negotiation_id").as_string());
  if (!state_is(f.sellera.node, a.negotiation, "PROPOSED")) return Fail(Errc::kIo, "seller A never saw the " + what);
  PACTUM_CHECK(follow_up(f.sellera, NegEvent::kAccept, a.negotiation, 0, 0));
  PACTUM_TRY(a.buyer, agreed_contract(f.buyer.node, a.negotiation));
  PACTUM_TRY(a.seller, agreed_contract(f.sellera.node, a.negotiation));
  return a;
}

}  // namespace

Result<AmendmentResult> run_amendment(const Federation& f) {
  AmendmentResult r;
  // The base contract: no escrow, 11.00 (seller A accepts at once).
  protocol::MessageSpec s = spec_for(f.buyer, NegEvent::kPropose);
  crypto::random_bytes(MutableByteSpan(s.negotiation_id.data(), 16));
  s.buyer_org = f.buyer.org;
  s.seller_org = f.sellera.org;
  s.offer = widget_offer(kSellerAcceptsMinor, kQuantity);
  PACTUM_TRY(Window w, demo_window());
  PACTUM_TRY(Bytes wire, build_agent_message(s, f.buyer.key, w.start, w.end, EscrowSpec{}));
  PACTUM_TRY(Agreed base, agree_with_seller_a(f, wire, "base proposal"));
  r.base = base.negotiation;
  r.base_total_minor = base.buyer.first;
  // The amendment: kAmendedQuantity seats from kAmendmentDay, naming the version in force.
  const std::string base_id = r.base.substr(0, 32);
  PACTUM_TRY(auto in_force, contract_in_force(f.buyer.node, base_id));
  protocol::MessageSpec a = spec_for(f.buyer, NegEvent::kPropose);
  crypto::random_bytes(MutableByteSpan(a.negotiation_id.data(), 16));
  a.buyer_org = f.buyer.org;
  a.seller_org = f.sellera.org;
  a.offer = widget_offer(in_force.frame.offer.unit_price_minor, kAmendedQuantity);
  protocol::AmendmentRef ref;
  ref.base_contract_id = in_force.base_id;
  ref.base_terms_hash = in_force.terms_hash;
  PACTUM_TRY(ref.effective_day, civil_day(kAmendmentDay, "effective"));
  a.amends = ref;
  PACTUM_TRY(Bytes amend_wire, build_agent_message(a, f.buyer.key, in_force.frame.start_day, in_force.frame.end_day,
                                                   EscrowSpec{}));
  PACTUM_TRY(Agreed amended, agree_with_seller_a(f, amend_wire, "amendment"));
  r.amendment = amended.negotiation;
  r.amended_total_minor = amended.buyer.first;
  r.digests_agree = amended.buyer.second == amended.seller.second && base.buyer.second == base.seller.second;
  return r;
}

Result<int> settled_contracts(const std::string& node) {
  PACTUM_TRY(auto r, api_call(node, http::verb::get, "/v1/contracts", nullptr));
  const json::object* o = r.second.if_object();
  const json::value* list = o != nullptr ? o->if_contains("contracts") : nullptr;
  if (r.first != 200 || list == nullptr || !list->is_array()) return Fail(Errc::kIo, "node: " + json::serialize(r.second));
  int n = 0;
  for (const json::value& c : list->as_array()) {
    const json::object& co = c.as_object();
    const json::value* peer = co.if_contains("peer_anchored");
    const json::value* s = co.if_contains("settlement");
    const json::value* status = s != nullptr && s->is_object() ? s->as_object().if_contains("status") : nullptr;
    if (peer != nullptr && peer->is_bool() && peer->as_bool() && status != nullptr && status->is_string() &&
        status->as_string() == "agreed") {
      ++n;
    }
  }
  return n;
}

Result<void> load_federation(const std::string& dir, Federation& f) {
  auto party = [&](AgentParty& a, const std::string& name) -> Result<void> {
    const std::string d = dir + "/" + name + "/";
    a.name = name;
    PACTUM_TRY(a.key, load_secret_key(d + "agent.key"));
    PACTUM_TRY(a.mandate, read_file(d + "agent.mandate"));
    PACTUM_TRY(auto m, protocol::open_envelope(a.mandate, {.kind = protocol::PayloadKind::MANDATE}));
    a.mandate_id = m.info.message_hash;
    PACTUM_TRY(a.org, load_public_key(d + "org.pub"));
    if (m.info.sender != a.org) return Fail(Errc::kInvalidArgument, d + "agent.mandate: not issued by org.pub's key");
    PACTUM_TRY(Bytes ready, read_file(d + "ready.json"));
    boost::system::error_code ec;
    json::value v = json::parse(std::string(as_chars(ready)), ec);
    const json::value* api = !ec && v.is_object() ? v.as_object().if_contains("api") : nullptr;
    if (api == nullptr || !api->is_int64()) return Fail(Errc::kParse, d + "ready.json: no api port");
    a.node = "127.0.0.1:" + std::to_string(api->as_int64());
    return Ok();
  };
  PACTUM_CHECK(party(f.buyer, "buyer"));
  PACTUM_CHECK(party(f.sellera, "sellera"));
  PACTUM_CHECK(party(f.sellerb, "sellerb"));
  PACTUM_TRY(f.buyer_org_key, load_secret_key(dir + "/buyer/org.key"));
  PACTUM_TRY(f.approver, load_secret_key(dir + "/buyer/approver.key"));
  PACTUM_TRY(f.arbiter, load_secret_key(dir + "/arbiter/arbiter.key"));
  return Ok();
}

}  // namespace pactum::tools
