#include "market/market_path.h"

namespace tinderbox {

MarketPath deterministic_market(const Scenario& s, const Timeline& t) {
  MarketPath m;
  m.periods = t.periods;
  for (const RateCurve& r : s.market.rates)
    for (int k = 0; k < t.periods; ++k) m.rate.push_back(r.curve.at(t.starts[k]));
  for (const GpuMarket& g : s.market.gpus) {
    for (int k = 0; k < t.periods; ++k) m.rent.push_back(g.rent.at(t.starts[k]));
    for (int k = 0; k < t.periods; ++k) m.rent_end.push_back(g.rent.at(t.ends[k]));
  }
  for (const SharePrice& sp : s.market.equity)
    for (int k = 0; k < t.periods; ++k) m.share_price.push_back(sp.price.at(t.ends[k]));
  m.demand.assign(static_cast<std::size_t>(t.periods), 0.0);
  for (const Entity& e : s.entities) m.contract_stop.emplace_back(e.contracts.size(), t.periods);
  for (const Entity& e : s.entities) {
    m.site_delay.emplace_back(e.sites.size(), 0);
    m.site_stop.emplace_back(e.sites.size(), t.periods);
  }
  m.moved_sites.assign(s.entities.size(), {});
  return m;
}

}  // namespace tinderbox
