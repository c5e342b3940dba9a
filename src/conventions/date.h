// Dates and day counts: the market's conventions, computed by QuantLib.
//
// QuantLib is kept behind this one small module so that its heavy headers touch a single file.
// A Date is a plain serial day number (QuantLib's: 1 = 1899-12-31), cheap to copy and compare,
// so that the period loop never calls into QuantLib: it uses tables built here once per run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tinderbox {

struct Date {
  std::int32_t serial = 0;
  friend auto operator<=>(Date, Date) = default;
};

inline int operator-(Date a, Date b) { return a.serial - b.serial; }
inline Date operator+(Date d, int days) { return Date{d.serial + days}; }
inline Date operator-(Date d, int days) { return Date{d.serial - days}; }

struct Ymd {
  int year, month, day;
};

enum class DayCount { Act360, Act365, Thirty360 };

// The supported range is QuantLib's, 1901-01-01 to 2199-12-31.
std::optional<Date> make_date(int year, int month, int day);
// Parses exactly YYYY-MM-DD; nullopt for anything else or an impossible date.
std::optional<Date> parse_date(std::string_view text);
Ymd ymd(Date d);
std::string format_date(Date d);  // YYYY-MM-DD

// Adds whole months, keeping the day of month where it exists and clamping to the month's end
// otherwise (QuantLib's Date + Period, no end-of-month rule). Nullopt outside the range.
std::optional<Date> add_months(Date d, int months);
Date end_of_month(Date d);
bool is_end_of_month(Date d);
bool is_first_of_month(Date d);

// Year fraction from `from` (inclusive) to `to` (exclusive) under the day count.
// 30/360 is the US bond basis (QuantLib Thirty360::BondBasis).
double year_fraction(DayCount dc, Date from, Date to);
const char* day_count_name(DayCount dc);

}  // namespace tinderbox
