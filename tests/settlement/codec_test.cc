// Goal: the settlement wire mapping is canonical and stable: golden bytes and
// digests are pinned, pricing round-trips exactly, malformed input fails typed.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include "protocol/settlement_codec.h"
#include "settlement/settlement.h"
#include "tests/settlement/test_util.h"

namespace pactum::settlement {
namespace {

using namespace testing;
namespace sw = ::pactum::wire::settlement;

Contract sample() {
  Contract k = Monthly("2024-04-01", "2024-06-01");
  k.charges.push_back(Recurring("plan", "10"));
  Charge api = Usage("api", ChargeModel::kGraduated);
  api.tiers = {T("100", "0.10"), T("", "0.05", "1.50")};
  k.charges.push_back(api);
  k.usage = {{"api", D("2024-04-03"), Dec("150")}};
  Amendment up = Amend(AmendmentKind::kUpgrade, "2024-04-16", "plan");
  up.unit_price = Dec("20");
  k.amendments.push_back(up);
  k.buyer_jurisdiction = "DE";
  k.tax_table = {1, {{"DE", "*", 190000}}, {}};
  return k;
}

// Bytes and hash cross-checked with the capnp tool, independent of our encoder:
//   echo '(version = 7, rates = [(jurisdiction = "DE", taxCode = "*", ratePpm = 190000)],
//          exemptions = [(buyer = "b", taxCode = "*")])' |
//     capnp convert text:canonical protocol/settlement.capnp TaxTable
// and SHA-256("pactum/v1/tax-table" || 0x00 || bytes) in Python's hashlib.
TEST(SettlementCodec, GoldenTaxTableBytesAndHash) {
  TaxTable t{7, {{"DE", "*", 190000}}, {{"b", "*"}}};
  auto bytes = protocol::tax_table_bytes(t);
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  EXPECT_EQ(to_hex(*bytes),
            "00000000010002000700000000000000050000001f0000001900000017000000040000000100020030e6020000000000"
            "050000001a000000050000001200000044450000000000002a00000000000000040000000000020005000000120000"
            "00050000001200000062000000000000002a00000000000000");
  auto h = protocol::tax_table_hash(t);
  ASSERT_TRUE(h);
  EXPECT_EQ(to_hex(*h), "b0e4a1414bc0e5ea1f55aaf6943c90867827bde72c0de3ce998b1086c92cbd57");
}

// The expected result of sample() was written by hand in capnp text form
// (tests/settlement/golden_settlement.txt: April 10.00 + 14.00 usage with 19%
// tax = 28.56; the upgrade -5.00 + 10.00 + tax = 5.95; May 20.00 + tax =
// 23.80; total 58.31), converted with `capnp convert text:canonical` and hashed
// with hashlib: the core plus our encoder must produce exactly that digest.
TEST(SettlementCodec, GoldenSettlementDigest) {
  auto r = settle(sample());
  ASSERT_TRUE(r) << r.error().to_string();
  auto d = protocol::settlement_digest(*r);
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_EQ(to_hex(*d), "dc003dd76d32771d2f768bbed047904ea303f376e497759cec612898fd34c6cf");
  EXPECT_EQ(r->total_minor, 5831);
  EXPECT_EQ(protocol::settlement_bytes(*r)->size(), 1072u);
}

TEST(SettlementCodec, EqualDecimalsEncodeEqually) {
  Contract a = sample();
  Contract b = sample();
  b.charges[0].unit_price = Dec("10.000");
  auto ra = settle(a);
  auto rb = settle(b);
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(*protocol::settlement_digest(*ra), *protocol::settlement_digest(*rb));
  b.charges[0].unit_price = Dec("10.01");
  EXPECT_NE(*protocol::settlement_digest(*ra), *protocol::settlement_digest(*settle(b)));
}

TEST(SettlementCodec, PricingRoundTripsToTheSameSettlement) {
  Contract k = sample();
  k.charges[0].ramp = {{D("2024-05-10"), Dec("12.5")}};
  k.charges[1].minimum = Money{2000, k.currency};
  k.overrides = {{"plan", Dec("9"), std::nullopt}};
  Discount d;
  d.kind = DiscountKind::kFixed;
  d.fixed_minor = 100;
  k.discounts = {d};
  k.conventions.rounding = RoundingMode::kHalfUp;
  k.conventions.day_count = DayCount::kThirty360;
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<sw::Pricing>();
  ASSERT_TRUE(protocol::encode_pricing(k, root));
  Contract back = k;
  back.charges.clear();
  back.overrides.clear();
  back.discounts.clear();
  back.conventions = Conventions{};
  auto ok = protocol::decode_pricing(root.asReader(), back);
  ASSERT_TRUE(ok) << ok.error().to_string();
  auto r1 = settle(k);
  auto r2 = settle(back);
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(*protocol::settlement_digest(*r1), *protocol::settlement_digest(*r2));
  EXPECT_EQ(back.conventions.day_count, DayCount::kThirty360);
  EXPECT_EQ(back.charges[0].ramp.size(), 1u);
}

TEST(SettlementCodec, MalformedPricingFailsTyped) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<sw::Pricing>();
  Contract k = sample();
  ASSERT_TRUE(protocol::encode_pricing(k, root));
  root.setCycle(sw::BillingCycle::UNSPECIFIED);
  auto r = protocol::decode_pricing(root.asReader(), k);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMalformedMessage);
  ASSERT_TRUE(protocol::encode_pricing(sample(), root));
  root.getCharges()[0].getUnitPrice().setScale(13);
  EXPECT_EQ(protocol::decode_pricing(root.asReader(), k).error().code, Errc::kMalformedMessage);
  ASSERT_TRUE(protocol::encode_pricing(sample(), root));
  root.getConventions().setCurrencyTable(9);
  EXPECT_EQ(protocol::decode_pricing(root.asReader(), k).error().code, Errc::kUnknownCurrency);
  ASSERT_TRUE(protocol::encode_pricing(sample(), root));
  root.getCharges()[0].setModel(static_cast<sw::ChargeModel>(99));
  EXPECT_EQ(protocol::decode_pricing(root.asReader(), k).error().code, Errc::kMalformedMessage);
}

}  // namespace
}  // namespace pactum::settlement
