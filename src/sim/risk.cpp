#include "sim/risk.h"

#include <algorithm>
#include <cmath>

namespace tinderbox {
namespace {

std::int64_t rank_of(double q, std::int64_t paths) {
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(q * double(paths) - 1e-9)),
                                  1, paths);
}

}  // namespace

LossMeasures loss_measures(std::vector<double>& losses, std::int64_t paths, double q) {
  LossMeasures m;
  if (paths <= 0) return m;
  std::sort(losses.begin(), losses.end());
  const auto zeros = paths - static_cast<std::int64_t>(losses.size());
  // The mean as the smallest loss of any path (0 when a path lost nothing) plus the mean excess
  // over it: equal losses on every path give exactly that loss, and never less than the
  // smallest. Sums run over the sorted losses, an order that no split of the paths changes.
  const double least = zeros > 0 || losses.empty() ? 0.0 : losses.front();
  double excess = 0;
  for (double x : losses) excess += x - least;
  m.mean = least + excess / double(paths);
  const std::int64_t rank = rank_of(q, paths);
  m.var = rank <= zeros ? 0.0 : losses[static_cast<std::size_t>(rank - zeros - 1)];
  // Acerbi-Tasche rearranged as VaR plus the tail's mean excess over it (the paths above VaR
  // spread over the (1 - q) N worst), so ES >= VaR by construction and ES = VaR when nothing
  // lies above it.
  const auto upper = std::upper_bound(losses.begin(), losses.end(), m.var);
  double above = 0;
  for (auto it = upper; it != losses.end(); ++it) above += *it - m.var;
  m.es = m.var + above / ((1 - q) * double(paths));
  return m;
}

std::optional<int> censored_quantile(const std::vector<std::int64_t>& histogram,
                                     std::int64_t paths, double q) {
  const std::int64_t rank = rank_of(q, paths);
  std::int64_t seen = 0;
  for (std::size_t k = 0; k < histogram.size(); ++k)
    if ((seen += histogram[k]) >= rank) return static_cast<int>(k);
  return std::nullopt;
}

}  // namespace tinderbox
