// settlement/calendar.h: civil dates, billing periods and day counts.
//
// Dates are std::chrono::year_month_day (proleptic Gregorian, no time zone).
// A billing period is the half-open range [start, end). Period boundaries are
// computed from the cycle's first month and an anchor day, never chained, so
// an anchor on the 31st clamps to Feb 28/29 and returns to Mar 31.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/base.h"

namespace pactum::settlement {

using Date = std::chrono::year_month_day;

// Earliest and latest years accepted: bounds day arithmetic and rejects typos like 20245.
inline constexpr int kYearMin = 1900;
inline constexpr int kYearMax = 9999;

// Persisted in contract terms: do not renumber.
enum class BillingCycle : std::uint8_t { kMonthly = 0, kQuarterly = 1, kAnnual = 2 };
enum class DayCount : std::uint8_t {
  kActual = 0,           // Calendar days over calendar days of the period (default).
  kThirtyDayMonths = 1,  // Calendar days over 30 per month of the period, capped at a full period.
  kThirty360 = 2,        // 30/360 US (bond basis) for both numerator and denominator.
};

struct Period {
  Date start;  // First day of service.
  Date end;    // First day after the period.
  friend bool operator==(const Period&, const Period&) = default;
};

// Parses "YYYY-MM-DD" exactly. Error kBadDate naming the text and the problem.
Result<Date> parse_date(std::string_view text);
// A valid date in [kYearMin, kYearMax]. Error kBadDate otherwise.
Result<Date> make_date(int year, unsigned month, unsigned day);
std::string format_date(const Date& d);
// Days since 1970-01-01 (negative before).
std::int64_t day_number(const Date& d);
// b - a in calendar days.
std::int64_t days_between(const Date& a, const Date& b);
Date add_days(const Date& d, std::int64_t days);
int months_per_period(BillingCycle cycle);

// The k-th boundary of a cycle whose first boundary lies in `first_month`:
// month first_month + k * months, day min(anchor_day, last day of that month).
// REQUIRES 1 <= anchor_day <= 31.
Date boundary(std::chrono::year_month first_month, std::int64_t k, BillingCycle cycle,
              unsigned anchor_day);

// The billing periods that cover [from, to), in order: the first one starts on
// or before `from`, the last ends on or after `to`. The first boundary month is
// from's month. Error kBadDate when from >= to or the count exceeds kPeriodsMax,
// kInvalidArgument for an anchor day outside 1..31.
Result<std::vector<Period>> billing_periods(const Date& from, const Date& to, BillingCycle cycle,
                                            unsigned anchor_day);

// Day count of [a, b) in `convention`, for the proration numerator. REQUIRES a <= b.
std::int64_t day_count(const Date& a, const Date& b, DayCount convention);
// Day count of a whole period under `convention`, for the denominator.
std::int64_t period_day_count(const Period& p, BillingCycle cycle, DayCount convention);

}  // namespace pactum::settlement
