#include "engine/runway.h"

#include "engine/run.h"

namespace tinderbox {

Scenario without_new_money(const Scenario& s) {
  Scenario out = s;
  for (Entity& e : out.entities) {
    e.equity.clear();
    for (Capex& c : e.capex) {
      c.funded_by = -1;
      c.advance_rate = 0;
    }
    for (Debt& d : e.debt) {
      d.draws.clear();
      d.commitment = d.outstanding;
      d.draw_below = 0;
    }
  }
  return out;
}

std::vector<std::optional<int>> runways_without_new_money(const Scenario& s) {
  const RunResult dry = run_deterministic(without_new_money(s));
  std::vector<std::optional<int>> out;
  out.reserve(dry.entities.size());
  for (const EntitySeries& e : dry.entities) out.push_back(e.default_period);
  return out;
}

}  // namespace tinderbox
