// The signed messages an agent, an approver, an org or an escrow party hands
// to its own node's agent API (POST /v1/messages, docs/agent-api.yaml),
// shared by the one-message commands (cmd_agent.cc, cmd_control.cc) and the
// many-deal driver (cmd_agent_drive.cc). Builders are pure; the functions
// that take a `node` read what they link to from that node's API.
// Thread-compatible: no shared state.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "base/base.h"
#include "escrow/escrow.h"
#include "protocol/negotiation_wire.h"

namespace pactum::tools {

// Escrow terms of an offer: none, new ones (propose --arbiter), or those of
// the offer a counter replaces, so a counter never drops the escrow.
struct EscrowSpec {
  bool fresh = false;
  crypto::PublicKey buyer{}, seller{}, arbiter{};
  const Bytes* previous_offer = nullptr;
};

// Days since 1970-01-01 of "YYYY-MM-DD"; kInvalidArgument naming `what`.
Result<std::int32_t> civil_day(const std::string& text, const std::string& what);
// A 16- or 32-byte id from hex (zero-padded to a Digest); kInvalidArgument naming `what`.
Result<crypto::Digest> digest_from_hex(const std::string& hex, const std::string& what);

// A signed propose/counter/accept/reject/withdraw. Offers get complete,
// settleable terms: one flat monthly charge over [start_day, end_day) with
// the conventions settlement needs, and the escrow `escrow` says.
Result<Bytes> build_agent_message(const protocol::MessageSpec& s, const crypto::SecretKey& key,
                                  std::int32_t start_day, std::int32_t end_day, const EscrowSpec& escrow);

// What an offer's terms fix for the messages after it: the guardrail
// figures, the term, and the amendment it negotiates (if any).
struct OfferFrame {
  protocol::Offer offer;
  std::int32_t start_day = 0, end_day = 0;
  std::optional<protocol::AmendmentRef> amends;
};
// Of a propose or counter envelope. kWrongKind for any other message.
Result<OfferFrame> offer_frame(const Bytes& offer_envelope);

// The version in force at `node` of the contract that `contract_hex` (32 hex
// digits, = a negotiation id with the agent commands) names: the contractId
// of its first version or of any amendment of it. kNotFound when the node
// holds no such contract.
struct ContractInForce {
  OfferFrame frame;             // Its terms' frame.
  crypto::Digest terms_hash{};  // What an amendment names as its base terms.
  crypto::Digest base_id{};     // The first version's contractId (what an amendment names).
};
Result<ContractInForce> contract_in_force(const std::string& node, const std::string& contract_hex);

// Fills the parties, round, terms hash and hash link of a follow-up message
// from what `node` holds of negotiation `negotiation_hex`, and the amendment
// it negotiates; returns the last offer (propose or counter) there, whose
// escrow a counter keeps. Errors:
// kNotFound, kNegotiationClosed when the last message ends the negotiation.
Result<Bytes> link_to_node(const std::string& node, const std::string& negotiation_hex, protocol::MessageSpec& s);

// An Approve (or Deny) of the escalated offer `node` holds of the negotiation:
// it links to that offer and names its terms hash.
Result<Bytes> build_approval(const std::string& node, const std::string& negotiation_hex,
                             const crypto::SecretKey& key, bool approve);

// A KillSwitch over organization `org`, effective now.
Result<Bytes> build_kill_switch(const crypto::SecretKey& key, const crypto::PublicKey& org, bool engage,
                                const std::string& note);

// The contract `node` holds for a negotiation (= contract) id prefix; kNotFound if none.
Result<boost::json::object> find_contract(const std::string& node, const std::string& negotiation_prefix);

// One signed escrow event per milestone (only kAcceptDelivery uses more than
// the first) of contract `c` (as find_contract returns it): `base` gives the
// kind and its fields; contract id, signer, event id and time are set here.
Result<std::vector<Bytes>> build_escrow_events(const crypto::SecretKey& key, const boost::json::object& c,
                                               escrow::EscrowEvent base, std::vector<std::uint32_t> milestones);

// The invoiced total of contract `c` in minor units (every invoice is held in
// full, docs/node.md, so this is the escrow total).
Result<std::int64_t> invoiced_total_minor(const boost::json::object& c);

}  // namespace pactum::tools
