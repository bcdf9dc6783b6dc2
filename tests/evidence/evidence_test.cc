// Goal: a realistic evidence bundle verifies offline, and every section
// tampered with, every missing part and wrong trust roots fail with the
// check that covers that section named.
#include <gtest/gtest.h>

#include "ledger/evidence.h"
#include "protocol/canonical.h"
#include "protocol/envelope.h"
#include "tests/evidence/fixture.h"

namespace pactum::evidence_test {
namespace {

World& world() {
  static World w;  // Built once; tests copy its parts. Its ledgers go at exit.
  return w;
}

ledger::Report verify(const ledger::EvidenceParts& parts, std::vector<crypto::PublicKey> roots = {}) {
  if (roots.empty()) roots = world().roots();
  auto bytes = ledger::build_evidence(parts);
  EXPECT_TRUE(bytes.has_value()) << bytes.error().to_string();
  if (!bytes) return {};
  return ledger::verify_evidence(*bytes, roots);
}

// The named check exists and failed.
void expect_failed(const ledger::Report& r, const std::string& name) {
  EXPECT_FALSE(r.ok());
  const ledger::Check* c = r.find(name);
  ASSERT_NE(c, nullptr) << "no check " << name << "; failed: " << failed_checks(r);
  EXPECT_FALSE(c->ok) << name << " passed: " << c->detail << "\nfailed: " << failed_checks(r);
}

Bytes flip(Bytes b, std::size_t at) {
  b[at] ^= 0x01;
  return b;
}

TEST(Evidence, RealisticBundleVerifies) {
  ledger::Report r = verify(world().parts);
  ASSERT_TRUE(r.ok()) << failed_checks(r);
  const char* expected[] = {"bundle.format", "terms.hash", "terms.parties", "identity.buyer.org",
                            "identity.buyer.node", "identity.seller.org", "identity.seller.node",
                            "identity.mandates", "identity.revocations", "transcript.signatures",
                            "transcript.mandates", "transcript.machine", "transcript.approvals",
                            "ledger.buyer.checkpoints", "ledger.buyer.entries", "ledger.buyer.anchor_receipt",
                            "ledger.seller.checkpoints", "ledger.seller.entries", "ledger.seller.anchor_receipt",
                            "settlement.tax_table", "settlement.recompute", "escrow.replay", "settlement.receipts"};
  ASSERT_EQ(r.checks.size(), std::size(expected));
  for (std::size_t i = 0; i < std::size(expected); ++i) EXPECT_EQ(r.checks[i].name, expected[i]);
  // Exact figures: 100 widgets at 9.90 EUR a month for three months, 19 % tax.
  ASSERT_TRUE(r.settlement.has_value());
  ASSERT_EQ(r.settlement->invoices.size(), 3u);
  for (const auto& inv : r.settlement->invoices) {
    EXPECT_EQ(inv.subtotal_minor, 99'000);
    EXPECT_EQ(inv.tax_minor, 18'810);
    EXPECT_EQ(inv.total_minor, 117'810);
  }
  EXPECT_EQ(r.settlement->total_minor, 353'430);
  EXPECT_EQ(r.escrow_status, "RESOLVED");
  EXPECT_EQ(r.timeline.size(), 4u);
  EXPECT_EQ(r.escrow_history.size(), 4u);
  EXPECT_EQ(r.buyer_name, "Acme Buying GmbH");
  EXPECT_EQ(r.contract_id_hex, to_hex(ByteSpan(world().negotiation_id.data(), 16)));
  EXPECT_EQ(r.bundle_hash, ledger::evidence_hash(world().bundle()));
}

TEST(Evidence, BuildIsDeterministic) { EXPECT_EQ(world().bundle(), world().bundle()); }

TEST(Evidence, WrongTrustRootsFail) {
  expect_failed(verify(world().parts, {world().buyer.root.public_key()}), "identity.seller.org");
  expect_failed(verify(world().parts, {world().stranger.public_key()}), "identity.buyer.org");
}

TEST(Evidence, TamperedTranscriptFails) {
  auto p = world().parts;
  p.transcript[1] = flip(p.transcript[1], p.transcript[1].size() - 3);  // Inside a signature.
  expect_failed(verify(p), "transcript.signatures");
  p = world().parts;
  p.transcript.erase(p.transcript.begin() + 1);  // A counter dropped: the hash links break.
  expect_failed(verify(p), "transcript.machine");
  expect_failed(verify(p), "ledger.buyer.entries");  // The anchored transcript differs too.
  p = world().parts;
  std::swap(p.transcript[1], p.transcript[2]);
  expect_failed(verify(p), "transcript.machine");
}

TEST(Evidence, MandatesAndRevocationsChecked) {
  auto p = world().parts;
  p.mandates.pop_back();
  expect_failed(verify(p), "transcript.mandates");
  p.mandates.clear();
  expect_failed(verify(p), "identity.mandates");
  // The seller revoked its agent's mandate before the counter was signed.
  protocol::EnvelopeBuilder b;
  auto rev = b.payload().initRevocation();
  rev.setOrgRootKey(protocol::as_data(world().seller.root.public_key()));
  rev.getTarget().setMandateId(protocol::as_data(world().seller.mandate.id));
  rev.setReason(wire::RevocationReason::COMPROMISED);
  rev.setEffectiveMs(kT0);
  p = world().parts;
  p.revocations = {*b.seal(world().seller.root, 9, kT0)};
  expect_failed(verify(p), "transcript.mandates");
  // Signed by the wrong organization.
  p.revocations = {*b.seal(world().stranger, 9, kT0)};
  expect_failed(verify(p), "identity.revocations");
}

TEST(Evidence, CertificatesChecked) {
  World& w = world();
  auto p = w.parts;
  p.seller.org_certificate = w.org_certificate(w.stranger, w.seller.root.public_key(), "Widget Works AG");
  expect_failed(verify(p), "identity.seller.org");
  p = w.parts;
  p.buyer.node_certificate = w.node_certificate(w.seller.root, w.seller.root.public_key(), w.buyer.node);
  expect_failed(verify(p), "identity.buyer.node");
  expect_failed(verify(p), "ledger.buyer.checkpoints");  // No verified node key to check against.
  p = w.parts;
  p.buyer.node_certificate = w.node_certificate(w.buyer.root, w.buyer.root.public_key(), w.stranger);
  expect_failed(verify(p), "ledger.buyer.checkpoints");
  expect_failed(verify(p), "ledger.buyer.anchor_receipt");
  p = w.parts;
  std::swap(p.buyer.org_certificate, p.seller.org_certificate);
  expect_failed(verify(p), "identity.buyer.org");
}

TEST(Evidence, LedgerProofsChecked) {
  auto p = world().parts;
  p.seller.checkpoints[0].note[p.seller.checkpoints[0].note.find('\n') + 1] ^= 0x01;  // Tree size digit.
  expect_failed(verify(p), "ledger.seller.checkpoints");
  p = world().parts;
  p.buyer.checkpoints[0].cosignatures[0].timestamp_s += 1;
  expect_failed(verify(p), "ledger.buyer.checkpoints");
  p = world().parts;
  p.buyer.checkpoints[0].cosignatures[0].name = "someone.else/ledger";
  expect_failed(verify(p), "ledger.buyer.checkpoints");
  p = world().parts;
  p.buyer.entries[0].path[0][5] ^= 0x40;
  expect_failed(verify(p), "ledger.buyer.entries");
  p = world().parts;
  p.seller.entries[1].entry[40] ^= 0x01;
  expect_failed(verify(p), "ledger.seller.entries");
  p = world().parts;
  p.seller.entries.erase(p.seller.entries.begin());  // No anchor.
  expect_failed(verify(p), "ledger.seller.entries");
  expect_failed(verify(p), "ledger.seller.anchor_receipt");
  p = world().parts;
  p.buyer.entries = world().parts.seller.entries;  // Another ledger's entries.
  expect_failed(verify(p), "ledger.buyer.entries");
}

TEST(Evidence, AnchorReceiptsChecked) {
  World& w = world();
  auto p = w.parts;
  std::swap(p.buyer.anchor_receipt, p.seller.anchor_receipt);
  expect_failed(verify(p), "ledger.buyer.anchor_receipt");
  expect_failed(verify(p), "ledger.seller.anchor_receipt");
  p = w.parts;
  p.seller.anchor_receipt.clear();
  expect_failed(verify(p), "ledger.seller.anchor_receipt");
  // Re-signed by the node but naming another ledger index.
  auto dec = *protocol::decode<wire::Envelope>(w.parts.buyer.anchor_receipt);
  protocol::EnvelopeBuilder b;
  b.payload().setAnchorReceipt(dec.root().getBody().getPayload().getAnchorReceipt());
  b.payload().getAnchorReceipt().setLedgerIndex(dec.root().getBody().getPayload().getAnchorReceipt().getLedgerIndex() + 1);
  p.buyer.anchor_receipt = *b.seal(w.buyer.node, 5, kT0 + 3'600'000);
  expect_failed(verify(p), "ledger.buyer.anchor_receipt");
}

TEST(Evidence, SettlementAndEscrowRecomputed) {
  World& w = world();
  auto p = w.parts;
  p.tax_table.rates[0].rate_ppm = 200'000;
  expect_failed(verify(p), "settlement.tax_table");
  p = w.parts;
  crypto::Digest wrong = w.settlement_digest();
  wrong[0] ^= 1;
  p.settlement_receipts[1] = w.settlement_receipt(w.seller, wrong, *p.escrow_state_digest);
  expect_failed(verify(p), "settlement.receipts");
  p = w.parts;
  p.settlement_receipts.pop_back();
  expect_failed(verify(p), "settlement.receipts");
  p = w.parts;
  p.escrow_events.pop_back();  // The ruling left out: the digest no longer matches.
  expect_failed(verify(p), "escrow.replay");
  p = w.parts;
  std::swap(p.escrow_events[0], p.escrow_events[1]);  // Acceptance before funding is illegal.
  expect_failed(verify(p), "escrow.replay");
  p = w.parts;
  (*p.escrow_state_digest)[3] ^= 1;
  expect_failed(verify(p), "escrow.replay");
  p = w.parts;
  p.escrow_state_digest.reset();
  expect_failed(verify(p), "escrow.replay");
}

TEST(Evidence, MissingPartsFail) {
  auto p = world().parts;
  p.seller = {};
  ledger::Report r = verify(p);
  expect_failed(r, "identity.seller.org");
  expect_failed(r, "ledger.seller.checkpoints");
  expect_failed(r, "settlement.receipts");
  p = world().parts;
  p.approvals = {world().transcript[0]};  // Not an approval.
  expect_failed(verify(p), "transcript.approvals");
  ledger::EvidenceParts empty;
  EXPECT_EQ(ledger::build_evidence(empty).error().code, Errc::kInvalidArgument);
  p = world().parts;
  p.transcript.pop_back();  // Ends without an accept.
  EXPECT_EQ(ledger::build_evidence(p).error().code, Errc::kInvalidArgument);
}

TEST(Evidence, GarbageAndTruncationFail) {
  Bytes b = world().bundle();
  EXPECT_FALSE(ledger::verify_evidence({}, world().roots()).ok());
  EXPECT_FALSE(ledger::verify_evidence(ByteSpan(b.data(), b.size() - 8), world().roots()).ok());
  b.push_back(0);
  EXPECT_FALSE(ledger::verify_evidence(b, world().roots()).ok());
  ledger::Report r = ledger::verify_evidence(as_bytes("not a bundle at all"), world().roots());
  ASSERT_EQ(r.checks.size(), 1u);
  EXPECT_EQ(r.checks[0].name, "bundle.format");
}

}  // namespace
}  // namespace pactum::evidence_test
