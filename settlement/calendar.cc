// Civil-date arithmetic for billing periods and day counts. See calendar.h.
#include "settlement/calendar.h"

#include <algorithm>
#include <cstdio>

#include "settlement/limits.h"

namespace pactum::settlement {

using std::chrono::day;
using std::chrono::month;
using std::chrono::months;
using std::chrono::year;
using std::chrono::year_month;
using std::chrono::year_month_day_last;

Result<Date> make_date(int y, unsigned m, unsigned d) {
  Date date{year{y}, month{m}, day{d}};
  if (y < kYearMin || y > kYearMax || !date.ok()) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "no such date %04d-%02u-%02u", y, m, d);
    return Fail(Errc::kBadDate, buf);
  }
  return date;
}

Result<Date> parse_date(std::string_view text) {
  const std::string quoted = "'" + std::string(text.substr(0, 32)) + "'";
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return Fail(Errc::kBadDate, "expected YYYY-MM-DD, got " + quoted);
  }
  int fields[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lens[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (std::size_t i = 0; i < lens[f]; ++i) {
      char c = text[starts[f] + i];
      if (c < '0' || c > '9') return Fail(Errc::kBadDate, "expected YYYY-MM-DD, got " + quoted);
      fields[f] = fields[f] * 10 + (c - '0');
    }
  }
  return make_date(fields[0], static_cast<unsigned>(fields[1]), static_cast<unsigned>(fields[2]));
}

std::string format_date(const Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::int64_t day_number(const Date& d) {
  return std::chrono::sys_days{d}.time_since_epoch().count();
}

std::int64_t days_between(const Date& a, const Date& b) { return day_number(b) - day_number(a); }

Date add_days(const Date& d, std::int64_t days) {
  return Date{std::chrono::sys_days{d} + std::chrono::days{days}};
}

int months_per_period(BillingCycle cycle) {
  switch (cycle) {
    case BillingCycle::kMonthly: return 1;
    case BillingCycle::kQuarterly: return 3;
    case BillingCycle::kAnnual: return 12;
  }
  PACTUM_UNREACHABLE();
}

Date boundary(year_month first_month, std::int64_t k, BillingCycle cycle, unsigned anchor_day) {
  PACTUM_ASSERT(anchor_day >= 1 && anchor_day <= 31);
  year_month ym = first_month + months{k * months_per_period(cycle)};
  unsigned last = static_cast<unsigned>(year_month_day_last{ym.year(), std::chrono::month_day_last{ym.month()}}.day());
  return Date{ym.year(), ym.month(), day{std::min(anchor_day, last)}};
}

Result<std::vector<Period>> billing_periods(const Date& from, const Date& to, BillingCycle cycle,
                                            unsigned anchor_day) {
  if (anchor_day < 1 || anchor_day > 31) {
    return Fail(Errc::kInvalidArgument, "anchor day " + std::to_string(anchor_day) + " not in 1..31");
  }
  if (day_number(from) >= day_number(to)) {
    return Fail(Errc::kBadDate, "empty range " + format_date(from) + " .. " + format_date(to));
  }
  year_month first{from.year(), from.month()};
  // The boundary in from's month may lie after `from` (start mid-period): step back one.
  std::int64_t k = day_number(boundary(first, 0, cycle, anchor_day)) > day_number(from) ? -1 : 0;
  std::vector<Period> out;
  while (true) {
    Period p{boundary(first, k, cycle, anchor_day), boundary(first, k + 1, cycle, anchor_day)};
    out.push_back(p);
    if (day_number(p.end) >= day_number(to)) break;
    if (out.size() >= kPeriodsMax) {
      return Fail(Errc::kBadDate, "more than " + std::to_string(kPeriodsMax) + " billing periods");
    }
    ++k;
  }
  return out;
}

namespace {
// 30/360 US (bond basis): day 31 counts as 30; an end on the 31st counts as 30
// when the start day is 30 or 31.
std::int64_t thirty360(const Date& a, const Date& b) {
  std::int64_t d1 = static_cast<unsigned>(a.day());
  std::int64_t d2 = static_cast<unsigned>(b.day());
  if (d1 == 31) d1 = 30;
  if (d2 == 31 && d1 >= 30) d2 = 30;
  std::int64_t y = static_cast<int>(b.year()) - static_cast<int>(a.year());
  std::int64_t m = static_cast<std::int64_t>(static_cast<unsigned>(b.month())) -
                   static_cast<std::int64_t>(static_cast<unsigned>(a.month()));
  return 360 * y + 30 * m + (d2 - d1);
}
}  // namespace

std::int64_t day_count(const Date& a, const Date& b, DayCount convention) {
  PACTUM_ASSERT(day_number(a) <= day_number(b));
  switch (convention) {
    case DayCount::kActual:
    case DayCount::kThirtyDayMonths: return days_between(a, b);
    case DayCount::kThirty360: return thirty360(a, b);
  }
  PACTUM_UNREACHABLE();
}

std::int64_t period_day_count(const Period& p, BillingCycle cycle, DayCount convention) {
  switch (convention) {
    case DayCount::kActual: return days_between(p.start, p.end);
    case DayCount::kThirtyDayMonths: return 30 * months_per_period(cycle);
    case DayCount::kThirty360: return thirty360(p.start, p.end);
  }
  PACTUM_UNREACHABLE();
}

}  // namespace pactum::settlement
