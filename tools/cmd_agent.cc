// `pactum agent propose|counter|accept|reject|withdraw|watch`: an agent at a
// terminal. It signs negotiation messages with its key file under its
// mandate (protocol/negotiation_wire.h) and POSTs them to its own node's
// agent API (docs/agent-api.yaml); `watch` follows the node's event stream.
// Terms come from a TOML file (docs/examples/terms.toml) or flags.
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <toml++/toml.h>

#include "protocol/negotiation_wire.h"
#include "protocol/protocol.h"
#include "tools/agent_http.h"
#include "tools/agent_messages.h"
#include "tools/cli.h"
#include "tools/files.h"
#include "tools/key_io.h"
#include "settlement/money.h"
#include "tools/mandate_toml.h"

namespace pactum::tools {
namespace {

constexpr const char* kDefaultStart = "2026-01-01";
constexpr const char* kDefaultEnd = "2026-04-01";

namespace asio = boost::asio;
namespace json = boost::json;
using protocol::NegEvent;

struct AgentArgs {
  std::string node = "127.0.0.1:7480", key, mandate, terms, negotiation, note;
  // Empty start/end: a propose's defaults (kDefaultStart/kDefaultEnd), a
  // counter's offer before it, an amendment's version in force.
  std::string seller_org, buyer_org, product, currency, unit_price, start, end;
  std::string amends, effective;           // Propose: amend this contract from this day.
  bool cancel = false, downgrade_immediate = false, refund_prorated = false;
  std::int64_t quantity = 0, expires_in_s = 0, count = 0, timeout_s = 0;
  std::string agent, until;
  std::string arbiter, escrow_seller_key;  // Propose: escrow terms (docs/demo.md).
  Bytes previous_offer;                    // Counter: the offer it replaces (escrow is kept).
  bool json_out = false;
};

// Terms TOML keys override nothing given as flags: flags win.
Result<void> read_terms_file(AgentArgs& a) {
  if (a.terms.empty()) return Ok();
  PACTUM_TRY(Bytes text, read_file(a.terms));
  toml::table t;
  try {
    t = toml::parse(as_chars(text));
  } catch (const toml::parse_error& e) {
    return Fail(Errc::kParse, a.terms + ": line " + std::to_string(e.source().begin.line) + ": " +
                                  std::string(e.description()));
  }
  for (const auto& [k, v] : t) {
    std::string key(k.str());
    auto str = v.value<std::string>();
    auto num = v.value<std::int64_t>();
    if (key == "product" && str && a.product.empty()) a.product = *str;
    else if (key == "currency" && str && a.currency.empty()) a.currency = *str;
    else if (key == "unit_price" && str && a.unit_price.empty()) a.unit_price = *str;
    else if (key == "quantity" && num && v.is_integer()) { if (a.quantity == 0) a.quantity = *num; }
    else if (key == "start" && str) a.start = *str;
    else if (key == "end" && str) a.end = *str;
    else if (key == "expires_in_s" && num && v.is_integer()) { if (a.expires_in_s == 0) a.expires_in_s = *num; }
    else return Fail(Errc::kParse, a.terms + ": key '" + key + "' is unknown or of the wrong type");
  }
  return Ok();
}

Result<void> run_message(AgentArgs a, NegEvent kind) {
  PACTUM_TRY(crypto::SecretKey key, load_secret_key(a.key));
  PACTUM_TRY(Bytes mandate_bytes, read_file(a.mandate));
  PACTUM_TRY(auto mandate, protocol::open_envelope(mandate_bytes, {.kind = protocol::PayloadKind::MANDATE}));
  protocol::MessageSpec s;
  s.kind = kind;
  s.mandate_id = mandate.info.message_hash;
  s.mandate_envelope = &mandate_bytes;
  if (kind == NegEvent::kPropose) {
    crypto::random_bytes(MutableByteSpan(s.negotiation_id.data(), 16));
    s.round = 1;
    if (a.seller_org.empty()) return Fail(Errc::kInvalidArgument, "propose needs --seller-org");
    PACTUM_TRY(s.seller_org, load_public_key(a.seller_org));
    s.buyer_org = mandate.info.sender;
    if (!a.buyer_org.empty()) { PACTUM_TRY(s.buyer_org, load_public_key(a.buyer_org)); }
  } else {
    if (a.negotiation.empty()) return Fail(Errc::kInvalidArgument, "--negotiation ID is required");
    PACTUM_TRY(a.previous_offer, link_to_node(a.node, a.negotiation, s));
  }
  // The frame later offers keep: the previous offer's, or the version an amendment changes.
  std::optional<OfferFrame> frame;
  if (kind == NegEvent::kCounter && !a.previous_offer.empty()) { PACTUM_TRY(frame, offer_frame(a.previous_offer)); }
  if (kind == NegEvent::kPropose && !a.amends.empty()) {
    if (a.effective.empty()) return Fail(Errc::kInvalidArgument, "--amends needs --effective YYYY-MM-DD");
    PACTUM_TRY(auto in_force, contract_in_force(a.node, a.amends));
    frame = in_force.frame;
    protocol::AmendmentRef ref;
    ref.base_contract_id = in_force.base_id;
    ref.base_terms_hash = in_force.terms_hash;
    PACTUM_TRY(ref.effective_day, civil_day(a.effective, "effective"));
    ref.downgrade_immediate = a.downgrade_immediate;
    ref.cancel_refund_prorated = a.refund_prorated;
    s.amends = ref;
  }
  if (frame) {
    if (a.product.empty()) a.product = frame->offer.product;
    if (a.currency.empty()) a.currency = frame->offer.currency;
    if (a.quantity == 0) a.quantity = frame->offer.quantity;
    if (a.unit_price.empty()) {
      PACTUM_TRY(settlement::Currency cur, settlement::find_currency(a.currency));
      a.unit_price = settlement::format_decimal({frame->offer.unit_price_minor, static_cast<std::int8_t>(cur.exponent)});
    }
  }
  std::int32_t start_day = 0, end_day = 0;
  if (kind == NegEvent::kPropose || kind == NegEvent::kCounter) {
    PACTUM_CHECK(read_terms_file(a));
    if (a.product.empty() || a.currency.empty() || a.unit_price.empty() || a.quantity <= 0) {
      return Fail(Errc::kInvalidArgument, "terms need product, currency, unit_price and quantity > 0 "
                                          "(--terms FILE or --product/--currency/--unit-price/--quantity)");
    }
    s.offer.product = a.product;
    s.offer.currency = a.currency;
    PACTUM_TRY(s.offer.unit_price_minor, parse_amount_minor(a.unit_price, a.currency));
    s.offer.quantity = a.quantity;
    if (__builtin_mul_overflow(s.offer.unit_price_minor, s.offer.quantity, &s.offer.total_minor)) {
      return Fail(Errc::kOverflow, "unit_price x quantity");
    }
    if (frame) {
      start_day = frame->start_day;
      end_day = frame->end_day;
    } else {
      PACTUM_TRY(start_day, civil_day(kDefaultStart, "start"));
      PACTUM_TRY(end_day, civil_day(kDefaultEnd, "end"));
    }
    if (!a.start.empty()) { PACTUM_TRY(start_day, civil_day(a.start, "start")); }
    if (!a.end.empty()) { PACTUM_TRY(end_day, civil_day(a.end, "end")); }
    if (a.cancel) {
      if (!s.amends) return Fail(Errc::kInvalidArgument, "--cancel needs --amends");
      end_day = s.amends->effective_day;  // A cancellation: the term ends on the effective day.
    }
    if (a.expires_in_s > 0) s.expires_ms = unix_now_ms() + a.expires_in_s * 1000;
  }
  EscrowSpec escrow;
  escrow.previous_offer = &a.previous_offer;
  if (kind == NegEvent::kPropose && !a.arbiter.empty()) {
    escrow.fresh = true;
    escrow.buyer = key.public_key();
    PACTUM_TRY(escrow.arbiter, load_public_key(a.arbiter));
    escrow.seller = s.seller_org;
    if (!a.escrow_seller_key.empty()) { PACTUM_TRY(escrow.seller, load_public_key(a.escrow_seller_key)); }
  }
  PACTUM_TRY(Bytes wire, build_agent_message(s, key, start_day, end_day, escrow));
  PACTUM_TRY(json::object reply, api_submit(a.node, wire, a.json_out));
  const json::object* o = &reply;
  if (!a.json_out) {
    std::printf("%s: negotiation %s: %s\n", std::string(protocol::event_name(kind)).c_str(),
                std::string(o->at("negotiation_id").as_string()).c_str(),
                std::string(o->at("detail").as_string()).c_str());
  }
  return Ok();
}

Result<void> run_watch(const AgentArgs& a) {
  asio::io_context io;
  PACTUM_TRY(auto sock, connect_node(io, a.node));
  std::string target = "/v1/events";
  if (!a.agent.empty() || !a.key.empty()) {
    crypto::PublicKey k{};
    if (!a.agent.empty()) { PACTUM_TRY(k, load_public_key(a.agent)); }
    else { PACTUM_TRY(crypto::SecretKey sk, load_secret_key(a.key)); k = sk.public_key(); }
    target += "?agent=" + to_hex(k);
  }
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: pactum\r\nAccept: text/event-stream\r\n\r\n";
  boost::system::error_code ec;
  asio::write(sock, asio::buffer(req), ec);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.timeout_s);
  std::string buf;
  std::int64_t seen = 0;
  bool head = true;
  char chunk[4096];
  while (!ec) {
    if (a.timeout_s > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Fail(Errc::kIo, "watch: timed out after " + std::to_string(seen) + " events");
      timeval tv{static_cast<time_t>(left.count() / 1000), static_cast<suseconds_t>(left.count() % 1000 * 1000)};
      ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    std::size_t n = sock.read_some(asio::buffer(chunk), ec);
    buf.append(chunk, n);
    if (head) {
      std::size_t end = buf.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (buf.rfind("HTTP/1.1 200", 0) != 0) return Fail(Errc::kIo, "watch: " + buf.substr(0, buf.find("\r\n")));
      buf.erase(0, end + 4);
      head = false;
    }
    std::size_t at;
    while ((at = buf.find("\n\n")) != std::string::npos) {
      std::string frame = buf.substr(0, at);
      buf.erase(0, at + 2);
      std::size_t d = frame.find("data: ");
      if (d == std::string::npos) continue;
      json::value v = json::parse(frame.substr(d + 6), ec);
      if (ec) return Fail(Errc::kParse, "watch: bad event data");
      const json::object& o = v.as_object();
      if (!a.negotiation.empty() && !std::string(o.at("negotiation_id").as_string()).starts_with(a.negotiation)) continue;
      ++seen;
      if (a.json_out) std::cout << json::serialize(v) << std::endl;
      else std::cout << o.at("type").as_string() << " " << o.at("negotiation_id").as_string() << " " << o.at("detail").as_string() << std::endl;
      if ((a.count > 0 && seen >= a.count) || (!a.until.empty() && o.at("type").as_string() == a.until)) return Ok();
    }
  }
  return Fail(Errc::kIo, "watch: " + ec.message());
}

}  // namespace

void add_agent_commands(CLI::App& app) {
  auto* agent = app.add_subcommand("agent", "Act as an agent through your node's agent API");
  agent->require_subcommand(1);
  struct Cmd { const char* name; NegEvent kind; const char* help; };
  const Cmd cmds[] = {{"propose", NegEvent::kPropose, "Open a negotiation with terms"},
                      {"counter", NegEvent::kCounter, "Replace the terms on the table"},
                      {"accept", NegEvent::kAccept, "Accept the terms on the table"},
                      {"reject", NegEvent::kReject, "End the negotiation without a contract"},
                      {"withdraw", NegEvent::kWithdraw, "Withdraw your open offer"}};
  for (const Cmd& c : cmds) {
    auto a = std::make_shared<AgentArgs>();
    auto* sub = agent->add_subcommand(c.name, c.help);
    sub->add_option("--node", a->node, "Agent API address host:port")->capture_default_str();
    sub->add_option("--key", a->key, "Agent key file")->required();
    sub->add_option("--mandate", a->mandate, "Mandate envelope file")->required();
    sub->add_flag("--json", a->json_out, "Print the node's JSON answer");
    if (c.kind == NegEvent::kPropose) {
      sub->add_option("--seller-org", a->seller_org, "Seller org root key (base64 or key file)");
      sub->add_option("--buyer-org", a->buyer_org, "Buyer org root key (default: the mandate's org)");
      sub->add_option("--arbiter", a->arbiter, "Escrow the contract; this arbiter key rules disputes");
      sub->add_option("--amends", a->amends, "Amend this contract (the contractId of any of its versions, hex): terms default to its version in force");
      sub->add_option("--effective", a->effective, "Amendment: first day it applies, YYYY-MM-DD");
      sub->add_flag("--cancel", a->cancel, "Amendment: end the contract on the effective day");
      sub->add_flag("--downgrade-immediate", a->downgrade_immediate, "Amendment: a lower price applies at once, with credit");
      sub->add_flag("--refund-prorated", a->refund_prorated, "Amendment: a cancellation refunds the unused period");
      sub->add_option("--escrow-seller-key", a->escrow_seller_key,
                      "Key that signs the seller's escrow events (default: the seller org key)");
    } else {
      sub->add_option("--negotiation", a->negotiation, "Negotiation id (hex)")->required();
    }
    if (c.kind == NegEvent::kPropose || c.kind == NegEvent::kCounter) {
      sub->add_option("--terms", a->terms, "Terms TOML (docs/examples/terms.toml)");
      sub->add_option("--product", a->product, "Product id");
      sub->add_option("--currency", a->currency, "ISO 4217 code");
      sub->add_option("--unit-price", a->unit_price, "Unit price in major units, e.g. 12.50");
      sub->add_option("--quantity", a->quantity, "Units");
      sub->add_option("--start", a->start, "Contract start YYYY-MM-DD (default: 2026-01-01, a counter's: the offer's)");
      sub->add_option("--end", a->end, "Contract end YYYY-MM-DD, exclusive (default: 2026-04-01, a counter's: the offer's)");
      sub->add_option("--expires-in", a->expires_in_s, "Offer lapses after this many seconds");
    }
    sub->callback(command([a, kind = c.kind] { return run_message(*a, kind); }));
  }
  auto w = std::make_shared<AgentArgs>();
  auto* watch = agent->add_subcommand("watch", "Follow the node's event stream");
  watch->add_option("--node", w->node, "Agent API address host:port")->capture_default_str();
  watch->add_option("--key", w->key, "Only events for this agent key file");
  watch->add_option("--agent", w->agent, "Only events for this agent public key");
  watch->add_option("--negotiation", w->negotiation, "Only events of this negotiation (hex prefix)");
  watch->add_option("--count", w->count, "Exit after this many events");
  watch->add_option("--until", w->until, "Exit after an event of this type, e.g. agreed");
  watch->add_option("--timeout", w->timeout_s, "Fail after this many seconds");
  watch->add_flag("--json", w->json_out, "One JSON object per event");
  watch->callback(command([w] { return run_watch(*w); }));
}

}  // namespace pactum::tools
