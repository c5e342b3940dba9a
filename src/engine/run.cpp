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

void State::reset(const Plan& plan) {
  const Scenario& sc = *plan.scenario;
  entities.resize(sc.entities.size());
  const auto n = static_cast<std::size_t>(plan.timeline.periods);
  for (std::size_t i = 0; i < sc.entities.size(); ++i) {
    const Entity& e = sc.entities[i];
    EntityState& s = entities[i];
    s.cash = e.cash;
    s.balance.resize(e.debt.size());
    for (std::size_t d = 0; d < e.debt.size(); ++d) s.balance[d] = e.debt[d].outstanding;
    s.accrued.assign(e.debt.size(), 0.0);
    s.rate.assign(e.debt.size(), 0.0);
    s.drawn.assign(e.debt.size(), 0.0);
    s.drawn_now.assign(e.debt.size(), 0.0);
    s.premium.assign(e.debt.size(), 0.0);
    s.tranches.resize(e.debt.size());
    for (auto& t : s.tranches) {
      t.clear();
      t.reserve(2 * n);  // at most a capex and a scheduled draw a period
    }
    s.fee_accrued.assign(e.debt.size(), 0.0);
    s.balance_days.assign(e.debt.size(), 0.0);
    s.closed.assign(e.debt.size(), 0);
    s.tests_seen.resize(e.debt.size());
    s.failures.resize(e.debt.size());
    for (std::size_t d = 0; d < e.debt.size(); ++d) {
      s.tests_seen[d].assign(e.debt[d].covenants.tests.size(), 0);
      s.failures[d].assign(e.debt[d].covenants.tests.size(), 0);
    }
    s.service.assign(n, 0.0);
    s.shares = e.shares.value_or(0.0);
    s.last_raise.assign(e.equity.size(), -1);
    s.ebitda.assign(n, 0.0);
    s.interest.assign(n, 0.0);
    s.overcontracted.assign(sc.market.gpus.size(), 0);
    s.freed_hours.assign(sc.market.gpus.size(), 0.0);
    s.default_period = -1;
    s.liquidated = false;  // a State is reused from path to path
  }
}

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
