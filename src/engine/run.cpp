#include "engine/run.h"

#include "engine/period_loop.h"
#include "engine/runway.h"

namespace tinderbox {
namespace {

struct RecordingSink {
  static constexpr bool kFireSaleValue = true;
  Recording& r;
  void flow(const Flow& f) { r.flows.push_back(f); }
  void event(const Event& e) { r.events.push_back(e); }
  void figures(int period, int entity, const PeriodFigures& f) {
    EntitySeries& s = r.entities[static_cast<std::size_t>(entity)];
    s.periods[static_cast<std::size_t>(period)] = f;
  }
};

}  // namespace

void Recording::start(const Plan& plan) {
  entities.resize(plan.entities.size());
  for (EntitySeries& es : entities) {
    es.periods.assign(static_cast<std::size_t>(plan.timeline.periods), PeriodFigures{});
    es.default_period.reset();
  }
  flows.clear();
  events.clear();
}

void record_periods(const Plan& plan, const MarketPath& m, int first, int last, State& state,
                    Recording& out) {
  RecordingSink sink{out};
  for (int k = first; k < last; ++k) step(plan, m, k, state, sink);
  for (std::size_t i = 0; i < out.entities.size(); ++i)
    if (state.entities[i].default_period >= 0)
      out.entities[i].default_period = state.entities[i].default_period;
}

const std::vector<std::optional<int>>& RunResult::dry_runways() const {
  if (!dry_runways_) dry_runways_ = runways_without_new_money(*scenario);
  return *dry_runways_;
}

RunResult run_deterministic(const Scenario& s) {
  RunResult r(s);
  const MarketPath m = deterministic_market(s, r.plan.timeline);
  State state;
  state.reset(r.plan);
  r.start(r.plan);
  record_periods(r.plan, m, 0, r.plan.timeline.periods, state, r);
  return r;
}

}  // namespace tinderbox
