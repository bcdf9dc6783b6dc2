// Goal: Result, error codes and checked arithmetic behave exactly as documented.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "base/base.h"

namespace pactum {
namespace {

Result<int> half(int v) {
  if (v % 2 != 0) return Fail(Errc::kInvalidArgument, "odd");
  return v / 2;
}

Result<int> quarter(int v) {
  PACTUM_TRY(int h, half(v));
  PACTUM_TRY(int q, half(h));
  return q;
}

TEST(Result, PropagatesFirstError) {
  EXPECT_EQ(*quarter(8), 2);
  Result<int> r = quarter(6);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(r.error().to_string(), "invalid_argument: odd");
}

TEST(Errors, NamesAreStable) {
  EXPECT_EQ(static_cast<int>(Errc::kBadSignature), 100);
  EXPECT_EQ(errc_name(Errc::kBadSignature), "bad_signature");
  EXPECT_EQ(errc_class(Errc::kBadSignature), ErrorClass::kHostile);
  EXPECT_EQ(errc_class(Errc::kIo), ErrorClass::kRetry);
}

TEST(Checked, OverflowIsAnError) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(*checked_add<std::int64_t>(1, 2), 3);
  EXPECT_EQ(checked_add<std::int64_t>(kMax, 1).error().code, Errc::kOverflow);
  EXPECT_EQ(checked_sub<std::int64_t>(std::numeric_limits<std::int64_t>::min(), 1).error().code,
            Errc::kOverflow);
  EXPECT_EQ(checked_mul<std::int64_t>(kMax / 2 + 1, 2).error().code, Errc::kOverflow);
  EXPECT_EQ((*checked_cast<std::int32_t, std::int64_t>(-5)), -5);
  EXPECT_FALSE((checked_cast<std::int32_t, std::int64_t>(kMax)));
  EXPECT_FALSE((checked_cast<std::uint32_t, std::int64_t>(-1)));
}

TEST(Bytes, HexAndBigEndian) {
  Bytes b = {0x00, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "00abff");
  auto k = be64(0x0102030405060708ULL);
  EXPECT_EQ(k[0], 1);
  EXPECT_EQ(k[7], 8);
  EXPECT_EQ(from_be64(k), 0x0102030405060708ULL);
}

}  // namespace
}  // namespace pactum
