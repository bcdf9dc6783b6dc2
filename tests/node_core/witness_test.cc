// Goal: a partner's checkpoint is cosigned only when an RFC 9162 consistency
// proof shows it extends the one we cosigned last (C2SP tlog-witness rules);
// a forged proof, a rewritten history, a smaller size, a missing proof or a
// proof from the wrong size is refused with its typed reason and stores
// nothing; a failed ledger append is retried until durable, never dropped.
#include "tests/node_core/deal_script.h"

namespace pactum::node::coretest {
namespace {

using CR = CosignRefusal;

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c.add("buyer", {"seller1"});
    c.add("seller1", {"buyer"});
    c.start();
    c.tick(kT0);
    c.run();
    // A deal: both ledgers grow and checkpoints go both ways, with proofs.
    Script s(alice, bob, "witness");
    EXPECT_TRUE(c.submit("buyer", s.propose(1000, 10, kT0 + 1000)).ok);
    c.run();
    EXPECT_TRUE(c.submit("seller1", s.accept(Role::kSeller, kT0 + 2000)).ok);
    c.run();
    c.tick(kT0 + 5000);
    c.network().clear();
    baseline = c.node("buyer").core->stats().cosign_refusals;
  }
  // seller1's signed checkpoint over its first `size` durable entries, or
  // over `size` leaves of which the last `rewritten` differ (a forked history).
  std::string note_of(std::uint64_t size, std::uint64_t rewritten = 0) {
    ledger::MemoryTree t;
    const auto& e = s1().ledger.entries();
    for (std::uint64_t i = 0; i < size; ++i) {
      t.append(i + rewritten >= size ? crypto::sha256(as_bytes("forged " + std::to_string(i))) : e[i].leaf);
    }
    ledger::Checkpoint cp{"seller1", size, *ledger::tree_root(t, size)};
    return ledger::sign_note(ledger::checkpoint_body(cp), "seller1", s1().node_key);
  }
  std::vector<crypto::Digest> proof_of(std::uint64_t from, std::uint64_t to, std::uint64_t rewritten = 0) {
    ledger::MemoryTree t;
    const auto& e = s1().ledger.entries();
    for (std::uint64_t i = 0; i < to; ++i) {
      t.append(i + rewritten >= to ? crypto::sha256(as_bytes("forged " + std::to_string(i))) : e[i].leaf);
    }
    return ledger::prove_consistency(t, from, to)->path;
  }
  // Hands the buyer a Checkpoint envelope from seller1's node; returns what
  // the buyer sent back.
  std::vector<Cluster::Packet> offer(const std::string& note, std::uint64_t from,
                                     const std::vector<crypto::Digest>& path) {
    protocol::EnvelopeBuilder b;
    auto cp = b.payload().initCheckpoint();
    cp.setNote(note);
    cp.setConsistencyFromSize(from);
    auto list = cp.initConsistencyProof(static_cast<unsigned>(path.size()));
    for (unsigned i = 0; i < list.size(); ++i) list.set(i, protocol::as_data(path[i]));
    Bytes env = *b.seal_with_nonce(s1().node_key, ++seq, kT0 + 5000, crypto::Nonce{});
    c.network().clear();
    c.handle(c.node("buyer"), PeerMessage{c.org("seller1"), env});
    std::vector<Cluster::Packet> out(c.network().begin(), c.network().end());
    c.network().clear();
    return out;
  }
  // The size of the checkpoint a packet from the buyer cosigns (0: none).
  std::uint64_t cosigned_size(const std::vector<Cluster::Packet>& out) {
    if (out.size() != 1) return 0;
    auto env = protocol::open_envelope(out[0].envelope, {.kind = protocol::PayloadKind::CHECKPOINT, .required_signers = {}});
    if (!env || env->body().getPayload().getCheckpoint().getCosignatures().size() != 1) return 0;
    auto vk = *ledger::make_verifier_key("seller1", s1().node_key.public_key());
    return ledger::open_checkpoint(env->body().getPayload().getCheckpoint().getNote().cStr(), vk)->size;
  }
  // Refusals of kind `r` since the deal.
  std::uint64_t refused(CR r) {
    const auto i = static_cast<std::size_t>(r);
    return c.node("buyer").core->stats().cosign_refusals[i] - baseline[i];
  }
  // Grows seller1's ledger by `n` entries, outside its core.
  void grow(int n) {
    for (int i = 0; i < n; ++i) {
      s1().ledger.append(AppendToLedger{900 + static_cast<std::uint64_t>(i), crypto::sha256(as_bytes("extra" + std::to_string(i))), 0, to_bytes("x")});
    }
    (void)s1().ledger.sync();
  }
  Cluster::Node& s1() { return c.node("seller1"); }

  Cluster c;
  Agent alice = testing::make_agent("alice", "buyer", Role::kBuyer, {testing::public_from_name("org:seller1")}, kT0);
  Agent bob = testing::make_agent("bob", "seller1", Role::kSeller, {testing::public_from_name("org:buyer")}, kT0);
  std::uint64_t seq = 5000;
  std::array<std::uint64_t, kCosignRefusalKinds> baseline{};
};

TEST_F(WitnessTest, DealExchangesProvenCheckpointsAndCatchesUp) {
  for (const char* name : {"buyer", "seller1"}) {
    CoreStats st = c.node(name).core->stats();
    // The first checkpoint is trusted on first use; every later one was proven.
    // A checkpoint sent before the cosignature of the previous one arrived is
    // refused (no or a stale proof) and offered again once it does.
    EXPECT_GE(st.checkpoints_cosigned, 3u) << name;
    EXPECT_EQ(st.cosign_refusals[static_cast<std::size_t>(CR::kInconsistent)], 0u) << name;
    EXPECT_EQ(count_alarms(c.node(name), "checkpoint-inconsistent"), 0u) << name;
  }
  // The buyer has cosigned seller1's latest checkpoint: a proof from its size works.
  const std::uint64_t m = s1().ledger.durable_size();
  grow(1);
  EXPECT_EQ(cosigned_size(offer(note_of(m + 1), m, proof_of(m, m + 1))), m + 1);
}

TEST_F(WitnessTest, ConsistentCheckpointIsCosignedInconsistentOnesAreRefused) {
  const std::uint64_t m = s1().ledger.durable_size();  // The buyer cosigned seller1's checkpoint of this size.
  ASSERT_GE(m, 4u);
  grow(3);
  const std::uint64_t n = m + 3;
  const std::uint64_t cosigned_before = c.node("buyer").core->stats().checkpoints_cosigned;

  // A forged proof: one hash flipped.
  auto forged = proof_of(m, n);
  ASSERT_FALSE(forged.empty());
  forged[0][0] ^= 0x01;
  EXPECT_TRUE(offer(note_of(n), m, forged).empty());
  EXPECT_EQ(refused(CR::kInconsistent), 1u);
  EXPECT_EQ(count_alarms(c.node("buyer"), "checkpoint-inconsistent"), 1u);

  // Rewritten history: a size-n tree whose leaves from m - 1 on differ, with
  // its own proof from m (the proof fits that tree, not what we cosigned).
  EXPECT_TRUE(offer(note_of(n, 4), m, proof_of(m, n, 4)).empty());
  EXPECT_EQ(refused(CR::kInconsistent), 2u);
  // History rewritten below m: the proof cannot reach what we cosigned.
  EXPECT_TRUE(offer(note_of(n, n - 1), m, proof_of(m, n, n - 1)).empty());
  EXPECT_EQ(refused(CR::kInconsistent), 3u);

  // A smaller size, even with a well-formed note.
  EXPECT_TRUE(offer(note_of(m - 1), m - 1, {}).empty());
  EXPECT_EQ(refused(CR::kNotLarger), 1u);

  // No proof, or a proof from another size: refused, and the buyer re-cosigns
  // its last checkpoint (size m) so seller1 learns where to prove from.
  EXPECT_EQ(cosigned_size(offer(note_of(n), 0, {})), m);
  EXPECT_EQ(refused(CR::kNoProof), 1u);
  EXPECT_EQ(cosigned_size(offer(note_of(n), m - 1, proof_of(m - 1, n))), m);
  EXPECT_EQ(refused(CR::kWrongFromSize), 1u);
  EXPECT_EQ(c.node("buyer").core->stats().checkpoints_cosigned, cosigned_before);

  // Refusals stored nothing: the genuine size-n checkpoint is no equivocation
  // against the rewritten one, and is cosigned.
  EXPECT_EQ(cosigned_size(offer(note_of(n), m, proof_of(m, n))), n);
  EXPECT_EQ(count_alarms(c.node("buyer"), "equivocation"), 0u);
  EXPECT_EQ(c.node("buyer").core->stats().checkpoints_cosigned, cosigned_before + 1);
  // The next one must now extend n, not m.
  grow(1);
  EXPECT_EQ(cosigned_size(offer(note_of(n + 1), m, proof_of(m, n + 1))), n);
  EXPECT_EQ(refused(CR::kWrongFromSize), 2u);
  EXPECT_EQ(cosigned_size(offer(note_of(n + 1), n, proof_of(n, n + 1))), n + 1);
}

// A restart does not reset witnessing to trust on first use: the partner's
// checkpoint held in our ledger (in its anchor receipt) is what its next one
// must be proven consistent with.
TEST_F(WitnessTest, RestartKeepsWhatThePartnerSignedBefore) {
  const std::uint64_t m = s1().ledger.durable_size();
  c.crash_and_restart("buyer");
  // Of what the reconnect queued, deliver only seller1's node certificate.
  std::vector<Cluster::Packet> certs;
  for (const auto& p : c.network()) {
    auto env = protocol::decode<wire::Envelope>(p.envelope);
    if (p.to == "buyer" && env && env->root().getBody().getPayload().isNodeCertificate()) certs.push_back(p);
  }
  ASSERT_FALSE(certs.empty());
  c.network().clear();
  for (const auto& p : certs) c.handle(c.node("buyer"), PeerMessage{p.from, p.envelope});
  // Trust on first use would cosign this forked size-m checkpoint now.
  EXPECT_LT(cosigned_size(offer(note_of(m, 2), 0, {})), m);
  EXPECT_EQ(c.node("buyer").core->stats().checkpoints_cosigned, 0u);
  // Offered one without a proof, the buyer re-cosigns the checkpoint it holds
  // from seller1's anchor receipt, and a proof from there is accepted.
  grow(1);
  const std::uint64_t r = cosigned_size(offer(note_of(m + 1), 0, {}));
  ASSERT_GT(r, 0u);
  ASSERT_LE(r, m);
  EXPECT_EQ(cosigned_size(offer(note_of(m + 1), r, proof_of(r, m + 1))), m + 1);
  EXPECT_EQ(c.node("buyer").core->stats().cosign_refusals[static_cast<std::size_t>(CR::kInconsistent)], 0u);
}

TEST_F(WitnessTest, OversizedProofIsAVerificationFailure) {
  const std::uint64_t m = s1().ledger.durable_size();
  grow(1);
  const std::uint64_t failures = c.node("buyer").core->stats().verification_failures;
  std::vector<crypto::Digest> huge(129, crypto::Digest{});
  EXPECT_TRUE(offer(note_of(m + 1), m, huge).empty());
  EXPECT_EQ(c.node("buyer").core->stats().verification_failures, failures + 1);
  EXPECT_EQ(cosigned_size(offer(note_of(m + 1), m, proof_of(m, m + 1))), m + 1);
}

TEST(AppendRetry, FailedAppendIsRetriedWithBackoffUntilDurable) {
  Cluster c;
  c.add("buyer", {"seller1"});
  c.add("seller1", {"buyer"});
  c.start();
  c.tick(kT0);
  c.run();
  Agent alice = testing::make_agent("alice", "buyer", Role::kBuyer, {c.org("seller1")}, kT0);
  Agent bob = testing::make_agent("bob", "seller1", Role::kSeller, {c.org("buyer")}, kT0);
  Script s(alice, bob, "retry");
  auto& buyer = c.node("buyer");
  buyer.auto_sync = false;
  // Drive the buyer core by hand: its appends fail as on a full disk.
  std::vector<Effect> fx = buyer.core->handle(AgentSubmit{1, s.propose(1000, 10, kT0 + 1000)});
  ASSERT_EQ(fx.size(), 1u);
  AppendToLedger a = std::get<AppendToLedger>(fx[0]);
  std::int64_t now = kT0;
  int alarms = 0;
  for (int attempt = 1; attempt <= 6; ++attempt) {
    fx = buyer.core->handle(AppendDone{a.append_id, false, 0, "disk full", {}});
    for (const Effect& e : fx) alarms += std::holds_alternative<Alarm>(e) ? 1 : 0;
    ASSERT_EQ(fx.size(), attempt == 3 ? 1u : 0u) << attempt;  // No reply, no relay, no re-append yet.
    const std::int64_t wait = std::min<std::int64_t>(50LL << (attempt - 1), 5'000);
    fx = buyer.core->handle(Tick{now + wait - 1});
    EXPECT_TRUE(fx.empty()) << attempt;  // Not before the backoff ran out.
    now += wait;
    fx = buyer.core->handle(Tick{now});
    ASSERT_EQ(fx.size(), 1u) << attempt;
    EXPECT_EQ(std::get<AppendToLedger>(fx[0]).id, a.id);  // The same entry again.
  }
  EXPECT_EQ(alarms, 1);  // One ledger-failure alarm, then quiet retries.
  // Durable at last: only now the agent hears ok and the partner gets the propose.
  fx = buyer.core->handle(AppendDone{a.append_id, true, 0, {}, {}});
  bool replied = false, relayed = false;
  for (const Effect& e : fx) {
    if (auto* r = std::get_if<AgentReply>(&e)) replied = r->ok && r->request_id == 1;
    relayed |= std::holds_alternative<SendToPeer>(e);
  }
  EXPECT_TRUE(replied);
  EXPECT_TRUE(relayed);
}

}  // namespace
}  // namespace pactum::node::coretest
