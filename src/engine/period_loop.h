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
// equity, test covenants (and accelerate), resolve a default, close the books. The plan lists,
// for each period, the debts, contracts and lots that can act in it (engine/plan.h): a phase
// visits only those, because Monte Carlo runs this loop once per path.
#pragma once

#include <algorithm>
#include <limits>
#include <vector>

#include "engine/flows.h"
#include "engine/plan.h"
#include "engine/recovery.h"
#include "market/market_path.h"

namespace tinderbox {

// One debt on one path. Its numbers sit together because each phase reads several of them.
struct DebtState {
  double balance = 0;  // $M
  // Without tranches: sum of balance x spread premium of its contract-priced draws, which
  // shrinks with the balance (repayments reduce every portion pro rata).
  double premium = 0;
  double accrued = 0;       // interest accrued since the last payment date
  double fee_accrued = 0;   // undrawn fee accrued since the last payment date
  double rate = 0;          // the current accrual's coupon rate
  double drawn = 0;         // drawn so far against the commitment, from `start`
  double drawn_now = 0;     // drawn in the current period
  double balance_days = 0;  // sum of balance x days in the current fee year
  bool closed = false;      // accelerated and settled, or written off
  std::vector<Tranche> tranches;  // with per-draw maturities: its draws
  std::vector<int> tests_seen;    // per covenant: eligible test dates so far
  std::vector<int> failures;      // per covenant: consecutive failed tests
};

struct EntityState {
  double cash = 0;
  std::vector<DebtState> debt;  // per debt
  std::vector<double> ebitda;   // per period, for trailing-twelve-month covenants
  std::vector<double> interest; // per period: interest expense
  std::vector<double> service;  // per period: interest and fees paid plus scheduled principal
  // Per period: contract revenue due under the contracts' terms, and what of it was received
  // (a cancelled or defaulted customer's contract is due but not received).
  std::vector<double> contract_due, contract_received;
  std::vector<std::uint8_t> overcontracted;  // per GPU generation: already reported
  std::vector<double> freed_hours;  // per GPU generation: hours of stopped contracts (scratch)
  double shares = 0;               // millions, when the entity counts them
  std::vector<int> last_raise;     // per equity item: period of its last contingent raise, or -1
  int default_period = -1;
  bool liquidated = false;  // the lenders have taken and sold the GPUs
  // Capacity (an entity with sites): each site's payment this period on a path where sites are
  // late or stopped (scratch), each delivery contract's outcome on the path (settled in the
  // first period), and whether GPUs sat idle for lack of power in the previous period.
  struct Delivered {
    double kept = 1;     // the share of the contract left after a missed deadline's remedy
    double share = 1;    // the share of its sites' MW active at the deadline
    int full = 0;        // serial day from which every MW of its sites is active
    bool missed = false;
  };
  std::vector<double> site_pay;
  std::vector<Delivered> delivered;
  bool short_of_power = false;
  // Per path, for speed (settled in the first period): the periods in which each late or stopped
  // site can differ from the plan; whether a remedy cuts any contract; the first period in which
  // a contract is stopped.
  std::vector<std::pair<int, int>> site_window;
  std::vector<std::uint8_t> site_moved;  // per site: late or stopped on this path
  bool cuts = false;
  bool missed = false;  // some deadline is missed on this path
  int first_stop = 0;
};

struct State {
  std::vector<EntityState> entities;
  // Sets the state at `start`; allocates only the first time (reuse one State per thread).
  void reset(const Plan& plan);
};

namespace detail {

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
    case CovenantKind::MinContractRealization: return Covenant::MinContractRealization;
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
        kk_(static_cast<std::size_t>(k)), entity_(entity), cash_(s.cash) {}

  void run() {
    if (s_.default_period < 0 && p_.operates) {
      accrue();
      operate();
      raise_new_money();
      pay_running_costs();
      pay_sites();
      service_debt();
      prepay();
      manage_revolvers();
      if (!failed_) raise_contingent_equity(/*short_by_now=*/false);
      s_.ebitda[kk_] = f_.ebitda;
      s_.interest[kk_] = f_.interest_expense;
      s_.service[kk_] = f_.service;
      if (!failed_ && !p_.testing.at(kk_).empty()) test_covenants();
      if (failed_) resolve_default();
    }
    // A defaulted entity has stopped operating: its lenders took what they could in the default
    // period (resolve_default), so it closes with no cash, no debt and no fleet.
    close();
    s_.cash = cash_;
    sink_.figures(k_, entity_, f_);
  }

 private:
  using Index = std::size_t;
  int idx(Index d) const { return static_cast<int>(d); }
  const Debt& debt(Index d) const { return e_.debt[d]; }
  const DebtTerms& terms(Index d) const { return p_.debt[d]; }
  bool open(Index d) const { return !s_.debt[d].closed; }
  double yf(Index d) const { return plan_.timeline.yf(terms(d).day_count)[kk_]; }

  // What can still be drawn at the end of this period.
  double available(Index d) const {
    if (!open(d) || !terms(d).can_draw[kk_]) return 0.0;
    const Debt& x = debt(d);
    const DebtState& held = s_.debt[d];
    const double room = x.type == DebtType::Revolver ? x.commitment - held.balance
                                                     : x.commitment - x.outstanding - held.drawn;
    return std::max(0.0, room);
  }

  // Cash moves through receive() and pay(). The phases that move it item after item (revenue,
  // running costs, debt service) pass them a local copy, `cash`, and write it back at their end:
  // a local stays in a register through the loop, where the member would go through memory at
  // every item. The rest passes cash_ itself.
  void receive(double& cash, FlowKind kind, Source src, int index, double amount) {
    if (amount == 0) return;
    cash += amount;
    sink_.flow(Flow{k_, entity_, kind, src, index, amount});
  }
  void receive(FlowKind kind, Source src, int index, double amount) {
    receive(cash_, kind, src, index, amount);
  }

  // Pays an obligation from cash, drawing revolvers and then contingent equity for a shortfall.
  // The first obligation that still cannot be paid in full is paid with what is left and makes
  // the entity default; nothing after it is paid. Returns the amount paid.
  // Inlined everywhere: it runs for every payment of every path.
  [[gnu::always_inline]] double pay(double& cash, FlowKind kind, Source src, int index,
                                    double amount) {
    if (amount <= 0) return 0.0;
    if (cash < amount) {  // the short path works on cash_
      cash_ = cash;
      const double paid = pay_short(kind, src, index, amount);
      cash = cash_;
      return paid;
    }
    cash -= amount;
    sink_.flow(Flow{k_, entity_, kind, src, index, -amount});
    return amount;
  }
  double pay(FlowKind kind, Source src, int index, double amount) {
    return pay(cash_, kind, src, index, amount);
  }

  // pay() when cash alone falls short. A default leaves cash at 0 or below and nothing is
  // received after it in the period, so every later payment comes here and pays nothing.
  double pay_short(FlowKind kind, Source src, int index, double amount) {
    if (failed_) return 0.0;
    draw_revolvers(amount - cash_);
    if (cash_ < amount) raise_contingent_equity(/*short_by_now=*/true);
    double paid = amount;
    if (cash_ < amount) {
      failed_ = true;
      paid = std::max(0.0, cash_);
      s_.default_period = k_;
      sink_.event(Event{k_, entity_, EventType::Default, src, index, Covenant::None, kind, amount,
                        paid});
    }
    if (paid > 0) {
      cash_ -= paid;
      sink_.flow(Flow{k_, entity_, kind, src, index, -paid});
    }
    return paid;
  }

  // Draws up to `amount` from debt d, paying `premium` over its spread; returns what was drawn.
  double draw(Index d, double amount, double premium = 0) {
    amount = std::min(amount, available(d));
    if (amount <= 0) return 0.0;
    DebtState& x = s_.debt[d];
    x.drawn += amount;
    x.drawn_now += amount;
    x.balance += amount;
    if (debt(d).draw_term_months > 0)
      x.tranches.push_back(Tranche{amount, k_, terms(d).tranche_maturity[kk_],
                                   terms(d).tranche_payments[kk_], premium});
    else
      x.premium += amount * premium;
    f_.draws += amount;
    receive(FlowKind::Draw, Source::Debt, idx(d), amount);
    sink_.event(Event{k_, entity_, EventType::Draw, Source::Debt, idx(d), Covenant::None,
                      FlowKind::Draw, amount, 0});
    return amount;
  }

  void draw_revolvers(double need) {
    for (Index d : p_.revolvers) {
      if (need <= 0) break;
      need -= draw(d, need);
    }
  }

  // 1. Interest and undrawn fees accrue on what was held through the period; a new accrual
  //    fixes its rate.
  void accrue() {
    for (Index d : p_.fixing.at(kk_)) {
      if (!open(d)) continue;
      const Rate& r = debt(d).rate;
      s_.debt[d].rate = coupon_rate(r, r.index < 0 ? 0.0 : m_.rate_at(r.index, k_),
                                    r.alt_index < 0 ? 0.0 : m_.rate_at(r.alt_index, k_));
    }
    double expense = 0;  // summed here, not in f_, so that it can stay in a register
    for (const Accrual& a : p_.accruing.at(kk_)) {
      DebtState& x = s_.debt[a.debt];
      if (x.closed) continue;
      double premium = x.premium;
      if (a.per_draw)
        for (const Tranche& t : x.tranches) premium += t.balance * t.premium;
      const double interest = (x.balance * x.rate + premium) * a.year_fraction;
      x.accrued += interest;
      expense += interest;
    }
    f_.interest_expense = expense;
    for (Index d : p_.fee_accruing.at(kk_))
      if (open(d)) s_.debt[d].fee_accrued += debt(d).fees.undrawn * available(d) * yf(d);
    // The annual fee is on the average balance over its fee year.
    for (Index d : p_.annual_fee)
      if (open(d)) s_.debt[d].balance_days += s_.debt[d].balance * plan_.timeline.days[kk_];
  }

  // 2. Revenue: contracts first, then the rest of each generation's hours at market rent.
  void operate() {
    // With sites, GPUs run within their powered MW; when every GPU fits and no remedy has cut a
    // contract, that is the same as running without sites, below.
    const bool sites = !p_.sites.empty();
    double capacity = 0;
    if (sites) {
      if (k_ == 0) settle_path();
      capacity = site_capacity();
      if (capacity < p_.installed_kwh[kk_]) return operate_within_capacity(capacity);
    }
    const Scenario& sc = *plan_.scenario;
    // A contract whose customer cancelled or defaulted pays nothing and frees its GPU-hours.
    // freed_hours is all 0 between periods: cleared below only when something was freed.
    const std::vector<int>& stop = m_.contract_stop[static_cast<Index>(entity_)];
    bool freed = false;
    double cash = cash_, revenue = 0, due = 0, cut = 0;  // locals, kept in registers (see receive())
    for (const ContractPeriod& c : p_.contracts.at(kk_)) {
      due += c.revenue;
      if (k_ >= stop[c.contract]) {
        if (k_ == stop[c.contract] && c.revenue > 0)
          sink_.event(Event{k_, entity_, EventType::ContractStopped, Source::Contract,
                            static_cast<int>(c.contract), Covenant::None, FlowKind::Revenue,
                            c.revenue, 0});
        if (c.gpu >= 0) {
          s_.freed_hours[static_cast<Index>(c.gpu)] += c.hours;
          freed = true;
        }
        continue;
      }
      if (s_.cuts) {  // a missed delivery deadline has cut part of a contract (sites only)
        const double kept = kept_share(c.contract);
        cut += c.revenue * (1 - kept);
        if (kept < 1 && c.gpu >= 0) {
          s_.freed_hours[static_cast<Index>(c.gpu)] += c.hours * (1 - kept);
          freed = true;
        }
        receive(cash, FlowKind::Revenue, Source::Contract, static_cast<int>(c.contract),
                c.revenue * kept);
        revenue += c.revenue * kept;
        continue;
      }
      receive(cash, FlowKind::Revenue, Source::Contract, static_cast<int>(c.contract), c.revenue);
      revenue += c.revenue;
    }
    // Spot utilization moves with the demand factor (0 on the median path).
    const double utilization =
        std::clamp(e_.operations.utilization +
                       sc.stochastic.demand.utilization_beta * m_.demand[kk_],
                   0.0, 1.0);
    s_.contract_due[kk_] = due;
    s_.contract_received[kk_] = revenue;  // contracts only, so far
    double running_hours = 0, power = 0;
    for (const GpuPeriod& gp : p_.gpus.at(kk_)) {
      const int g = gp.gpu;
      const double owned = gp.owned_hours;
      const double contracted = gp.contracted_hours - s_.freed_hours[static_cast<Index>(g)];
      if (contracted > owned * (1 + 1e-12) && !s_.overcontracted[static_cast<Index>(g)]) {
        s_.overcontracted[static_cast<Index>(g)] = 1;
        sink_.event(Event{k_, entity_, EventType::Overcontracted, Source::Spot, g, Covenant::None,
                          FlowKind::Revenue, contracted, owned});
      }
      if (owned <= 0) continue;
      const double spot_hours = utilization * std::max(0.0, owned - contracted);
      const double running = std::min(contracted, owned) + spot_hours;
      const double spot = spot_hours * m_.rent_at(g, k_) / 1e6;
      receive(cash, FlowKind::Revenue, Source::Spot, g, spot);
      revenue += spot;
      running_hours += running;
      // The running share of the generation's kW-hours at $/MWh: kWh / 1e3 = MWh, / 1e6 = $M.
      power += running / owned * gp.owned_kw_hours * sc.market.power_usd_per_mwh / 1e9;
    }
    cash_ = cash;
    f_.revenue = revenue;
    f_.power = power;
    if (freed) std::fill(s_.freed_hours.begin(), s_.freed_hours.end(), 0.0);
    f_.opex = running_hours * e_.operations.cash_cost_per_hour / 1e6;
    f_.sga = e_.operations.sga;
    f_.lease = p_.lease_total[kk_];
    f_.ebitda = f_.revenue - f_.power - f_.opex - f_.sga - f_.lease;
    if (sites) all_powered(capacity, cut);
  }

  // --- Capacity (docs/model.md, Capacity): an entity with sites runs its GPUs within their
  // powered MW. Without sites, operate() above is the whole story.

  // 2'. Operations within powered capacity: contracted GPUs first (pro rata when even they do not
  //     fit), then the uncontracted ones, whose spot utilization applies to those powered.
  void operate_within_capacity(double capacity) {
    const Scenario& sc = *plan_.scenario;
    const std::vector<int>& stop = m_.contract_stop[static_cast<Index>(entity_)];
    const bool freed = free_contract_hours(stop);
    double contracted_kwh = 0, open_kwh = 0;
    for (const GpuPeriod& gp : p_.gpus.at(kk_)) {
      if (gp.owned_hours <= 0) continue;
      const double held = held_hours(gp);
      const double kw = gp.owned_kw_hours / gp.owned_hours;
      contracted_kwh += held * kw;
      open_kwh += (gp.owned_hours - held) * kw;
    }
    const double served = contracted_kwh > capacity ? capacity / contracted_kwh : 1.0;
    const double rest = std::max(0.0, capacity - contracted_kwh);
    const double powered = open_kwh > rest ? rest / open_kwh : 1.0;

    double cash = cash_, revenue = 0, lost = 0, due = 0;
    for (const ContractPeriod& c : p_.contracts.at(kk_)) {
      due += c.revenue;
      if (k_ >= stop[c.contract]) continue;
      const double kept = c.revenue * kept_share(c.contract);
      const double earned = c.gpu >= 0 ? kept * served : kept;
      receive(cash, FlowKind::Revenue, Source::Contract, static_cast<int>(c.contract), earned);
      revenue += earned;
      lost += c.revenue - earned;
    }
    const double received = revenue;  // contracts only, so far
    const double utilization =
        std::clamp(e_.operations.utilization +
                       sc.stochastic.demand.utilization_beta * m_.demand[kk_],
                   0.0, 1.0);
    double running_hours = 0, power = 0, idle_hours = 0;
    for (const GpuPeriod& gp : p_.gpus.at(kk_)) {
      const int g = gp.gpu;
      report_overcontracted(gp);
      if (gp.owned_hours <= 0) continue;
      const double held = held_hours(gp), open = gp.owned_hours - held;
      const double spot_hours = utilization * powered * open;
      const double running = served * held + spot_hours;
      const double spot = spot_hours * m_.rent_at(g, k_) / 1e6;
      receive(cash, FlowKind::Revenue, Source::Spot, g, spot);
      revenue += spot;
      lost += utilization * (1 - powered) * open * m_.rent_at(g, k_) / 1e6;
      idle_hours += (1 - served) * held + (1 - powered) * open;
      running_hours += running;
      power += running / gp.owned_hours * gp.owned_kw_hours * sc.market.power_usd_per_mwh / 1e9;
    }
    cash_ = cash;
    const double penalties = delivery_penalties();
    // Realization (the covenant): what the contracts paid, net of penalties, against what was due.
    s_.contract_due[kk_] = due;
    s_.contract_received[kk_] = received - penalties;
    f_.revenue = revenue - penalties;
    f_.revenue_lost_capacity = lost + penalties;
    f_.power = power;
    if (freed) std::fill(s_.freed_hours.begin(), s_.freed_hours.end(), 0.0);
    f_.opex = running_hours * e_.operations.cash_cost_per_hour / 1e6;
    f_.sga = e_.operations.sga;
    f_.lease = p_.lease_total[kk_] + site_lease_;
    f_.ebitda = f_.revenue - f_.power - f_.opex - f_.sga - f_.lease;
    f_.contracted_mw = p_.contracted_mw[kk_];
    f_.powered_utilization =
        capacity > 0 ? std::min(capacity, contracted_kwh + open_kwh) / capacity : 0.0;
    f_.idle_gpus = idle_hours / (24.0 * plan_.timeline.days[kk_]);
    report_shortfall(idle_hours);
  }

  // operate() when the sites power every GPU: their payments, and the capacity figures.
  void all_powered(double capacity, double cut) {
    const double penalties = delivery_penalties();
    s_.contract_received[kk_] -= penalties;
    f_.revenue -= penalties;
    f_.revenue_lost_capacity = cut + penalties;
    f_.lease += site_lease_;
    f_.ebitda -= penalties + site_lease_;
    f_.contracted_mw = p_.contracted_mw[kk_];
    f_.powered_utilization = capacity > 0 ? p_.installed_kwh[kk_] / capacity : 0.0;
    s_.short_of_power = false;
  }

  // A generation's contracted GPU-hours that its owned GPUs can hold.
  double held_hours(const GpuPeriod& gp) const {
    const double contracted = gp.contracted_hours - s_.freed_hours[static_cast<Index>(gp.gpu)];
    return std::clamp(contracted, 0.0, gp.owned_hours);
  }

  void report_overcontracted(const GpuPeriod& gp) {
    const auto g = static_cast<Index>(gp.gpu);
    const double contracted = gp.contracted_hours - s_.freed_hours[g];
    if (contracted > gp.owned_hours * (1 + 1e-12) && !s_.overcontracted[g]) {
      s_.overcontracted[g] = 1;
      sink_.event(Event{k_, entity_, EventType::Overcontracted, Source::Spot, gp.gpu,
                        Covenant::None, FlowKind::Revenue, contracted, gp.owned_hours});
    }
  }

  // The first period of each run of periods in which GPUs sit idle for lack of power.
  void report_shortfall(double idle_hours) {
    const bool idle = idle_hours > 1e-9;
    if (idle && !s_.short_of_power)
      sink_.event(Event{k_, entity_, EventType::CapacityShortfall, Source::None, 0, Covenant::None,
                        FlowKind::Revenue, f_.idle_gpus, f_.active_mw});
    s_.short_of_power = idle;
  }

  // Contracts stopped (Monte Carlo) or cut by a delivery remedy free their GPU-hours for the
  // spot market; says whether any were freed.
  bool free_contract_hours(const std::vector<int>& stop) {
    bool freed = false;
    if (k_ < s_.first_stop && !s_.cuts) return false;
    for (const ContractPeriod& c : p_.contracts.at(kk_)) {
      const bool stopped = k_ >= stop[c.contract];
      if (stopped && k_ == stop[c.contract] && c.revenue > 0)
        sink_.event(Event{k_, entity_, EventType::ContractStopped, Source::Contract,
                          static_cast<int>(c.contract), Covenant::None, FlowKind::Revenue,
                          c.revenue, 0});
      if (c.gpu < 0) continue;
      const double gone = stopped ? c.hours : c.hours * (1 - kept_share(c.contract));
      if (gone > 0) {
        s_.freed_hours[static_cast<Index>(c.gpu)] += gone;
        freed = true;
      }
    }
    return freed;
  }

  // The share of contract c that is still in force this period (a remedy may have cut it).
  double kept_share(Index c) const {
    if (!s_.cuts) return 1.0;
    const int j = p_.delivery_of[c];
    if (j < 0) return 1.0;
    const DeliveryPlan& d = p_.deliveries[static_cast<Index>(j)];
    const EntityState::Delivered& x = s_.delivered[static_cast<Index>(j)];
    return x.missed && k_ >= d.cut_from ? x.kept : 1.0;
  }

  // The IT kW-hours the sites can power this period. Sets the active MW and the sites' payments:
  // the plan's, corrected for the sites that are late or stopped on this path.
  double site_capacity() {
    const Timeline& t = plan_.timeline;
    f_.active_mw = p_.active_mw[kk_];
    site_lease_ = p_.site_lease_total[kk_];
    const std::vector<int>& moved = m_.moved_sites[static_cast<Index>(entity_)];
    if (moved.empty()) return p_.capacity_kwh[kk_];
    const std::vector<int>& delay = m_.site_delay[static_cast<Index>(entity_)];
    const std::vector<int>& stop = m_.site_stop[static_cast<Index>(entity_)];
    double it_mw = 0;  // the change in MW of IT load
    for (int i : moved) {
      const auto ii = static_cast<Index>(i);
      const SitePlan& sp = p_.sites[ii];
      if (k_ < s_.site_window[ii].first || k_ > s_.site_window[ii].second) {
        s_.site_pay[ii] = sp.payment[kk_];
        continue;
      }
      const SiteInPeriod x = site_in_period(sp, delay[ii], stop[ii], k_, t);
      if (k_ == stop[ii]) report_stopped(ii, delay[ii], stop[ii]);
      s_.site_pay[ii] = x.payment;
      f_.active_mw += x.mw - sp.active_mw[kk_];
      it_mw += (x.mw - sp.active_mw[kk_]) * sp.it_share;
      site_lease_ += x.payment - sp.payment[kk_];
    }
    return std::max(0.0, p_.capacity_kwh[kk_] + it_mw * 1000.0 * 24.0 * t.days[kk_]);
  }

  // A host in default builds no more: an event when it leaves a site short of its MW.
  void report_stopped(Index i, int delay, int stop) {
    int full = 0;
    const SitePlan& sp = p_.sites[i];
    const double level = site_level_at(sp, delay, stop, plan_.timeline.starts[kk_].serial - 1,
                                       plan_.timeline, full);
    if (level < 1)
      sink_.event(Event{k_, entity_, EventType::SiteStopped, Source::Site, static_cast<int>(i),
                        Covenant::None, FlowKind::Revenue, level * sp.mw, sp.mw});
  }

  // In the first period, what this path's stops and delays mean for the whole run.
  void settle_path() {
    const std::vector<int>& stop = m_.contract_stop[static_cast<Index>(entity_)];
    s_.first_stop = plan_.timeline.periods;
    for (int k : stop) s_.first_stop = std::min(s_.first_stop, k);
    std::fill(s_.site_moved.begin(), s_.site_moved.end(), 0);
    for (int i : m_.moved_sites[static_cast<Index>(entity_)]) {
      s_.site_moved[static_cast<Index>(i)] = 1;
      settle_window(static_cast<Index>(i));
    }
    settle_deliveries();
  }

  // The periods in which late or stopped site i can differ from the plan: from its earlier
  // delivery to its later full power, or to the end of the run when its payment escalates, its
  // term ends within the run, or its host stopped it.
  void settle_window(Index i) {
    const Timeline& t = plan_.timeline;
    const SitePlan& sp = p_.sites[i];
    const int delay = m_.site_delay[static_cast<Index>(entity_)][i];
    const int stop = m_.site_stop[static_cast<Index>(entity_)][i];
    auto& w = s_.site_window[i];
    const int n = t.periods;
    const bool within = delay < static_cast<int>(sp.delivery.size());
    if (sp.delivery.empty()) {
      w = {n, -1};  // never delivered in the run, as in the plan
      return;
    }
    const auto d = static_cast<Index>(within ? delay : 0);
    const int first = std::min(sp.delivery[0], within ? sp.delivery[d] : sp.delivery[0]);
    const int full = std::max(sp.delivery[0] + sp.ramp_days[0],
                              within ? sp.delivery[d] + sp.ramp_days[d] : kOpenTerm);
    w.first = std::max(0, t.period_of(Date{first}));
    const bool to_end =
        !within || stop < n || sp.escalates || sp.term_end[0] < t.starts.back().serial;
    w.second = to_end ? n - 1 : std::min(n - 1, t.period_of(Date{full - 1}));
    w.first = std::min(w.first, stop);
  }

  // In the first period: whether each delivery contract's sites are fully delivered by its
  // deadline on this path, and what its remedy leaves of it if they are not.
  void settle_deliveries() {
    s_.cuts = s_.missed = false;
    const std::vector<int>& delay = m_.site_delay[static_cast<Index>(entity_)];
    const std::vector<int>& stop = m_.site_stop[static_cast<Index>(entity_)];
    for (Index j = 0; j < p_.deliveries.size(); ++j) {
      const DeliveryPlan& d = p_.deliveries[j];
      double mw = 0, active = 0;
      int full = 0;
      for (int i : d.sites) {
        const auto ii = static_cast<Index>(i);
        int site_full = 0;
        const double level =
            site_level_at(p_.sites[ii], delay[ii], stop[ii], d.deadline, plan_.timeline, site_full);
        mw += p_.sites[ii].mw;
        active += level * p_.sites[ii].mw;
        full = std::max(full, site_full);
      }
      EntityState::Delivered& x = s_.delivered[j];
      x.full = full;
      x.missed = full > d.deadline + 1;
      x.share = mw > 0 ? active / mw : 1.0;
      x.kept = d.remedy == Remedy::Cancel    ? 0.0
               : d.remedy == Remedy::Partial ? x.share
                                             : 1.0;
      s_.cuts = s_.cuts || (x.missed && x.kept < 1);
      s_.missed = s_.missed || x.missed;
    }
  }

  // This period's penalties for missed deadlines; reports each missed deadline in its period.
  double delivery_penalties() {
    double total = 0;
    if (!s_.missed) return total;
    for (Index j = 0; j < p_.deliveries.size(); ++j) {
      const DeliveryPlan& d = p_.deliveries[j];
      const EntityState::Delivered& x = s_.delivered[j];
      if (!x.missed) continue;
      if (k_ == d.report_period)
        sink_.event(Event{k_, entity_, EventType::DeliveryMissed, Source::Contract,
                          static_cast<int>(d.contract), Covenant::None, FlowKind::Revenue, x.share,
                          0});
      total += penalty(j);
    }
    return total;
  }

  // Delivery j's penalty this period: penalty_per_period x the share of the period's days from
  // the deadline until its sites are delivered (or the contract ends).
  double penalty(Index j) const {
    const DeliveryPlan& d = p_.deliveries[j];
    const EntityState::Delivered& x = s_.delivered[j];
    if (!x.missed || d.remedy != Remedy::Penalty) return 0.0;
    const Timeline& t = plan_.timeline;
    const int lo = std::max(d.deadline + 1, t.starts[kk_].serial);
    const int hi = std::min({x.full, d.last_day, t.starts[kk_ + 1].serial});
    return hi > lo ? d.penalty_per_period * (hi - lo) / t.days[kk_] : 0.0;
  }

  // 4a'. Sites: payments for leased and hosted capacity, owned sites' build costs, reimbursements
  //      of hosts' build-outs, then delivery penalties. A phase of its own, after the running
  //      costs, so that it can become inter-entity obligations: each flow is booked from this
  //      entity's side with the host or lessor (or customer) as counterparty, and nothing reaches
  //      the host's cash until modelled entities pay each other (docs/model.md, Capacity).
  void pay_sites() {
    if (p_.sites.empty()) return;
    double cash = cash_;
    const std::vector<int>& moved = m_.moved_sites[static_cast<Index>(entity_)];
    const std::vector<int>& stop = m_.site_stop[static_cast<Index>(entity_)];
    const bool any_moved = !moved.empty();
    for (const SiteFlow& x : p_.site_flows.at(kk_)) {
      if (any_moved && s_.site_moved[x.site]) {
        // Its payment is the path's (below); a host in default builds, and is reimbursed, no more.
        if (x.kind == FlowKind::Lease || (x.reimbursement && k_ >= stop[x.site])) continue;
      }
      if (x.kind == FlowKind::Capex) f_.capex += x.amount;
      pay(cash, x.kind, Source::Site, static_cast<int>(x.site), x.amount);
    }
    for (int i : moved)
      pay(cash, FlowKind::Lease, Source::Site, i, s_.site_pay[static_cast<Index>(i)]);
    if (s_.missed)
      for (Index j = 0; j < p_.deliveries.size(); ++j)
        pay(cash, FlowKind::Revenue, Source::Contract,
            static_cast<int>(p_.deliveries[j].contract), penalty(j));
    cash_ = cash;
  }

  // 3. New money: equity, scheduled draws (bond issues), facility draws for capex.
  void raise_new_money() {
    for (Index q : p_.equity_in.at(kk_)) issue_shares(q);
    for (Index d : p_.drawing.at(kk_)) draw(d, terms(d).draws[kk_]);
    for (Index c : p_.capex_in.at(kk_)) {
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
    for (Index q : p_.contingent) {
      const EquityIssue& item = e_.equity[q];
      if (!short_by_now && cash_ >= *item.when_cash_below) continue;
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
    double cash = cash_;
    pay(cash, FlowKind::Power, Source::None, 0, f_.power);
    pay(cash, FlowKind::Opex, Source::None, 0, f_.opex);
    pay(cash, FlowKind::Sga, Source::None, 0, f_.sga);
    for (const LeasePayment& l : p_.leases.at(kk_))
      pay(cash, FlowKind::Lease, Source::Lease, static_cast<int>(l.lease), l.amount);
    for (Index c : p_.capex_in.at(kk_))
      pay(cash, FlowKind::Capex, Source::Capex, static_cast<int>(c),
          e_.capex[c].units * e_.capex[c].unit_cost);
    cash_ = cash;
  }

  // 4b. Debt service: interest, then fees, then scheduled principal, each in file order. Interest
  //     falls due only on payment dates, principal only on those where the plan says it can.
  void service_debt() {
    double cash = cash_;
    for (Index d : p_.paying.at(kk_)) {
      DebtState& x = s_.debt[d];
      if (x.closed) continue;
      const double paid = pay(cash, FlowKind::Interest, Source::Debt, idx(d), x.accrued);
      x.accrued -= paid;
      f_.interest_paid += paid;
      f_.service += paid;
    }
    for (Index d : p_.fee_due.at(kk_)) {
      DebtState& x = s_.debt[d];
      if (x.closed) continue;
      double fee = terms(d).upfront_period == k_ ? debt(d).fees.upfront * debt(d).commitment : 0.0;
      if (terms(d).pays[kk_]) fee += x.fee_accrued, x.fee_accrued = 0;
      if (terms(d).annual_fee_due[kk_]) {
        const double average = x.balance_days / plan_.timeline.year_days[kk_];
        fee += std::max(debt(d).fees.annual_minimum,
                        debt(d).fees.annual * (debt(d).commitment - average));
      }
      f_.service += pay(cash, FlowKind::Fee, Source::Debt, idx(d), fee);
    }
    if (plan_.timeline.year_ends[kk_])  // a new fee year starts
      for (Index d : p_.annual_fee) s_.debt[d].balance_days = 0;
    for (const Repayment& r : p_.repaying.at(kk_)) {
      const Index d = r.debt;
      if (!open(d)) continue;
      if (r.at_maturity && converts(d)) continue;
      const double due = r.per_draw ? tranche_principal(d)
                                    : principal_due(debt(d), terms(d), k_, s_.debt[d].balance);
      const double paid = pay(cash, FlowKind::Principal, Source::Debt, idx(d), due);
      if (r.per_draw)
        reduce_tranches(d, paid, due);
      else
        prepaid(d, paid);
      f_.principal += paid;
      f_.service += paid;
      if (r.at_maturity && !failed_)
        sink_.event(Event{k_, entity_, EventType::Maturity, Source::Debt, idx(d), Covenant::None,
                          FlowKind::Principal, paid, 0});
    }
    cash_ = cash;
  }

  // A convertible at maturity (this period) turns into shares when the share price is above the
  // conversion price: no cash moves, the balance becomes balance / conversion price million shares.
  bool converts(Index d) {
    const Debt& x = debt(d);
    const double balance = s_.debt[d].balance;
    if (x.type != DebtType::Convertible || balance <= 0) return false;
    const double price = share_price();
    if (price <= x.conversion_price) return false;
    sink_.event(Event{k_, entity_, EventType::Conversion, Source::Debt, idx(d), Covenant::None,
                      FlowKind::Principal, balance, price});
    if (e_.shares) s_.shares += balance / x.conversion_price;
    prepaid(d, balance);
    return true;
  }

  // Principal due at this period end on debt d with per-draw maturities: the balance at `start`
  // follows the loan's own schedule and each drawn tranche its own (book/debt_terms.h).
  double tranche_principal(Index d) const {
    const DebtState& x = s_.debt[d];
    double drawn = 0, due = 0;
    for (const Tranche& t : x.tranches) {
      drawn += t.balance;
      due += tranche_due(debt(d), terms(d), k_, t);
    }
    return due + principal_due(debt(d), terms(d), k_, x.balance - drawn);
  }

  // Lowers the balance of debt d (with per-draw maturities) by `paid` of the `due` scheduled
  // principal; tranches give up their dues in the same proportion, and count the payment date.
  void reduce_tranches(Index d, double paid, double due) {
    DebtState& x = s_.debt[d];
    x.balance -= paid;
    const double share = due > 0 ? paid / due : 0.0;
    for (Tranche& t : x.tranches) {
      t.balance -= share * tranche_due(debt(d), terms(d), k_, t);
      if (terms(d).pays[kk_] && k_ > t.drawn_period) --t.payments_left;
    }
  }

  // Lowers debt d's balance by a prepayment, pro rata over the opening balance and the tranches.
  void prepaid(Index d, double paid) {
    DebtState& x = s_.debt[d];
    const double before = x.balance;
    x.balance -= paid;
    // Without tranches the balance never goes below 0, so `kept` is not negative and a zero
    // premium stays exactly what it is: nothing to scale.
    if (x.premium == 0 && x.tranches.empty()) return;
    const double kept = before > 0 ? x.balance / before : 0.0;
    x.premium *= kept;
    for (Tranche& t : x.tranches) t.balance *= kept;
  }

  void prepay_debt(Index d, double amount) {
    amount = std::min(amount, s_.debt[d].balance);
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
      for (int j : listed) sum += s_.debt[static_cast<Index>(j)].drawn_now;
      return sum;
    }
    for (Index j = 0; j < e_.debt.size(); ++j)
      if (j != d && debt(j).type != DebtType::Revolver) sum += s_.debt[j].drawn_now;
    return sum;
  }

  // 5. Mandatory prepayments: from new money, to the borrowing base, and the cash sweep.
  void prepay() {
    for (Index d : p_.prepaying) {
      if (!open(d) || failed_) continue;
      const Prepayments& rule = debt(d).prepayment;
      double new_money = rule.from_equity * f_.equity;
      if (rule.from_new_debt != 0) new_money = rule.from_new_debt * new_debt_drawn(d) + new_money;
      if (new_money > 0) prepay_debt(d, new_money);
      if (!terms(d).pays[kk_]) continue;
      if (rule.borrowing_base > 0) {
        const double base =
            rule.borrowing_base * detail::lots_value(p_, p_.collateral[d], m_, k_, rule.basis);
        if (s_.debt[d].balance > base) prepay_debt(d, s_.debt[d].balance - base);
      }
      if (rule.sweep_share > 0 && cash_ > rule.sweep_above)
        prepay_debt(d, rule.sweep_share * (cash_ - rule.sweep_above));
    }
  }

  // 6. Revolvers: top cash up to `draw_below`, or repay from cash above `repay_above`.
  void manage_revolvers() {
    for (Index d : p_.revolvers) {
      if (failed_) break;
      const Debt& r = debt(d);
      if (!open(d)) continue;
      if (cash_ < r.draw_below) {
        draw(d, r.draw_below - cash_);
      } else if (cash_ > r.repay_above && s_.debt[d].balance > 0) {
        const double paid = pay(FlowKind::Principal, Source::Debt, idx(d),
                                std::min(s_.debt[d].balance, cash_ - r.repay_above));
        prepaid(d, paid);
        f_.principal += paid;
      }
    }
  }

  double covenant_value(Index d, CovenantKind kind) const {
    // A trailing twelve months of one figure over a trailing twelve months of another.
    const auto window = [&](const std::vector<double>& cover,
                            const std::vector<double>& covered) {
      double a = 0, b = 0;
      for (int j = std::max(0, k_ - plan_.timeline.periods_per_year + 1); j <= k_; ++j)
        a += covered[static_cast<Index>(j)], b += cover[static_cast<Index>(j)];
      // Nothing to cover in the window: the ratio is unbounded, which passes any minimum.
      return b > 0 ? a / b : std::numeric_limits<double>::infinity();
    };
    switch (kind) {
      case CovenantKind::MinLiquidity: return cash_;
      case CovenantKind::MaxLtv: {
        const double balance = s_.debt[d].balance;
        if (balance <= 0) return 0.0;
        const double value = detail::lots_value(p_, p_.collateral[d], m_, k_);
        // No collateral value at all: the loan-to-value is unbounded, a breach of any limit.
        return value > 0 ? balance / value : std::numeric_limits<double>::infinity();
      }
      case CovenantKind::MinInterestCoverage: return window(s_.interest, s_.ebitda);
      case CovenantKind::MinDscr: return window(s_.service, s_.ebitda);
      case CovenantKind::MinContractRealization:
        return window(s_.contract_due, s_.contract_received);
    }
    return 0.0;
  }

  // 7. Covenant tests on each debt's payment dates; a breach left uncured past its cure
  //    periods is an event of default where the debt says so, which accelerates it and every
  //    instrument of the entity with cross-default.
  void test_covenants() {
    bool accelerate_all = false;
    std::vector<Index> accelerate;
    const Date today = plan_.timeline.ends[kk_];
    for (Index d : p_.testing.at(kk_)) {
      if (!open(d)) continue;
      for (Index t = 0; t < debt(d).covenants.tests.size(); ++t) {
        const CovenantTest& test = debt(d).covenants.tests[t];
        if (test.from && today < *test.from) continue;
        if (s_.debt[d].tests_seen[t]++ % test.every != 0) continue;
        const double value = covenant_value(d, test.kind);
        const bool ok = test.kind == CovenantKind::MaxLtv ? value <= test.limit
                                                          : value >= test.limit;
        if (ok) {
          s_.debt[d].failures[t] = 0;
          continue;
        }
        const bool waived =
            std::find(test.waived.begin(), test.waived.end(), today) != test.waived.end();
        sink_.event(Event{k_, entity_, waived ? EventType::CovenantWaived
                                              : EventType::CovenantBreach,
                          Source::Debt, idx(d), detail::covenant_of(test.kind), FlowKind::Revenue,
                          value, test.limit});
        if (waived) continue;
        if (++s_.debt[d].failures[t] > test.cure_periods && debt(d).covenants.breach_is_default &&
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
    DebtState& x = s_.debt[d];
    const double claim = x.accrued + x.fee_accrued + x.balance;
    sink_.event(Event{k_, entity_, EventType::Acceleration, Source::Debt, idx(d), Covenant::None,
                      FlowKind::Principal, claim, 0});
    const double interest = pay(FlowKind::Interest, Source::Debt, idx(d), x.accrued);
    x.accrued -= interest;
    f_.interest_paid += interest;
    x.fee_accrued -= pay(FlowKind::Fee, Source::Debt, idx(d), x.fee_accrued);
    const double paid = pay(FlowKind::Principal, Source::Debt, idx(d), x.balance);
    prepaid(d, paid);
    f_.principal += paid;
    if (!failed_) x.closed = true;
  }

  // 8. Default: each lender's claim (balance, accrued interest and fees) is met from the
  //    liquidation value of the GPUs and the cash left, by collateral, seniority and pro rata;
  //    the rest is its loss. Both are booked from the lenders' side.
  void resolve_default() {
    const Scenario& sc = *plan_.scenario;
    RecoveryInput in;
    for (Index d = 0; d < e_.debt.size(); ++d) {
      const DebtState& x = s_.debt[d];
      in.claim.push_back(!x.closed ? x.balance + x.accrued + x.fee_accrued : 0.0);
      in.seniority.push_back(debt(d).seniority);
      in.collateral.push_back(p_.collateral[d]);
    }
    for (const LotPlan& lot : p_.lots) {
      const double haircut = sc.market.gpus[static_cast<Index>(lot.gpu)].liquidation_haircut;
      in.lot_value.push_back(lot.first_period <= k_ ? lot.market_value(m_.rent_end_at(lot.gpu, k_), k_) *
                                                          (1 - haircut)
                                                    : 0.0);
    }
    in.cash = cash_;
    const std::vector<double> got = recoveries(in);
    for (Index d = 0; d < e_.debt.size(); ++d) {
      if (in.claim[d] <= 0) continue;
      sink_.flow(Flow{k_, entity_, FlowKind::Recovery, Source::Debt, idx(d), got[d]});
      sink_.flow(Flow{k_, entity_, FlowKind::Loss, Source::Debt, idx(d), -(in.claim[d] - got[d])});
      sink_.event(Event{k_, entity_, EventType::Recovery, Source::Debt, idx(d), Covenant::None,
                        FlowKind::Recovery, got[d], in.claim[d]});
      DebtState& x = s_.debt[d];
      x.balance = x.accrued = x.fee_accrued = 0;
      x.tranches.clear();
      x.premium = 0;
      x.closed = true;
    }
    cash_ = 0;
    s_.liquidated = true;
  }

  // Balances and fleet values at the period end.
  void close() {
    f_.cash = cash_;
    f_.shares = s_.shares;
    double debt = 0;
    for (const DebtState& x : s_.debt) debt += x.balance;
    f_.debt = debt;
    // What was drawn in this period stops counting as drawn in the current one.
    if (f_.draws > 0)
      for (DebtState& x : s_.debt) x.drawn_now = 0;
    if (s_.liquidated) return;
    f_.collateral_book = p_.collateral_book[kk_];
    for (const OwnedLot& lot : p_.owned_lots.at(kk_))
      f_.collateral_market +=
          lot_market_value(m_.rent_end_at(lot.gpu, k_), lot.cost_per_hour, lot.value_factor);
  }

  const Plan& plan_;
  const MarketPath& m_;
  const Entity& e_;
  const EntityPlan& p_;
  EntityState& s_;
  Sink& sink_;
  const int k_;
  const std::size_t kk_;
  const int entity_;
  // The entity's cash through the step, written back at its end: every flow moves it, and a
  // value of the step's own stays in a register where the state's would go through memory.
  double cash_;
  PeriodFigures f_;
  bool failed_ = false;
  double site_lease_ = 0;  // the sites' payments this period (site_capacity)
};

// Advances every entity through period k.
template <class Sink>
void step(const Plan& plan, const MarketPath& m, int k, State& state, Sink& sink) {
  for (std::size_t i = 0; i < state.entities.size(); ++i) {
    EntityState& s = state.entities[i];
    if (!plan.entities[i].operates) {
      // Nothing to model (a customer known only by its credit): its cash and shares never move.
      PeriodFigures f;
      f.cash = s.cash;
      f.shares = s.shares;
      sink.figures(k, static_cast<int>(i), f);
      continue;
    }
    EntityStep<Sink>(plan, m, k, static_cast<int>(i), s, sink).run();
  }
}

}  // namespace tinderbox
