// The period grid: period k covers the days [d_k, d_{k+1}) and its flows are dated d_{k+1} - 1.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "conventions/date.h"
#include "scenario/scenario.h"

namespace tinderbox {

struct Timeline {
  int periods = 0;
  int months_per_period = 1;
  int periods_per_year = 12;  // in a trailing twelve months or a twelve-month block
  std::vector<Date> starts;  // d_0 .. d_N (N + 1 dates)
  std::vector<Date> ends;    // e_k = d_{k+1} - 1, the date of period k's flows
  std::vector<int> days;     // d_{k+1} - d_k
  std::array<std::vector<double>, 3> year_fraction;  // by DayCount, from d_k to d_{k+1}
  // Twelve-month blocks from `start` (the years of the summary and of annual fees):
  std::vector<std::uint8_t> year_ends;  // [k]: period k closes a block
  std::vector<int> year_days;           // [k]: days in the block that period k closes, else 0

  explicit Timeline(const Scenario& s);

  const std::vector<double>& yf(DayCount dc) const {
    return year_fraction[static_cast<std::size_t>(dc)];
  }
  // The period whose days contain `d`: -1 before d_0, `periods` at or after d_N.
  int period_of(Date d) const;
  // The period that ends exactly on `d`, or -1 when `d` is no period end.
  int period_ending(Date d) const;
  // Number of days of period k that fall inside [from, to] (both inclusive).
  int overlap_days(int k, Date from, Date to) const;
};

}  // namespace tinderbox
