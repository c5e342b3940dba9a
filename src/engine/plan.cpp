#include "engine/plan.h"

#include <algorithm>

#include "book/operations.h"

namespace tinderbox {
namespace {

EntityPlan lay_out_entity(const Entity& e, const Market& m, const Timeline& t) {
  const int n = t.periods;
  const auto nn = static_cast<std::size_t>(n);
  EntityPlan p;
  p.gpu_types = static_cast<int>(m.gpus.size());
  p.operates = !e.fleet.empty() || !e.capex.empty() || !e.contracts.empty() || !e.leases.empty() ||
               !e.debt.empty() || !e.equity.empty() || e.operations.sga > 0;

  for (const Lot& l : e.fleet)
    p.lots.push_back(lay_out_lot(m, t, l.gpu, l.units, l.acquired, l.unit_cost, l.book_life_years,
                                 l.kw_per_gpu, 0));
  for (const Capex& c : e.capex) {
    const int k = t.period_of(c.date);
    p.capex_period.push_back(k);
    p.lots.push_back(lay_out_lot(m, t, c.gpu, c.units, c.date, c.unit_cost, c.book_life_years,
                                 c.kw_per_gpu, k < 0 ? 0 : k));
  }
  for (const EquityIssue& q : e.equity) p.equity_period.push_back(t.period_of(q.date));
  for (const Capex& c : e.capex) {
    double premium = 0;
    if (c.funded_by >= 0 && c.for_contract >= 0) {
      const Rate& r = e.debt[static_cast<std::size_t>(c.funded_by)].rate;
      const std::string& rating = e.contracts[static_cast<std::size_t>(c.for_contract)].customer_rating;
      for (const auto& [grade, spread] : r.contract_spreads)
        if (grade == rating) premium = spread - r.spread;
    }
    p.capex_premium.push_back(premium);
  }

  const auto slots = static_cast<std::size_t>(p.gpu_types) * nn;
  p.owned_hours.assign(slots, 0.0);
  p.owned_kw_hours.assign(slots, 0.0);
  p.contracted_hours.assign(slots, 0.0);
  // A capex lot bought after the horizon has first_period n: it never enters the fleet.
  for (const LotPlan& lot : p.lots) {
    for (int k = lot.first_period; k < n; ++k) {
      const double hours = lot.units * 24.0 * t.days[static_cast<std::size_t>(k)];
      p.owned_hours[static_cast<std::size_t>(lot.gpu * n + k)] += hours;
      p.owned_kw_hours[static_cast<std::size_t>(lot.gpu * n + k)] += hours * lot.kw_per_gpu;
    }
  }
  for (const Contract& c : e.contracts)
    for (int k = 0; k < n; ++k) {
      p.contract_revenue.push_back(contract_revenue(c, t, k));
      p.contract_hours.push_back(c.gpu >= 0 ? contract_gpu_hours(c, t, k) : 0.0);
      if (c.gpu >= 0)
        p.contracted_hours[static_cast<std::size_t>(c.gpu * n + k)] += p.contract_hours.back();
    }
  for (const Lease& l : e.leases)
    for (int k = 0; k < n; ++k) p.lease_payment.push_back(lease_payment(l, t, k));

  for (const Debt& d : e.debt) {
    p.debt.push_back(lay_out_debt(d, t));
    std::vector<int> lots = d.secured_by;
    p.collateral.push_back(std::move(lots));
  }
  // A lot bought with a facility's money secures that facility.
  for (std::size_t c = 0; c < e.capex.size(); ++c)
    if (e.capex[c].funded_by >= 0) {
      auto& lots = p.collateral[static_cast<std::size_t>(e.capex[c].funded_by)];
      const int lot = static_cast<int>(e.fleet.size() + c);
      if (std::find(lots.begin(), lots.end(), lot) == lots.end()) lots.push_back(lot);
    }
  return p;
}

}  // namespace

Plan::Plan(const Scenario& s)
    : scenario(&s), timeline(s) {
  for (const Entity& e : s.entities) entities.push_back(lay_out_entity(e, s.market, timeline));
}

}  // namespace tinderbox
