// Goal: the BudgetBook counts reservations and commitments together, replaces
// a negotiation's reservation instead of adding to it, and refuses overspending.
#include <gtest/gtest.h>

#include "protocol/budget.h"
#include "tests/negotiation/fixture.h"

namespace pactum::protocol {
namespace {

using negtest::digest_of;
using negtest::key;

TEST(Budget, ReservationsAndCommitmentsShareOneLimit) {
  BudgetBook b;
  BudgetKey k{digest_of("m"), 0};
  auto n1 = digest_of("n1"), n2 = digest_of("n2"), n3 = digest_of("n3");
  auto cp1 = key(1), cp2 = key(2);
  ASSERT_FALSE(b.check_reserve(n1, k, cp1, 600, 1000, 10'000));
  b.reserve(n1, k, cp1, 600);
  ASSERT_FALSE(b.check_reserve(n2, k, cp2, 400, 1000, 10'000));
  b.reserve(n2, k, cp2, 400);
  // A third negotiation with another counterparty cannot overspend.
  auto r = b.check_reserve(n3, k, key(3), 1, 1000, 10'000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, Errc::kBudgetExceeded);
  EXPECT_EQ(r->rule, "mandate.cumulative_limit");
  EXPECT_EQ(r->values, "used 1000 + new 1 > limit 1000");
  // Adjusting n1 down replaces its reservation.
  ASSERT_FALSE(b.check_reserve(n1, k, cp1, 500, 1000, 10'000));
  b.reserve(n1, k, cp1, 500);
  EXPECT_EQ(b.totals(k).reserved_minor, 900);
  b.commit(n1);
  EXPECT_EQ(b.totals(k).reserved_minor, 400);
  EXPECT_EQ(b.totals(k).committed_minor, 500);
  EXPECT_EQ(b.exposure(cp1), 500);  // Open until settled.
  b.release(n2);
  EXPECT_EQ(b.totals(k).reserved_minor, 0);
  EXPECT_EQ(b.exposure(cp2), 0);
  // The committed 500 still counts.
  EXPECT_TRUE(b.check_reserve(n3, k, key(3), 501, 1000, 10'000));
  EXPECT_FALSE(b.check_reserve(n3, k, key(3), 500, 1000, 10'000));
  b.release(n3);  // No reservation: no-op.
  b.commit(n3);
  EXPECT_EQ(b.open_reservations(), 0u);
}

TEST(Budget, ExposurePerCounterparty) {
  BudgetBook b;
  BudgetKey k1{digest_of("m1"), 0}, k2{digest_of("m2"), 0};
  b.reserve(digest_of("a"), k1, key(1), 700);
  auto r = b.check_reserve(digest_of("b"), k2, key(1), 301, 10'000, 1000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule, "policy.max_open_exposure");
  EXPECT_EQ(r->values, "used 700 + new 301 > limit 1000");
  EXPECT_FALSE(b.check_reserve(digest_of("b"), k2, key(1), 300, 10'000, 1000));
  EXPECT_FALSE(b.check_reserve(digest_of("b"), k2, key(2), 1000, 10'000, 1000));
}

TEST(Budget, ReplacingAReservationMovesItToTheNewKeyAndCounterparty) {
  BudgetBook b;
  BudgetKey k1{digest_of("m1"), 0}, k2{digest_of("m2"), 1};
  auto n = digest_of("n");
  b.reserve(n, k1, key(1), 700);
  b.reserve(n, k2, key(2), 300);  // Same negotiation: replaces, does not add.
  EXPECT_EQ(b.open_reservations(), 1u);
  EXPECT_EQ(b.reservation(n), 300);
  EXPECT_EQ(b.totals(k1).reserved_minor, 0);
  EXPECT_EQ(b.totals(k2).reserved_minor, 300);
  EXPECT_EQ(b.exposure(key(1)), 0);
  EXPECT_EQ(b.exposure(key(2)), 300);
  b.release(n);
  EXPECT_EQ(b.totals(k2).reserved_minor, 0);
  EXPECT_EQ(b.exposure(key(2)), 0);
  EXPECT_EQ(b.open_reservations(), 0u);
}

TEST(Budget, HugeAmountsDoNotOverflow) {
  BudgetBook b;
  BudgetKey k{digest_of("m"), 0};
  b.reserve(digest_of("a"), k, key(1), INT64_MAX);
  auto r = b.check_reserve(digest_of("b"), k, key(2), INT64_MAX, INT64_MAX, INT64_MAX);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, Errc::kBudgetExceeded);
  EXPECT_TRUE(b.check_reserve(digest_of("b"), k, key(2), -1, INT64_MAX, INT64_MAX));
}

}  // namespace
}  // namespace pactum::protocol
