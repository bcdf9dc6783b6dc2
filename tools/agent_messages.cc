// Signed agent, approval, kill-switch and escrow messages (tools/agent_messages.h).
#include "tools/agent_messages.h"

#include <chrono>
#include <cstdio>

#include "protocol/canonical.h"
#include "protocol/escrow_codec.h"
#include "protocol/protocol.h"
#include "tools/agent_http.h"

namespace pactum::tools {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using protocol::NegEvent;
using W = wire::Body::Payload;

Result<void> set_escrow(wire::ContractTerms::Builder t, const EscrowSpec& e) {
  if (e.fresh) {
    // Milestones are left to settlement: one acceptance milestone per invoice (docs/node.md).
    t.setArbiterKey(capnp::Data::Reader(e.arbiter.data(), e.arbiter.size()));
    auto w = t.initEscrow();
    w.setBuyerKey(capnp::Data::Reader(e.buyer.data(), e.buyer.size()));
    w.setSellerKey(capnp::Data::Reader(e.seller.data(), e.seller.size()));
    return Ok();
  }
  if (e.previous_offer == nullptr || e.previous_offer->empty()) return Ok();
  PACTUM_TRY(auto prev, protocol::decode<wire::Envelope>(*e.previous_offer));
  auto p = prev.root().getBody().getPayload();
  if (p.which() != W::PROPOSE && p.which() != W::COUNTER) return Ok();
  auto pt = p.which() == W::PROPOSE ? p.getPropose().getTerms() : p.getCounter().getTerms();
  if (!pt.hasEscrow()) return Ok();
  t.setEscrow(pt.getEscrow());
  t.setArbiterKey(pt.getArbiterKey());
  return Ok();
}

// The messages `node` holds of a negotiation, oldest first, as wire bytes.
Result<std::vector<Bytes>> node_messages(const std::string& node, const std::string& negotiation_hex) {
  PACTUM_TRY(auto msgs, api_call(node, http::verb::get, "/v1/negotiations/" + negotiation_hex + "/messages", nullptr));
  const json::object* o = msgs.second.if_object();
  if (msgs.first != 200 || o == nullptr || !o->contains("messages") || !o->at("messages").is_array()) {
    return Fail(Errc::kNotFound, "node: " + json::serialize(msgs.second));
  }
  std::vector<Bytes> out;
  for (const json::value& m : o->at("messages").as_array()) {
    if (!m.is_string()) return Fail(Errc::kParse, "node: a message that is not base64 text");
    PACTUM_TRY(Bytes b, crypto::base64_decode(std::string(m.as_string())));
    out.push_back(std::move(b));
  }
  if (out.empty()) return Fail(Errc::kNotFound, "the node holds no message of negotiation " + negotiation_hex);
  return out;
}

}  // namespace

Result<std::int32_t> civil_day(const std::string& text, const std::string& what) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(text.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) {
    return Fail(Errc::kInvalidArgument, what + ": '" + text + "' is not YYYY-MM-DD");
  }
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok()) return Fail(Errc::kInvalidArgument, what + ": '" + text + "' is not a date");
  return static_cast<std::int32_t>(sys_days{ymd}.time_since_epoch().count());
}

Result<crypto::Digest> digest_from_hex(const std::string& hex, const std::string& what) {
  auto b = crypto::hex_decode(hex);
  if (!b || (b->size() != 16 && b->size() != 32)) {
    return Fail(Errc::kInvalidArgument, what + ": need a 32- or 64-digit hex id");
  }
  crypto::Digest d{};
  std::copy(b->begin(), b->end(), d.begin());
  return d;
}

Result<Bytes> build_agent_message(const protocol::MessageSpec& s, const crypto::SecretKey& key,
                                  std::int32_t start_day, std::int32_t end_day, const EscrowSpec& escrow) {
  protocol::EnvelopeBuilder b;
  auto p = b.payload();
  auto context = [&](wire::NegotiationContext::Builder c) -> Result<void> {
    c.setNegotiationId(capnp::Data::Reader(s.negotiation_id.data(), 16));
    c.setPreviousHash(capnp::Data::Reader(s.prev_hash.data(), s.prev_hash.size()));
    c.setRound(s.round);
    auto ref = c.initMandate();
    ref.setMandateId(capnp::Data::Reader(s.mandate_id.data(), s.mandate_id.size()));
    // Embedded every time: a node that knows the mandate skips the check.
    PACTUM_TRY(auto env, protocol::decode<wire::Envelope>(*s.mandate_envelope));
    ref.setEnvelope(env.root());
    return Ok();
  };
  auto terms = [&](wire::ContractTerms::Builder t) -> Result<void> {
    PACTUM_CHECK(protocol::fill_settleable_terms(t, s, start_day, end_day));
    return set_escrow(t, escrow);
  };
  try {
    switch (s.kind) {
      case NegEvent::kPropose: {
        auto m = p.initPropose();
        PACTUM_CHECK(context(m.initContext()));
        PACTUM_CHECK(terms(m.initTerms()));
        m.setOfferExpiresMs(s.expires_ms);
        break;
      }
      case NegEvent::kCounter: {
        auto m = p.initCounter();
        PACTUM_CHECK(context(m.initContext()));
        PACTUM_CHECK(terms(m.initTerms()));
        m.setOfferExpiresMs(s.expires_ms);
        break;
      }
      case NegEvent::kAccept: {
        auto m = p.initAccept();
        PACTUM_CHECK(context(m.initContext()));
        m.setTermsHash(capnp::Data::Reader(s.terms_hash.data(), s.terms_hash.size()));
        break;
      }
      case NegEvent::kReject: {
        auto m = p.initReject();
        PACTUM_CHECK(context(m.initContext()));
        m.setReason(wire::RejectReason::UNACCEPTABLE_TERMS);
        break;
      }
      case NegEvent::kWithdraw:
        PACTUM_CHECK(context(p.initWithdraw().initContext()));
        break;
      case NegEvent::kApprove: case NegEvent::kDeny: case NegEvent::kEscalate:
      case NegEvent::kExpire: case NegEvent::kFail: case NegEvent::kCommit:
        return Fail(Errc::kInvalidArgument, "not an agent message");
    }
  } catch (const kj::Exception& e) {
    return Fail(Errc::kMalformedMessage, std::string("building the message: ") + e.getDescription().cStr());
  }
  // Sequence numbers must grow per sender across runs and threads: microseconds, never repeated.
  return b.seal(key, unix_sequence(), unix_now_ms());
}

Result<OfferFrame> offer_frame(const Bytes& offer_envelope) {
  PACTUM_TRY(auto env, protocol::decode<wire::Envelope>(offer_envelope));
  auto p = env.root().getBody().getPayload();
  if (p.which() != W::PROPOSE && p.which() != W::COUNTER) return Fail(Errc::kWrongKind, "not an offer");
  auto t = p.which() == W::PROPOSE ? p.getPropose().getTerms() : p.getCounter().getTerms();
  OfferFrame f;
  PACTUM_TRY(f.offer, protocol::offer_from_terms(t));
  f.start_day = t.getStartDay();
  f.end_day = t.getEndDay();
  if (t.hasAmendmentOf()) {
    auto a = t.getAmendmentOf();
    protocol::AmendmentRef ref;
    if (a.getBaseContractId().size() != 16) return Fail(Errc::kMalformedMessage, "baseContractId must be 16 bytes");
    std::copy(a.getBaseContractId().begin(), a.getBaseContractId().end(), ref.base_contract_id.begin());
    PACTUM_TRY(ref.base_terms_hash, protocol::read_hash(a.getBaseTermsHash(), "baseTermsHash"));
    ref.effective_day = a.getEffectiveDay();
    ref.downgrade_immediate = a.getDowngradeImmediate();
    ref.cancel_refund_prorated = a.getCancelRefundProrated();
    f.amends = ref;
  }
  return f;
}

Result<ContractInForce> contract_in_force(const std::string& node, const std::string& contract_hex) {
  PACTUM_TRY(auto r, api_call(node, http::verb::get, "/v1/contracts", nullptr));
  const json::object* o = r.second.if_object();
  if (r.first != 200 || o == nullptr || !o->contains("contracts")) return Fail(Errc::kIo, "node: " + json::serialize(r.second));
  const json::array& contracts = o->at("contracts").as_array();
  // Any version's id names the contract; amendments name its first version.
  std::string base;
  for (const json::value& c : contracts) {
    const json::object& co = c.as_object();
    if (co.at("contract_id").as_string() != contract_hex) continue;
    const json::value* amends = co.if_contains("amends");
    base = amends != nullptr ? std::string(amends->as_string()) : contract_hex;
    break;
  }
  if (base.empty()) return Fail(Errc::kNotFound, "the node holds no contract " + contract_hex);
  for (const json::value& c : contracts) {
    const json::object& co = c.as_object();
    const json::value* amends = co.if_contains("amends");
    const bool of_contract = co.at("contract_id").as_string() == base ||
                             (amends != nullptr && amends->as_string() == base);
    if (!of_contract || !co.at("in_force").as_bool()) continue;
    const std::string negotiation(co.at("negotiation_id").as_string());
    PACTUM_TRY(std::vector<Bytes> list, node_messages(node, negotiation));
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      auto frame = offer_frame(*it);
      if (!frame) continue;
      ContractInForce out{std::move(*frame), {}, {}};
      PACTUM_TRY(out.terms_hash, digest_from_hex(std::string(co.at("id").as_string()), "contract id"));
      PACTUM_TRY(out.base_id, digest_from_hex(base, "contract id"));
      return out;
    }
    return Fail(Errc::kNotFound, "no offer in negotiation " + negotiation);
  }
  return Fail(Errc::kNotFound, "the node holds no version of contract " + base + " in force");
}

Result<Bytes> link_to_node(const std::string& node, const std::string& negotiation_hex, protocol::MessageSpec& s) {
  PACTUM_TRY(s.negotiation_id, digest_from_hex(negotiation_hex, "--negotiation"));
  PACTUM_TRY(auto view, api_call(node, http::verb::get, "/v1/negotiations/" + negotiation_hex, nullptr));
  if (view.first != 200 || !view.second.is_object()) return Fail(Errc::kNotFound, "node: " + json::serialize(view.second));
  const json::object& n = view.second.as_object();
  PACTUM_TRY(s.buyer_org, crypto::public_key_from_text(std::string(n.at("buyer_org").as_string())));
  PACTUM_TRY(s.seller_org, crypto::public_key_from_text(std::string(n.at("seller_org").as_string())));
  PACTUM_TRY(s.terms_hash, digest_from_hex(std::string(n.at("terms_hash").as_string()), "terms_hash"));
  PACTUM_TRY(std::vector<Bytes> list, node_messages(node, negotiation_hex));
  PACTUM_TRY(auto env, protocol::open_envelope(list.back()));
  s.prev_hash = env.info.message_hash;
  Bytes previous_offer;
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    PACTUM_TRY(auto d, protocol::decode<wire::Envelope>(*it));
    auto w = d.root().getBody().getPayload().which();
    if (w == W::PROPOSE || w == W::COUNTER) {
      previous_offer = *it;
      break;
    }
  }
  auto p = env.body().getPayload();
  std::uint32_t round = 0;
  if (p.which() == W::PROPOSE) round = p.getPropose().getContext().getRound();
  else if (p.which() == W::COUNTER) round = p.getCounter().getContext().getRound();
  else if (p.which() == W::ACCEPT) round = p.getAccept().getContext().getRound();
  else return Fail(Errc::kNegotiationClosed, "negotiation " + negotiation_hex + " has ended");
  s.round = round + 1;
  if (!previous_offer.empty()) {
    PACTUM_TRY(OfferFrame f, offer_frame(previous_offer));
    s.amends = f.amends;  // Every offer of an amendment names the same version.
  }
  return previous_offer;
}

Result<Bytes> build_approval(const std::string& node, const std::string& negotiation_hex,
                             const crypto::SecretKey& key, bool approve) {
  protocol::MessageSpec s;
  s.kind = approve ? NegEvent::kApprove : NegEvent::kDeny;
  PACTUM_TRY(s.negotiation_id, digest_from_hex(negotiation_hex, "--negotiation"));
  PACTUM_TRY(std::vector<Bytes> list, node_messages(node, negotiation_hex));
  PACTUM_TRY(auto env, protocol::open_envelope(list.back()));
  auto p = env.body().getPayload();
  if (p.which() != W::PROPOSE && p.which() != W::COUNTER) {
    return Fail(Errc::kIllegalTransition, "the last message of " + negotiation_hex + " is no offer awaiting approval");
  }
  auto ctx = p.which() == W::PROPOSE ? p.getPropose().getContext() : p.getCounter().getContext();
  PACTUM_TRY(s.terms_hash, protocol::terms_hash(p.which() == W::PROPOSE ? p.getPropose().getTerms()
                                                                          : p.getCounter().getTerms()));
  s.prev_hash = env.info.message_hash;
  s.round = ctx.getRound();
  return protocol::build_negotiation_message(s, key, unix_sequence(), unix_now_ms());
}

Result<Bytes> build_kill_switch(const crypto::SecretKey& key, const crypto::PublicKey& org, bool engage,
                                const std::string& note) {
  protocol::EnvelopeBuilder b;
  const std::int64_t now = unix_now_ms();
  try {
    auto k = b.payload().initKillSwitch();
    k.setAction(engage ? wire::KillSwitchAction::ENGAGE : wire::KillSwitchAction::LIFT);
    k.getScope().setOrganization(capnp::Data::Reader(org.data(), org.size()));
    k.setEffectiveMs(now);
    if (!note.empty()) k.setNote(note);
  } catch (const kj::Exception& e) {
    return Fail(Errc::kMalformedMessage, std::string("building the kill switch: ") + e.getDescription().cStr());
  }
  return b.seal(key, unix_sequence(), now);
}

Result<json::object> find_contract(const std::string& node, const std::string& negotiation_prefix) {
  PACTUM_TRY(auto r, api_call(node, http::verb::get, "/v1/contracts", nullptr));
  const json::object* o = r.second.if_object();
  if (r.first != 200 || o == nullptr || !o->contains("contracts")) return Fail(Errc::kIo, "node: " + json::serialize(r.second));
  for (const json::value& c : o->at("contracts").as_array()) {
    const json::object& co = c.as_object();
    if (std::string(co.at("negotiation_id").as_string()).starts_with(negotiation_prefix)) return co;
  }
  return Fail(Errc::kNotFound, "the node holds no contract of negotiation " + negotiation_prefix);
}

Result<std::vector<Bytes>> build_escrow_events(const crypto::SecretKey& key, const json::object& c,
                                               escrow::EscrowEvent base, std::vector<std::uint32_t> milestones) {
  PACTUM_TRY(crypto::Digest terms_hash, digest_from_hex(std::string(c.at("id").as_string()), "contract id"));
  PACTUM_TRY(crypto::Digest negotiation, digest_from_hex(std::string(c.at("negotiation_id").as_string()), "negotiation id"));
  // The agent commands make the contract id the negotiation id (protocol::fill_terms).
  std::copy_n(negotiation.begin(), base.contract_id.size(), base.contract_id.begin());
  base.signer = key.public_key();
  if (milestones.empty()) milestones.push_back(0);
  if (base.kind != escrow::EventKind::kAcceptDelivery) milestones.resize(1);
  std::vector<Bytes> out;
  for (std::uint32_t m : milestones) {
    escrow::EscrowEvent e = base;
    e.milestone = m;
    crypto::random_bytes(MutableByteSpan(e.id.data(), e.id.size()));
    e.timestamp_ms = unix_now_ms();
    PACTUM_TRY(Bytes wire, protocol::seal_escrow_event(key, unix_sequence(), e, terms_hash));
    out.push_back(std::move(wire));
  }
  return out;
}

Result<std::int64_t> invoiced_total_minor(const json::object& c) {
  const json::value* s = c.if_contains("settlement");
  const json::value* t = s != nullptr && s->is_object() ? s->as_object().if_contains("invoiced_total_minor") : nullptr;
  if (t == nullptr || !t->is_string()) return Fail(Errc::kNotFound, "the contract has no invoiced total yet");
  try {
    return static_cast<std::int64_t>(std::stoll(std::string(t->as_string())));
  } catch (const std::exception&) {
    return Fail(Errc::kParse, "invoiced_total_minor is not a number");
  }
}

}  // namespace pactum::tools
