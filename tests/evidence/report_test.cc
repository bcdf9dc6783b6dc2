// Goal: the HTML report shows the timeline, terms, invoices, escrow history
// and every check, escapes bundle text; export from the parties' ledgers
// rebuilds the very bundle the nodes' parts make; the bundle format is pinned.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "ledger/evidence.h"
#include "protocol/envelope.h"
#include "protocol/negotiation_wire.h"
#include "tests/evidence/fixture.h"
#include "tools/evidence_report.h"

namespace pactum::evidence_test {
namespace {

World& world() {
  static World w;
  return w;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(EvidenceReport, HtmlHasTheWholeStory) {
  ledger::Report r = ledger::verify_evidence(world().bundle(), world().roots());
  ASSERT_TRUE(r.ok());
  std::string html = tools::evidence_report_html(r);
  EXPECT_TRUE(contains(html, "<!DOCTYPE html>"));
  EXPECT_TRUE(contains(html, "every check passed"));
  for (const ledger::Check& c : r.checks) EXPECT_TRUE(contains(html, "<code>" + c.name + "</code>")) << c.name;
  EXPECT_EQ(r.checks.size(), 23u);
  // Timeline: the four messages in order, with their figures.
  std::size_t propose = html.find("<td>propose</td>"), accept = html.find("<td>accept</td>");
  ASSERT_NE(propose, std::string::npos);
  ASSERT_NE(accept, std::string::npos);
  EXPECT_LT(propose, accept);
  EXPECT_TRUE(contains(html, "widget 100 x 900 = 90000 EUR"));
  EXPECT_TRUE(contains(html, "widget 100 x 990 = 99000 EUR"));
  EXPECT_TRUE(contains(html, "2027-01-15 08:01:00 UTC"));  // kT0 + 1 min: the propose.
  // Terms, invoices and escrow.
  EXPECT_TRUE(contains(html, "Acme Buying GmbH"));
  EXPECT_TRUE(contains(html, "2027-02-01 to 2027-05-01"));
  EXPECT_TRUE(contains(html, "Invoice 3: 2027-04-01 to 2027-05-01"));
  EXPECT_TRUE(contains(html, "total 1178.10 EUR"));
  EXPECT_TRUE(contains(html, "Contract total: <b>3534.30 EUR</b>"));
  EXPECT_TRUE(contains(html, "final state: RESOLVED"));
  EXPECT_TRUE(contains(html, "ruling: seller 20000, buyer 30000"));
  EXPECT_TRUE(contains(html, "open dispute: second delivery incomplete"));
  // The terms' note is bundle text: escaped, never raw markup.
  EXPECT_TRUE(contains(html, "Widgets &lt;monthly&gt; &amp; support"));
  EXPECT_FALSE(contains(html, "<monthly>"));
  EXPECT_FALSE(contains(html, "<script"));
}

TEST(EvidenceReport, FailedChecksAreShown) {
  auto p = world().parts;
  p.escrow_events.pop_back();
  ledger::Report r = ledger::verify_evidence(*ledger::build_evidence(p), world().roots());
  std::string html = tools::evidence_report_html(r);
  EXPECT_TRUE(contains(html, "<span class=\"fail\">FAILED</span>"));
  std::string text = tools::evidence_report_text(r);
  EXPECT_TRUE(contains(text, "FAIL escrow.replay: divergence"));
  // The receipts signed the escrow after the ruling, which no replay now reaches;
  // both ledgers hold the dropped event, which the bundle no longer has.
  EXPECT_TRUE(contains(text, "FAIL settlement.receipts: divergence"));
  EXPECT_TRUE(contains(text, "23 checks, 4 failed"));
}

TEST(EvidenceReport, EscapesEverySpecialCharacter) {
  EXPECT_EQ(tools::html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(EvidenceExport, LedgersRebuildTheSameBundle) {
  World& w = world();
  const ByteSpan cid(w.negotiation_id.data(), 16);
  ledger::PartyLedgerEvidence parties[2];
  const TempDir* dirs[2] = {&w.buyer_dir, &w.seller_dir};
  for (int i = 0; i < 2; ++i) {
    auto lg = ledger::Ledger::open(dirs[i]->str());
    ASSERT_TRUE(lg) << lg.error().to_string();
    auto got = ledger::collect_party_ledger(**lg, cid);
    ASSERT_TRUE(got) << got.error().to_string();
    parties[i] = std::move(*got);
  }
  // Anchor, four transcript messages, four escrow events, one receipt.
  EXPECT_EQ(parties[0].entries.size(), 10u);
  auto parts = ledger::assemble_evidence(parties[0], parties[1], w.tax_table);
  ASSERT_TRUE(parts) << parts.error().to_string();
  EXPECT_EQ(parts->transcript, w.parts.transcript);
  EXPECT_EQ(parts->mandates, w.parts.mandates);
  EXPECT_EQ(parts->escrow_events, w.parts.escrow_events);
  EXPECT_EQ(parts->escrow_state_digest, w.parts.escrow_state_digest);
  EXPECT_EQ(parts->settlement_receipts, w.parts.settlement_receipts);
  // What the ledgers cannot hold: certificates, receipts, peers' cosignatures.
  for (auto [to, from] : {std::pair{&parts->buyer, &w.parts.buyer}, std::pair{&parts->seller, &w.parts.seller}}) {
    to->org_certificate = from->org_certificate;
    to->node_certificate = from->node_certificate;
    to->anchor_receipt = from->anchor_receipt;
    to->checkpoints[0].cosignatures = from->checkpoints[0].cosignatures;
  }
  EXPECT_EQ(*ledger::build_evidence(*parts), w.bundle());
  // A contract the ledger does not hold.
  auto lg = ledger::Ledger::open(w.buyer_dir.str());
  Bytes other(16, 0x77);
  EXPECT_EQ(ledger::collect_party_ledger(**lg, other).error().code, Errc::kNotFound);
}

// Golden vector: a minimal bundle from fixed keys, nonces and times. If this
// changes, the bundle format changed: update docs/evidence.md with it.
TEST(EvidenceGolden, MinimalBundleBytesArePinned) {
  crypto::SecretKey buyer = seeded(0x41), seller = seeded(0x42);
  protocol::MessageSpec spec;
  spec.kind = protocol::NegEvent::kPropose;
  spec.negotiation_id.fill(0x5a);
  spec.buyer_org = buyer.public_key();
  spec.seller_org = seller.public_key();
  spec.offer = protocol::Offer{"widget", "EUR", 1000, 3, 3000};
  protocol::EnvelopeBuilder pb;
  auto propose = pb.payload().initPropose();
  propose.initContext().setNegotiationId(capnp::Data::Reader(spec.negotiation_id.data(), 16));
  ASSERT_TRUE(protocol::fill_terms(propose.initTerms(), spec));
  crypto::Nonce n1{}, n2{};
  n1.fill(1);
  n2.fill(2);
  ledger::EvidenceParts parts;
  parts.transcript.push_back(*pb.seal_with_nonce(buyer, 1, 1'800'000'000'000, n1));
  auto dec = *protocol::decode<wire::Envelope>(parts.transcript[0]);
  auto th = *protocol::terms_hash(dec.root().getBody().getPayload().getPropose().getTerms());
  protocol::EnvelopeBuilder ab;
  auto accept = ab.payload().initAccept();
  accept.initContext().setNegotiationId(capnp::Data::Reader(spec.negotiation_id.data(), 16));
  accept.setTermsHash(protocol::as_data(th));
  parts.transcript.push_back(*ab.seal_with_nonce(seller, 1, 1'800'000'060'000, n2));
  parts.tax_table.version = 1;
  parts.tax_table.rates = {{"DE", "*", 190'000}};
  Bytes bundle = *ledger::build_evidence(parts);
  EXPECT_EQ(bundle.size(), 1528u);
  EXPECT_EQ(to_hex(ledger::evidence_hash(bundle)), "3bb77b01f8f3d33cf6351054167fc12e8782df142ddaa0c747aac20fec69c26c");
  // Root pointer (13 data... see docs/evidence.md), version 1, then the contract id's list pointer.
  EXPECT_EQ(to_hex(ByteSpan(bundle.data(), 24)), "0000000001000d00" "0100000000000000" "3100000082000000");
}

}  // namespace
}  // namespace pactum::evidence_test

namespace pactum::evidence_test {
namespace {
// Not a test: writes the fixture's bundle and its two trusted roots (base64,
// one a line) for trying `pactum evidence verify|report` by hand:
//   evidence_report_test --gtest_also_run_disabled_tests --gtest_filter=*WriteBundle
// with EVIDENCE_OUT=/some/dir.
TEST(EvidenceTool, DISABLED_WriteBundle) {
  const char* dir = std::getenv("EVIDENCE_OUT");
  ASSERT_NE(dir, nullptr);
  Bytes b = world().bundle();
  std::FILE* f = std::fopen((std::string(dir) + "/bundle.evidence").c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(b.data(), 1, b.size(), f), b.size());
  std::fclose(f);
  for (const auto& k : world().roots()) std::printf("%s\n", crypto::public_key_to_text(k).c_str());
}
}  // namespace
}  // namespace pactum::evidence_test
