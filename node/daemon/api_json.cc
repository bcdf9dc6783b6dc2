// JSON forms of the core's views, notices and replies for the agent API.
// Keys are base64 (as `pactum key show` prints them); digests are hex.
#include <set>

#include "node/daemon/api.h"

namespace pactum::node::daemon {
namespace json = boost::json;

std::string digest_hex(const crypto::Digest& d) { return to_hex(d); }

json::object negotiation_json(const NegotiationView& n) {
  json::object o;
  o["id"] = digest_hex(n.id);
  o["state"] = n.state;
  o["buyer_org"] = crypto::public_key_to_text(n.buyer_org);
  o["seller_org"] = crypto::public_key_to_text(n.seller_org);
  o["rounds"] = n.rounds;
  o["terms_hash"] = digest_hex(n.terms_hash);
  return o;
}

json::object contract_json(const ContractView& c) {
  json::object o;
  o["id"] = digest_hex(c.id);
  o["negotiation_id"] = digest_hex(c.negotiation_id);
  o["ledger_index"] = c.ledger_index;
  o["peer"] = crypto::public_key_to_text(c.peer);
  o["peer_anchored"] = c.peer_anchored;
  o["contract_id"] = to_hex(ByteSpan(c.contract_id).first(16));
  if (c.amends != crypto::Digest{}) o["amends"] = to_hex(ByteSpan(c.amends).first(16));
  o["in_force"] = c.in_force;
  json::object s;
  s["status"] = c.settlement_status;
  s["digest"] = digest_hex(c.settlement_digest);
  s["peer_digest"] = digest_hex(c.peer_settlement_digest);
  // Money crosses JSON as a string of minor units, never as a float.
  s["invoiced_total_minor"] = std::to_string(c.invoiced_total_minor);
  o["settlement"] = std::move(s);
  json::object e;
  e["state"] = c.escrow_state;
  e["digest"] = digest_hex(c.escrow_digest);
  o["escrow"] = std::move(e);
  return o;
}

json::object notice_json(const AgentNotice& n) {
  json::object o;
  o["type"] = n.type;
  o["negotiation_id"] = digest_hex(n.negotiation_id);
  o["agent"] = n.agent == crypto::PublicKey{} ? std::string() : crypto::public_key_to_text(n.agent);
  o["detail"] = n.detail;
  return o;
}

json::object reply_json(const AgentReply& r) {
  json::object o;
  o["ok"] = r.ok;
  o["negotiation_id"] = digest_hex(r.negotiation_id);
  o["detail"] = r.detail;
  if (!r.ok) o["error"] = error_json(r.code, r.detail)["error"];
  return o;
}

json::object error_json(std::string_view code, std::string_view detail) {
  json::object e;
  e["code"] = json::string_view(code.data(), code.size());
  e["detail"] = json::string_view(detail.data(), detail.size());
  json::object o;
  o["error"] = std::move(e);
  return o;
}

unsigned status_for_refusal(std::string_view code) {
  static const std::set<std::string_view> kBadInput = {
      "malformed_message", "message_too_large", "non_canonical", "wrong_kind",
      "unknown_version",   "missing_signature", "bad_encoding",  "parse",
      "invalid_argument",  "unsupported"};
  static const std::set<std::string_view> kForbidden = {
      "bad_signature",   "mandate_expired",  "mandate_revoked", "mandate_scope",
      "budget_exceeded", "policy_violation", "kill_switch",     "bad_key",
      "needs_approval"};
  static const std::set<std::string_view> kConflict = {
      "out_of_turn",        "stale_message",       "unlinked_message",
      "conflicting_message", "negotiation_closed", "illegal_transition",
      "already_exists"};
  if (kBadInput.contains(code)) return 400;
  if (kForbidden.contains(code)) return 403;
  if (kConflict.contains(code)) return 409;
  if (code == "not_found") return 404;
  return 422;
}

}  // namespace pactum::node::daemon
