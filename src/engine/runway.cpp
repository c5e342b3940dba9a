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

std::optional<int> runway_without_new_money(const Scenario& s, int entity) {
  const Scenario dry = without_new_money(s);
  return run_deterministic(dry).entities[static_cast<std::size_t>(entity)].default_period;
}

}  // namespace tinderbox
