// node/core/testing: an in-memory harness for NodeCore, for unit tests and
// the deterministic simulator (issue 9). Not for production.
//
// - SeededNonces: a NonceSource from a 64-bit seed (splitmix64), so a run
//   signs the same bytes every time.
// - FakeLedger: assigns indexes and leaf hashes like ledger/ (RFC 6962 leaves
//   over encode_entry with timestamp 0), acknowledges appends only on sync(),
//   and can crash(), losing every append not yet synced.
// - Cluster: several organizations, each one NodeCore + FakeLedger; routes
//   SendToPeer to the addressed core through a queue that tests may deliver
//   in order, shuffled or duplicated; records replies, notices and alarms.
// - Agents: deterministic mandates and negotiation messages (with complete,
//   settleable terms) signed by agent keys.
//
// Not thread-safe: one thread drives a Cluster.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "node/core/core.h"
#include "protocol/negotiation_wire.h"

namespace pactum::node::testing {

class SeededNonces final : public NonceSource {
 public:
  explicit SeededNonces(std::uint64_t seed) : state_(seed) {}
  crypto::Nonce next() override;

 private:
  std::uint64_t state_ = 0;
};

class FakeLedger final : public LedgerProofs {
 public:
  struct Stored {
    std::uint64_t index = 0;
    std::uint16_t kind = 0;
    crypto::Digest id{};
    Bytes payload;
    crypto::Digest leaf{};
    bool durable = false;
  };
  // Accepts an append; its AppendDone comes from sync(). An id already held
  // is answered with its existing index and writes nothing.
  void append(const AppendToLedger& a);
  // Makes everything accepted durable; returns the acknowledgements in order.
  std::vector<AppendDone> sync();
  // Loses every append not yet synced, and its acknowledgement.
  void crash();
  // A signed checkpoint of the durable entries (origin = key name = origin).
  CheckpointTaken checkpoint(const crypto::SecretKey& key, const std::string& origin) const;
  const std::vector<Stored>& entries() const { return entries_; }
  std::size_t durable_size() const;
  // LedgerProofs, over the durable entries.
  Result<std::vector<crypto::Digest>> consistency_proof(std::uint64_t from_size, std::uint64_t to_size) override;
  Result<Bytes> durable_payload(const crypto::Digest& id) override;

 private:
  std::vector<Stored> entries_;
  std::vector<AppendDone> unacked_;
  std::map<crypto::Digest, std::uint64_t> ids_;  // Id -> index, for idempotent appends.
  ledger::MemoryTree tree_;                      // Leaves of the durable entries.
};

// Deterministic org, node and agent keys from names.
crypto::SecretKey key_from_name(const std::string& name);
crypto::PublicKey public_from_name(const std::string& name);

// A policy text in the format of docs/policy.md for tests: one product
// "widget" in EUR, floor `floor_minor`, ceiling 1500, list 1200 (minor units).
std::string test_policy(const std::vector<crypto::PublicKey>& counterparties,
                        std::int64_t approval_threshold_minor = 10'000'000, std::int64_t floor_minor = 800);

struct Agent {
  std::string name;
  crypto::PublicKey org{};
  protocol::Role role = protocol::Role::kBuyer;
  Bytes mandate_envelope;
  crypto::Digest mandate_id{};
  std::uint64_t sequence = 0;
  std::uint64_t nonce_seed = 0;
  const crypto::SecretKey& key() const { return *key_; }
  std::shared_ptr<crypto::SecretKey> key_;
};

// Terms beyond the guardrail figures, so the contract can be settled.
struct TermsExtras {
  std::int32_t start_day = 20'454;  // 2026-01-01.
  std::int32_t end_day = 20'544;    // 2026-04-01: three monthly invoices.
  bool escrow = false;              // Escrow per invoice (held 100%), buyer/seller agents, arbiter.
  crypto::PublicKey escrow_buyer{}, escrow_seller{}, arbiter{};
};

// A mandate for `agent_name` signed by the org root `org_name`.
Agent make_agent(const std::string& agent_name, const std::string& org_name, protocol::Role role,
                 const std::vector<crypto::PublicKey>& counterparties, std::int64_t now_ms);

// One negotiation message by `agent`; embeds the mandate when `first`.
// Terms (propose/counter) get `extras`. The nonce comes from the agent's seed.
Bytes agent_message(Agent& agent, const protocol::MessageSpec& spec, bool first, std::int64_t timestamp_ms,
                    const TermsExtras& extras = {});

// Message hash and (for offers) terms hash of an envelope.
struct MessageIds {
  crypto::Digest message_hash{};
  crypto::Digest terms_hash{};
};
MessageIds ids_of(const Bytes& envelope);

// A node certificate envelope for node_key signed by org_key.
Bytes node_certificate(const crypto::SecretKey& org_key, const crypto::SecretKey& node_key, const std::string& node_name);

class Cluster {
 public:
  struct Node {
    std::string name;
    crypto::SecretKey org_key = key_from_name("org:" + name);
    crypto::SecretKey node_key = key_from_name("node:" + name);
    Bytes certificate;
    std::string policy;
    std::vector<std::string> partners;
    std::unique_ptr<SeededNonces> nonces;
    std::unique_ptr<NodeCore> core;
    FakeLedger ledger;
    bool auto_sync = true;                  // Sync after every event that appended.
    std::uint64_t checkpoint_every = 1;     // Checkpoint once this many entries are new.
    std::vector<AgentReply> replies;
    std::vector<AgentNotice> notices;
    std::vector<Alarm> alarms;
    std::uint64_t checkpointed = 0;
    explicit Node(std::string n) : name(std::move(n)) {}
  };
  struct Packet {
    std::string to;
    crypto::PublicKey from{};
    Bytes envelope;
  };

  explicit Cluster(std::uint64_t seed = 1) : seed_(seed) {}
  // Adds an organization; partners by name. Policy: test_policy(partners).
  Node& add(const std::string& name, const std::vector<std::string>& partners);
  // Creates every core (restoring from its ledger) and connects all partners.
  void start();
  Node& node(const std::string& name) { return *nodes_.at(name); }
  crypto::PublicKey org(const std::string& name) { return node(name).org_key.public_key(); }

  void handle(Node& n, const Event& e);
  AgentReply submit(const std::string& node_name, const Bytes& envelope);
  void tick(std::int64_t now_ms);
  // Delivers queued packets in order until none is left (bounded).
  std::size_t run(std::size_t max_packets = 1'000'000);
  // Delivers one packet chosen by `rng`, sometimes twice; false when idle.
  bool step_random(std::mt19937_64& rng, unsigned duplicate_percent);
  // Syncs a node's ledger, acknowledges and checkpoints (every
  // checkpoint_every new entries, or whenever anything is new with `force`).
  void sync(Node& n, bool force = false);
  // The node loses what its ledger did not sync and every queued packet to it,
  // restarts from its ledger and reconnects.
  void crash_and_restart(const std::string& name);
  void connect(const std::string& a, const std::string& b);
  std::deque<Packet>& network() { return network_; }
  std::int64_t now() const { return now_ms_; }

 private:
  void create_core(Node& n);
  std::uint64_t seed_ = 1;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  std::deque<Packet> network_;
  std::int64_t now_ms_ = 0;
  std::uint64_t next_request_ = 1;
};

}  // namespace pactum::node::testing
