// Risk measures of a loss distribution over N paths, from the losses of the paths that lost
// anything (the rest lost 0). Quantiles are the lower quantile: the smallest value whose share
// of paths at or below it is at least q (the value of rank ceil(q N)).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace tinderbox {

struct LossMeasures {
  double mean = 0;
  double var = 0;  // value at risk at the level
  double es = 0;   // expected shortfall at the level
};

// `losses` (all > 0) is sorted in place. ES is Acerbi and Tasche's (2002) for a discrete
// distribution: ES = (E[L; L > VaR] + VaR (P(L <= VaR) - q)) / (1 - q), computed as
// VaR + E[L - VaR; L > VaR] / (1 - q); the mean as L_min + E[L - L_min], L_min the smallest
// loss of any path (docs/model.md, Tallies).
LossMeasures loss_measures(std::vector<double>& losses, std::int64_t paths, double q);

// The q-quantile of a period count from a histogram [k] = paths with value k (k = 0..), the
// other paths having no value within the horizon (censored); nullopt when the quantile's rank
// falls among those.
std::optional<int> censored_quantile(const std::vector<std::int64_t>& histogram,
                                     std::int64_t paths, double q);

}  // namespace tinderbox
