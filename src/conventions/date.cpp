#include "conventions/date.h"

#include <cstdio>

#include <ql/time/date.hpp>
#include <ql/time/daycounters/actual360.hpp>
#include <ql/time/daycounters/actual365fixed.hpp>
#include <ql/time/daycounters/thirty360.hpp>
#include <ql/time/period.hpp>

namespace tinderbox {
namespace {

QuantLib::Date ql(Date d) { return QuantLib::Date(static_cast<QuantLib::Date::serial_type>(d.serial)); }
Date from_ql(const QuantLib::Date& d) { return Date{static_cast<std::int32_t>(d.serialNumber())}; }

bool in_range(int year) { return year >= 1901 && year <= 2199; }

}  // namespace

std::optional<Date> make_date(int year, int month, int day) {
  if (!in_range(year) || month < 1 || month > 12 || day < 1) return std::nullopt;
  const QuantLib::Date first(1, static_cast<QuantLib::Month>(month), year);
  if (day > QuantLib::Date::endOfMonth(first).dayOfMonth()) return std::nullopt;
  return from_ql(QuantLib::Date(day, static_cast<QuantLib::Month>(month), year));
}

std::optional<Date> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto digits = [&](std::size_t pos, std::size_t n) -> int {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  return make_date(y, m, d);
}

Ymd ymd(Date d) {
  const QuantLib::Date q = ql(d);
  return Ymd{q.year(), static_cast<int>(q.month()), q.dayOfMonth()};
}

std::string format_date(Date d) {
  const Ymd x = ymd(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", x.year, x.month, x.day);
  return buf;
}

std::optional<Date> add_months(Date d, int months) {
  const Ymd x = ymd(d);
  const int total = x.year * 12 + (x.month - 1) + months;
  if (!in_range(total / 12)) return std::nullopt;
  return from_ql(ql(d) + QuantLib::Period(months, QuantLib::Months));
}

Date end_of_month(Date d) { return from_ql(QuantLib::Date::endOfMonth(ql(d))); }
bool is_end_of_month(Date d) { return QuantLib::Date::isEndOfMonth(ql(d)); }
bool is_first_of_month(Date d) { return ql(d).dayOfMonth() == 1; }

double year_fraction(DayCount dc, Date from, Date to) {
  switch (dc) {
    case DayCount::Act360:
      return QuantLib::Actual360().yearFraction(ql(from), ql(to));
    case DayCount::Act365:
      return QuantLib::Actual365Fixed().yearFraction(ql(from), ql(to));
    case DayCount::Thirty360:
      return QuantLib::Thirty360(QuantLib::Thirty360::BondBasis).yearFraction(ql(from), ql(to));
  }
  return 0.0;
}

const char* day_count_name(DayCount dc) {
  switch (dc) {
    case DayCount::Act360: return "act/360";
    case DayCount::Act365: return "act/365";
    case DayCount::Thirty360: return "30/360";
  }
  return "?";
}

}  // namespace tinderbox
