#include "engine/plan.h"

#include <algorithm>

#include "book/operations.h"

namespace tinderbox {
namespace {

// For each period k, the indices i < count for which has(i, k) holds, in order.
template <class Has>
PeriodIndex index_by_period(int periods, std::size_t count, Has has) {
  PeriodIndex x;
  for (int k = 0; k < periods; ++k) {
    for (std::size_t i = 0; i < count; ++i)
      if (has(i, static_cast<std::size_t>(k))) x.items.push_back(i);
    x.close_period();
  }
  return x;
}

// The indices i < count for which has(i) holds, in order.
template <class Has>
std::vector<std::size_t> index_where(std::size_t count, Has has) {
  std::vector<std::size_t> x;
  for (std::size_t i = 0; i < count; ++i)
    if (has(i)) x.push_back(i);
  return x;
}

// Contracts, generations, leases and lots, period by period. Each list keeps what the loop would
// act on: a contract with revenue or hours, a generation owned or sold, a payment not 0.
void lay_out_operations(EntityPlan& p, const Entity& e, const Timeline& t) {
  const int n = t.periods;
  const auto nn = static_cast<std::size_t>(n);
  // Per GPU generation g and period k, index [g * periods + k]:
  const auto slots = static_cast<std::size_t>(p.gpu_types) * nn;
  std::vector<double> owned_hours(slots, 0.0), owned_kw_hours(slots, 0.0);
  std::vector<double> contracted_hours(slots, 0.0);
  // A capex lot bought after the horizon has first_period n: it never enters the fleet.
  for (const LotPlan& lot : p.lots) {
    for (int k = lot.first_period; k < n; ++k) {
      const double hours = lot.units * 24.0 * t.days[static_cast<std::size_t>(k)];
      owned_hours[static_cast<std::size_t>(lot.gpu * n + k)] += hours;
      owned_kw_hours[static_cast<std::size_t>(lot.gpu * n + k)] += hours * lot.kw_per_gpu;
    }
  }
  std::vector<double> revenue, hours;  // [c * periods + k]
  for (const Contract& c : e.contracts)
    for (int k = 0; k < n; ++k) {
      revenue.push_back(contract_revenue(c, t, k));
      hours.push_back(c.gpu >= 0 ? contract_gpu_hours(c, t, k) : 0.0);
      if (c.gpu >= 0) contracted_hours[static_cast<std::size_t>(c.gpu * n + k)] += hours.back();
    }
  std::vector<double> lease;  // [l * periods + k]
  for (const Lease& l : e.leases)
    for (int k = 0; k < n; ++k) lease.push_back(lease_payment(l, t, k));

  p.lease_total.assign(nn, 0.0);
  p.collateral_book.assign(nn, 0.0);
  for (std::size_t k = 0; k < nn; ++k) {
    for (std::size_t c = 0; c < e.contracts.size(); ++c)
      if (revenue[c * nn + k] != 0 || hours[c * nn + k] != 0)
        p.contracts.items.push_back(
            ContractPeriod{c, e.contracts[c].gpu, revenue[c * nn + k], hours[c * nn + k]});
    p.contracts.close_period();
    for (int g = 0; g < p.gpu_types; ++g) {
      const auto i = static_cast<std::size_t>(g) * nn + k;
      if (owned_hours[i] != 0 || contracted_hours[i] != 0)
        p.gpus.items.push_back(
            GpuPeriod{g, owned_hours[i], owned_kw_hours[i], contracted_hours[i]});
    }
    p.gpus.close_period();
    for (std::size_t l = 0; l < e.leases.size(); ++l) {
      p.lease_total[k] += lease[l * nn + k];
      if (lease[l * nn + k] != 0) p.leases.items.push_back(LeasePayment{l, lease[l * nn + k]});
    }
    p.leases.close_period();
    for (const LotPlan& lot : p.lots)
      if (lot.first_period <= static_cast<int>(k)) {
        p.collateral_book[k] += lot.book[k];
        if (lot.value_factor[k] != 0)  // past its economic life a lot adds 0 at market
          p.owned_lots.items.push_back(OwnedLot{lot.gpu, lot.cost_per_hour, lot.value_factor[k]});
      }
    p.owned_lots.close_period();
  }
}

// The debts' lists, period by period. Each condition is the loop's own: a debt left out would
// have accrued, paid or drawn nothing.
void lay_out_debt_events(EntityPlan& p, const Entity& e, const Timeline& t) {
  const int n = t.periods;
  const std::size_t debts = e.debt.size();
  // A loan without per-draw tranches pays its whole balance at maturity (or the entity
  // defaults, and the loop stops for it) and cannot draw after it. Tranches may leave a rounding
  // residue, which keeps accruing.
  const auto accrues = [&](std::size_t d, std::size_t k) {
    const int maturity = p.debt[d].maturity_period;
    return maturity < 0 || static_cast<int>(k) <= maturity || e.debt[d].draw_term_months > 0;
  };
  for (int k = 0; k < n; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    for (std::size_t d = 0; d < debts; ++d)
      if (accrues(d, kk))
        p.accruing.items.push_back(
            Accrual{d, t.yf(e.debt[d].day_count)[kk], e.debt[d].draw_term_months > 0});
    p.accruing.close_period();
  }
  // A fixed rate is the same at every fixing.
  p.fixing = index_by_period(n, debts, [&](std::size_t d, std::size_t k) {
    return accrues(d, k) && (k == 0 || (p.debt[d].pays[k - 1] && !e.debt[d].rate.is_fixed));
  });
  p.fee_accruing = index_by_period(n, debts, [&](std::size_t d, std::size_t k) {
    return p.debt[d].fee_accrues[k] != 0;
  });
  p.paying = index_by_period(n, debts, [&](std::size_t d, std::size_t k) {
    return p.debt[d].pays[k] != 0;
  });
  // The undrawn fee accrues only where it is positive; the annual fee only where it falls due.
  p.fee_due = index_by_period(n, debts, [&](std::size_t d, std::size_t k) {
    const DebtTerms& x = p.debt[d];
    return x.upfront_period == static_cast<int>(k) || (x.pays[k] && e.debt[d].fees.undrawn > 0) ||
           x.annual_fee_due[k];
  });
  // Principal falls due at maturity, on amortizing payment dates, and on a tranche's dates.
  const auto repays = [&](std::size_t d, std::size_t k) {
    const DebtTerms& x = p.debt[d];
    if (!x.pays[k]) return false;
    if (e.debt[d].draw_term_months > 0 || static_cast<int>(k) == x.maturity_period) return true;
    switch (e.debt[d].amortization.style) {
      case AmortStyle::Bullet: return false;
      case AmortStyle::Level:
      case AmortStyle::Percent: return x.amortizes[k] != 0;
      case AmortStyle::Schedule: return x.scheduled[k] != 0;
    }
    return true;
  };
  for (int k = 0; k < n; ++k) {
    for (std::size_t d = 0; d < debts; ++d)
      if (repays(d, static_cast<std::size_t>(k)))
        p.repaying.items.push_back(Repayment{d, e.debt[d].draw_term_months > 0,
                                             k == p.debt[d].maturity_period});
    p.repaying.close_period();
  }
  p.testing = index_by_period(n, debts, [&](std::size_t d, std::size_t k) {
    return p.debt[d].pays[k] && !e.debt[d].covenants.tests.empty();
  });
  p.drawing = index_by_period(n, debts, [&](std::size_t d, std::size_t k) {
    return p.debt[d].draws[k] != 0;
  });
  p.capex_in = index_by_period(n, e.capex.size(), [&](std::size_t c, std::size_t k) {
    return p.capex_period[c] == static_cast<int>(k);
  });
  p.equity_in = index_by_period(n, e.equity.size(), [&](std::size_t q, std::size_t k) {
    return !e.equity[q].when_cash_below && p.equity_period[q] == static_cast<int>(k);
  });
  p.annual_fee = index_where(debts, [&](std::size_t d) {
    return e.debt[d].fees.annual > 0 || e.debt[d].fees.annual_minimum > 0;
  });
  p.revolvers = index_where(debts, [&](std::size_t d) {
    return e.debt[d].type == DebtType::Revolver;
  });
  p.prepaying = index_where(debts, [&](std::size_t d) {
    const Prepayments& r = e.debt[d].prepayment;
    return r.from_new_debt != 0 || r.from_equity != 0 || r.borrowing_base > 0 ||
           r.sweep_share > 0;
  });
  p.contingent = index_where(e.equity.size(), [&](std::size_t q) {
    return e.equity[q].when_cash_below.has_value();
  });
}

// Sites and the contracts that wait for them, period by period.
void lay_out_capacity(EntityPlan& p, const Entity& e, const Timeline& t) {
  if (e.sites.empty()) return;
  const auto n = static_cast<std::size_t>(t.periods);
  for (const Site& s : e.sites) p.sites.push_back(lay_out_site(s, t));
  p.capacity_kwh.assign(n, 0.0);
  p.active_mw.assign(n, 0.0);
  p.contracted_mw.assign(n, 0.0);
  p.site_lease_total.assign(n, 0.0);
  p.installed_kwh.assign(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    for (const GpuPeriod& g : p.gpus.at(k)) p.installed_kwh[k] += g.owned_kw_hours;
    for (std::size_t i = 0; i < p.sites.size(); ++i) {
      const SitePlan& s = p.sites[i];
      p.active_mw[k] += s.active_mw[k];
      p.capacity_kwh[k] += s.active_mw[k] * s.it_share;  // MW of IT load, for now
      p.site_lease_total[k] += s.payment[k];
      if (!e.sites[i].signed_on || *e.sites[i].signed_on <= t.ends[k]) p.contracted_mw[k] += s.mw;
      const SiteFlow flows[] = {{i, FlowKind::Lease, s.payment[k], false},
                                {i, FlowKind::Capex, s.build[k], false},
                                {i, FlowKind::Capex, s.reimbursement[k], true}};
      for (const SiteFlow& x : flows)
        if (x.amount != 0) p.site_flows.items.push_back(x);
    }
    p.capacity_kwh[k] *= 1000.0 * 24.0 * t.days[k];  // MW -> kW, times the period's hours
    p.site_flows.close_period();
  }
  p.delivery_of.assign(e.contracts.size(), -1);
  for (std::size_t c = 0; c < e.contracts.size(); ++c) {
    if (!e.contracts[c].delivery) continue;
    const DeliveryTerms& d = *e.contracts[c].delivery;
    DeliveryPlan x;
    x.contract = c;
    x.deadline = d.deadline.serial;
    x.cut_from = static_cast<int>(
        std::lower_bound(t.starts.begin(), t.starts.end() - 1, d.deadline + 1) - t.starts.begin());
    const int k = t.period_of(d.deadline);
    x.report_period = k >= t.periods ? -1 : std::max(0, k);
    x.remedy = d.remedy;
    x.penalty_per_period = d.penalty_per_month * t.months_per_period;
    x.last_day = (e.contracts[c].end + 1).serial;
    x.sites = d.sites;
    p.delivery_of[c] = static_cast<int>(p.deliveries.size());
    p.deliveries.push_back(std::move(x));
  }
}

EntityPlan lay_out_entity(const Entity& e, const Market& m, const Timeline& t) {
  EntityPlan p;
  p.gpu_types = static_cast<int>(m.gpus.size());
  p.operates = !e.fleet.empty() || !e.capex.empty() || !e.contracts.empty() || !e.leases.empty() ||
               !e.debt.empty() || !e.equity.empty() || e.operations.sga > 0 || !e.sites.empty();

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
  lay_out_operations(p, e, t);
  lay_out_debt_events(p, e, t);
  lay_out_capacity(p, e, t);
  return p;
}

}  // namespace

Plan::Plan(const Scenario& s)
    : scenario(&s), timeline(s) {
  for (const Entity& e : s.entities) entities.push_back(lay_out_entity(e, s.market, timeline));
}

}  // namespace tinderbox
