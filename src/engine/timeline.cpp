#include "engine/timeline.h"

#include <algorithm>
#include <cassert>

namespace tinderbox {

Timeline::Timeline(const Scenario& s)
    : periods(s.horizon),
      months_per_period(tinderbox::months_per_period(s.period)),
      periods_per_year(12 / months_per_period) {
  starts.reserve(static_cast<std::size_t>(periods) + 1);
  for (int k = 0; k <= periods; ++k) {
    const auto d = add_months(s.start, k * months_per_period);
    assert(d && "the loader keeps the horizon inside the supported date range");
    starts.push_back(*d);
  }
  for (int k = 0; k < periods; ++k) {
    ends.push_back(starts[k + 1] - 1);
    days.push_back(starts[k + 1] - starts[k]);
    for (DayCount dc : {DayCount::Act360, DayCount::Act365, DayCount::Thirty360})
      year_fraction[static_cast<std::size_t>(dc)].push_back(
          tinderbox::year_fraction(dc, starts[k], starts[k + 1]));
  }
  for (int k = 0; k < periods; ++k) {
    const bool closes = (k + 1) % periods_per_year == 0;
    year_ends.push_back(closes);
    year_days.push_back(closes ? starts[k + 1] - starts[k + 1 - periods_per_year] : 0);
  }
}

int Timeline::period_of(Date d) const {
  if (d < starts.front()) return -1;
  const auto it = std::upper_bound(starts.begin(), starts.end(), d);
  return static_cast<int>(it - starts.begin()) - 1;
}

int Timeline::period_ending(Date d) const {
  const auto it = std::lower_bound(ends.begin(), ends.end(), d);
  return it != ends.end() && *it == d ? static_cast<int>(it - ends.begin()) : -1;
}

int Timeline::overlap_days(int k, Date from, Date to) const {
  const Date lo = std::max(from, starts[k]);
  const Date hi = std::min(to, ends[k]);
  return hi < lo ? 0 : (hi - lo) + 1;
}

}  // namespace tinderbox
