// Monte Carlo results as SPEC §4's JSON and as a short terminal summary.
#pragma once

#include <iosfwd>

#include <nlohmann/json.hpp>

#include "sim/simulate.h"

namespace tinderbox {

// `t` is the whole run's tally; its loss lists are sorted in place.
nlohmann::ordered_json simulation_to_json(const Plan& plan, const SimLayout& layout, Tally& t,
                                          std::uint32_t seed);

// The same figures for a reader: default probability by year, median and 5-95 % cash, runway
// quantiles, each lender's expected loss, VaR and ES.
void write_simulation_summary(const nlohmann::ordered_json& j, std::ostream& out);

}  // namespace tinderbox
