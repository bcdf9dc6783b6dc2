// Internals of node/sim: the simulated ledger, nodes, network and agents.
// Not a public header; see node/sim/sim.h.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "node/core/core.h"
#include "node/core/testing/testing.h"
#include "node/sim/sim.h"

namespace pactum::node::sim {

// An in-memory ledger with the durability of ledger/: appends are held until
// sync() makes them durable and acknowledges them; crash() loses the rest.
// Leaf hashes are RFC 6962 leaves over encode_entry (timestamp 0), chained by
// prev_hash like ledger/ does.
class SimLedger final : public LedgerProofs {
 public:
  struct Stored {
    std::uint64_t index = 0;
    std::uint16_t kind = 0;
    crypto::Digest id{};
    Bytes payload;
    crypto::Digest leaf{};
    bool durable = false;
  };
  void append(const AppendToLedger& a);
  // The disk is full: the append is refused; its AppendDone (not ok) comes on sync().
  void refuse(const AppendToLedger& a, const std::string& why);
  std::vector<AppendDone> sync();
  bool has_unacked() const { return !unacked_.empty(); }
  void crash();
  CheckpointTaken checkpoint(const crypto::SecretKey& key, const std::string& origin) const;
  const std::vector<Stored>& entries() const { return entries_; }
  std::uint64_t durable_size() const { return tree_.size(); }
  // LedgerProofs, over the durable entries.
  Result<std::vector<crypto::Digest>> consistency_proof(std::uint64_t from_size, std::uint64_t to_size) override;
  Result<Bytes> durable_payload(const crypto::Digest& id) override;
  bool holds(const crypto::Digest& id) const { return ids_.count(id) != 0; }
  bool holds_durable(const crypto::Digest& id) const {
    auto it = ids_.find(id);
    return it != ids_.end() && entries_[it->second].durable;
  }

  // Test-only corruption (InjectedBug): what a broken storage layer would do.
  void drop_last_durable();
  void flip_payload_byte(std::uint64_t index);

 private:
  void rebuild_tree();
  std::vector<Stored> entries_;
  std::vector<AppendDone> unacked_;
  std::map<crypto::Digest, std::uint64_t> ids_;
  ledger::MemoryTree tree_;
};

struct SimNode {
  std::string name;
  bool buyer = false;
  crypto::SecretKey org_key;
  crypto::SecretKey node_key;
  Bytes certificate;
  std::string policy;
  std::vector<std::size_t> partners;       // Node indexes.
  std::unique_ptr<testing::SeededNonces> nonces;
  std::unique_ptr<NodeCore> core;
  SimLedger ledger;
  bool up = true;
  std::int64_t restart_at = 0;
  std::int64_t disk_full_until = 0;
  std::uint64_t checkpointed = 0;
  std::uint32_t incarnation = 0;           // Restarts so far: new nonces each life.
  bool ledger_failed = false;              // A ledger-failure alarm since the last restart.
  std::map<std::uint64_t, crypto::Digest> acked;  // Acknowledged index -> leaf.
  std::uint64_t verified = 0;              // Entries whose chain link was checked.
  std::uint64_t contracts_checked = ~0ULL; // The core's contract count at the last contract check.
  std::uint32_t incarnation_checked = 0;
  SimNode(std::string n, bool b);
};

// One deal an agent pair works through: propose, then the seller accepts or
// counters and the buyer accepts. Messages are built once and re-submitted
// unchanged until the acting node shows them applied.
struct Plan {
  std::size_t buyer = 0, seller = 0;       // Node indexes.
  crypto::Digest id{};
  bool counter = false;
  std::int64_t price = 0, counter_price = 0, quantity = 0;
  std::vector<Bytes> messages;             // Built so far.
  crypto::Digest head{};
  crypto::Digest table_terms{};
  std::size_t next = 0;                    // First message not yet applied by its sender's node.
  std::vector<crypto::Digest> hashes;      // Message hash of each built message (its ledger entry id).
  std::uint32_t refusals = 0;
  std::int64_t last_progress_ms = 0;
  bool abandoned = false;
  std::size_t total() const { return counter ? 3 : 2; }
  bool done() const { return abandoned || next == total(); }
};

struct Packet {
  std::size_t to = 0, from = 0;
  Bytes envelope;
};

// Terms the agents offered: terms hash -> (unit price, total, buyer node).
struct OfferInfo {
  std::int64_t price = 0, total = 0;
  std::size_t buyer = 0;
  crypto::Digest negotiation{};
};

class World {
 public:
  World(const SimConfig& config, const SimHooks& hooks);
  SimReport run();

 private:
  // world.cc: nodes, network, faults.
  void create_core(SimNode& n);
  void handle(std::size_t i, const Event& e);
  void send(std::size_t from, std::size_t to, Bytes envelope);
  void deliver_due();
  void sync(std::size_t i);
  void crash(std::size_t i);
  void restart(std::size_t i);
  void connect(std::size_t a, std::size_t b);
  bool linked(std::size_t a, std::size_t b) const;
  void inject_faults();
  void timers();
  void heal_all();
  void inject_bug();
  void trace(std::string_view tag, ByteSpan bytes);
  void trace_num(std::string_view tag, std::uint64_t v);
  std::uint64_t roll(std::uint64_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_); }
  bool chance(std::uint32_t permille) { return permille != 0 && roll(1000) < permille; }

  // agents.cc: deal plans.
  void agents_act();
  void start_deal();
  void advance(Plan& p);
  Bytes build(Plan& p, std::size_t k);
  std::uint32_t rounds_on(std::size_t node, const crypto::Digest& id);
  void on_reply(const AgentReply& r);

  // invariants.cc.
  bool check_step();
  bool check_end();
  bool check_ledger(std::size_t i, bool full);
  bool check_contracts(std::size_t i);
  bool fail(const std::string& invariant, const std::string& detail);

  SimConfig config_;
  SimHooks hooks_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::vector<testing::Agent> agents_;     // agents_[i] belongs to nodes_[i].
  std::vector<Plan> plans_;
  std::map<crypto::Digest, OfferInfo> offers_;
  std::map<crypto::Digest, std::size_t> plan_of_;   // Negotiation id -> plan index.
  std::vector<std::size_t> active_;                 // Plans not yet done.
  std::map<std::uint64_t, std::size_t> requests_;   // Agent request id -> plan index.
  std::vector<std::map<crypto::Digest, std::uint32_t>> rounds_cache_;  // Per node, this step.
  std::vector<bool> rounds_cached_;
  std::map<std::pair<std::int64_t, std::uint64_t>, Packet> in_flight_;  // (due ms, seq).
  std::map<std::pair<std::size_t, std::size_t>, std::int64_t> partitioned_;  // Pair -> heal time.
  std::map<std::pair<std::size_t, std::size_t>, std::int64_t> reconnect_;    // Pair -> reconnect time.
  std::uint64_t packet_seq_ = 0;
  std::uint64_t request_seq_ = 1;
  std::int64_t now_ms_ = 0;
  std::uint64_t step_ = 0;
  bool faults_on_ = true;
  crypto::Sha256 trace_;
  SimReport report_;
};

}  // namespace pactum::node::sim
