// Goal: the concession tactics and tit-for-tat compute the exact integer
// values of their formulas, stay within the reservation range and are monotone.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "protocol/strategy.h"

namespace pactum::protocol {
namespace {

TEST(Strategy, FixedPointPowers) {
  EXPECT_EQ(pow_ratio_ppb(500'000'000, 2, 1), 250'000'000);   // 0.5^2
  EXPECT_EQ(pow_ratio_ppb(250'000'000, 1, 2), 500'000'000);   // 0.25^(1/2)
  EXPECT_EQ(pow_ratio_ppb(500'000'000, 5, 1), 31'250'000);    // 0.5^5
  EXPECT_EQ(pow_ratio_ppb(500'000'000, 1, 5), 870'550'563);   // 0.5^(1/5) = 0.8705505632...
  EXPECT_EQ(pow_ratio_ppb(0, 1, 5), 0);
  EXPECT_EQ(pow_ratio_ppb(kPpbOne, 3, 7), kPpbOne);
}

TimeStrategy seller(Beta b) { return TimeStrategy{Role::kSeller, 1000, 2000, 0, b}; }
TimeStrategy buyer(Beta b) { return TimeStrategy{Role::kBuyer, 1000, 2000, 0, b}; }

TEST(Strategy, WorkedExamplesAtHalfTime) {
  // T = 1000 ms, t = 500: x = 0.5.
  // Linear: alpha = 0.5. Boulware beta=1/5: alpha = 0.5^5 = 0.03125.
  // Conceder beta=5: alpha = 0.5^(1/5) = 0.870550563.
  EXPECT_EQ(alpha_ppb(seller(kLinear), 500, 1000), 500'000'000);
  EXPECT_EQ(alpha_ppb(seller(kBoulware), 500, 1000), 31'250'000);
  EXPECT_EQ(alpha_ppb(seller(kConceder), 500, 1000), 870'550'563);
  // Seller: 1000 + (1 - alpha) * 1000, rounded up.
  EXPECT_EQ(time_offer(seller(kLinear), 500, 1000), 1500);
  EXPECT_EQ(time_offer(seller(kBoulware), 500, 1000), 1969);  // 1968.75 up
  EXPECT_EQ(time_offer(seller(kConceder), 500, 1000), 1130);  // 1129.449437 up
  // Buyer: 1000 + alpha * 1000, rounded down.
  EXPECT_EQ(time_offer(buyer(kLinear), 500, 1000), 1500);
  EXPECT_EQ(time_offer(buyer(kBoulware), 500, 1000), 1031);   // 1031.25 down
  EXPECT_EQ(time_offer(buyer(kConceder), 500, 1000), 1870);   // 1870.55 down
}

TEST(Strategy, EndpointsAndInitialConcession) {
  TimeStrategy s = seller(kBoulware);
  EXPECT_EQ(time_offer(s, 0, 1000), 2000);      // Starts at the best price.
  EXPECT_EQ(time_offer(s, 1000, 1000), 1000);   // Ends at the reservation price.
  EXPECT_EQ(time_offer(s, 5000, 1000), 1000);   // Clamped after the deadline.
  s.k_ppb = 100'000'000;                        // k = 0.1
  EXPECT_EQ(alpha_ppb(s, 0, 1000), 100'000'000);
  EXPECT_EQ(time_offer(s, 0, 1000), 1900);
  TimeStrategy b = buyer(kLinear);
  EXPECT_EQ(time_offer(b, 0, 1000), 1000);
  EXPECT_EQ(time_offer(b, 1000, 1000), 2000);
}

TEST(Strategy, ValidateRefusesBadParameters) {
  EXPECT_TRUE(validate(seller(kLinear)));
  EXPECT_FALSE(validate(TimeStrategy{Role::kSeller, 2000, 1000, 0, kLinear}));
  EXPECT_FALSE(validate(TimeStrategy{Role::kSeller, -1, 1000, 0, kLinear}));
  EXPECT_FALSE(validate(TimeStrategy{Role::kSeller, 0, 1000, kPpbOne + 1, kLinear}));
  EXPECT_FALSE(validate(TimeStrategy{Role::kSeller, 0, 1000, 0, Beta{0, 1}}));
  EXPECT_FALSE(validate(TimeStrategy{Role::kSeller, 0, 1000, 0, Beta{1, 17}}));
}

TEST(Strategy, TitForTatMirrorsRelativeConcession) {
  // The buyer (opponent) raised 800 -> 880 (+10%); the seller answers
  // 1500 * 800 / 880 = 1363.63.. rounded up to 1364.
  auto s = tit_for_tat_offer(TimeStrategy{Role::kSeller, 1000, 2000, 0, kLinear}, 1500, 800, 880);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, 1364);
  // The seller (opponent) dropped 1500 -> 1364; the buyer answers
  // 880 * 1500 / 1364 = 967.74.. rounded down to 967.
  auto b = tit_for_tat_offer(TimeStrategy{Role::kBuyer, 500, 1000, 0, kLinear}, 880, 1500, 1364);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, 967);
  // Clamped at the reservation price.
  auto c = tit_for_tat_offer(TimeStrategy{Role::kBuyer, 500, 900, 0, kLinear}, 880, 1500, 1000);
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, 900);
  EXPECT_FALSE(tit_for_tat_offer(TimeStrategy{}, 0, 1, 1));
  EXPECT_TRUE(should_accept(Role::kBuyer, 967, 967));
  EXPECT_FALSE(should_accept(Role::kBuyer, 968, 967));
  EXPECT_TRUE(should_accept(Role::kSeller, 1364, 1364));
  EXPECT_FALSE(should_accept(Role::kSeller, 1363, 1364));
}

RC_GTEST_PROP(StrategyProperty, OffersStayInRangeAndConcedeMonotonically, ()) {
  std::int64_t lo = *rc::gen::inRange<std::int64_t>(0, 1'000'000'000);
  std::int64_t hi = lo + *rc::gen::inRange<std::int64_t>(0, 1'000'000'000);
  Beta beta{*rc::gen::inRange<std::uint32_t>(1, 17), *rc::gen::inRange<std::uint32_t>(1, 17)};
  std::int64_t k = *rc::gen::inRange<std::int64_t>(0, kPpbOne + 1);
  Role role = *rc::gen::element(Role::kBuyer, Role::kSeller);
  TimeStrategy s{role, lo, hi, k, beta};
  RC_ASSERT(validate(s).has_value());
  std::int64_t deadline = *rc::gen::inRange<std::int64_t>(1, 10'000'000);
  std::int64_t t1 = *rc::gen::inRange<std::int64_t>(0, deadline + 1);
  std::int64_t t2 = *rc::gen::inRange<std::int64_t>(t1, deadline + 1);
  std::int64_t o1 = time_offer(s, t1, deadline);
  std::int64_t o2 = time_offer(s, t2, deadline);
  RC_ASSERT(o1 >= lo && o1 <= hi && o2 >= lo && o2 <= hi);
  // Over time an agent only ever concedes.
  if (role == Role::kSeller) RC_ASSERT(o2 <= o1);
  else RC_ASSERT(o2 >= o1);
}

}  // namespace
}  // namespace pactum::protocol
