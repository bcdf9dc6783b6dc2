// Goal: what goes wrong between nodes is caught exactly -- settlement
// divergence, checkpoint equivocation, crashes that lose non-durable appends,
// deadlines -- and escalation, escrow and 200 concurrent deals complete.
#include "protocol/escrow_codec.h"
#include "tests/node_core/deal_script.h"

namespace pactum::node::coretest {
namespace {

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c.add("buyer", {"seller1", "seller2"});
    c.add("seller1", {"buyer"});
    c.add("seller2", {"buyer"});
  }
  void start() {
    c.start();
    c.tick(kT0);
    c.run();
  }
  // Propose, then the seller accepts; returns the script.
  Script quick_deal(const std::string& name, Agent& seller, const std::string& seller_node, std::int64_t price = 1000,
                    bool run_after = true) {
    Script s(alice, seller, name);
    EXPECT_TRUE(c.submit("buyer", s.propose(price, 10, kT0 + 1000)).ok);
    c.run();
    auto r = c.submit(seller_node, s.accept(Role::kSeller, kT0 + 2000));
    EXPECT_TRUE(r.ok) << r.code << " " << r.detail;
    if (run_after) c.run();
    return s;
  }
  Cluster c;
  Agent alice = testing::make_agent("alice", "buyer", Role::kBuyer,
                                    {testing::public_from_name("org:seller1"), testing::public_from_name("org:seller2")}, kT0);
  Agent bob = testing::make_agent("bob", "seller1", Role::kSeller, {testing::public_from_name("org:buyer")}, kT0);
  Agent carol = testing::make_agent("carol", "seller2", Role::kSeller, {testing::public_from_name("org:buyer")}, kT0);
};

TEST_F(FaultTest, TamperedSettlementReceiptRaisesDivergence) {
  start();
  Script s(alice, bob, "diverge");
  ASSERT_TRUE(c.submit("buyer", s.propose(1000, 10, kT0 + 1000)).ok);
  c.run();
  ASSERT_TRUE(c.submit("seller1", s.accept(Role::kSeller, kT0 + 2000)).ok);
  // seller1's genuine settlement receipt never reaches the buyer...
  std::erase_if(c.network(), [](const Cluster::Packet& p) {
    return p.to == "buyer" && testing::ids_of(p.envelope).terms_hash == crypto::Digest{} &&
           protocol::open_envelope(p.envelope)->info.kind == protocol::PayloadKind::SETTLEMENT_RECEIPT;
  });
  c.run();
  ASSERT_EQ(c.node("buyer").core->contracts().size(), 1u);
  EXPECT_EQ(c.node("buyer").core->contracts()[0].settlement_status, "pending");
  // ...instead one signed by seller1's node over a different digest.
  protocol::EnvelopeBuilder b;
  auto r = b.payload().initSettlementReceipt();
  crypto::Digest wrong = crypto::sha256(as_bytes("another settlement"));
  r.setContractId(capnp::Data::Reader(s.id.data(), 16));
  r.setSettlementDigest(protocol::as_data(wrong));
  r.setEscrowDigest(protocol::as_data(crypto::Digest{}));
  r.setNodeKey(protocol::as_data(c.node("seller1").node_key.public_key()));
  r.setTermsHash(protocol::as_data(s.table_terms));
  Bytes forged = *b.seal_with_nonce(c.node("seller1").node_key, 77, kT0, crypto::Nonce{});
  c.handle(c.node("buyer"), PeerMessage{c.org("seller1"), forged});
  const auto& buyer = c.node("buyer");
  ASSERT_EQ(count_alarms(buyer, "settlement-divergence"), 1u);
  EXPECT_EQ(buyer.alarms.back().peer, c.org("seller1"));
  EXPECT_EQ(buyer.alarms.back().evidence, forged);
  EXPECT_NE(buyer.alarms.back().detail.find(to_hex(wrong)), std::string::npos);
  auto v = buyer.core->contracts()[0];
  EXPECT_EQ(v.settlement_status, "diverged");
  EXPECT_EQ(v.peer_settlement_digest, wrong);
  EXPECT_NE(v.settlement_digest, wrong);
  // Both receipts are kept in the buyer's ledger as evidence.
  EXPECT_EQ(ledger_count(buyer, ledger::EntryKind::kSettlementReceipt), 2u);
  // A receipt from a key that is not seller1's node is not even considered.
  Bytes stranger = *b.seal_with_nonce(testing::key_from_name("node:stranger"), 78, kT0, crypto::Nonce{});
  c.handle(c.node("seller2"), PeerMessage{c.org("buyer"), stranger});
  EXPECT_EQ(count_alarms(c.node("seller2"), "settlement-divergence"), 0u);
}

TEST_F(FaultTest, EquivocatingCheckpointsAreProvenOnce) {
  start();
  quick_deal("eq", bob, "seller1");
  Cluster::Node& s1 = c.node("seller1");
  // seller1 signs a second checkpoint of its current size with another root.
  auto genuine = s1.ledger.checkpoint(s1.node_key, "seller1");
  ledger::Checkpoint fake{"seller1", genuine.size, crypto::sha256(as_bytes("forked history"))};
  std::string forked = ledger::sign_note(ledger::checkpoint_body(fake), "seller1", s1.node_key);
  protocol::EnvelopeBuilder b;
  b.payload().initCheckpoint().setNote(forked);
  Bytes env = *b.seal_with_nonce(s1.node_key, 1000, kT0, crypto::Nonce{});
  c.handle(c.node("buyer"), PeerMessage{c.org("seller1"), env});
  c.handle(c.node("buyer"), PeerMessage{c.org("seller1"), env});  // Reported once.
  const auto& buyer = c.node("buyer");
  ASSERT_EQ(count_alarms(buyer, "equivocation"), 1u);
  const Alarm& a = buyer.alarms.back();
  EXPECT_EQ(a.peer, c.org("seller1"));
  auto proof = protocol::open_envelope(a.evidence, {.kind = protocol::PayloadKind::EQUIVOCATION_PROOF,
                                                     .required_signers = {buyer.node_key.public_key()}});
  ASSERT_TRUE(proof.has_value());
  auto p = proof->body().getPayload().getEquivocationProof();
  auto vk = *ledger::make_verifier_key("seller1", s1.node_key.public_key());
  auto first = ledger::open_checkpoint(p.getFirst().getNote().cStr(), vk);
  auto second = ledger::open_checkpoint(p.getSecond().getNote().cStr(), vk);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->size, second->size);
  EXPECT_NE(first->root, second->root);
  EXPECT_EQ(std::string(p.getSecond().getNote().cStr()), forked);
  // The proof is kept in the buyer's ledger.
  bool kept = false;
  for (const auto& e : buyer.ledger.entries()) kept |= e.payload == a.evidence;
  EXPECT_TRUE(kept);
  // After a restart (which restores the proven pair from that proof) the same
  // two checkpoints are not proven and reported again.
  auto proofs = [&] {
    std::size_t n = 0;
    for (const auto& e : c.node("buyer").ledger.entries()) {
      auto decoded = protocol::decode<wire::Envelope>(e.payload);
      n += decoded && decoded->root().getBody().getPayload().isEquivocationProof() ? 1 : 0;
    }
    return n;
  };
  ASSERT_EQ(proofs(), 1u);
  c.crash_and_restart("buyer");
  c.run();
  const std::size_t alarms_before = count_alarms(c.node("buyer"), "equivocation");
  protocol::EnvelopeBuilder g;
  g.payload().initCheckpoint().setNote(std::string(genuine.signed_note.begin(), genuine.signed_note.end()));
  Bytes genuine_env = *g.seal_with_nonce(s1.node_key, 1001, kT0, crypto::Nonce{});
  c.handle(c.node("buyer"), PeerMessage{c.org("seller1"), env});
  c.handle(c.node("buyer"), PeerMessage{c.org("seller1"), genuine_env});
  c.sync(c.node("buyer"), true);
  EXPECT_EQ(count_alarms(c.node("buyer"), "equivocation"), alarms_before);
  EXPECT_EQ(proofs(), 1u);
}

TEST_F(FaultTest, CheckpointsAreCosignedPerC2sp) {
  start();
  quick_deal("cosign", bob, "seller1");
  Cluster::Node& s1 = c.node("seller1");
  c.tick(kT0 + 5000);
  c.handle(s1, AppendDone{});  // An acknowledgement the core never asked for is ignored.
  c.network().clear();
  // seller1's ledger grows by one entry; its new, larger checkpoint reaches
  // the buyer with a consistency proof from the size the buyer cosigned last.
  const std::uint64_t cosigned = s1.ledger.durable_size();
  s1.ledger.append(AppendToLedger{999, crypto::sha256(as_bytes("extra")), 0, to_bytes("x")});
  (void)s1.ledger.sync();
  auto bigger = s1.ledger.checkpoint(s1.node_key, "seller1");
  const std::uint64_t grown = bigger.size;
  auto path = s1.ledger.consistency_proof(cosigned, grown);
  ASSERT_TRUE(path.has_value());
  protocol::EnvelopeBuilder b;
  auto cpb = b.payload().initCheckpoint();
  cpb.setNote(std::string(bigger.signed_note.begin(), bigger.signed_note.end()));
  cpb.setConsistencyFromSize(cosigned);
  auto pl = cpb.initConsistencyProof(static_cast<unsigned>(path->size()));
  for (unsigned i = 0; i < pl.size(); ++i) pl.set(i, protocol::as_data((*path)[i]));
  Bytes env = *b.seal_with_nonce(s1.node_key, 2001, kT0, crypto::Nonce{});
  c.handle(c.node("buyer"), PeerMessage{c.org("seller1"), env});
  ASSERT_EQ(c.network().size(), 1u);
  auto back = protocol::open_envelope(c.network().front().envelope,
                                      {.kind = protocol::PayloadKind::CHECKPOINT, .required_signers = {}});
  ASSERT_TRUE(back.has_value());
  auto cps = back->body().getPayload().getCheckpoint().getCosignatures();
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(std::string(cps[0].getKeyName().cStr()), "buyer");
  EXPECT_EQ(cps[0].getTimestampS(), static_cast<std::uint64_t>((kT0 + 5000) / 1000));
  // tlog-cosignature/v1: Ed25519 over "cosignature/v1\ntime <t>\n" || checkpoint body.
  auto vk = *ledger::make_verifier_key("seller1", s1.node_key.public_key());
  auto text = ledger::open_note(back->body().getPayload().getCheckpoint().getNote().cStr(), vk);
  ASSERT_TRUE(text.has_value());
  EXPECT_NE(text->find("\n" + std::to_string(grown) + "\n"), std::string::npos);
  std::string msg = "cosignature/v1\ntime " + std::to_string(cps[0].getTimestampS()) + "\n" + *text;
  auto sig = protocol::read_signature(cps[0].getSignature(), "sig");
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(crypto::verify_raw(c.node("buyer").node_key.public_key(), as_bytes(msg), *sig).has_value());
  // The same checkpoint again is not cosigned twice.
  c.network().clear();
  c.handle(c.node("buyer"), PeerMessage{c.org("seller1"), env});
  EXPECT_TRUE(c.network().empty());
}

TEST_F(FaultTest, CrashLosingNonDurableAppendsThenDealCompletes) {
  start();
  Script s(alice, bob, "crash");
  ASSERT_TRUE(c.submit("buyer", s.propose(1000, 10, kT0 + 1000)).ok);
  c.run();
  ASSERT_TRUE(c.submit("seller1", s.next(NegEvent::kCounter, Role::kSeller, 1100, 10, kT0 + 2000)).ok);
  c.run();
  // seller1 receives the buyer's accept but crashes before its appends are durable.
  c.node("seller1").auto_sync = false;
  ASSERT_TRUE(c.submit("buyer", s.accept(Role::kBuyer, kT0 + 3000)).ok);
  c.run();
  EXPECT_GT(c.node("seller1").ledger.entries().size(), c.node("seller1").ledger.durable_size());
  c.node("seller1").auto_sync = true;
  c.crash_and_restart("seller1");
  c.run();
  for (const char* n : {"buyer", "seller1"}) {
    const auto& node = c.node(n);
    ASSERT_EQ(node.core->contracts().size(), 1u) << n;
    EXPECT_EQ(node.core->contracts()[0].settlement_status, "agreed") << n;
    EXPECT_EQ(node.core->contracts()[0].invoiced_total_minor, 33000) << n;
    EXPECT_EQ(ledger_count(node, ledger::EntryKind::kNegotiationMessage), 3u) << n;
    EXPECT_EQ(ledger_count(node, ledger::EntryKind::kContractAnchor), 1u) << n;
    EXPECT_EQ(ledger_count(node, ledger::EntryKind::kSettlementReceipt), 2u) << n;
    EXPECT_TRUE(node.alarms.empty()) << n;
  }
  EXPECT_EQ(c.node("seller1").core->stats().contracts, 1u);
}

TEST_F(FaultTest, CrashAfterDurableAcceptBeforeRelayThenCatchUp) {
  start();
  Script s(alice, bob, "relay");
  ASSERT_TRUE(c.submit("buyer", s.propose(1000, 10, kT0 + 1000)).ok);
  c.run();
  ASSERT_TRUE(c.submit("seller1", s.next(NegEvent::kCounter, Role::kSeller, 1100, 10, kT0 + 2000)).ok);
  c.run();
  ASSERT_TRUE(c.submit("buyer", s.accept(Role::kBuyer, kT0 + 3000)).ok);
  // Everything the buyer sent is lost with the connection; then it restarts.
  std::erase_if(c.network(), [](const Cluster::Packet& p) { return p.to == "seller1"; });
  c.crash_and_restart("buyer");
  c.run();
  for (const char* n : {"buyer", "seller1"}) {
    const auto& node = c.node(n);
    ASSERT_EQ(node.core->contracts().size(), 1u) << n;
    EXPECT_EQ(node.core->contracts()[0].settlement_status, "agreed") << n;
    EXPECT_TRUE(node.core->contracts()[0].peer_anchored) << n;
    EXPECT_EQ(ledger_count(node, ledger::EntryKind::kNegotiationMessage), 3u) << n;
    EXPECT_EQ(ledger_count(node, ledger::EntryKind::kContractAnchor), 1u) << n;
    EXPECT_EQ(ledger_count(node, ledger::EntryKind::kSettlementReceipt), 2u) << n;
  }
  EXPECT_EQ(c.node("buyer").core->stats().contracts, 1u);
  EXPECT_EQ(c.node("buyer").core->negotiations()[0].state, "COMMITTED");
}

TEST_F(FaultTest, TwoHundredConcurrentNegotiationsComplete) {
  start();
  std::vector<Script> deals;
  deals.reserve(200);
  for (int i = 0; i < 200; ++i) {
    deals.emplace_back(alice, i % 2 == 0 ? bob : carol, "many-" + std::to_string(i));
    ASSERT_TRUE(c.submit("buyer", deals.back().propose(1000 + i, 10, kT0 + 1000 + i)).ok);
  }
  c.run();
  for (int i = 0; i < 200; ++i) {
    auto r = c.submit(i % 2 == 0 ? "seller1" : "seller2", deals[static_cast<std::size_t>(i)].accept(Role::kSeller, kT0 + 5000 + i));
    ASSERT_TRUE(r.ok) << i << " " << r.code << " " << r.detail;
  }
  c.run();
  auto buyer = c.node("buyer").core->contracts();
  ASSERT_EQ(buyer.size(), 200u);
  std::int64_t total = 0;
  for (const auto& v : buyer) {
    EXPECT_EQ(v.settlement_status, "agreed");
    total += v.invoiced_total_minor;
  }
  // Sum over i of 3 months x (1000 + i) x 10.
  EXPECT_EQ(total, 3 * 10 * (200 * 1000 + 199 * 200 / 2));
  EXPECT_EQ(c.node("seller1").core->contracts().size(), 100u);
  EXPECT_EQ(c.node("seller2").core->contracts().size(), 100u);
}

TEST_F(FaultTest, DeadlinesExpireOnTick) {
  start();
  Script s(alice, bob, "late");
  ASSERT_TRUE(c.submit("buyer", s.propose(1000, 10, kT0 + 1000)).ok);
  c.run();
  c.tick(kT0 + kDayMs - 1);
  EXPECT_EQ(c.node("seller1").core->negotiations()[0].state, "PROPOSED");
  c.tick(kT0 + kDayMs);
  EXPECT_EQ(c.node("buyer").core->negotiations()[0].state, "EXPIRED");
  EXPECT_EQ(c.node("seller1").core->negotiations()[0].state, "EXPIRED");
  EXPECT_EQ(c.node("seller1").notices.back().type, "expired");
  auto r = c.submit("seller1", s.accept(Role::kSeller, kT0 + kDayMs));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, "negotiation_closed");
}

// A negotiation restored from the ledger after a restart expires too.
TEST_F(FaultTest, DeadlinesExpireAfterARestart) {
  start();
  Script t(alice, bob, "late-after-restart");
  ASSERT_TRUE(c.submit("buyer", t.propose(1000, 10, kT0 + 1000)).ok);
  c.run();
  c.crash_and_restart("seller1");
  c.run();
  c.tick(kT0 + kDayMs);
  auto state_of = [&](const std::string& node, const crypto::Digest& id) {
    for (const auto& v : c.node(node).core->negotiations()) {
      if (v.id == id) return v.state;
    }
    return std::string("none");
  };
  EXPECT_EQ(state_of("seller1", t.id), "EXPIRED");
  EXPECT_EQ(state_of("buyer", t.id), "EXPIRED");
}

TEST_F(FaultTest, EscalatedOfferWaitsForTheApprover) {
  c.node("buyer").policy = testing::test_policy({c.org("seller1"), c.org("seller2")}, 5'000);
  start();
  Script s(alice, bob, "approve");
  Bytes propose = s.propose(1000, 10, kT0 + 1000);  // Total 10,000 > threshold 5,000.
  auto r = c.submit("buyer", propose);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.code, "needs_approval");
  c.run();
  EXPECT_TRUE(c.node("seller1").core->negotiations().empty());  // Nothing left the buyer.
  // The agent API lists the offer awaiting approval last (what `pactum agent approve` reads).
  auto waiting = c.node("buyer").core->negotiation_messages(s.id);
  ASSERT_TRUE(waiting.has_value()) << waiting.error().to_string();
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ(testing::ids_of((*waiting)[0]).message_hash, testing::ids_of(propose).message_hash);
  protocol::MessageSpec a;
  a.kind = NegEvent::kApprove;
  a.negotiation_id = s.id;
  a.prev_hash = testing::ids_of(propose).message_hash;
  a.terms_hash = s.table_terms;
  Bytes approve = *protocol::build_negotiation_message(a, testing::key_from_name("approver"), 1, kT0 + 1500);
  r = c.submit("buyer", approve);
  EXPECT_TRUE(r.ok) << r.code << " " << r.detail;
  c.run();
  ASSERT_EQ(c.node("seller1").core->negotiations().size(), 1u);
  EXPECT_EQ(c.node("seller1").core->negotiations()[0].state, "PROPOSED");
  ASSERT_TRUE(c.submit("seller1", s.accept(Role::kSeller, kT0 + 2000)).ok);
  c.run();
  ASSERT_EQ(c.node("buyer").core->contracts().size(), 1u);
  EXPECT_EQ(c.node("buyer").core->contracts()[0].settlement_status, "agreed");
  // The approved offer, the accept: read back from the ledger, the deal being finished.
  EXPECT_EQ(c.node("buyer").core->stats().deals_retired, 1u);
  ASSERT_EQ(c.node("buyer").core->negotiation_messages(s.id)->size(), 2u);
  // A restart replays escalation and approval from the ledger.
  c.crash_and_restart("buyer");
  c.run();
  EXPECT_EQ(c.node("buyer").core->negotiations()[0].state, "COMMITTED");
  EXPECT_EQ(c.node("buyer").core->stats().deals_retired, 1u);  // Retired as it was restored.
  auto after = c.node("buyer").core->negotiation_messages(s.id);
  ASSERT_TRUE(after.has_value()) << after.error().to_string();
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ(testing::ids_of((*after)[0]).message_hash, testing::ids_of(propose).message_hash);
  EXPECT_EQ(c.node("buyer").core->contracts()[0].settlement_status, "agreed");
}

}  // namespace
}  // namespace pactum::node::coretest
