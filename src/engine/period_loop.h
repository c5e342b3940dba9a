// The one period loop. The deterministic run, Monte Carlo and (later) contagion all advance the
// world by calling step() once per period; only the market path and the sink differ.
//
// A Sink receives what happens, as plain numbers:
//   void flow(const Flow&);  void event(const Event&);
//   void figures(int period, int entity, const PeriodFigures&);
// It is a template parameter, so a sink that ignores flows costs nothing (STYLE.md 6).
#pragma once

#include <algorithm>
#include <limits>
#include <vector>

#include "engine/flows.h"
#include "engine/plan.h"
#include "market/market_path.h"

namespace tinderbox {

struct EntityState {
  double cash = 0;
  std::vector<double> balance;  // per debt, $M
  std::vector<double> accrued;  // per debt: interest accrued since the last payment date
  std::vector<double> rate;     // per debt: the current accrual's coupon rate
  std::vector<double> drawn;    // per debt: drawn so far against the commitment, from `start`
  std::vector<double> ebitda;   // per period, for trailing-twelve-month covenants
  std::vector<double> interest; // per period: interest expense
  std::vector<std::uint8_t> overcontracted;  // per GPU generation: already reported
  int default_period = -1;
};

struct State {
  std::vector<EntityState> entities;
  // Sets the state at `start`; allocates only the first time (reuse one State per thread).
  void reset(const Plan& plan);
};

// Pays obligations in order from the cash at hand. The first that cannot be paid in full is paid
// with what is left and makes the entity default; nothing after it is paid.
template <class Sink>
class Payer {
 public:
  Payer(Sink& sink, EntityState& s, int period, int entity)
      : sink_(sink), s_(s), period_(period), entity_(entity) {}

  void receive(FlowKind kind, Source src, int index, double amount) {
    if (amount == 0) return;
    s_.cash += amount;
    sink_.flow(Flow{period_, entity_, kind, src, index, amount});
  }

  // Returns the amount actually paid.
  double pay(FlowKind kind, Source src, int index, double amount) {
    if (amount <= 0 || failed_) return 0.0;
    double paid = amount;
    if (s_.cash < amount) {
      failed_ = true;
      paid = std::max(0.0, s_.cash);
      s_.default_period = period_;
      Event ev{period_, entity_, EventType::Default, src, index, Covenant::None, kind, amount,
               paid};
      sink_.event(ev);
    }
    if (paid > 0) {
      s_.cash -= paid;
      sink_.flow(Flow{period_, entity_, kind, src, index, -paid});
    }
    return paid;
  }

  bool failed() const { return failed_; }

 private:
  Sink& sink_;
  EntityState& s_;
  int period_, entity_;
  bool failed_ = false;
};

namespace detail {

inline double at(const std::vector<double>& v, int i, int n, int k) {
  return v[static_cast<std::size_t>(i * n + k)];
}

// Market value of a set of lots owned at the end of period k.
inline double lots_market_value(const EntityPlan& p, const std::vector<int>& lots,
                                const MarketPath& m, int k) {
  double v = 0;
  for (int i : lots) {
    const LotPlan& lot = p.lots[static_cast<std::size_t>(i)];
    if (lot.first_period <= k) v += lot.market_value(m.rent_end_at(lot.gpu, k), k);
  }
  return v;
}

template <class Sink>
void test_covenants(const Plan& plan, const Entity& e, const EntityPlan& p, const MarketPath& m,
                    int k, int entity, EntityState& s, Sink& sink) {
  const auto kk = static_cast<std::size_t>(k);
  for (std::size_t d = 0; d < e.debt.size(); ++d) {
    if (!p.debt[d].pays[kk]) continue;
    const Covenants& c = e.debt[d].covenants;
    auto breach = [&](Covenant which, double value, double limit) {
      sink.event(Event{k, entity, EventType::CovenantBreach, Source::Debt, static_cast<int>(d),
                       which, FlowKind::Revenue, value, limit});
    };
    if (c.min_liquidity && s.cash < *c.min_liquidity)
      breach(Covenant::MinLiquidity, s.cash, *c.min_liquidity);
    if (c.max_ltv && s.balance[d] > 0) {
      const double value = lots_market_value(p, p.collateral[d], m, k);
      // No collateral value at all: the loan-to-value is unbounded, a breach of any limit.
      const double ltv = value > 0 ? s.balance[d] / value : std::numeric_limits<double>::infinity();
      if (ltv > *c.max_ltv) breach(Covenant::MaxLtv, ltv, *c.max_ltv);
    }
    if (c.min_interest_coverage) {
      double eb = 0, in = 0;
      for (int j = std::max(0, k - plan.ttm_periods + 1); j <= k; ++j) {
        eb += s.ebitda[static_cast<std::size_t>(j)];
        in += s.interest[static_cast<std::size_t>(j)];
      }
      // With no interest expense in the window the coverage is unbounded: no breach.
      if (in > 0 && eb / in < *c.min_interest_coverage)
        breach(Covenant::MinInterestCoverage, eb / in, *c.min_interest_coverage);
    }
  }
}

}  // namespace detail

// Advances one entity through period k.
template <class Sink>
void step_entity(const Plan& plan, const MarketPath& m, int k, int entity, EntityState& s,
                 Sink& sink) {
  const Scenario& sc = *plan.scenario;
  const Entity& e = sc.entities[static_cast<std::size_t>(entity)];
  const EntityPlan& p = plan.entities[static_cast<std::size_t>(entity)];
  const int n = plan.timeline.periods;
  const auto kk = static_cast<std::size_t>(k);
  PeriodFigures f;

  // Balances and fleet values at the period end.
  auto close = [&] {
    f.cash = s.cash;
    for (double b : s.balance) f.debt += b;
    for (const LotPlan& lot : p.lots)
      if (lot.first_period <= k) {
        f.collateral_book += lot.book[kk];
        f.collateral_market += lot.market_value(m.rent_end_at(lot.gpu, k), k);
      }
  };
  if (s.default_period >= 0 || !p.operates) {
    // A defaulted entity has stopped operating: its balances stay as they were at default,
    // and its GPUs (still there for its lenders) keep their values.
    close();
    sink.figures(k, entity, f);
    return;
  }

  // 1. Interest accrues on the balances held through the period; a new accrual fixes its rate.
  for (std::size_t d = 0; d < e.debt.size(); ++d) {
    const DebtTerms& t = p.debt[d];
    if (k == 0 || t.pays[kk - 1]) {
      const Rate& r = e.debt[d].rate;
      s.rate[d] = coupon_rate(r, r.is_fixed ? 0.0 : m.rate_at(r.index, k));
    }
    const double accrued = s.balance[d] * s.rate[d] * plan.timeline.yf(t.day_count)[kk];
    s.accrued[d] += accrued;
    f.interest_expense += accrued;
  }

  Payer<Sink> payer(sink, s, k, entity);

  // 2. Revenue: contracts first, then the rest of each generation's hours at market rent.
  for (std::size_t c = 0; c < e.contracts.size(); ++c) {
    const double r = p.contract_revenue[c * static_cast<std::size_t>(n) + kk];
    payer.receive(FlowKind::Revenue, Source::Contract, static_cast<int>(c), r);
    f.revenue += r;
  }
  const double util = e.operations.utilization;
  double running_hours = 0;
  for (int g = 0; g < p.gpu_types; ++g) {
    const double owned = detail::at(p.owned_hours, g, n, k);
    const double contracted = detail::at(p.contracted_hours, g, n, k);
    if (contracted > owned * (1 + 1e-12) && !s.overcontracted[static_cast<std::size_t>(g)]) {
      s.overcontracted[static_cast<std::size_t>(g)] = 1;
      sink.event(Event{k, entity, EventType::Overcontracted, Source::Spot, g, Covenant::None,
                       FlowKind::Revenue, contracted, owned});
    }
    if (owned <= 0) continue;
    const double spot_hours = util * std::max(0.0, owned - contracted);
    const double running = std::min(contracted, owned) + spot_hours;
    const double spot = spot_hours * m.rent_at(g, k) / 1e6;
    payer.receive(FlowKind::Revenue, Source::Spot, g, spot);
    f.revenue += spot;
    running_hours += running;
    // Power: the running share of the generation's kW-hours, at $/MWh; kWh / 1e3 = MWh, / 1e6 = $M.
    f.power += running / owned * detail::at(p.owned_kw_hours, g, n, k) *
               sc.market.power_usd_per_mwh / 1e9;
  }
  f.opex = running_hours * e.operations.cash_cost_per_hour / 1e6;
  f.sga = e.operations.sga;
  for (std::size_t l = 0; l < e.leases.size(); ++l)
    f.lease += p.lease_payment[l * static_cast<std::size_t>(n) + kk];
  f.ebitda = f.revenue - f.power - f.opex - f.sga - f.lease;

  // 3. New money: equity, facility draws for capex, scheduled draws (bond issues).
  for (std::size_t q = 0; q < e.equity.size(); ++q)
    if (p.equity_period[q] == k) {
      payer.receive(FlowKind::Equity, Source::Equity, static_cast<int>(q), e.equity[q].amount);
      f.equity += e.equity[q].amount;
    }
  auto draw = [&](std::size_t d, double amount) {
    amount = std::min(amount, e.debt[d].commitment - e.debt[d].outstanding - s.drawn[d]);
    if (amount <= 0) return;
    s.drawn[d] += amount;
    s.balance[d] += amount;
    f.draws += amount;
    payer.receive(FlowKind::Draw, Source::Debt, static_cast<int>(d), amount);
    sink.event(Event{k, entity, EventType::Draw, Source::Debt, static_cast<int>(d),
                     Covenant::None, FlowKind::Draw, amount, 0});
  };
  for (std::size_t d = 0; d < e.debt.size(); ++d) draw(d, p.debt[d].draws[kk]);
  for (std::size_t c = 0; c < e.capex.size(); ++c)
    if (p.capex_period[c] == k) {
      const Capex& cx = e.capex[c];
      f.capex += cx.units * cx.unit_cost;
      if (cx.funded_by >= 0)
        draw(static_cast<std::size_t>(cx.funded_by), cx.advance_rate * cx.units * cx.unit_cost);
    }

  // 4. Payments, in order of priority: running costs, leases, capex, interest, principal.
  payer.pay(FlowKind::Power, Source::None, 0, f.power);
  payer.pay(FlowKind::Opex, Source::None, 0, f.opex);
  payer.pay(FlowKind::Sga, Source::None, 0, f.sga);
  for (std::size_t l = 0; l < e.leases.size(); ++l)
    payer.pay(FlowKind::Lease, Source::Lease, static_cast<int>(l),
              p.lease_payment[l * static_cast<std::size_t>(n) + kk]);
  for (std::size_t c = 0; c < e.capex.size(); ++c)
    if (p.capex_period[c] == k)
      payer.pay(FlowKind::Capex, Source::Capex, static_cast<int>(c),
                e.capex[c].units * e.capex[c].unit_cost);
  for (std::size_t d = 0; d < e.debt.size(); ++d) {
    if (!p.debt[d].pays[kk]) continue;
    const double paid = payer.pay(FlowKind::Interest, Source::Debt, static_cast<int>(d), s.accrued[d]);
    s.accrued[d] -= paid;
    f.interest_paid += paid;
  }
  for (std::size_t d = 0; d < e.debt.size(); ++d) {
    const double due = principal_due(e.debt[d], p.debt[d], k, s.balance[d]);
    const double paid = payer.pay(FlowKind::Principal, Source::Debt, static_cast<int>(d), due);
    s.balance[d] -= paid;
    f.principal += paid;
    if (k == p.debt[d].maturity_period && !payer.failed())
      sink.event(Event{k, entity, EventType::Maturity, Source::Debt, static_cast<int>(d),
                       Covenant::None, FlowKind::Principal, paid, 0});
  }

  // 5. Balances at the period end, then the covenant tests that fall on it.
  s.ebitda[kk] = f.ebitda;
  s.interest[kk] = f.interest_expense;
  close();
  if (!payer.failed()) detail::test_covenants(plan, e, p, m, k, entity, s, sink);
  sink.figures(k, entity, f);
}

// Advances every entity through period k.
template <class Sink>
void step(const Plan& plan, const MarketPath& m, int k, State& state, Sink& sink) {
  for (std::size_t i = 0; i < state.entities.size(); ++i)
    step_entity(plan, m, k, static_cast<int>(i), state.entities[i], sink);
}

}  // namespace tinderbox
