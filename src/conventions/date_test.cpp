#include "conventions/date.h"

#include <gtest/gtest.h>

namespace tinderbox {
namespace {

Date d(const char* s) { return *parse_date(s); }

TEST(Date, ParsesOnlyRealIsoDates) {
  EXPECT_TRUE(parse_date("2024-02-29"));
  EXPECT_FALSE(parse_date("2025-02-29"));
  EXPECT_FALSE(parse_date("2025-13-01"));
  EXPECT_FALSE(parse_date("2025-1-01"));
  EXPECT_FALSE(parse_date("2025-01-01x"));
  EXPECT_FALSE(parse_date("1900-01-01"));  // outside QuantLib's range
  EXPECT_EQ(format_date(d("2031-12-01")), "2031-12-01");
  EXPECT_EQ(d("2025-03-01") - d("2025-02-01"), 28);
  EXPECT_EQ(d("2024-03-01") - d("2024-02-01"), 29);
}

TEST(Date, AddsMonthsClampingToTheMonthEnd) {
  EXPECT_EQ(format_date(*add_months(d("2025-01-31"), 1)), "2025-02-28");
  EXPECT_EQ(format_date(*add_months(d("2025-01-01"), 14)), "2026-03-01");
  EXPECT_EQ(format_date(end_of_month(d("2024-02-10"))), "2024-02-29");
  EXPECT_TRUE(is_end_of_month(d("2025-06-30")));
  EXPECT_FALSE(is_end_of_month(d("2025-06-29")));
  EXPECT_FALSE(add_months(d("2199-12-01"), 1));
}

// Year fractions by hand: act/360 and act/365 count days; 30/360 counts every whole month as 30.
TEST(Date, YearFractionsMatchHandCounts) {
  EXPECT_DOUBLE_EQ(year_fraction(DayCount::Act360, d("2025-01-01"), d("2025-02-01")), 31.0 / 360);
  EXPECT_DOUBLE_EQ(year_fraction(DayCount::Act365, d("2024-02-01"), d("2024-03-01")), 29.0 / 365);
  EXPECT_DOUBLE_EQ(year_fraction(DayCount::Thirty360, d("2025-02-01"), d("2025-03-01")), 30.0 / 360);
  EXPECT_DOUBLE_EQ(year_fraction(DayCount::Thirty360, d("2025-01-01"), d("2025-04-01")), 90.0 / 360);
  // US bond basis: from the 31st, and to the 31st when starting on the 30th or 31st, count as 30.
  EXPECT_DOUBLE_EQ(year_fraction(DayCount::Thirty360, d("2025-01-31"), d("2025-03-31")), 60.0 / 360);
  EXPECT_DOUBLE_EQ(year_fraction(DayCount::Thirty360, d("2025-06-01"), d("2025-12-01")), 0.5);
}

}  // namespace
}  // namespace tinderbox
