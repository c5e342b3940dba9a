#include "engine/plan.h"

#include <algorithm>
#include <cmath>

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
  // Nor does a debt accrue anything before it can hold a balance: one that starts at 0 holds
  // exactly 0 (no premium, no tranches) until its first draw, and its interest until then is
  // (0 x rate + 0) x year fraction = +0, which adds nothing to what it has accrued or to the
  // interest expense. A revolver can draw in any period that allows draws; another debt only by
  // its scheduled draws and the capex it funds (raise_new_money). The accruing list is walked
  // every period of every Monte Carlo path, and debts signed for later draws sit in it for many
  // periods before they hold anything.
  std::vector<int> holds_from(debts, 0);  // the first period through which it can hold a balance
  for (std::size_t d = 0; d < debts; ++d) {
    if (e.debt[d].outstanding != 0) continue;
    const DebtTerms& x = p.debt[d];
    const auto draws_in = [&](int k) {
      const auto kk = static_cast<std::size_t>(k);
      if (!x.can_draw[kk]) return false;
      if (e.debt[d].type == DebtType::Revolver || x.draws[kk] != 0) return true;
      for (std::size_t c = 0; c < e.capex.size(); ++c)
        if (e.capex[c].funded_by == static_cast<int>(d) && p.capex_period[c] == k) return true;
      return false;
    };
    int j = 0;
    while (j < n && !draws_in(j)) ++j;
    holds_from[d] = j + 1;
  }
  for (int k = 0; k < n; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    for (std::size_t d = 0; d < debts; ++d)
      if (accrues(d, kk) && k >= holds_from[d])
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
  // Until it can hold a balance a debt has accrued exactly 0 (above), whose payment pays nothing
  // and adds +0 to what was paid.
  p.paying = index_by_period(n, debts, [&](std::size_t d, std::size_t k) {
    return p.debt[d].pays[k] != 0 && static_cast<int>(k) >= holds_from[d];
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
      const std::size_t never = 2 * e.sites.size();
      const SiteFlow flows[] = {{i, FlowKind::Lease, s.payment[k], false, 2 * i},
                                {i, FlowKind::Capex, s.build[k], false, never},
                                {i, FlowKind::Capex, s.reimbursement[k], true, 2 * i + 1}};
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
    p.penalties = p.penalties || x.remedy == Remedy::Penalty;
    p.deliveries.push_back(std::move(x));
  }
  p.delivery_acts.assign(n, p.penalties);
  for (const DeliveryPlan& x : p.deliveries)
    if (x.report_period >= 0) p.delivery_acts[static_cast<std::size_t>(x.report_period)] = 1;
}

EntityPlan lay_out_entity(const Entity& e, const Market& m, const Timeline& t) {
  EntityPlan p;
  p.gpu_types = static_cast<int>(m.gpus.size());
  p.operates = is_modelled(e);

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

// A party that is a modelled entity, or -1 (an external party, or one known by its credit).
int modelled(const Scenario& s, const Party& p) {
  return p.entity >= 0 && is_modelled(s.entities[static_cast<std::size_t>(p.entity)]) ? p.entity
                                                                                       : -1;
}

// Who owes whom among the modelled entities, and in what order the loop treats them.
void lay_out_network(const Scenario& s, const Timeline& t, std::vector<EntityPlan>& plans,
                     NetworkPlan& net) {
  const std::size_t n = s.entities.size();
  int with_lots = 0;
  bool forced = false;  // some borrowing base is cured by forced sales, which move the index
  for (std::size_t i = 0; i < n; ++i) {
    const Entity& e = s.entities[i];
    EntityPlan& p = plans[i];
    p.holder = p.operates && is_holder(e.kind);
    for (std::size_t d = 0; d < e.debt.size(); ++d) {
      auto& shares = p.lenders.emplace_back();
      for (const Lender& l : e.debt[d].lenders)
        if (const int j = modelled(s, l.party); j >= 0) {
          shares.push_back(LenderShare{j, l.share});
          plans[static_cast<std::size_t>(j)].loans.push_back(LoanHeld{static_cast<int>(i), d, l.share});
        }
    }
    for (const Lease& l : e.leases) p.lessor.push_back(modelled(s, l.lessor));
    for (const Site& x : e.sites) p.site_host.push_back(modelled(s, x.host));
    for (const Contract& c : e.contracts) {
      p.customer.push_back(modelled(s, c.customer));
      p.sells_to_network = p.sells_to_network || p.customer.back() >= 0;
    }
    if (e.parent >= 0 && e.guarantee.type != GuaranteeType::None)
      plans[static_cast<std::size_t>(e.parent)].spvs.push_back(static_cast<int>(i));
    if (p.operates && (!e.fleet.empty() || !e.capex.empty())) ++with_lots;
    p.sells_to_cure = std::any_of(e.debt.begin(), e.debt.end(),
                                  [](const Debt& d) { return d.prepayment.sell_to_cure; });
    forced = forced || (p.operates && p.sells_to_cure);
  }
  // Purchases: each period, every customer's in the order of provider then contract. One pass
  // over the providers' contract periods drops each into its customer's list (a scan of every
  // provider for every customer was O(n^2 x periods x contracts): 38 s at 400 entities).
  for (int k = 0; k < t.periods; ++k) {
    for (std::size_t i = 0; i < n; ++i)
      for (const ContractPeriod& cp : plans[i].contracts.at(static_cast<std::size_t>(k)))
        if (const int c = plans[i].customer[cp.contract]; c >= 0 && cp.revenue != 0)
          plans[static_cast<std::size_t>(c)].purchases.items.push_back(
              Purchase{static_cast<int>(i), cp.contract, cp.revenue});
    for (std::size_t c = 0; c < n; ++c) plans[c].purchases.close_period();
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Entity& e = s.entities[i];
    EntityPlan& p = plans[i];
    std::size_t most_purchases = 0;
    for (int k = 0; k < t.periods; ++k)
      most_purchases = std::max(most_purchases, p.purchases.at(static_cast<std::size_t>(k)).size());
    // A site pays at most a payment and a build cost or reimbursement a period; a delivery
    // contract at most a penalty.
    p.max_obligations = 3 + e.leases.size() + most_purchases + e.capex.size() +
                        2 * e.sites.size() + p.deliveries.size() +
                        3 * e.debt.size() + e.liabilities.size() + p.spvs.size() +
                        e.invest_to_buy.size();
    const bool lent = std::any_of(p.lenders.begin(), p.lenders.end(),
                                  [](const auto& l) { return !l.empty(); });
    p.lists = !e.liabilities.empty() || !e.invest_to_buy.empty() ||
              (e.parent >= 0 && e.guarantee.type != GuaranteeType::None);
    // A modelled host is owed every period (a late site's payment can fall in any period).
    const bool hosted_in_network =
        std::any_of(p.site_host.begin(), p.site_host.end(), [](int j) { return j >= 0; });
    for (int k = 0; k < t.periods; ++k) {
      const auto kk = static_cast<std::size_t>(k);
      bool owes = hosted_in_network || !p.purchases.at(kk).empty();
      for (const LeasePayment& l : p.leases.at(kk)) owes = owes || p.lessor[l.lease] >= 0;
      const auto lent_on = [&](std::size_t d) { return !p.lenders[d].empty(); };
      // Every debt with a payment date, as listed before the paying list left out those that
      // owe nothing yet (lay_out_debt_events): which periods list their obligations is unchanged.
      for (std::size_t d = 0; d < e.debt.size(); ++d)
        owes = owes || (p.debt[d].pays[kk] && lent_on(d));
      for (std::size_t d : p.fee_due.at(kk)) owes = owes || lent_on(d);
      for (const Repayment& r : p.repaying.at(kk)) owes = owes || lent_on(r.debt);
      p.owes_network.push_back(owes);
    }
    const bool linked_out =
        lent || hosted_in_network ||
        std::any_of(p.lessor.begin(), p.lessor.end(), [](int j) { return j >= 0; }) ||
        std::any_of(p.customer.begin(), p.customer.end(), [](int j) { return j >= 0; });
    if (p.operates && (linked_out || p.holder || e.kind == EntityKind::Spv || !e.stakes.empty() ||
                       !e.warrants.empty() || !e.invest_to_buy.empty()))
      net.linked = true;
  }
  for (const GpuMarket& g : s.market.gpus) {
    const bool model = g.market_depth_units > 0;
    net.pressure.push_back(model ? g.impact / g.market_depth_units : 0.0);
    net.index_moves = net.index_moves || model;
    net.recovery.push_back(model ? std::pow(0.5, t.months_per_period / g.recovery_half_life_months)
                                 : 1.0);
    // A forced sale moves the index its own borrowing base is valued at: iterate even alone.
    if (model && (with_lots >= 2 || forced)) net.fire_sales = net.linked = true;
  }
  // Every spv before its parent (the loader refuses cycles of parents): an entity's depth is its
  // number of ancestors, and deeper entities come first.
  std::vector<int> depth(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (int p = s.entities[i].parent; p >= 0; p = s.entities[static_cast<std::size_t>(p)].parent)
      ++depth[i];
  for (std::size_t i = 0; i < n; ++i) {
    const Entity& e = s.entities[i];
    (plans[i].operates ? net.modelled : net.unmodelled).push_back(static_cast<int>(i));
    if (plans[i].operates) net.order.push_back(static_cast<int>(i));
    if (e.parent >= 0 && e.guarantee.type != GuaranteeType::None)
      net.guaranteed.push_back(static_cast<int>(i));
    if (plans[i].operates && (plans[i].holder || !plans[i].loans.empty() || !e.stakes.empty() ||
                              !e.warrants.empty() || !e.invest_to_buy.empty()))
      net.valued = true;
  }
  std::stable_sort(net.order.begin(), net.order.end(), [&](int a, int b) {
    return depth[static_cast<std::size_t>(a)] > depth[static_cast<std::size_t>(b)];
  });
}

// Each period's lists side by side (EntityPlan::period), once every list is laid out.
void lay_out_period_lists(EntityPlan& p, int periods) {
  // A list that was not laid out (site flows without sites) is empty in every period.
  const auto at = [](const auto& list, std::size_t k) {
    using Span = decltype(list.at(k));
    return k + 1 < list.first.size() ? list.at(k) : Span{};
  };
  for (std::size_t k = 0; k < static_cast<std::size_t>(periods); ++k)
    p.period.push_back(PeriodLists{at(p.accruing, k), at(p.fixing, k), at(p.fee_accruing, k),
                                   at(p.paying, k), at(p.fee_due, k), at(p.testing, k),
                                   at(p.drawing, k), at(p.capex_in, k), at(p.equity_in, k),
                                   at(p.repaying, k), at(p.contracts, k), at(p.gpus, k),
                                   at(p.leases, k), at(p.owned_lots, k), at(p.site_flows, k),
                                   at(p.purchases, k)});
}

}  // namespace

Plan::Plan(const Scenario& s)
    : scenario(&s), timeline(s) {
  for (const Entity& e : s.entities) entities.push_back(lay_out_entity(e, s.market, timeline));
  lay_out_network(s, timeline, entities, network);
  for (EntityPlan& p : entities) lay_out_period_lists(p, timeline.periods);
}

}  // namespace tinderbox
