// Goal: `pactum settle` files parse into exactly the contract they describe,
// the documented examples settle to pinned results, and every bad file fails
// with the key's name and what is wrong.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "protocol/settlement_toml.h"
#include "tests/settlement/test_util.h"

namespace pactum::settlement {
namespace {

using namespace testing;

std::string read_example(const std::string& name) {
  std::ifstream f(std::string(PACTUM_SOURCE_DIR) + "/docs/examples/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << name;
  return ss.str();
}

const char* kMinimal = R"(
[contract]
id = "k"
currency = "USD"
start = 2024-04-01
end = 2024-06-01
[[charges]]
id = "plan"
unit_price = "10"
[[amendments]]
kind = "upgrade"
date = 2024-04-16
charge = "plan"
unit_price = "20"
)";

TEST(SettleToml, MinimalFileMatchesStripeExample) {
  auto r = protocol::settle_toml(kMinimal);
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->result.invoices.size(), 3u);
  EXPECT_EQ(r->result.invoices[1].total_minor, 500);
  EXPECT_EQ(r->result.total_minor, 1000 + 500 + 2000);
  std::string json = protocol::format_report_json(*r);
  EXPECT_NE(json.find("\"amount_minor\":\"-500\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"total_minor\":\"3500\""), std::string::npos);
  EXPECT_NE(json.find("\"digest\":\"" + to_hex(r->digest) + "\""), std::string::npos);
  std::string text = protocol::format_report_text(*r);
  EXPECT_NE(text.find("Unused time on plan  2024-04-16..2024-05-01  1 x 10  amount -5.00  tax 0.00"), std::string::npos) << text;
  EXPECT_NE(text.find("total 35.00 USD"), std::string::npos);
}

TEST(SettleToml, ExamplesSettleToPinnedTotals) {
  auto seats = protocol::settle_toml(read_example("saas_seats.toml"));
  ASSERT_TRUE(seats) << seats.error().to_string();
  auto usage = protocol::settle_toml(read_example("usage_tiers.toml"));
  ASSERT_TRUE(usage) << usage.error().to_string();
  auto ramp = protocol::settle_toml(read_example("ramp_coterm.toml"));
  ASSERT_TRUE(ramp) << ramp.error().to_string();
  // Hand-checked figures (docs/settlement.md walks through them):
  // seats: Mar 1 change in [Feb 15, Mar 15) of 29 days, 14 left: -120 x 14/29 =
  // -57.93, +168 x 14/29 = 81.10; Apr 20 upgrade, 25 of 30 days: -74.17, +165.83;
  // escrow 50% of 248.71 = 124.355 -> 124.36 (half-even).
  EXPECT_EQ(seats->result.invoices[2].lines[0].amount_minor, -5793);
  EXPECT_EQ(seats->result.invoices[2].lines[1].amount_minor, 8110);
  EXPECT_EQ(seats->result.invoices[5].lines[0].amount_minor, -7417);
  EXPECT_EQ(seats->result.invoices[5].lines[1].amount_minor, 16583);
  EXPECT_EQ(seats->result.escrow[0].amount_minor, 12436);
  EXPECT_EQ(seats->result.total_minor, 211919);
  EXPECT_EQ(to_hex(seats->digest), "0099cc0f8f034f3ef5687b113c11df945dd5768641faf2934c215b2a2b31521a");
  // usage: calls 100,000 x 0.0015 + 150,000 x 0.0010 = 300.00; storage 80.5 x
  // 0.25 = 20.125 -> 20.12, true-up to 25.00 = 4.88; Feb calls 1,250,333 ->
  // 1200.1998 -> 1200.20; storage 150.25 x 0.20 + 5 = 35.05; SMS 13 blocks = 14.30;
  // January tax once on 270.00 x 7.25% = 19.575 -> 19.58.
  const Invoice& jan = usage->result.invoices[0];
  EXPECT_EQ(jan.lines[0].amount_minor, 30000);
  EXPECT_EQ(jan.lines[1].amount_minor, 2012);
  EXPECT_EQ(jan.lines[2].amount_minor, 488);
  EXPECT_EQ(jan.tax_minor, 1958);
  EXPECT_EQ(usage->result.invoices[1].lines[0].amount_minor, 120020);
  EXPECT_EQ(usage->result.invoices[1].lines[1].amount_minor, 3505);
  EXPECT_EQ(usage->result.invoices[2].lines[3].amount_minor, 1430);
  EXPECT_EQ(usage->result.total_minor, 154246);
  EXPECT_EQ(to_hex(usage->digest), "aa303e7f401d69ada2753185dc56f2648fda0be5dc4cc504779470d963cfbe1c");
  // ramp: quarters anchored on the 31st end Apr 30, Jul 31, Oct 31, Jan 31.
  // Add-on Mar 10: 51/90 -> 0.566666667 x 450 = 255.00; ramp at Jun 15 splits
  // [Apr 30, Jul 31) 46/46 days: 1500 + 1800; cancel Nov 20: 72/92 ->
  // 0.782608696 x 450 = 352.17 refunded; milestones 1:2 of 14752.83.
  const auto& rr = ramp->result;
  EXPECT_EQ(rr.invoices[0].period.end, D("2024-04-30"));
  EXPECT_EQ(rr.invoices[1].total_minor, 25500);
  EXPECT_EQ(rr.invoices[2].lines[0].amount_minor, 150000);
  EXPECT_EQ(rr.invoices[2].lines[1].amount_minor, 180000);
  EXPECT_EQ(rr.invoices[5].total_minor, -35217);
  EXPECT_EQ(rr.total_minor, 1475283);
  EXPECT_EQ(rr.escrow[0].amount_minor, 491761);
  EXPECT_EQ(rr.escrow[1].amount_minor, 983522);
  EXPECT_EQ(to_hex(ramp->digest), "f1e149bbdd738e628305ec140f71f1f74236ae27ed16e06854df13990c270587");
}

struct BadCase {
  const char* patch;  // Replaces the upgrade amendment of kMinimal.
  Errc code;
  const char* detail;
};

TEST(SettleToml, BadFilesNameTheKey) {
  std::string base = kMinimal;
  std::string head = base.substr(0, base.find("[[amendments]]"));
  const BadCase cases[] = {
      {"[[amendments]]\nkind = \"upgrade\"\ndate = 2024-04-16\ncharge = \"plan\"\n", Errc::kBadContract,
       "amendments[0].unit_price: missing"},
      {"[[amendments]]\nkind = \"upgrayde\"\ndate = 2024-04-16\n", Errc::kBadContract,
       "amendments[0].kind: 'upgrayde' is not one of quantity_change, upgrade, downgrade, cancel, add_charge"},
      {"[[amendments]]\nkind = \"cancel\"\ndate = 2024-02-30\ncharge = \"plan\"\n", Errc::kParse, nullptr},
      {"[[amendments]]\nkind = \"cancel\"\ndate = \"2024-02-30\"\ncharge = \"plan\"\n", Errc::kBadDate,
       "amendments[0].date: no such date 2024-02-30"},
      {"[[usage]]\ncharge = \"plan\"\ndate = 2024-04-02\nquantity = 1.5\n", Errc::kBadContract,
       "usage[0].quantity: expected a decimal string like \"12.50\", got a float"},
      {"[[usage]]\ncharge = \"plan\"\ndate = 2024-04-02\nqty = \"1\"\n", Errc::kBadContract, "usage[0].qty: unknown key"},
      {"[credit]\nlimit = \"10.001\"\n", Errc::kBadContract, "credit.limit: more decimals than USD has"},
      {"[credit]\nlimit = \"10.00\"\n", Errc::kCreditLimit,
       "exposure 20.00 (existing 0.00 + contract 20.00) exceeds limit 10.00 USD"},
      {"[tax]\n[[tax.rates]]\njurisdiction = \"DE\"\npercent = \"19.00001\"\n", Errc::kBadContract,
       "tax.rates[0].percent: at most 4 decimals (1 ppm)"},
      {"[conventions]\nrounding = \"bankers\"\n", Errc::kBadContract,
       "conventions.rounding: 'bankers' is not one of half-even, half-up, toward-zero, away-from-zero"},
      {"[charges]\nid = \"x\"\n", Errc::kParse, nullptr},  // Redefines [[charges]].
      {"[[discounts]]\npercent = \"10\"\namount = \"1.00\"\n", Errc::kBadContract,
       "discounts[0].percent: give exactly one of percent and amount"},
      {"garbage = = 1\n", Errc::kParse, nullptr},
  };
  for (const BadCase& c : cases) {
    auto r = protocol::settle_toml(head + c.patch);
    ASSERT_FALSE(r) << c.patch;
    EXPECT_EQ(r.error().code, c.code) << c.patch << " -> " << r.error().to_string();
    if (c.detail) {
      EXPECT_EQ(r.error().detail, c.detail) << c.patch;
    }
  }
  auto nocur = protocol::settle_toml("[contract]\nid = \"k\"\ncurrency = \"XYZ\"\nstart = 2024-01-01\nend = 2024-02-01\n");
  EXPECT_EQ(nocur.error().code, Errc::kUnknownCurrency);
  EXPECT_EQ(protocol::settle_toml("").error().detail, "contract: missing [contract] table");
}

TEST(SettleToml, PinnedTaxTableHashIsChecked) {
  std::string file = std::string(kMinimal) + "[tax]\nversion = 2\n[[tax.rates]]\njurisdiction = \"DE\"\npercent = \"19\"\n";
  auto r = protocol::settle_toml(file);
  ASSERT_TRUE(r);
  std::string pinned = file;
  pinned.insert(pinned.find("[[charges]]"), "tax_table_hash = \"" + to_hex(r->tax_table_hash) + "\"\n");
  // The hash line must sit inside [contract]: insert it before the first charge.
  EXPECT_TRUE(protocol::settle_toml(pinned)) << pinned;
  std::string wrong = pinned;
  wrong.replace(wrong.find("percent = \"19\""), 14, "percent = \"20\"");
  auto w = protocol::settle_toml(wrong);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Errc::kBadTaxTable);
}

}  // namespace
}  // namespace pactum::settlement
