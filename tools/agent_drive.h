// The demo's agents in one process (`pactum agent drive`, docs/demo.md): the
// buyer agent, both seller agents, the buyer's approver and org key and the
// arbiter, each signing with its own key through its own node's agent API.
// One deal is a blocking script (run_deal); the command runs many at once
// on a small pool of threads. Thread-safe: a Federation is read-only once
// loaded; each call builds and sends its own messages.
#pragma once

#include <cstdint>
#include <string>

#include "base/base.h"
#include "crypto/crypto.h"

namespace pactum::tools {

// One organization's agent: key, mandate and the node whose API it uses.
struct AgentParty {
  std::string name;  // "buyer", "sellera", "sellerb": the federation's directory names.
  std::string node;  // Agent API "127.0.0.1:PORT", from NAME/ready.json.
  crypto::SecretKey key = crypto::SecretKey::generate();
  Bytes mandate;     // The mandate envelope, embedded in each message.
  crypto::Digest mandate_id{};
  crypto::PublicKey org{};  // The org root key (NAME/org.pub).
};

// The demo federation as tools/demo.sh lays it out under one directory.
struct Federation {
  AgentParty buyer, sellera, sellerb;
  crypto::SecretKey buyer_org_key = crypto::SecretKey::generate();  // Signs the kill switch.
  crypto::SecretKey approver = crypto::SecretKey::generate();       // buyer/approver.key.
  crypto::SecretKey arbiter = crypto::SecretKey::generate();        // arbiter/arbiter.key.
};

// Reads DIR/{buyer,sellera,sellerb}/{agent.key,agent.mandate,org.pub,ready.json},
// DIR/buyer/{org.key,approver.key} and DIR/arbiter/arbiter.key.
Result<void> load_federation(const std::string& dir, Federation& f);

enum class DealOutcome : std::uint8_t { kAgreed, kRejected, kRefused, kDenied, kLost };
enum class Escalation : std::uint8_t { kNone, kApproved, kDenied };

struct DealResult {
  int deal = 0;
  DealOutcome outcome = DealOutcome::kLost;
  int messages = 0;            // Negotiation messages sent (2: accepted at once, 3: after a counter).
  std::int64_t ms_to_agree = 0;  // From the proposal to the accepting node's answer.
  std::string negotiation;     // Hex id ("" when refused at the proposal).
  std::string seller;          // "sellera" or "sellerb".
  std::int64_t counter_minor = 0;  // The seller's counter, unit price in cents (0: it did not counter).
  Escalation escalation = Escalation::kNone;
  std::string refusal_code, refusal_rule;  // The node's reason, for kRefused.
  std::string lost_why;        // For kLost: what did not happen in time.
};

// Deal `i` of the demo's script (docs/demo.md "What it does", step 3).
// Never fails: what the nodes refuse or never do is the outcome.
DealResult run_deal(const Federation& f, int i);

// Engages (or lifts) the buyer organization's kill switch.
Result<void> buyer_kill_switch(const Federation& f, bool engage);

// Escrow of one agreed contract (step 6): fund it once the buyer's node has
// settled it, then accept its three monthly milestones (releases them) or,
// for `dispute`, open a dispute and have the arbiter split 60/40.
Result<void> run_escrow(const Federation& f, const std::string& negotiation, bool dispute);

// An amendment (step 7), on a contract without escrow (escrowed ones cannot
// be amended yet): the buyer proposes kQuantity seats at 11.00 to seller A,
// which accepts; once both nodes settled it, the buyer proposes 15 seats
// from 2026-02-08 against its version in force and seller A accepts. Done
// when both nodes settled the new version.
struct AmendmentResult {
  std::string base, amendment;       // Negotiation ids (64 hex digits).
  std::int64_t base_total_minor = 0;     // Invoiced, as the buyer's node settled each version.
  std::int64_t amended_total_minor = 0;
  bool digests_agree = false;        // The new version's settlement digest on both nodes.
};
Result<AmendmentResult> run_amendment(const Federation& f);

// Agreed contracts anchored by the peer and settled, as `node` reports them.
Result<int> settled_contracts(const std::string& node);

}  // namespace pactum::tools
