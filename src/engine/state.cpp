#include "engine/entity_step.h"

#include <algorithm>

namespace tinderbox {

void State::reset(const Plan& plan) {
  const Scenario& sc = *plan.scenario;
  entities.resize(sc.entities.size());
  site_skip.resize(sc.entities.size());
  const auto n = static_cast<std::size_t>(plan.timeline.periods);
  for (std::size_t i = 0; i < sc.entities.size(); ++i) {
    const Entity& e = sc.entities[i];
    EntityState& s = entities[i];
    site_skip[i].assign(2 * plan.entities[i].sites.size() + 1, std::numeric_limits<int>::max());
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
    const EntityPlan& p = plan.entities[i];
    // Per-period books only for an entity the loop runs (a party known by its credit has none):
    // Monte Carlo resets the State once a path. They are sized, not zeroed: period k's entries
    // are written in period k while the entity is active (operate() the contracts', then
    // after_payments_body() the rest, before its covenant tests), and only an active entity's
    // covenant tests read them, at periods up to k, all written on this path. Zeroing five rows
    // of every period on every path was a tenth of State::reset's instructions.
    if (p.operates) {
      s.ebitda.resize(n);
      s.interest.resize(n);
      s.service.resize(n);
      s.contract_due.resize(n);
      s.contract_received.resize(n);
    }
    s.overcontracted.assign(sc.market.gpus.size(), 0);
    s.freed_hours.assign(sc.market.gpus.size(), 0.0);
    s.shares = e.shares.value_or(0.0);
    s.last_raise.assign(e.equity.size(), -1);
    s.default_period = -1;
    s.liquidated = false;
    // Capacity.
    s.site_pay.assign(p.sites.size(), 0.0);
    s.delivered.assign(p.deliveries.size(), EntityState::Delivered{});
    s.short_of_power = false;
    s.site_window.assign(p.sites.size(), {0, -1});
    s.cuts = s.missed = false;
    s.first_stop = 0;
    // Network.
    s.liability.clear();
    for (const Liability& l : e.liabilities) s.liability.push_back(l.amount);
    s.guarantee_paid = 0;
    s.held = s.held_before = 1;
    s.owners_paid = 0;
    s.owners_period = -1;
    s.invested.assign(e.invest_to_buy.size(), 0.0);
    s.bought.assign(e.invest_to_buy.size(), 0.0);
    s.purchased.assign(e.warrants.size(), 0.0);
    std::size_t tranches = 0;
    for (const Warrant& w : e.warrants) tranches += w.tranches.size();
    s.vested.assign(tranches, 0);
    // Nothing to model (a party known only by its credit): its cash and shares never move.
    clear_figures(s.f);
    s.f.cash = s.cash;
    s.f.shares = s.shares;
    s.active = false;
    s.due.clear();
    s.due.reserve(p.max_obligations);
    s.net_due.clear();
    s.net_due.reserve(p.max_obligations);
    s.own = s.pending = 0;
    // Forced sales: the books of what was sold are read only once something is (sold_lots), so
    // only an entity that can sell (a borrowing base with `cure: sell`) keeps them.
    s.sold_lots = false;
    if (p.sells_to_cure) {
      s.sales.assign(p.lots.size() + 2 * sc.market.gpus.size(), 0.0);
      std::fill(s.sales.begin(), s.sales.begin() + static_cast<std::ptrdiff_t>(p.lots.size()), 1.0);
    }
  }
  index.assign(sc.market.gpus.size(), 1.0);
  gpus_now.reserve(sc.market.gpus.size());
  sold.assign(sc.market.gpus.size(), 0.0);
  round = 1;
  calls = false;
}

}  // namespace tinderbox
