// Example payloads of every kind for protocol tests (fixtures.h).
#include "tests/protocol/fixtures.h"

#include <capnp/dynamic.h>
#include <gtest/gtest.h>

namespace pactum::protocol::fixtures {
namespace {

// crypto::init() once, before any test of the binary runs.
class CryptoEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { ASSERT_TRUE(crypto::init().has_value()); }
};
[[maybe_unused]] ::testing::Environment* const kCryptoEnv =
    ::testing::AddGlobalTestEnvironment(new CryptoEnvironment);

template <std::size_t N>
capnp::Data::Reader bytes_of(std::uint8_t b) {
  // Static storage per (N, b) would need a map; a small ring of buffers keeps
  // the readers valid until the builder copies them (setX copies at once).
  static thread_local std::array<std::array<std::uint8_t, 64>, 16> ring{};
  static thread_local std::size_t next = 0;
  auto& slot = ring[next++ % ring.size()];
  static_assert(N <= 64);
  slot.fill(b);
  return capnp::Data::Reader(slot.data(), N);
}
capnp::Data::Reader key_of(std::uint8_t b) { return bytes_of<32>(b); }
capnp::Data::Reader hash_of(std::uint8_t b) { return bytes_of<32>(b); }
capnp::Data::Reader id_of(std::uint8_t b) { return bytes_of<16>(b); }

void fill_context(wire::NegotiationContext::Builder c, bool first) {
  c.setNegotiationId(id_of(0x11));
  c.setRound(first ? 1 : 4);
  c.setPreviousHash(first ? bytes_of<32>(0) : hash_of(0x12));
  auto m = c.initMandate();
  m.setMandateId(hash_of(0x13));
  if (first) {
    // The org root's mandate envelope, embedded whole.
    EnvelopeBuilder inner;
    fill_payload(PayloadKind::MANDATE, inner.payload());
    auto root = key_from_byte(0xA0);
    auto wire_bytes = inner.seal_with_nonce(root, 1, kTimestampMs - 1000, kNonce);
    PACTUM_ASSERT(wire_bytes.has_value());
    auto decoded = decode<wire::Envelope>(*wire_bytes);
    PACTUM_ASSERT(decoded.has_value());
    m.setEnvelope(decoded->root());
  }
}

void fill_mandate(wire::Mandate::Builder m) {
  m.setAgentKey(key_of(0xA1));
  m.setOrgRootKey(as_data(key_from_byte(0xA0).public_key()));
  m.setRole(wire::Role::BUYER);
  auto cps = m.initCounterparties(2);
  cps.set(0, key_of(0xB0));
  cps.set(1, key_of(0xB1));
  auto products = m.initProducts(2);
  products.set(0, "sku-compute-hour");
  products.set(1, "sku-storage-tb");
  m.setCurrency("EUR");
  m.setPerContractLimitMinor(5'000'000);
  m.setCumulativeLimitMinor(20'000'000);
  m.setPeriodMs(30LL * 24 * 3600 * 1000);
  m.setMaxConcessionPerRoundPpm(50'000);
  m.setMaxConcessionTotalPpm(150'000);
  m.setApprovalThresholdMinor(1'000'000);
  m.initApprovers(1).set(0, key_of(0xA2));
  m.setNotBeforeMs(kTimestampMs - 86'400'000);
  m.setNotAfterMs(kTimestampMs + 86'400'000);
  m.setMaxRounds(12);
}

void fill_checkpoint(wire::Checkpoint::Builder c, char root_letter) {
  std::string note = "example.org/ledger\n42\nrootHash";
  note += root_letter;
  note += "=\n\n\xE2\x80\x94 node1 AAAA\n";
  c.setNote(note);
  auto cos = c.initCosignatures(1);
  cos[0].setCosignerKey(key_of(0xC1));
  cos[0].setKeyName("witness1");
  cos[0].setTimestampS(1'790'000'000);
  cos[0].setSignature(bytes_of<64>(0xC2));
}

}  // namespace

crypto::SecretKey key_from_byte(std::uint8_t b) {
  auto seed = filled<32>(b);
  auto key = crypto::SecretKey::from_seed(seed);
  PACTUM_ASSERT(key.has_value());
  return std::move(*key);
}

void fill_terms(wire::ContractTerms::Builder t) {
  t.setContractId(id_of(0x21));
  t.setNegotiationId(id_of(0x11));
  auto buyer = t.initBuyer();
  buyer.setOrgRootKey(key_of(0xA0));
  buyer.setName("Buyer GmbH");
  auto seller = t.initSeller();
  seller.setOrgRootKey(key_of(0xB0));
  seller.setName("Seller SA");
  t.setCurrency("EUR");
  t.setStartDay(20'454);  // 2026-01-01
  t.setEndDay(20'819);    // 2027-01-01
  t.initPricing();
  t.setTaxJurisdiction("DE");
  t.setTaxTableHash(hash_of(0x22));
  t.initEscrow();
  t.setArbiterKey(key_of(0xD0));
  t.setListPriceMinor(1'200'000);
  t.setNote("12 months of compute, monthly in arrears");
  auto amend = t.initAmendmentOf();
  amend.setBaseContractId(id_of(0x20));
  amend.setBaseTermsHash(hash_of(0x23));
  amend.setEffectiveDay(20'500);
}

void fill_payload(PayloadKind kind, wire::Body::Payload::Builder p) {
  switch (kind) {
    case PayloadKind::ORG_CERTIFICATE: {
      auto c = p.initOrgCertificate();
      c.setOrgRootKey(key_of(0xA0));
      c.setOrgName("Buyer GmbH");
      return;
    }
    case PayloadKind::NODE_CERTIFICATE: {
      auto c = p.initNodeCertificate();
      c.setOrgRootKey(key_of(0xA0));
      c.setNodeKey(key_of(0xA3));
      c.setNodeName("node1.buyer.example");
      c.setTlsCertificateDer(bytes_of<48>(0x30));
      c.setNotBeforeMs(kTimestampMs);
      c.setNotAfterMs(kTimestampMs + 365LL * 86'400'000);
      return;
    }
    case PayloadKind::MANDATE: return fill_mandate(p.initMandate());
    case PayloadKind::REVOCATION: {
      auto r = p.initRevocation();
      r.setOrgRootKey(key_of(0xA0));
      r.getTarget().setMandateId(hash_of(0x13));
      r.setReason(wire::RevocationReason::COMPROMISED);
      r.setEffectiveMs(kTimestampMs);
      r.setNote("laptop lost");
      return;
    }
    case PayloadKind::PROPOSE: {
      auto m = p.initPropose();
      fill_context(m.initContext(), true);
      fill_terms(m.initTerms());
      m.setOfferExpiresMs(kTimestampMs + 3'600'000);
      return;
    }
    case PayloadKind::COUNTER: {
      auto m = p.initCounter();
      fill_context(m.initContext(), false);
      fill_terms(m.initTerms());
      m.setOfferExpiresMs(kTimestampMs + 3'600'000);
      m.setNote("5 % lower");
      return;
    }
    case PayloadKind::ACCEPT: {
      auto m = p.initAccept();
      fill_context(m.initContext(), false);
      m.setTermsHash(hash_of(0x31));
      return;
    }
    case PayloadKind::REJECT: {
      auto m = p.initReject();
      fill_context(m.initContext(), false);
      m.setReason(wire::RejectReason::UNACCEPTABLE_TERMS);
      m.setNote("price too high");
      return;
    }
    case PayloadKind::WITHDRAW: {
      auto m = p.initWithdraw();
      fill_context(m.initContext(), false);
      m.setNote("no longer needed");
      return;
    }
    case PayloadKind::ESCALATE: {
      auto m = p.initEscalate();
      fill_context(m.initContext(), false);
      m.setTermsHash(hash_of(0x31));
      m.setReason(wire::EscalationReason::ABOVE_THRESHOLD);
      m.setNote("above 10k EUR");
      return;
    }
    case PayloadKind::APPROVE: {
      auto m = p.initApprove();
      fill_context(m.initContext(), false);
      m.setTermsHash(hash_of(0x31));
      m.setDecision(wire::ApprovalDecision::APPROVED);
      m.setNote("ok");
      return;
    }
    case PayloadKind::KILL_SWITCH: {
      auto k = p.initKillSwitch();
      k.setAction(wire::KillSwitchAction::ENGAGE);
      k.getScope().setAgentKey(key_of(0xA1));
      k.setEffectiveMs(kTimestampMs);
      k.setNote("runaway agent");
      return;
    }
    case PayloadKind::ANCHOR_RECEIPT: {
      auto r = p.initAnchorReceipt();
      r.setContractId(id_of(0x21));
      r.setTermsHash(hash_of(0x31));
      r.setLedgerIndex(41);
      r.setCheckpoint("example.org/ledger\n42\nroot=\n\n\xE2\x80\x94 node1 AAAA\n");
      r.setNodeKey(key_of(0xA3));
      r.setEntryHash(hash_of(0x32));
      auto path = r.initInclusionPath(2);
      path.set(0, hash_of(0x33));
      path.set(1, hash_of(0x34));
      return;
    }
    case PayloadKind::SETTLEMENT_RECEIPT: {
      auto r = p.initSettlementReceipt();
      r.setContractId(id_of(0x21));
      r.setSettlementDigest(hash_of(0x41));
      r.setEscrowDigest(hash_of(0x42));
      r.setNodeKey(key_of(0xA3));
      r.setTermsHash(hash_of(0x31));
      return;
    }
    case PayloadKind::ESCROW_EVENT: {
      auto e = p.initEscrowEvent();
      e.setContractId(id_of(0x21));
      e.setTermsHash(hash_of(0x31));
      e.initEvent();
      return;
    }
    case PayloadKind::CHECKPOINT: return fill_checkpoint(p.initCheckpoint(), 'A');
    case PayloadKind::EQUIVOCATION_PROOF: {
      auto e = p.initEquivocationProof();
      e.setSignerKey(key_of(0xA3));
      fill_checkpoint(e.initFirst(), 'A');
      fill_checkpoint(e.initSecond(), 'B');
      return;
    }
    case PayloadKind::FILE_SIGNATURE: {
      auto f = p.initFileSignature();
      f.setName("report.pdf");
      f.setSizeBytes(1234);
      f.setSha256(hash_of(0x41));
      return;
    }
    case PayloadKind::REFUSAL_NOTICE: {
      auto r = p.initRefusalNotice();
      r.setNegotiationId(id_of(0x51));
      r.setMessageHash(hash_of(0x52));
      r.setCode("conflicting_message");
      r.setRule("amendment.in_progress");
      r.setDetail("contract 00 is being amended");
      return;
    }
  }
  // A kind added to the schema after these fixtures: set it, empty, through
  // the schema so loops over every kind still get a present payload.
  auto dynamic = capnp::toDynamic(p);
  for (auto field : dynamic.getSchema().getUnionFields()) {
    if (field.getProto().getDiscriminantValue() == static_cast<std::uint16_t>(kind)) {
      dynamic.init(field);
      return;
    }
  }
  PACTUM_UNREACHABLE();
}

Bytes seal_example(PayloadKind kind, const crypto::SecretKey& key) {
  EnvelopeBuilder b;
  fill_payload(kind, b.payload());
  auto out = b.seal_with_nonce(key, kSequence, kTimestampMs, kNonce);
  PACTUM_ASSERT(out.has_value());
  return std::move(*out);
}

}  // namespace pactum::protocol::fixtures
