// The deterministic run: the period loop over the scenario's own curves, everything recorded.
#pragma once

#include <optional>
#include <vector>

#include "engine/flows.h"
#include "engine/plan.h"

namespace tinderbox {

struct MarketPath;  // market/market_path.h
struct State;       // engine/entity_step.h

// One value per period for each figure of an entity.
struct EntitySeries {
  std::vector<PeriodFigures> periods;
  std::optional<int> default_period;  // the period at whose end the entity defaulted
};

// What the period loop emits, kept.
struct Recording {
  std::vector<EntitySeries> entities;
  std::vector<Flow> flows;    // in the order they happened
  std::vector<Event> events;  // likewise

  // One series per entity of `plan`, a figure per period, no flow or event (memory kept).
  void start(const Plan& plan);
};

struct RunResult : Recording {
  const Scenario* scenario = nullptr;
  Plan plan;

  explicit RunResult(const Scenario& s) : scenario(&s), plan(s) {}

  // Each entity's runway absent new money: the period it runs out of cash in the scenario without
  // new money (engine/runway.h), if within the horizon. One run of that scenario serves every
  // entity and every reader of this result (its JSON, its summary, the store), so it is computed
  // at the first call and kept; run once per entity, it made `run` quadratic in the entities.
  const std::vector<std::optional<int>>& dry_runways() const;

 private:
  mutable std::optional<std::vector<std::optional<int>>> dry_runways_;
};

RunResult run_deterministic(const Scenario& s);

// Advances `state` through periods [first, last) of the market path `m`, recording into `out`
// (started for `plan`), and sets the default period of each entity that has defaulted.
// run_deterministic is this over the whole horizon; callers with a market path of their own
// (tests) or that stop at a date (exposure_network) call it directly. It is the only place that
// compiles step() with a recording sink: the compiler sees each sink type as a copy of the whole
// engine (about a minute at -O2), so new readers of the loop should come here, not bring a sink.
void record_periods(const Plan& plan, const MarketPath& m, int first, int last, State& state,
                    Recording& out);

}  // namespace tinderbox
