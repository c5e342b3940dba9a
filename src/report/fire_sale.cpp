#include "report/fire_sale.h"

#include "book/fleet.h"
#include "market/market_path.h"

namespace tinderbox {

std::vector<std::vector<double>> fire_sale_values(const RunResult& r) {
  const Scenario& s = *r.scenario;
  const MarketPath m = deterministic_market(s, r.plan.timeline);
  const int n = r.plan.timeline.periods;
  std::vector<std::vector<double>> out(s.entities.size(), std::vector<double>(n, 0.0));
  for (std::size_t e = 0; e < s.entities.size(); ++e) {
    const int stop = r.entities[e].default_period.value_or(n);
    const PerPeriod<OwnedLot>& owned = r.plan.entities[e].owned_lots;
    for (int k = 0; k < n && k < stop && static_cast<std::size_t>(k) + 1 < owned.first.size(); ++k)
      for (const OwnedLot& lot : owned.at(static_cast<std::size_t>(k)))
        out[e][static_cast<std::size_t>(k)] +=
            lot_market_value(m.rent_end_at(lot.gpu, k), lot.cost_per_hour, lot.value_factor) *
            (1 - s.market.gpus[static_cast<std::size_t>(lot.gpu)].liquidation_haircut);
  }
  return out;
}

}  // namespace tinderbox
