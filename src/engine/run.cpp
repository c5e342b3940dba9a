#include "engine/run.h"

#include "engine/period_loop.h"

namespace tinderbox {
namespace {

struct RecordingSink {
  RunResult& r;
  void flow(const Flow& f) { r.flows.push_back(f); }
  void event(const Event& e) { r.events.push_back(e); }
  void figures(int period, int entity, const PeriodFigures& f) {
    EntitySeries& s = r.entities[static_cast<std::size_t>(entity)];
    s.periods[static_cast<std::size_t>(period)] = f;
  }
};

}  // namespace

RunResult run_deterministic(const Scenario& s) {
  RunResult r(s);
  const MarketPath m = deterministic_market(s, r.plan.timeline);
  State state;
  state.reset(r.plan);
  r.entities.resize(s.entities.size());
  for (EntitySeries& es : r.entities)
    es.periods.resize(static_cast<std::size_t>(r.plan.timeline.periods));
  RecordingSink sink{r};
  for (int k = 0; k < r.plan.timeline.periods; ++k) step(r.plan, m, k, state, sink);
  for (std::size_t i = 0; i < s.entities.size(); ++i)
    if (state.entities[i].default_period >= 0)
      r.entities[i].default_period = state.entities[i].default_period;
  return r;
}

}  // namespace tinderbox
