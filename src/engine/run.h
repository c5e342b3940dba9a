// The deterministic run: the period loop over the scenario's own curves, everything recorded.
#pragma once

#include <optional>
#include <vector>

#include "engine/flows.h"
#include "engine/plan.h"

namespace tinderbox {

// One value per period for each figure of an entity.
struct EntitySeries {
  std::vector<PeriodFigures> periods;
  std::optional<int> default_period;  // the period at whose end the entity defaulted
};

struct RunResult {
  const Scenario* scenario = nullptr;
  Plan plan;
  std::vector<EntitySeries> entities;
  std::vector<Flow> flows;    // in the order they happened
  std::vector<Event> events;  // likewise

  explicit RunResult(const Scenario& s) : scenario(&s), plan(s) {}
};

RunResult run_deterministic(const Scenario& s);

}  // namespace tinderbox
