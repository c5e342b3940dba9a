// The one period loop. The deterministic run, Monte Carlo and (later) contagion all advance the
// world by calling step() once per period; only the market path and the sink differ.
//
// A Sink receives what happens, as plain numbers:
//   void flow(const Flow&);  void event(const Event&);
//   void figures(int period, int entity, const PeriodFigures&);
// It is a template parameter, so a sink that ignores flows costs nothing (STYLE.md 6).
//
// One period of one entity runs in phases (EntityStep below), each documented in docs/model.md:
// accrue, operate, raise new money, pay what is due, prepay, manage revolvers, raise contingent
// equity, test covenants (and accelerate), resolve a default, close the books.
#pragma once

#include <algorithm>
#include <limits>
#include <vector>

#include "engine/flows.h"
#include "engine/plan.h"
#include "engine/recovery.h"
#include "market/market_path.h"

namespace tinderbox {

struct EntityState {
  double cash = 0;
  std::vector<double> balance;  // per debt, $M
  std::vector<std::vector<Tranche>> tranches;  // per debt with per-draw maturities: its draws
  // Per debt without tranches: sum of balance x spread premium of its contract-priced draws,
  // which shrinks with the balance (repayments reduce every portion pro rata).
  std::vector<double> premium;
  std::vector<double> accrued;  // per debt: interest accrued since the last payment date
  std::vector<double> fee_accrued;  // per debt: undrawn fee accrued since the last payment date
  std::vector<double> rate;     // per debt: the current accrual's coupon rate
  std::vector<double> drawn;    // per debt: drawn so far against the commitment, from `start`
  std::vector<double> drawn_now;  // per debt: drawn in the current period
  std::vector<double> balance_days;  // per debt: sum of balance x days in the current fee year
  std::vector<std::uint8_t> closed;  // per debt: accelerated and settled, or written off
  std::vector<std::vector<int>> tests_seen;  // per debt, per covenant: eligible test dates so far
  std::vector<std::vector<int>> failures;    // per debt, per covenant: consecutive failed tests
  std::vector<double> ebitda;   // per period, for trailing-twelve-month covenants
  std::vector<double> interest; // per period: interest expense
  std::vector<double> service;  // per period: interest and fees paid plus scheduled principal
  std::vector<std::uint8_t> overcontracted;  // per GPU generation: already reported
  std::vector<double> freed_hours;  // per GPU generation: hours of stopped contracts (scratch)
  double shares = 0;               // millions, when the entity counts them
  std::vector<int> last_raise;     // per equity item: period of its last contingent raise, or -1
  int default_period = -1;
  bool liquidated = false;  // the lenders have taken and sold the GPUs
};

struct State {
  std::vector<EntityState> entities;
  // Sets the state at `start`; allocates only the first time (reuse one State per thread).
  void reset(const Plan& plan);
};

namespace detail {

inline double at(const std::vector<double>& v, int i, int n, int k) {
  return v[static_cast<std::size_t>(i * n + k)];
}

// Value of a set of lots owned at the end of period k, at market or at book.
inline double lots_value(const EntityPlan& p, const std::vector<int>& lots, const MarketPath& m,
                         int k, CollateralBasis basis = CollateralBasis::Market) {
  double v = 0;
  for (int i : lots) {
    const LotPlan& lot = p.lots[static_cast<std::size_t>(i)];
    if (lot.first_period > k) continue;
    v += basis == CollateralBasis::Market ? lot.market_value(m.rent_end_at(lot.gpu, k), k)
                                          : lot.book[static_cast<std::size_t>(k)];
  }
  return v;
}

inline Covenant covenant_of(CovenantKind k) {
  switch (k) {
    case CovenantKind::MinLiquidity: return Covenant::MinLiquidity;
    case CovenantKind::MaxLtv: return Covenant::MaxLtv;
    case CovenantKind::MinInterestCoverage: return Covenant::MinInterestCoverage;
    case CovenantKind::MinDscr: return Covenant::MinDscr;
  }
  return Covenant::None;
}

}  // namespace detail

// One entity through one period.
template <class Sink>
class EntityStep {
 public:
  EntityStep(const Plan& plan, const MarketPath& m, int k, int entity, EntityState& s, Sink& sink)
      : plan_(plan), m_(m), e_(plan.scenario->entities[static_cast<std::size_t>(entity)]),
        p_(plan.entities[static_cast<std::size_t>(entity)]), s_(s), sink_(sink), k_(k),
        kk_(static_cast<std::size_t>(k)), n_(plan.timeline.periods), entity_(entity) {}

  void run() {
    if (s_.default_period < 0 && p_.operates) {
      accrue();
      operate();
      raise_new_money();
      pay_running_costs();
      service_debt();
      prepay();
      manage_revolvers();
      if (!failed_) raise_contingent_equity(/*short_by_now=*/false);
      s_.ebitda[kk_] = f_.ebitda;
      s_.interest[kk_] = f_.interest_expense;
      s_.service[kk_] = f_.service;
      if (!failed_) test_covenants();
      if (failed_) resolve_default();
    }
    // A defaulted entity has stopped operating: its lenders took what they could in the default
    // period (resolve_default), so it closes with no cash, no debt and no fleet.
    close();
    sink_.figures(k_, entity_, f_);
  }

 private:
  using Index = std::size_t;
  int idx(Index d) const { return static_cast<int>(d); }
  const Debt& debt(Index d) const { return e_.debt[d]; }
  const DebtTerms& terms(Index d) const { return p_.debt[d]; }
  bool open(Index d) const { return !s_.closed[d]; }
  double yf(Index d) const { return plan_.timeline.yf(terms(d).day_count)[kk_]; }

  // What can still be drawn at the end of this period.
  double available(Index d) const {
    if (!open(d) || !terms(d).can_draw[kk_]) return 0.0;
    const Debt& x = debt(d);
    const double room = x.type == DebtType::Revolver ? x.commitment - s_.balance[d]
                                                     : x.commitment - x.outstanding - s_.drawn[d];
    return std::max(0.0, room);
  }

  void receive(FlowKind kind, Source src, int index, double amount) {
    if (amount == 0) return;
    s_.cash += amount;
    sink_.flow(Flow{k_, entity_, kind, src, index, amount});
  }

  // Pays an obligation from cash, drawing revolvers and then contingent equity for a shortfall.
  // The first obligation that still cannot be paid in full is paid with what is left and makes
  // the entity default; nothing after it is paid. Returns the amount paid.
  double pay(FlowKind kind, Source src, int index, double amount) {
    if (amount <= 0 || failed_) return 0.0;
    if (s_.cash < amount) draw_revolvers(amount - s_.cash);
    if (s_.cash < amount) raise_contingent_equity(/*short_by_now=*/true);
    double paid = amount;
    if (s_.cash < amount) {
      failed_ = true;
      paid = std::max(0.0, s_.cash);
      s_.default_period = k_;
      sink_.event(Event{k_, entity_, EventType::Default, src, index, Covenant::None, kind, amount,
                        paid});
    }
    if (paid > 0) {
      s_.cash -= paid;
      sink_.flow(Flow{k_, entity_, kind, src, index, -paid});
    }
    return paid;
  }

  // Draws up to `amount` from debt d, paying `premium` over its spread; returns what was drawn.
  double draw(Index d, double amount, double premium = 0) {
    amount = std::min(amount, available(d));
    if (amount <= 0) return 0.0;
    s_.drawn[d] += amount;
    s_.drawn_now[d] += amount;
    s_.balance[d] += amount;
    if (debt(d).draw_term_months > 0)
      s_.tranches[d].push_back(Tranche{amount, k_, terms(d).tranche_maturity[kk_],
                                       terms(d).tranche_payments[kk_], premium});
    else
      s_.premium[d] += amount * premium;
    f_.draws += amount;
    receive(FlowKind::Draw, Source::Debt, idx(d), amount);
    sink_.event(Event{k_, entity_, EventType::Draw, Source::Debt, idx(d), Covenant::None,
                      FlowKind::Draw, amount, 0});
    return amount;
  }

  void draw_revolvers(double need) {
    for (Index d = 0; d < e_.debt.size() && need > 0; ++d)
      if (debt(d).type == DebtType::Revolver) need -= draw(d, need);
  }

  // 1. Interest and undrawn fees accrue on what was held through the period; a new accrual
  //    fixes its rate.
  void accrue() {
    for (Index d = 0; d < e_.debt.size(); ++d) {
      s_.drawn_now[d] = 0;
      if (!open(d)) continue;
      if (k_ == 0 || terms(d).pays[kk_ - 1]) {
        const Rate& r = debt(d).rate;
        s_.rate[d] = coupon_rate(r, r.index < 0 ? 0.0 : m_.rate_at(r.index, k_),
                                 r.alt_index < 0 ? 0.0 : m_.rate_at(r.alt_index, k_));
      }
      double premium = s_.premium[d];
      for (const Tranche& t : s_.tranches[d]) premium += t.balance * t.premium;
      const double interest = (s_.balance[d] * s_.rate[d] + premium) * yf(d);
      s_.accrued[d] += interest;
      f_.interest_expense += interest;
      if (terms(d).fee_accrues[kk_])
        s_.fee_accrued[d] += debt(d).fees.undrawn * available(d) * yf(d);
      s_.balance_days[d] += s_.balance[d] * plan_.timeline.days[kk_];
    }
  }

  // 2. Revenue: contracts first, then the rest of each generation's hours at market rent.
  void operate() {
    const Scenario& sc = *plan_.scenario;
    // A contract whose customer cancelled or defaulted pays nothing and frees its GPU-hours.
    const std::vector<int>& stop = m_.contract_stop[static_cast<Index>(entity_)];
    std::fill(s_.freed_hours.begin(), s_.freed_hours.end(), 0.0);
    for (Index c = 0; c < e_.contracts.size(); ++c) {
      const Index ck = c * static_cast<Index>(n_) + kk_;
      if (k_ >= stop[c]) {
        if (k_ == stop[c] && p_.contract_revenue[ck] > 0)
          sink_.event(Event{k_, entity_, EventType::ContractStopped, Source::Contract,
                            static_cast<int>(c), Covenant::None, FlowKind::Revenue,
                            p_.contract_revenue[ck], 0});
        if (e_.contracts[c].gpu >= 0)
          s_.freed_hours[static_cast<Index>(e_.contracts[c].gpu)] += p_.contract_hours[ck];
        continue;
      }
      const double r = p_.contract_revenue[ck];
      receive(FlowKind::Revenue, Source::Contract, static_cast<int>(c), r);
      f_.revenue += r;
    }
    // Spot utilization moves with the demand factor (0 on the median path).
    const double utilization =
        std::clamp(e_.operations.utilization +
                       sc.stochastic.demand.utilization_beta * m_.demand[kk_],
                   0.0, 1.0);
    double running_hours = 0;
    for (int g = 0; g < p_.gpu_types; ++g) {
      const double owned = detail::at(p_.owned_hours, g, n_, k_);
      const double contracted = detail::at(p_.contracted_hours, g, n_, k_) -
                                s_.freed_hours[static_cast<Index>(g)];
      if (contracted > owned * (1 + 1e-12) && !s_.overcontracted[static_cast<Index>(g)]) {
        s_.overcontracted[static_cast<Index>(g)] = 1;
        sink_.event(Event{k_, entity_, EventType::Overcontracted, Source::Spot, g, Covenant::None,
                          FlowKind::Revenue, contracted, owned});
      }
      if (owned <= 0) continue;
      const double spot_hours = utilization * std::max(0.0, owned - contracted);
      const double running = std::min(contracted, owned) + spot_hours;
      const double spot = spot_hours * m_.rent_at(g, k_) / 1e6;
      receive(FlowKind::Revenue, Source::Spot, g, spot);
      f_.revenue += spot;
      running_hours += running;
      // The running share of the generation's kW-hours at $/MWh: kWh / 1e3 = MWh, / 1e6 = $M.
      f_.power += running / owned * detail::at(p_.owned_kw_hours, g, n_, k_) *
                  sc.market.power_usd_per_mwh / 1e9;
    }
    f_.opex = running_hours * e_.operations.cash_cost_per_hour / 1e6;
    f_.sga = e_.operations.sga;
    for (Index l = 0; l < e_.leases.size(); ++l)
      f_.lease += p_.lease_payment[l * static_cast<Index>(n_) + kk_];
    f_.ebitda = f_.revenue - f_.power - f_.opex - f_.sga - f_.lease;
  }

  // 3. New money: equity, scheduled draws (bond issues), facility draws for capex.
  void raise_new_money() {
    for (Index q = 0; q < e_.equity.size(); ++q)
      if (!e_.equity[q].when_cash_below && p_.equity_period[q] == k_) {
        issue_shares(q);
      }
    for (Index d = 0; d < e_.debt.size(); ++d) draw(d, terms(d).draws[kk_]);
    for (Index c = 0; c < e_.capex.size(); ++c)
      if (p_.capex_period[c] == k_) {
        const Capex& cx = e_.capex[c];
        f_.capex += cx.units * cx.unit_cost;
        if (cx.funded_by >= 0)
          draw(static_cast<Index>(cx.funded_by), cx.advance_rate * cx.units * cx.unit_cost,
               p_.capex_premium[c]);
      }
  }

  double share_price() const {
    return e_.share_price < 0 ? 0.0 : m_.share_price_at(e_.share_price, k_);
  }

  // Equity item q brings its amount; with shares counted, it issues amount / price of them
  // (its own price, or the share price at the period end).
  void issue_shares(Index q) {
    const EquityIssue& item = e_.equity[q];
    receive(FlowKind::Equity, Source::Equity, static_cast<int>(q), item.amount);
    f_.equity += item.amount;
    const double price = item.price ? *item.price : share_price();
    if (e_.shares && price > 0) s_.shares += item.amount / price;
  }

  // Contingent raises whose window is open and whose trigger is hit: at the period end when cash
  // is below the trigger, or at once when a payment finds cash short (`short_by_now`).
  void raise_contingent_equity(bool short_by_now) {
    const Date today = plan_.timeline.ends[kk_];
    for (Index q = 0; q < e_.equity.size(); ++q) {
      const EquityIssue& item = e_.equity[q];
      if (!item.when_cash_below || (!short_by_now && s_.cash >= *item.when_cash_below)) continue;
      if ((item.from && today < *item.from) || (item.until && today > *item.until)) continue;
      const int last = s_.last_raise[q];
      if (last >= 0 && (k_ - last) * plan_.timeline.months_per_period < item.months_apart) continue;
      s_.last_raise[q] = k_;
      issue_shares(q);
      sink_.event(Event{k_, entity_, EventType::EquityRaise, Source::Equity, static_cast<int>(q),
                        Covenant::None, FlowKind::Equity, item.amount,
                        item.price ? *item.price : share_price()});
    }
  }

  // 4a. Running costs, leases and capex, in that order of priority.
  void pay_running_costs() {
    pay(FlowKind::Power, Source::None, 0, f_.power);
    pay(FlowKind::Opex, Source::None, 0, f_.opex);
    pay(FlowKind::Sga, Source::None, 0, f_.sga);
    for (Index l = 0; l < e_.leases.size(); ++l)
      pay(FlowKind::Lease, Source::Lease, static_cast<int>(l),
          p_.lease_payment[l * static_cast<Index>(n_) + kk_]);
    for (Index c = 0; c < e_.capex.size(); ++c)
      if (p_.capex_period[c] == k_)
        pay(FlowKind::Capex, Source::Capex, static_cast<int>(c),
            e_.capex[c].units * e_.capex[c].unit_cost);
  }

  // 4b. Debt service: interest, then fees, then scheduled principal, each in file order.
  void service_debt() {
    for (Index d = 0; d < e_.debt.size(); ++d) {
      if (!open(d) || !terms(d).pays[kk_]) continue;
      const double paid = pay(FlowKind::Interest, Source::Debt, idx(d), s_.accrued[d]);
      s_.accrued[d] -= paid;
      f_.interest_paid += paid;
      f_.service += paid;
    }
    for (Index d = 0; d < e_.debt.size(); ++d) {
      if (!open(d)) continue;
      double fee = terms(d).upfront_period == k_ ? debt(d).fees.upfront * debt(d).commitment : 0.0;
      if (terms(d).pays[kk_]) fee += s_.fee_accrued[d], s_.fee_accrued[d] = 0;
      if (terms(d).annual_fee_due[kk_]) {
        const double average = s_.balance_days[d] / plan_.timeline.year_days[kk_];
        fee += std::max(debt(d).fees.annual_minimum,
                        debt(d).fees.annual * (debt(d).commitment - average));
      }
      if (plan_.timeline.year_ends[kk_]) s_.balance_days[d] = 0;
      f_.service += pay(FlowKind::Fee, Source::Debt, idx(d), fee);
    }
    for (Index d = 0; d < e_.debt.size(); ++d) {
      if (!open(d)) continue;
      if (converts(d)) continue;
      const double due = scheduled_principal(d);
      const double paid = pay(FlowKind::Principal, Source::Debt, idx(d), due);
      reduce_balance(d, paid, due);
      f_.principal += paid;
      f_.service += paid;
      if (k_ == terms(d).maturity_period && !failed_)
        sink_.event(Event{k_, entity_, EventType::Maturity, Source::Debt, idx(d), Covenant::None,
                          FlowKind::Principal, paid, 0});
    }
  }

  // A convertible at maturity turns into shares when the share price is above the conversion
  // price: no cash moves, the balance becomes balance / conversion price million shares.
  bool converts(Index d) {
    const Debt& x = debt(d);
    if (x.type != DebtType::Convertible || k_ != terms(d).maturity_period || s_.balance[d] <= 0)
      return false;
    const double price = share_price();
    if (price <= x.conversion_price) return false;
    sink_.event(Event{k_, entity_, EventType::Conversion, Source::Debt, idx(d), Covenant::None,
                      FlowKind::Principal, s_.balance[d], price});
    if (e_.shares) s_.shares += s_.balance[d] / x.conversion_price;
    prepaid(d, s_.balance[d]);
    return true;
  }

  // Principal due on debt d at this period end. With per-draw maturities the balance at `start`
  // follows the loan's own schedule and each drawn tranche its own (book/debt_terms.h).
  double scheduled_principal(Index d) {
    if (debt(d).draw_term_months == 0) return principal_due(debt(d), terms(d), k_, s_.balance[d]);
    double drawn = 0, due = 0;
    for (Tranche& t : s_.tranches[d]) {
      drawn += t.balance;
      due += tranche_due(debt(d), terms(d), k_, t);
    }
    return due + principal_due(debt(d), terms(d), k_, s_.balance[d] - drawn);
  }

  // Lowers debt d's balance by `paid` of the `due` scheduled principal; tranches give up their
  // dues in the same proportion, and count the payment date.
  void reduce_balance(Index d, double paid, double due) {
    if (debt(d).draw_term_months == 0) return prepaid(d, paid);
    s_.balance[d] -= paid;
    const double share = due > 0 ? paid / due : 0.0;
    for (Tranche& t : s_.tranches[d]) {
      t.balance -= share * tranche_due(debt(d), terms(d), k_, t);
      if (terms(d).pays[kk_] && k_ > t.drawn_period) --t.payments_left;
    }
  }

  // Lowers debt d's balance by a prepayment, pro rata over the opening balance and the tranches.
  void prepaid(Index d, double paid) {
    const double before = s_.balance[d];
    s_.balance[d] -= paid;
    const double kept = before > 0 ? s_.balance[d] / before : 0.0;
    s_.premium[d] *= kept;
    for (Tranche& t : s_.tranches[d]) t.balance *= kept;
  }

  void prepay_debt(Index d, double amount) {
    amount = std::min(amount, s_.balance[d]);
    const double paid = pay(FlowKind::Prepayment, Source::Debt, idx(d), amount);
    prepaid(d, paid);
    f_.prepayments += paid;
  }

  // What counts as new debt for debt d's prepayment rule: draws this period on the instruments
  // it lists, or else on every other term loan, bond and convertible.
  double new_debt_drawn(Index d) const {
    const std::vector<int>& listed = debt(d).prepayment.new_debt;
    double sum = 0;
    if (!listed.empty()) {
      for (int j : listed) sum += s_.drawn_now[static_cast<Index>(j)];
      return sum;
    }
    for (Index j = 0; j < e_.debt.size(); ++j)
      if (j != d && debt(j).type != DebtType::Revolver) sum += s_.drawn_now[j];
    return sum;
  }

  // 5. Mandatory prepayments: from new money, to the borrowing base, and the cash sweep.
  void prepay() {
    for (Index d = 0; d < e_.debt.size(); ++d) {
      if (!open(d) || failed_) continue;
      const Prepayments& rule = debt(d).prepayment;
      const double new_money = rule.from_new_debt * new_debt_drawn(d) + rule.from_equity * f_.equity;
      if (new_money > 0) prepay_debt(d, new_money);
      if (!terms(d).pays[kk_]) continue;
      if (rule.borrowing_base > 0) {
        const double base =
            rule.borrowing_base * detail::lots_value(p_, p_.collateral[d], m_, k_, rule.basis);
        if (s_.balance[d] > base) prepay_debt(d, s_.balance[d] - base);
      }
      if (rule.sweep_share > 0 && s_.cash > rule.sweep_above)
        prepay_debt(d, rule.sweep_share * (s_.cash - rule.sweep_above));
    }
  }

  // 6. Revolvers: top cash up to `draw_below`, or repay from cash above `repay_above`.
  void manage_revolvers() {
    for (Index d = 0; d < e_.debt.size() && !failed_; ++d) {
      const Debt& r = debt(d);
      if (r.type != DebtType::Revolver || !open(d)) continue;
      if (s_.cash < r.draw_below) {
        draw(d, r.draw_below - s_.cash);
      } else if (s_.cash > r.repay_above && s_.balance[d] > 0) {
        const double paid = pay(FlowKind::Principal, Source::Debt, idx(d),
                                std::min(s_.balance[d], s_.cash - r.repay_above));
        prepaid(d, paid);
        f_.principal += paid;
      }
    }
  }

  double covenant_value(Index d, CovenantKind kind) const {
    // Trailing twelve months of EBITDA over a trailing twelve months of what it must cover.
    const auto window = [&](const std::vector<double>& cover) {
      double a = 0, b = 0;
      for (int j = std::max(0, k_ - plan_.timeline.periods_per_year + 1); j <= k_; ++j)
        a += s_.ebitda[static_cast<Index>(j)], b += cover[static_cast<Index>(j)];
      // Nothing to cover in the window: the ratio is unbounded, which passes any minimum.
      return b > 0 ? a / b : std::numeric_limits<double>::infinity();
    };
    switch (kind) {
      case CovenantKind::MinLiquidity: return s_.cash;
      case CovenantKind::MaxLtv: {
        if (s_.balance[d] <= 0) return 0.0;
        const double value = detail::lots_value(p_, p_.collateral[d], m_, k_);
        // No collateral value at all: the loan-to-value is unbounded, a breach of any limit.
        return value > 0 ? s_.balance[d] / value : std::numeric_limits<double>::infinity();
      }
      case CovenantKind::MinInterestCoverage: return window(s_.interest);
      case CovenantKind::MinDscr: return window(s_.service);
    }
    return 0.0;
  }

  // 7. Covenant tests on each debt's payment dates; a breach left uncured past its cure
  //    periods is an event of default where the debt says so, which accelerates it and every
  //    instrument of the entity with cross-default.
  void test_covenants() {
    bool accelerate_all = false;
    std::vector<Index> accelerate;
    for (Index d = 0; d < e_.debt.size(); ++d) {
      if (!open(d) || !terms(d).pays[kk_]) continue;
      const Date today = plan_.timeline.ends[kk_];
      for (Index t = 0; t < debt(d).covenants.tests.size(); ++t) {
        const CovenantTest& test = debt(d).covenants.tests[t];
        if (test.from && today < *test.from) continue;
        if (s_.tests_seen[d][t]++ % test.every != 0) continue;
        const double value = covenant_value(d, test.kind);
        const bool ok = test.kind == CovenantKind::MaxLtv ? value <= test.limit
                                                          : value >= test.limit;
        if (ok) {
          s_.failures[d][t] = 0;
          continue;
        }
        const bool waived =
            std::find(test.waived.begin(), test.waived.end(), today) != test.waived.end();
        sink_.event(Event{k_, entity_, waived ? EventType::CovenantWaived
                                              : EventType::CovenantBreach,
                          Source::Debt, idx(d), detail::covenant_of(test.kind), FlowKind::Revenue,
                          value, test.limit});
        if (waived) continue;
        if (++s_.failures[d][t] > test.cure_periods && debt(d).covenants.breach_is_default &&
            std::find(accelerate.begin(), accelerate.end(), d) == accelerate.end()) {
          sink_.event(Event{k_, entity_, EventType::EventOfDefault, Source::Debt, idx(d),
                            detail::covenant_of(test.kind), FlowKind::Revenue, value, test.limit});
          accelerate.push_back(d);
          accelerate_all = true;
        }
      }
    }
    if (accelerate_all)
      for (Index d = 0; d < e_.debt.size(); ++d)
        if (open(d) && debt(d).cross_default &&
            std::find(accelerate.begin(), accelerate.end(), d) == accelerate.end())
          accelerate.push_back(d);
    for (Index d : accelerate)
      if (!failed_) accelerate_debt(d);
  }

  // The whole claim falls due now: accrued interest and fees, then the balance.
  void accelerate_debt(Index d) {
    const double claim = s_.accrued[d] + s_.fee_accrued[d] + s_.balance[d];
    sink_.event(Event{k_, entity_, EventType::Acceleration, Source::Debt, idx(d), Covenant::None,
                      FlowKind::Principal, claim, 0});
    const double interest = pay(FlowKind::Interest, Source::Debt, idx(d), s_.accrued[d]);
    s_.accrued[d] -= interest;
    f_.interest_paid += interest;
    s_.fee_accrued[d] -= pay(FlowKind::Fee, Source::Debt, idx(d), s_.fee_accrued[d]);
    const double paid = pay(FlowKind::Principal, Source::Debt, idx(d), s_.balance[d]);
    prepaid(d, paid);
    f_.principal += paid;
    if (!failed_) s_.closed[d] = 1;
  }

  // 8. Default: each lender's claim (balance, accrued interest and fees) is met from the
  //    liquidation value of the GPUs and the cash left, by collateral, seniority and pro rata;
  //    the rest is its loss. Both are booked from the lenders' side.
  void resolve_default() {
    const Scenario& sc = *plan_.scenario;
    RecoveryInput in;
    for (Index d = 0; d < e_.debt.size(); ++d) {
      in.claim.push_back(open(d) ? s_.balance[d] + s_.accrued[d] + s_.fee_accrued[d] : 0.0);
      in.seniority.push_back(debt(d).seniority);
      in.collateral.push_back(p_.collateral[d]);
    }
    for (const LotPlan& lot : p_.lots) {
      const double haircut = sc.market.gpus[static_cast<Index>(lot.gpu)].liquidation_haircut;
      in.lot_value.push_back(lot.first_period <= k_ ? lot.market_value(m_.rent_end_at(lot.gpu, k_), k_) *
                                                          (1 - haircut)
                                                    : 0.0);
    }
    in.cash = s_.cash;
    const std::vector<double> got = recoveries(in);
    for (Index d = 0; d < e_.debt.size(); ++d) {
      if (in.claim[d] <= 0) continue;
      sink_.flow(Flow{k_, entity_, FlowKind::Recovery, Source::Debt, idx(d), got[d]});
      sink_.flow(Flow{k_, entity_, FlowKind::Loss, Source::Debt, idx(d), -(in.claim[d] - got[d])});
      sink_.event(Event{k_, entity_, EventType::Recovery, Source::Debt, idx(d), Covenant::None,
                        FlowKind::Recovery, got[d], in.claim[d]});
      s_.balance[d] = s_.accrued[d] = s_.fee_accrued[d] = 0;
      s_.tranches[d].clear();
      s_.premium[d] = 0;
      s_.closed[d] = 1;
    }
    s_.cash = 0;
    s_.liquidated = true;
  }

  // Balances and fleet values at the period end.
  void close() {
    f_.cash = s_.cash;
    f_.shares = s_.shares;
    for (double b : s_.balance) f_.debt += b;
    if (s_.liquidated) return;
    for (const LotPlan& lot : p_.lots)
      if (lot.first_period <= k_) {
        f_.collateral_book += lot.book[kk_];
        f_.collateral_market += lot.market_value(m_.rent_end_at(lot.gpu, k_), k_);
      }
  }

  const Plan& plan_;
  const MarketPath& m_;
  const Entity& e_;
  const EntityPlan& p_;
  EntityState& s_;
  Sink& sink_;
  const int k_;
  const std::size_t kk_;
  const int n_, entity_;
  PeriodFigures f_;
  bool failed_ = false;
};

// Advances every entity through period k.
template <class Sink>
void step(const Plan& plan, const MarketPath& m, int k, State& state, Sink& sink) {
  for (std::size_t i = 0; i < state.entities.size(); ++i)
    EntityStep<Sink>(plan, m, k, static_cast<int>(i), state.entities[i], sink).run();
}

}  // namespace tinderbox
