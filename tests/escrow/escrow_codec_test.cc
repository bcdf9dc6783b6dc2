// Goal: escrow terms and events survive the wire exactly, only correctly
// signed events for this contract reach the core, and the escrow state digest
// matches its golden vectors (docs/escrow.md).
#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "escrow/escrow.h"
#include "protocol/canonical.h"
#include "protocol/escrow_codec.h"

namespace pactum::protocol {
namespace {

namespace es = ::pactum::escrow;

crypto::SecretKey seed_key(std::uint8_t tag) {
  static const bool kInitialized = crypto::init().has_value();  // Before the first key.
  PACTUM_ASSERT(kInitialized);
  std::array<std::uint8_t, 32> seed{};
  seed.fill(tag);
  auto k = crypto::SecretKey::from_seed(seed);
  PACTUM_ASSERT(k.has_value());
  return std::move(*k);
}

es::Sha256Digest sha(ByteSpan b) { return crypto::sha256(b); }

class EscrowCodec : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init().has_value()); }

  crypto::SecretKey buyer = seed_key(1);
  crypto::SecretKey seller = seed_key(2);
  crypto::SecretKey arbiter = seed_key(3);
  crypto::SecretKey approver0 = seed_key(4);
  crypto::SecretKey approver1 = seed_key(5);
  crypto::SecretKey stranger = seed_key(6);
  es::ContractId contract{};
  crypto::Digest terms_hash{};

  es::EscrowTerms terms() {
    contract.fill(0xC0);
    terms_hash.fill(0x7E);
    es::EscrowTerms t;
    t.currency = "EUR";
    t.buyer = buyer.public_key();
    t.seller = seller.public_key();
    t.arbiter = arbiter.public_key();
    t.approvers = {approver0.public_key(), approver1.public_key()};
    t.approvals_required = 2;
    t.milestones = {{.invoice_id = "INV-1", .amount = 30000, .condition = es::ConditionKind::kAcceptance},
                    {.invoice_id = "INV-2", .amount = 20000, .condition = es::ConditionKind::kDeadline,
                     .deadline_ms = 1'704'067'200'000},
                    {.invoice_id = "INV-3", .amount = 25000, .condition = es::ConditionKind::kApprovals},
                    {.invoice_id = "INV-4", .amount = 25000, .condition = es::ConditionKind::kHashlock,
                     .hashlock = crypto::sha256(as_bytes("s3cret"))}};
    return t;
  }

  es::EscrowEvent event(es::EventKind kind, const crypto::SecretKey& by, std::uint8_t serial) {
    es::EscrowEvent e;
    e.contract_id = contract;
    e.id.fill(serial);
    e.timestamp_ms = 1'704'000'000'000 + serial;
    e.signer = by.public_key();
    e.kind = kind;
    return e;
  }

  // Seals, opens (verifying the signature) and checks the round trip.
  es::EscrowEvent through_wire(const es::EscrowEvent& e, const crypto::SecretKey& by) {
    auto wire_bytes = seal_escrow_event(by, 1, e, terms_hash);
    EXPECT_TRUE(wire_bytes.has_value()) << wire_bytes.error().to_string();
    auto back = open_escrow_event(*wire_bytes, contract, terms_hash);
    EXPECT_TRUE(back.has_value()) << back.error().to_string();
    EXPECT_TRUE(*back == e);
    return *back;
  }
};

TEST_F(EscrowCodec, TermsRoundTripAndMalformedTermsAreRefused) {
  const es::EscrowTerms t = terms();
  capnp::MallocMessageBuilder m;
  auto ct = m.initRoot<wire::ContractTerms>();
  ct.setCurrency("EUR");
  ct.setArbiterKey(as_data(t.arbiter));
  escrow_terms_to_wire(t, ct.initEscrow());
  auto back = escrow_terms_from_contract(ct.asReader());
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_TRUE(*back == t);

  ct.getEscrow().getMilestones()[3].getCondition().setHashlock(capnp::Data::Reader(t.buyer.data(), 31));
  EXPECT_EQ(escrow_terms_from_contract(ct.asReader()).error().code, Errc::kMalformedMessage);
  ct.getEscrow().getMilestones()[3].getCondition().setUnspecified();
  EXPECT_EQ(escrow_terms_from_contract(ct.asReader()).error().code, Errc::kMalformedMessage);
  escrow_terms_to_wire(t, ct.initEscrow());
  ct.getEscrow().setApprovalsRequired(3);
  EXPECT_EQ(escrow_terms_from_contract(ct.asReader()).error().code, Errc::kEscrowBadTerms);
  ct.setArbiterKey(capnp::Data::Reader());
  EXPECT_EQ(escrow_terms_from_contract(ct.asReader()).error().code, Errc::kMalformedMessage);
  capnp::MallocMessageBuilder empty;
  EXPECT_EQ(escrow_terms_from_contract(empty.initRoot<wire::ContractTerms>().asReader()).error().code,
            Errc::kNotFound);
}

TEST_F(EscrowCodec, EveryEventKindRoundTripsThroughASignedEnvelope) {
  (void)terms();
  es::EscrowEvent f = event(es::EventKind::kFund, buyer, 1);
  f.amount = 100000;
  through_wire(f, buyer);
  for (auto kind : {es::EventKind::kAcceptDelivery, es::EventKind::kApprove,
                    es::EventKind::kClaimAfterDeadline}) {
    es::EscrowEvent e = event(kind, seller, 2);
    e.milestone = 3;
    through_wire(e, seller);
  }
  es::EscrowEvent r = event(es::EventKind::kRevealPreimage, seller, 3);
  r.milestone = 3;
  r.preimage = to_bytes("s3cret");
  through_wire(r, seller);
  es::EscrowEvent d = event(es::EventKind::kOpenDispute, buyer, 4);
  d.reason = "late delivery";
  through_wire(d, buyer);
  es::EscrowEvent x = event(es::EventKind::kRuling, arbiter, 5);
  x.seller_amount = 45000;
  x.buyer_amount = 55000;
  through_wire(x, arbiter);
  es::EscrowEvent b = event(es::EventKind::kRuling, arbiter, 6);
  b.split = es::SplitKind::kBasisPoints;
  b.seller_bps = 3333;
  through_wire(b, arbiter);
  through_wire(event(es::EventKind::kRefund, seller, 7), seller);
}

TEST_F(EscrowCodec, ForgedTamperedAndMisdirectedEventsNeverReachTheCore) {
  auto t = terms();
  auto esc = es::Escrow::open(contract, t, &sha);
  ASSERT_TRUE(esc.has_value());
  es::EscrowEvent f = event(es::EventKind::kFund, buyer, 1);
  f.amount = 100000;
  // Claiming to be the buyer while signing with another key: refused at sealing...
  EXPECT_EQ(seal_escrow_event(stranger, 1, f, terms_hash).error().code, Errc::kInvalidArgument);
  // ...and a stranger's own signature verifies but the core refuses the signer.
  es::EscrowEvent forged = f;
  forged.signer = stranger.public_key();
  auto fw = seal_escrow_event(stranger, 1, forged, terms_hash);
  ASSERT_TRUE(fw.has_value());
  auto fe = open_escrow_event(*fw, contract, terms_hash);
  ASSERT_TRUE(fe.has_value());
  EXPECT_EQ(esc->apply(*fe).error().code, Errc::kEscrowUnauthorized);

  auto good = seal_escrow_event(buyer, 1, f, terms_hash);
  ASSERT_TRUE(good.has_value());
  // Every single-bit flip is refused: signature, canonical form or structure.
  for (std::size_t i = 0; i < good->size(); i += 7) {
    Bytes bad = *good;
    bad[i] ^= 0x01;
    auto r = open_escrow_event(bad, contract, terms_hash);
    EXPECT_FALSE(r.has_value() && *r == f) << "flip at byte " << i << " accepted";
  }
  es::ContractId other = contract;
  other[0] ^= 1;
  EXPECT_EQ(open_escrow_event(*good, other, terms_hash).error().code, Errc::kEscrowWrongContract);
  crypto::Digest other_terms = terms_hash;
  other_terms[31] ^= 1;
  EXPECT_EQ(open_escrow_event(*good, contract, other_terms).error().code, Errc::kEscrowWrongContract);
  auto opened = open_escrow_event(*good, contract, terms_hash);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*esc->apply(*opened), es::ApplyOutcome::kApplied);
  // The same envelope again (a replay) is idempotent.
  EXPECT_EQ(*esc->apply(*open_escrow_event(*good, contract, terms_hash)), es::ApplyOutcome::kDuplicate);
}

// The golden vectors of docs/escrow.md: a four-milestone escrow driven
// through every condition kind. A change here changes every node's digest.
TEST_F(EscrowCodec, StateDigestGoldenVectors) {
  auto esc = es::Escrow::open(contract, terms(), &sha);
  ASSERT_TRUE(esc.has_value());
  auto d0 = escrow_state_digest(*esc);
  ASSERT_TRUE(d0.has_value());
  // Checked independently: `capnp decode --flat escrow.capnp EscrowState`
  // prints this state, and Python's hashlib gives the same digest.
  EXPECT_EQ(to_hex(*escrow_state_bytes(*esc)),
            "0000000006000600010000000000000000000000000000000000000000000000"
            "0000000000000000000000000000000000000000000000801500000082000000"
            "1900000022000000190000000700000019000000070000001900000027000000"
            "2900000006000000c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c04555520000000000"
            "1000000000000000000000000000000010000000010000000100000000000000"
            "010000000000000001000000000000000100000000000000");
  EXPECT_EQ(to_hex(*d0), "e15fb93d0cf4e1d965740ad064b2a1cb0c6b141f52393eb7a5a9ab90c6eb2fd1");

  es::EscrowEvent f = event(es::EventKind::kFund, buyer, 1);
  f.amount = 100000;
  es::EscrowEvent a = event(es::EventKind::kAcceptDelivery, buyer, 2);
  es::EscrowEvent c = event(es::EventKind::kClaimAfterDeadline, seller, 3);
  c.milestone = 1;
  c.timestamp_ms = 1'704'067'200'000;
  es::EscrowEvent p0 = event(es::EventKind::kApprove, approver0, 4);
  p0.milestone = 2;
  p0.timestamp_ms = c.timestamp_ms;
  es::EscrowEvent p1 = event(es::EventKind::kApprove, approver1, 5);
  p1.milestone = 2;
  p1.timestamp_ms = c.timestamp_ms;
  es::EscrowEvent r = event(es::EventKind::kRevealPreimage, seller, 6);
  r.milestone = 3;
  r.preimage = to_bytes("s3cret");
  r.timestamp_ms = c.timestamp_ms + 1;
  for (const auto& e : {f, a, c, p0, p1, r}) {
    auto out = esc->apply(e);
    ASSERT_TRUE(out.has_value()) << out.error().to_string();
  }
  EXPECT_EQ(esc->status(), es::Status::kReleased);
  EXPECT_EQ(to_hex(*escrow_state_digest(*esc)),
            "834878ddfcadaf521118c3fa258853060b3bf0ac78d9d9663d8aeda778d095f5");
  // Replaying the same log from scratch gives the same digest.
  auto again = es::Escrow::open(contract, terms(), &sha);
  for (const auto& e : {f, a, c, p0, p1, r}) ASSERT_TRUE(again->apply(e).has_value());
  EXPECT_EQ(*escrow_state_digest(*again), *escrow_state_digest(*esc));
}

}  // namespace
}  // namespace pactum::protocol
