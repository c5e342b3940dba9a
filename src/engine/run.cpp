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
    // The vectors keep their memory from path to path: only the first reset allocates.
    s.debt.resize(e.debt.size());
    for (std::size_t d = 0; d < e.debt.size(); ++d) {
      DebtState& x = s.debt[d];
      x.balance = e.debt[d].outstanding;
      x.premium = x.accrued = x.fee_accrued = x.rate = x.drawn = x.drawn_now = x.balance_days = 0;
      x.closed = false;
      x.tranches.clear();
      if (e.debt[d].draw_term_months > 0)
        x.tranches.reserve(2 * n);  // at most a capex and a scheduled draw a period
      x.tests_seen.assign(e.debt[d].covenants.tests.size(), 0);
      x.failures.assign(e.debt[d].covenants.tests.size(), 0);
    }
    s.ebitda.assign(n, 0.0);
    s.interest.assign(n, 0.0);
    s.service.assign(n, 0.0);
    s.contract_due.assign(n, 0.0);
    s.contract_received.assign(n, 0.0);
    s.overcontracted.assign(sc.market.gpus.size(), 0);
    s.freed_hours.assign(sc.market.gpus.size(), 0.0);
    s.shares = e.shares.value_or(0.0);
    s.last_raise.assign(e.equity.size(), -1);
    s.default_period = -1;
    s.liquidated = false;
    const EntityPlan& p = plan.entities[i];
    s.site_pay.assign(p.sites.size(), 0.0);
    s.delivered.assign(p.deliveries.size(), EntityState::Delivered{});
    s.short_of_power = false;
    s.site_window.assign(p.sites.size(), {0, -1});
    s.site_moved.assign(p.sites.size(), 0);
    s.cuts = s.missed = false;
    s.first_stop = 0;
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
