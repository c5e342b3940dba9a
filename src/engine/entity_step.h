// One entity through one period: the phases of docs/model.md, on one path's state.
//
// A Sink receives what happens, as plain numbers:
//   void flow(const Flow&);  void event(const Event&);
//   void figures(int period, int entity, const PeriodFigures&);
//   static constexpr bool kFireSaleValue;  // whether its figures need collateral_fire_sale
//   static constexpr bool kBalances;  // optional (default true): whether they need the
//                                     // period-end debt, liabilities and fleet values
//   static constexpr bool kModelledFigures;  // optional (default false): figures only of the
//                                            // entities the loop runs (the others' never move)
//   static constexpr bool kTotals;  // optional (default true): whether they need the period's
//                                   // totals that the loop never reads back (capex, interest
//                                   // and principal paid, prepayments, receipts, the capacity
//                                   // figures)
// It is a template parameter, so a sink that ignores flows costs nothing (STYLE.md 6). Monte
// Carlo reports no fire-sale value of the fleet, and summing it costs 1.3 % of a path's
// instructions on coreweave-2025: only the deterministic run's record asks for it. Nor does it
// keep the balances and fleet values of its figures (only their cash): valuing the lots and
// summing the debts at every close is 5 % of a path's instructions there, done only for a sink
// that asks or a network whose valuation reads them. Nor the totals of kTotals, which no phase,
// clearing or valuation reads: summing a site's build cost into capex as it is paid, each
// interest and principal payment into theirs, and the capacity figures every period was 1.5 %
// of a coreweave-2025 path.
//
// An entity's period runs in phases: accrue, operate, raise new money and list what falls due
// (prepare); pay it (pay_scheduled); prepay, manage revolvers, raise contingent equity, test
// covenants and accelerate, resolve a default (after_payments); close the books (finish). With no
// links between modelled entities the loop runs them one after the other for each entity (run);
// in a network it runs each phase for every entity before the next, and clears what they owe
// each other between the first two (engine/period_loop.h). The plan lists, for each period, the
// debts, contracts and lots that can act in it (engine/plan.h): a phase visits only those,
// because Monte Carlo runs this loop once per path.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <new>
#include <span>
#include <type_traits>
#include <vector>

#include "book/capacity.h"
#include "engine/flows.h"
#include "engine/plan.h"
#include "engine/recovery.h"
#include "market/market_path.h"
#include "network/clearing.h"

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

// One scheduled payment of the period, in the order of priority in which it is paid
// (docs/model.md, Paying what is due): what the waterfall pays and what the clearing sees.
struct Obligation {
  FlowKind kind = FlowKind::Opex;
  Source source = Source::None;
  int index = 0;
  double amount = 0;  // $M, > 0
  double due = 0;     // scheduled principal of a loan with per-draw tranches
  int creditor = -1;  // the modelled entity owed all of it (purchase, lease, guarantee, deal)
  bool per_draw = false, at_maturity = false;
};

struct EntityState {
  double cash = 0;
  std::vector<DebtState> debt;  // per debt
  std::vector<double> ebitda;   // per period, for trailing-twelve-month covenants
  std::vector<double> interest; // per period: interest expense
  std::vector<double> service;  // per period: interest and fees paid plus scheduled principal
  // Per period: contract revenue due under the contracts' terms, and what of it was received
  // (a cancelled or defaulted customer's contract is due but not received; a modelled
  // customer's payment is counted when the clearing books it).
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
  bool cuts = false;
  bool missed = false;  // some deadline is missed on this path
  int first_stop = 0;

  // Network (docs/model.md, Network):
  std::vector<double> liability;    // a holder's liability balances
  double guarantee_paid = 0;        // an spv: what its parent has paid for it so far
  // A holder whose owners put in capital (fund(), without a liability) issues them new interests
  // at its value before the capital: `held` is the share of its equity that its stakes and fund
  // interests as written still hold (1 until then); `owners_paid` what the owners put in during
  // period `owners_period`, and `held_before` the share held before it (docs/model.md, Holders
  // and marks). The period's valuations, however many, dilute from `held_before`.
  double held = 1, held_before = 1;
  double owners_paid = 0;
  int owners_period = -1;
  std::vector<double> invested;     // per invest-to-buy deal: invested so far
  std::vector<double> bought;       // per invest-to-buy deal: paid on its contract this period
  std::vector<double> purchased;    // per warrant: paid to its issuer so far
  std::vector<std::uint8_t> vested; // per warrant tranche (flattened): vested
  // The period in progress, kept between the phases of a network period:
  PeriodFigures f;
  bool active = false;   // alive and modelled at the period's start
  std::vector<Obligation> due;  // the scheduled obligations of the period
  // The indices in `due` of those with a part that can be owed to a modelled entity (a creditor,
  // or a debt with modelled lenders), in order: the clearing reads only these.
  std::vector<int> net_due;
  double own = 0;        // what it can pay with from outside the network: cash and backstops
  double owed = 0;       // what it owes in the period, all creditors together
  bool owes_network = false;  // some of it to another modelled entity
  bool listed = false;   // its obligations are in `due` (else it pays them as they fall due)
  double pending = 0;    // moved to it by others after the clearing, applied when it closes

  // Forced sales (docs/model.md, Forced sales), in one vector because fire-sale passes copy the
  // entities every period: the share of each lot still owned ([lot]), then per GPU generation the
  // units sold so far ([lots + g]) and their kW, units x kw_per_gpu ([lots + generations + g]).
  // Empty for an entity that cannot sell; `sold_lots` once it has sold any, so that the plan's
  // fleet sums are used as they are until then.
  std::vector<double> sales;
  bool sold_lots = false;
};

struct State {
  std::vector<EntityState> entities;
  // Per GPU generation: the market-value index (1 without fire sales) and the units sold by
  // defaults in the period in progress.
  std::vector<double> index, sold;
  // The network's workspace, kept from period to period and path to path (allocation-free):
  network::Clearer clearer;
  network::Liabilities liabilities;
  std::vector<double> assets, fraction, owed_in, received_in, guarantee;
  std::vector<int> node_round;   // per entity: the clearing round it defaulted in (0: none)
  std::vector<Cause> node_cause;  // per entity: why, for a default in the clearing
  std::vector<std::uint8_t> node;  // per entity: owes the network in this period
  bool cleared = false;          // the period's obligations were cleared (some owed the network)
  int round = 1;                 // the contagion round that defaults in the current stage get
  bool calls = false;            // after the clearing: an spv short of cash calls its guarantee
  std::vector<EntityState> saved;  // fire sales: the entities at the period's start
  std::vector<double> saved_index, sold_before;
  std::vector<Flow> buffer_flows;    // fire sales: the output of the period's last pass
  std::vector<Event> buffer_events;
  std::vector<int> first_round, first_pass;  // per entity: when it first defaulted (fire sales)
  std::vector<double> marks;       // per entity: equity mark (docs/model.md, Marks)
  std::vector<double> held;        // per entity: the share its holders still hold, this period
  // Per entity, per SiteFlow::skip slot: the first period from which the plan's site flows in
  // that slot are not paid on this path (a late or stopped site's payments are the path's; a
  // host in default builds, and is reimbursed, no more); INT_MAX: paid as planned. Settled in
  // the first period and fixed for the path, so kept here, not in the entities that fire-sale
  // passes copy every period.
  std::vector<std::vector<int>> site_skip;
  std::vector<GpuPeriod> gpus_now;  // forced sales: a period's generations less those sold
  // A network period's steps, one per entity (EntityStep::kept): raw room, kept from period to
  // period and path to path.
  std::vector<std::max_align_t> step_room;
  // Sets the state at `start`; allocates only the first time (reuse one State per thread).
  void reset(const Plan& plan);
};

namespace detail {

// Whether Sink's figures need the balances and fleet values at the period end (the header).
template <class Sink>
constexpr bool wants_balances() {
  if constexpr (requires { Sink::kBalances; })
    return Sink::kBalances;
  else
    return true;
}

// Whether Sink's figures need the totals the loop never reads back (the header).
template <class Sink>
constexpr bool wants_totals() {
  if constexpr (requires { Sink::kTotals; })
    return Sink::kTotals;
  else
    return true;
}

// Whether Sink takes the figures of the modelled entities only (the header).
template <class Sink>
constexpr bool modelled_figures_only() {
  if constexpr (requires { Sink::kModelledFigures; })
    return Sink::kModelledFigures;
  else
    return false;
}

// Value of a set of lots owned at the end of period k, at market (moved by the fire-sale index)
// or at book; with `kept`, each lot's value times the share of it still owned (forced sales).
template <bool Sold>
inline double lots_value_of(const EntityPlan& p, const std::vector<int>& lots, const MarketPath& m,
                     const std::vector<double>& index, const std::vector<double>& kept, int k,
                     CollateralBasis basis) {
  double v = 0;
  for (int i : lots) {
    const LotPlan& lot = p.lots[static_cast<std::size_t>(i)];
    if (lot.first_period > k) continue;
    const double x = basis == CollateralBasis::Market
                         ? lot.market_value(m.rent_end_at(lot.gpu, k), k) *
                               index[static_cast<std::size_t>(lot.gpu)]
                         : lot.book[static_cast<std::size_t>(k)];
    if constexpr (Sold)
      v += x * kept[static_cast<std::size_t>(i)];
    else
      v += x;
  }
  return v;
}
[[gnu::noinline]] inline double lots_value_sold(const EntityPlan& p, const std::vector<int>& lots,
                                               const MarketPath& m, const std::vector<double>& index,
                                               const std::vector<double>& kept, int k,
                                               CollateralBasis basis) {
  return lots_value_of<true>(p, lots, m, index, kept, k, basis);
}
// Until a forced sale has sold something, every lot is whole: the loop without `kept`.
inline double lots_value(const EntityPlan& p, const std::vector<int>& lots, const MarketPath& m,
                         const std::vector<double>& index, const EntityState& s, int k,
                         CollateralBasis basis = CollateralBasis::Market) {
  if (s.sold_lots) [[unlikely]]
    return lots_value_sold(p, lots, m, index, s.sales, k, basis);
  return lots_value_of<false>(p, lots, m, index, s.sales, k, basis);
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

// `Phased`: the step runs one phase of a network period, on figures kept in the entity's state
// between phases; otherwise the whole period at once, on figures of its own.
template <class Sink, bool Phased = false>
class EntityStep {
 public:
  EntityStep(const Plan& plan, const MarketPath& m, int k, int entity, State& state, Sink& sink)
      : plan_(plan), m_(m), state_(state),
        e_(plan.scenario->entities[static_cast<std::size_t>(entity)]),
        p_(plan.entities[static_cast<std::size_t>(entity)]),
        s_(state.entities[static_cast<std::size_t>(entity)]), sink_(sink), k_(k),
        kk_(static_cast<std::size_t>(k)), entity_(entity), l_(p_.period[kk_]), cash_(s_.cash),
        f_(initial_figures(s_)) {}

  // The whole period of an entity with no links to another (sequential loop). Monte Carlo spends
  // its time here: everything it calls is inlined into it (the compiler would not on its own,
  // this class being large).
  [[gnu::flatten]] void run() {
    hand_over_to_estate();
    if (s_.default_period < 0 && p_.operates) {
      accrue();
      operate();
      raise_new_money();
      pay_running_costs();
      pay_sites();
      service_debt();
      after_payments_body();
    }
    close();
    s_.cash = cash_;
    sink_.figures(k_, entity_, f_);
  }

  // Network phase 1: accrue, operate, raise new money, list the period's obligations, and count
  // what it could pay them with from outside the network (cash, undrawn revolvers, contingent
  // equity that is open).
  [[gnu::flatten]] void prepare() {
    clear_figures(f_);
    hand_over_to_estate();
    s_.active = s_.default_period < 0 && p_.operates;
    s_.due.clear();
    s_.net_due.clear();
    s_.own = 0;
    s_.listed = false;
    s_.owed = 0;
    s_.owes_network = false;
    if (s_.active) {
      accrue();
      operate();
      raise_new_money();
      // Most periods it owes the network nothing: it is listed only if a clearing needs it, and
      // so is what it can pay with, which only the clearing reads. A guaranteed spv, whose
      // shortfall decides whether there is a clearing (needs_clearing), always lists (p_.lists).
      if (p_.lists || p_.owes_network[kk_]) list_obligations();
    }
    suspend();
  }

  // Lists its obligations and what it can pay them with when the clearing needs them and
  // prepare() did not (nothing has changed its books since).
  [[gnu::flatten]] void list_for_clearing() {
    resume();
    if (s_.active && !s_.listed) list_obligations();
    suspend();
  }

  // Network phase 2: pay the listed obligations in full by the waterfall (the clearing found it
  // can), or each the same `fraction` of it (the clearing found it cannot: it defaults), short
  // of them by up to `slack` (network_pass).
  [[gnu::flatten]] void pay_scheduled(double fraction, double slack) {
    resume();
    cash_ = s_.cash;  // the clearing's receipts have moved it
    slack_ = slack;
    if (s_.active) {
      if (!s_.listed) {
        pay_running_costs();
        pay_sites();
        service_debt();
      } else if (fraction >= 1) {
        pay_listed();
      } else {
        pay_pro_rata(fraction);
      }
      slack_ = 0;
    }
    suspend();
  }

  // Network phase 3: what follows the scheduled payments.
  [[gnu::flatten]] void after_payments() {
    resume();
    if (s_.active) after_payments_body();
    suspend();
  }

  // Network phase 4: transfers made to it after the clearing, a holder's funding of its draws,
  // balances and fleet values at the period end. Figures are reported by the loop.
  [[gnu::flatten]] void finish() {
    resume();
    cash_ += s_.pending;
    if constexpr (kTotals) f_.received += std::max(0.0, s_.pending);
    s_.pending = 0;
    if (p_.holder && cash_ < 0) fund(-cash_);
    close();
    suspend();
  }

  // A holder whose equity is below zero at the period end (network valuation): it defaults, and
  // its creditors share what it holds, realized at its marks (`held`).
  void insolvent(double nav, double held) {
    resume();
    failed_ = true;
    s_.default_period = k_;
    sink_.event(Event{k_, entity_, EventType::Default, Source::None, -2, Covenant::None,
                      FlowKind::Revenue, nav, held, state_.round, Cause::Insolvency, 0, 0});
    resolve_default(held);
    close();
    suspend();
  }

  // The parent's side of a guarantee call after the clearing: pays up to `need` of spv `spv`'s
  // shortfall (drawing its revolvers, raising contingent equity, defaulting if it cannot), and
  // returns what it paid.
  double pay_guarantee(int spv, double need) {
    resume();
    double paid = 0;
    if (s_.active && !failed_) {
      cause_ = Cause::Guarantee;
      paid = pay(FlowKind::Guarantee, Source::Guarantee, 0, need, spv);
      cause_ = Cause::Liquidity;
      sink_.event(Event{k_, entity_, EventType::GuaranteeCall, Source::Guarantee, 0,
                        Covenant::None, FlowKind::Guarantee, need, paid, state_.round,
                        Cause::Guarantee, 0, 0, spv});
    }
    suspend();
    return paid;
  }

  const PeriodFigures& figures() const { return f_; }

  // A network period's step of entity i, in the state's room for one step per entity
  // (State::step_room, sized by network_pass): built by start() for its prepare() and kept for
  // its later phases, each of which resumes from the entity's state. Building it once instead of
  // once a phase saves 6 of 8 constructions a period for two entities.
  static EntityStep& kept(State& st, int i) {
    static_assert(Phased && std::is_trivially_destructible_v<EntityStep> &&
                  alignof(EntityStep) <= alignof(std::max_align_t));
    return *std::launder(reinterpret_cast<EntityStep*>(room_of(st, i)));
  }
  static EntityStep& start(const Plan& plan, const MarketPath& m, int k, int i, State& st,
                           Sink& sink) {
    return *new (room_of(st, i)) EntityStep(plan, m, k, i, st, sink);
  }

 private:
  using Index = std::size_t;
  static constexpr bool kTotals = detail::wants_totals<Sink>();
  static std::byte* room_of(State& st, int i) {
    return reinterpret_cast<std::byte*>(st.step_room.data()) +
           static_cast<std::size_t>(i) * sizeof(EntityStep);
  }
  int idx(Index d) const { return static_cast<int>(d); }
  const Debt& debt(Index d) const { return e_.debt[d]; }
  const DebtTerms& terms(Index d) const { return p_.debt[d]; }
  bool open(Index d) const { return !s_.debt[d].closed; }
  double yf(Index d) const { return plan_.timeline.yf(terms(d).day_count)[kk_]; }
  EntityState& other(int j) const { return state_.entities[static_cast<std::size_t>(j)]; }
  // A modelled entity that can still be paid: in the period it defaults it still receives what
  // others pay it; from the next period its claims pass to its estate, outside the network.
  bool alive(int j) const {
    return j >= 0 && (other(j).default_period < 0 || other(j).default_period == k_);
  }

  // What a defaulted entity received in its default period after its own liquidation passes
  // to its estate at the start of the next (nothing, for an entity that defaulted on its own).
  void hand_over_to_estate() {
    if (s_.default_period >= 0 && s_.default_period < k_ && cash_ != 0) {
      sink_.flow(Flow{k_, entity_, FlowKind::Liquidation, Source::None, 0, -cash_});
      cash_ = 0;
    }
  }

  // The figures of a phased step are the state's own; a whole period has them on its stack.
  static decltype(auto) initial_figures(EntityState& s) {
    if constexpr (Phased)
      return (s.f);
    else
      return PeriodFigures{};
  }
  // A phase after the first starts from the entity's state as the phases in between left it.
  // A network period's step is kept from phase to phase (kept()): its cash, whether it has
  // failed and its slack stay in it, which only its own phases change, but for the clearing's
  // receipts (book_receipts, read by pay_scheduled()). Its cash is written back at every phase's
  // end, for the receipts and the next period.
  void resume() {
    if constexpr (!Phased) f_ = s_.f;
  }
  void suspend() {
    s_.cash = cash_;
    if constexpr (!Phased) s_.f = f_;
  }

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
  // the entity default; nothing after it is paid. Returns the amount paid. `to` is the modelled
  // entity whose instrument it is, for a payment on another entity's instrument (a purchase
  // under a provider's contract, a guarantee of an spv).
  double pay(double& cash, FlowKind kind, Source src, int index, double amount, int to = -1) {
    if (amount <= 0) return 0.0;
    if (cash < amount) {
      if (cash + slack_ >= amount) amount = std::max(0.0, cash);  // the clearing's tolerance
      else {  // the short path works on cash_
        cash_ = cash;
        const double paid = pay_short(kind, src, index, amount, to);
        cash = cash_;
        return paid;
      }
      if (amount <= 0) return 0.0;
    }
    cash -= amount;
    sink_.flow(Flow{k_, entity_, kind, src, index, -amount, to});
    return amount;
  }
  double pay(FlowKind kind, Source src, int index, double amount, int to = -1) {
    return pay(cash_, kind, src, index, amount, to);
  }

  // pay() when cash alone falls short. A default leaves cash at 0 or below and nothing is
  // received after it in the period, so every later payment comes here and pays nothing.
  double pay_short(FlowKind kind, Source src, int index, double amount, int to) {
    if (failed_) return 0.0;
    draw_revolvers(amount - cash_);
    if (cash_ < amount) raise_contingent_equity(/*short_by_now=*/true);
    if (cash_ < amount) call_guarantee(amount - cash_);
    double paid = amount;
    if (cash_ < amount) {
      failed_ = true;
      paid = std::max(0.0, cash_);
      s_.default_period = k_;
      // Before the clearing's stage is over, one that short-paid it may have caused it.
      const auto e = static_cast<Index>(entity_);
      const bool cleared = state_.cleared;
      const bool shorted = cleared && !state_.calls && state_.node_round[e] > 0 && !state_.node[e];
      sink_.event(Event{k_, entity_, EventType::Default, src, index, Covenant::None, kind, amount,
                        paid, shorted ? state_.node_round[e] : state_.round,
                        shorted ? state_.node_cause[e] : cause_,
                        cleared ? state_.owed_in[e] : 0.0, cleared ? state_.received_in[e] : 0.0});
    }
    if (paid > 0) {
      cash_ -= paid;
      sink_.flow(Flow{k_, entity_, kind, src, index, -paid, to});
    }
    return paid;
  }

  // After the clearing, an spv short of a payment asks its parent for the shortfall, within
  // what is left of its guarantee (none in the loop's sequential mode: an spv is a link).
  void call_guarantee(double need) {
    if (!state_.calls || e_.parent < 0 || !alive(e_.parent) ||
        e_.guarantee.type == GuaranteeType::None)
      return;
    const double left = e_.guarantee.type == GuaranteeType::Full
                            ? need
                            : std::min(need, e_.guarantee.cap - s_.guarantee_paid);
    if (left <= 0) return;
    // The parent's own step of the period (it knows whether the parent has failed); a parent
    // that is not active pays nothing (an unmodelled one has no step).
    double got = 0;
    if constexpr (Phased) {
      if (other(e_.parent).active) got = kept(state_, e_.parent).pay_guarantee(entity_, left);
    } else {
      got = EntityStep(plan_, m_, k_, e_.parent, state_, sink_).pay_guarantee(entity_, left);
    }
    s_.guarantee_paid += got;
    if constexpr (kTotals) f_.received += got;
    receive(FlowKind::Guarantee, Source::Guarantee, 0, got);
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
    to_lenders(d, FlowKind::Draw, -amount);
    return amount;
  }

  // The modelled lenders' side of a flow on debt d after the clearing (or of a draw): each books
  // its share, and its cash moves when it closes.
  void to_lenders(Index d, FlowKind kind, double amount) {
    if (amount == 0) return;
    for (const LenderShare& l : p_.lenders[d]) {
      if (!alive(l.entity)) continue;
      const double part = amount * l.share;
      other(l.entity).pending += part;
      sink_.flow(Flow{k_, l.entity, kind, Source::Debt, idx(d), part, entity_});
    }
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
    for (Index d : l_.fixing) {
      if (!open(d)) continue;
      const Rate& r = debt(d).rate;
      s_.debt[d].rate = coupon_rate(r, r.index < 0 ? 0.0 : m_.rate_at(r.index, k_),
                                    r.alt_index < 0 ? 0.0 : m_.rate_at(r.alt_index, k_));
    }
    double expense = 0;  // summed here, not in f_, so that it can stay in a register
    for (const Accrual& a : l_.accruing) {
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
    for (Index d : l_.fee_accruing)
      if (open(d)) s_.debt[d].fee_accrued += debt(d).fees.undrawn * available(d) * yf(d);
    // The annual fee is on the average balance over its fee year.
    for (Index d : p_.annual_fee)
      if (open(d)) s_.debt[d].balance_days += s_.debt[d].balance * plan_.timeline.days[kk_];
  }

  // Whether contract c pays nothing this period, its customer having cancelled or defaulted:
  // a reduced-form customer by the market path, a modelled one when it defaulted before.
  bool stopped(const ContractPeriod& c, const std::vector<int>& stop) const {
    if (k_ >= stop[c.contract]) return true;
    if (!p_.sells_to_network) return false;
    const int customer = p_.customer[c.contract];
    return customer >= 0 && other(customer).default_period >= 0 &&
           other(customer).default_period < k_;
  }
  bool stops_now(const ContractPeriod& c, const std::vector<int>& stop) const {
    if (k_ == stop[c.contract]) return true;
    if (!p_.sells_to_network) return false;
    const int customer = p_.customer[c.contract];
    return customer >= 0 && other(customer).default_period == k_ - 1;
  }

  // 2. Revenue: contracts first, then the rest of each generation's hours at market rent. A
  //    contract with a modelled customer is paid through the clearing, after this phase.
  void operate() {
    // With sites, GPUs run within their powered MW; when every GPU fits and no remedy has cut a
    // contract, that is the same as running without sites, below.
    const bool sites = !p_.sites.empty();
    double capacity = 0;
    if (sites) {
      if (k_ == 0) settle_path();
      capacity = site_capacity();
      if (capacity < installed_kwh()) return operate_within_capacity(capacity);
    }
    const Scenario& sc = *plan_.scenario;
    // A contract whose customer cancelled or defaulted pays nothing and frees its GPU-hours.
    // freed_hours is all 0 between periods: cleared below only when something was freed.
    const std::vector<int>& stop = m_.contract_stop[static_cast<Index>(entity_)];
    bool freed = false;
    // Locals, kept in registers (see receive()).
    double cash = cash_, revenue = 0, due = 0, cut = 0;
    for (const ContractPeriod& c : l_.contracts) {
      due += c.revenue;
      if (k_ >= stop[c.contract] || (p_.sells_to_network && stopped(c, stop))) {
        report_stop(c, stop);
        if (c.gpu >= 0) {
          s_.freed_hours[static_cast<Index>(c.gpu)] += c.hours;
          freed = true;
        }
        continue;
      }
      if (p_.sells_to_network && p_.customer[c.contract] >= 0) continue;  // via the clearing
      // A missed delivery deadline has cut part of a contract (sites only). What it keeps in
      // full is paid as below: c.revenue * 1 is c.revenue, and the 0 it adds to `cut` (never -0)
      // changes nothing.
      if (const double kept = s_.cuts ? kept_share(c.contract) : 1.0; kept != 1) {
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
    for (const GpuPeriod& gp : gpus()) {
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

  // The period's generations as owned: the plan's, less what forced sales have sold.
  std::span<const GpuPeriod> gpus() {
    if (s_.sold_lots) [[unlikely]] return gpus_after_sales();
    return l_.gpus;
  }
  // Out of line: the hot loop keeps only the test above.
  [[gnu::noinline]] std::span<const GpuPeriod> gpus_after_sales() {
    const std::span<const GpuPeriod> planned = l_.gpus;
    const double hours = 24.0 * plan_.timeline.days[kk_];
    state_.gpus_now.assign(planned.begin(), planned.end());
    for (GpuPeriod& gp : state_.gpus_now) {
      const auto g = static_cast<Index>(gp.gpu);
      const double owned = gp.owned_hours - units_sold(g) * hours;
      // What is left of a generation sold whole is rounding: nothing.
      const bool none = owned <= 1e-12 * gp.owned_hours;
      gp.owned_hours = none ? 0.0 : owned;
      gp.owned_kw_hours = none ? 0.0 : std::max(0.0, gp.owned_kw_hours - kw_sold(g) * hours);
    }
    return state_.gpus_now;
  }
  double installed_kwh() const {
    double kwh = p_.installed_kwh[kk_];
    if (s_.sold_lots) [[unlikely]]
      for (Index g = 0; g < state_.index.size(); ++g)
        kwh -= kw_sold(g) * 24.0 * plan_.timeline.days[kk_];
    return std::max(0.0, kwh);
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
    for (const GpuPeriod& gp : gpus()) {
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
    for (const ContractPeriod& c : l_.contracts) {
      due += c.revenue;
      if (stopped(c, stop)) continue;
      // A modelled customer pays through the clearing, in full: its purchase is its own
      // obligation, which the provider's sites do not change (docs/model.md, Capacity).
      if (p_.sells_to_network && p_.customer[c.contract] >= 0) continue;
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
    for (const GpuPeriod& gp : gpus()) {
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
    if constexpr (kTotals) f_.revenue_lost_capacity = lost + penalties;
    f_.power = power;
    if (freed) std::fill(s_.freed_hours.begin(), s_.freed_hours.end(), 0.0);
    f_.opex = running_hours * e_.operations.cash_cost_per_hour / 1e6;
    f_.sga = e_.operations.sga;
    f_.lease = p_.lease_total[kk_] + site_lease_;
    f_.ebitda = f_.revenue - f_.power - f_.opex - f_.sga - f_.lease;
    if constexpr (kTotals) {
      f_.contracted_mw = p_.contracted_mw[kk_];
      f_.powered_utilization =
          capacity > 0 ? std::min(capacity, contracted_kwh + open_kwh) / capacity : 0.0;
    }
    f_.idle_gpus = idle_hours / (24.0 * plan_.timeline.days[kk_]);
    report_shortfall(idle_hours);
  }

  // operate() when the sites power every GPU: their payments, and the capacity figures.
  void all_powered(double capacity, double cut) {
    const double penalties = delivery_penalties();
    s_.contract_received[kk_] -= penalties;
    f_.revenue -= penalties;
    f_.lease += site_lease_;
    f_.ebitda -= penalties + site_lease_;
    if constexpr (kTotals) {
      f_.revenue_lost_capacity = cut + penalties;
      f_.contracted_mw = p_.contracted_mw[kk_];
      f_.powered_utilization = capacity > 0 ? installed_kwh() / capacity : 0.0;
    }
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

  // A stopped contract's event, in the period it first pays nothing (operate() and
  // operate_within_capacity() both stop contracts).
  void report_stop(const ContractPeriod& c, const std::vector<int>& stop) {
    if (stops_now(c, stop) && c.revenue > 0)
      sink_.event(Event{k_, entity_, EventType::ContractStopped, Source::Contract,
                        static_cast<int>(c.contract), Covenant::None, FlowKind::Revenue,
                        c.revenue, 0});
  }

  // Contracts stopped (Monte Carlo) or cut by a delivery remedy free their GPU-hours for the
  // spot market; says whether any were freed.
  bool free_contract_hours(const std::vector<int>& stop) {
    bool freed = false;
    if (k_ < s_.first_stop && !s_.cuts && !p_.sells_to_network) return false;
    for (const ContractPeriod& c : l_.contracts) {
      const bool off = stopped(c, stop);
      if (off) report_stop(c, stop);
      if (c.gpu < 0) continue;
      const double gone = off ? c.hours : c.hours * (1 - kept_share(c.contract));
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
    // State::reset() left every slot paid as planned (as it left each site_window empty).
    std::vector<int>& skip = state_.site_skip[static_cast<Index>(entity_)];
    const std::vector<int>& site_stop = m_.site_stop[static_cast<Index>(entity_)];
    for (int i : m_.moved_sites[static_cast<Index>(entity_)]) {
      const auto ii = static_cast<Index>(i);
      skip[2 * ii] = 0;                 // its payments: always the path's
      skip[2 * ii + 1] = site_stop[ii];  // its reimbursements: until its host stops
      settle_window(ii);
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
    // Nothing to report and only remedies without a penalty (each 0): the loop would add +0s.
    if (!s_.missed || !p_.delivery_acts[kk_]) return total;
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
  //      of hosts' build-outs, then delivery penalties, after the running costs. Each is handed
  //      to `visit` (the sequential loop pays it, a network period lists it) with its creditor:
  //      a host or lessor that is a modelled entity (and alive) is paid the site's payments and
  //      reimbursements through the clearing; owned sites' build costs and penalties go outside
  //      the network (docs/model.md, Capacity).
  template <class Visit>
  void each_site_payment(Visit visit) {
    if (p_.sites.empty()) return;
    const std::vector<int>& moved = m_.moved_sites[static_cast<Index>(entity_)];
    // A late or stopped site's payment is the path's (below); a host in default builds, and is
    // reimbursed, no more (settle_path()): one test per flow.
    const int* skip = state_.site_skip[static_cast<Index>(entity_)].data();
    for (const SiteFlow& x : l_.site_flows) {
      if (k_ >= skip[x.skip]) continue;
      if constexpr (kTotals)
        if (x.kind == FlowKind::Capex) f_.capex += x.amount;
      const bool to_host = x.kind == FlowKind::Lease || x.reimbursement;
      visit(x.kind, Source::Site, static_cast<int>(x.site), x.amount,
            to_host ? site_host(x.site) : -1);
    }
    for (int i : moved)
      visit(FlowKind::Lease, Source::Site, i, s_.site_pay[static_cast<Index>(i)],
            site_host(static_cast<Index>(i)));
    // Without a penalty remedy every penalty() is 0, which neither side pays or lists.
    if (s_.missed && p_.penalties)
      for (Index j = 0; j < p_.deliveries.size(); ++j)
        visit(FlowKind::Revenue, Source::Contract, static_cast<int>(p_.deliveries[j].contract),
              penalty(j), -1);
  }
  // Site i's modelled host or lessor while it stands, or -1.
  int site_host(Index i) const {
    const int j = p_.site_host.empty() ? -1 : p_.site_host[i];
    return j >= 0 && alive(j) ? j : -1;
  }
  void pay_sites() {
    double cash = cash_;
    each_site_payment([&](FlowKind kind, Source src, int index, double amount, int) {
      pay(cash, kind, src, index, amount);
    });
    cash_ = cash;
  }

  // 3. New money: equity, scheduled draws (bond issues), facility draws for capex.
  void raise_new_money() {
    for (Index q : l_.equity_in) issue_shares(q);
    for (Index d : l_.drawing) draw(d, terms(d).draws[kk_]);
    for (Index c : l_.capex_in) {
      const Capex& cx = e_.capex[c];
      if constexpr (kTotals) f_.capex += cx.units * cx.unit_cost;
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

  // Whether contingent raise q can be made now (its window is open and it is not too soon).
  bool can_raise(Index q) const {
    const Date today = plan_.timeline.ends[kk_];
    const EquityIssue& item = e_.equity[q];
    if ((item.from && today < *item.from) || (item.until && today > *item.until)) return false;
    const int last = s_.last_raise[q];
    return last < 0 || (k_ - last) * plan_.timeline.months_per_period >= item.months_apart;
  }

  // Contingent raises whose window is open and whose trigger is hit: at the period end when cash
  // is below the trigger, or at once when a payment finds cash short (`short_by_now`).
  void raise_contingent_equity(bool short_by_now) {
    for (Index q : p_.contingent) {
      const EquityIssue& item = e_.equity[q];
      if (!short_by_now && cash_ >= *item.when_cash_below) continue;
      if (!can_raise(q)) continue;
      s_.last_raise[q] = k_;
      issue_shares(q);
      sink_.event(Event{k_, entity_, EventType::EquityRaise, Source::Equity, static_cast<int>(q),
                        Covenant::None, FlowKind::Equity, item.amount,
                        item.price ? *item.price : share_price()});
    }
  }

  // What it can still raise at once from outside the network: undrawn revolvers and open
  // contingent raises.
  double backstops() const {
    double b = 0;
    for (Index d : p_.revolvers) b += available(d);
    for (Index q : p_.contingent)
      if (can_raise(q)) b += e_.equity[q].amount;
    return b;
  }

  // 4. What falls due at the period end, in its order of priority: running costs, leases,
  //    purchases from modelled providers, capex, sites' payments (4a'), interest on a holder's
  //    liabilities, then per debt interest, fees and scheduled principal (each in file order),
  //    then invest-to-buy investments. Interest falls due only on payment dates, principal only on those where the
  //    plan says it can; a convertible that converts at maturity pays no principal. Each is
  //    handed to `visit` as it is found: the sequential loop pays it at once (so that nothing is
  //    stored), a network period lists it for the clearing.
  template <class Visit>
  void each_obligation(Visit visit) {
    const auto owe = [&](FlowKind kind, Source src, int index, double amount, int creditor = -1) {
      if (amount > 0) visit(Obligation{kind, src, index, amount, 0, creditor});
    };
    owe(FlowKind::Power, Source::None, 0, f_.power);
    owe(FlowKind::Opex, Source::None, 0, f_.opex);
    owe(FlowKind::Sga, Source::None, 0, f_.sga);
    for (const LeasePayment& l : l_.leases)
      owe(FlowKind::Lease, Source::Lease, static_cast<int>(l.lease), l.amount,
          p_.lessor.empty() || !alive(p_.lessor[l.lease]) ? -1 : p_.lessor[l.lease]);
    for (const Purchase& x : l_.purchases) {
      if (!alive(x.provider)) continue;
      f_.purchases += x.amount;
      f_.ebitda -= x.amount;
      owe(FlowKind::Purchase, Source::Contract, static_cast<int>(x.contract), x.amount, x.provider);
    }
    for (Index c : l_.capex_in)
      owe(FlowKind::Capex, Source::Capex, static_cast<int>(c),
          e_.capex[c].units * e_.capex[c].unit_cost);
    each_site_payment([&](FlowKind kind, Source src, int index, double amount, int host) {
      owe(kind, src, index, amount, host);
    });
    for (Index l = 0; l < e_.liabilities.size(); ++l) {
      const double interest = s_.liability[l] * e_.liabilities[l].rate *
                              plan_.timeline.days[kk_] / 365.0;
      f_.interest_expense += interest;
      owe(FlowKind::Interest, Source::Liability, static_cast<int>(l), interest);
    }
    for (Index d : l_.paying)
      if (!s_.debt[d].closed) owe(FlowKind::Interest, Source::Debt, idx(d), s_.debt[d].accrued);
    for (Index d : l_.fee_due)
      if (!s_.debt[d].closed) owe(FlowKind::Fee, Source::Debt, idx(d), fee_due(d));
    if (plan_.timeline.year_ends[kk_])  // a new fee year starts
      for (Index d : p_.annual_fee) s_.debt[d].balance_days = 0;
    for (const Repayment& r : l_.repaying) {
      const Index d = r.debt;
      if (!open(d)) continue;
      if (r.at_maturity && converts(d)) continue;
      const double due = r.per_draw ? tranche_principal(d)
                                    : principal_due(debt(d), terms(d), k_, s_.debt[d].balance);
      // Handed on even when nothing is due, so that a maturity is reported.
      visit(Obligation{FlowKind::Principal, Source::Debt, idx(d), due, due, -1, r.per_draw,
                       r.at_maturity});
    }
    for (Index q = 0; q < e_.invest_to_buy.size(); ++q) {
      const InvestToBuy& deal = e_.invest_to_buy[q];
      const double amount = std::min(deal.ratio * s_.bought[q], deal.cap - s_.invested[q]);
      s_.bought[q] = 0;
      if (alive(deal.investee)) owe(FlowKind::Investment, Source::Deal, idx(q), amount, deal.investee);
    }
  }

  // Network phase 1: the period's obligations, what they come to, whether any is owed to
  // another modelled entity, and what the entity can pay them with (which only the clearing
  // reads, so it is counted only here).
  // Both callers come after prepare() has emptied the list and zeroed what it owes.
  void list_obligations() {
    s_.listed = true;
    each_obligation([&](const Obligation& o) {
      if (o.creditor >= 0 || (o.source == Source::Debt && !p_.lenders[static_cast<Index>(o.index)].empty())) {
        s_.owes_network = true;
        s_.net_due.push_back(static_cast<int>(s_.due.size()));
      }
      s_.due.push_back(o);
      s_.owed += o.amount;
    });
    s_.own = cash_ + backstops();
  }

  // The sequential loop's waterfall (no links: no purchases, deals or holders' liabilities),
  // paid as each obligation falls due so that nothing is stored. It pays what each_obligation()
  // lists, in the same order; a test runs every scenario both ways.
  // 4a. Running costs, leases and capex, in that order of priority.
  void pay_running_costs() {
    double cash = cash_;
    pay(cash, FlowKind::Power, Source::None, 0, f_.power);
    pay(cash, FlowKind::Opex, Source::None, 0, f_.opex);
    pay(cash, FlowKind::Sga, Source::None, 0, f_.sga);
    for (const LeasePayment& l : l_.leases)
      pay(cash, FlowKind::Lease, Source::Lease, static_cast<int>(l.lease), l.amount);
    for (Index c : l_.capex_in)
      pay(cash, FlowKind::Capex, Source::Capex, static_cast<int>(c),
          e_.capex[c].units * e_.capex[c].unit_cost);
    cash_ = cash;
  }

  // 4b. Debt service: interest, then fees, then scheduled principal, each in file order.
  void service_debt() {
    double cash = cash_;
    for (Index d : l_.paying) {
      DebtState& x = s_.debt[d];
      if (x.closed) continue;
      const double paid = pay(cash, FlowKind::Interest, Source::Debt, idx(d), x.accrued);
      x.accrued -= paid;
      if constexpr (kTotals) f_.interest_paid += paid;
      f_.service += paid;
    }
    for (Index d : l_.fee_due)
      if (!s_.debt[d].closed) f_.service += pay(cash, FlowKind::Fee, Source::Debt, idx(d), fee_due(d));
    if (plan_.timeline.year_ends[kk_])  // a new fee year starts
      for (Index d : p_.annual_fee) s_.debt[d].balance_days = 0;
    for (const Repayment& r : l_.repaying) {
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
      if constexpr (kTotals) f_.principal += paid;
      f_.service += paid;
      if (r.at_maturity && !failed_)
        sink_.event(Event{k_, entity_, EventType::Maturity, Source::Debt, idx(d), Covenant::None,
                          FlowKind::Principal, paid, 0});
    }
    cash_ = cash;
  }

  // The fees of debt d at this period end: upfront, undrawn (on payment dates) and annual (on
  // the average balance over its fee year). Resets the undrawn fee accrued.
  double fee_due(Index d) {
    DebtState& x = s_.debt[d];
    double fee = terms(d).upfront_period == k_ ? debt(d).fees.upfront * debt(d).commitment : 0.0;
    if (terms(d).pays[kk_]) fee += x.fee_accrued, x.fee_accrued = 0;
    if (terms(d).annual_fee_due[kk_]) {
      const double average = x.balance_days / plan_.timeline.year_days[kk_];
      fee += std::max(debt(d).fees.annual_minimum,
                      debt(d).fees.annual * (debt(d).commitment - average));
    }
    return fee;
  }

  // What paying `paid` of obligation `o` does to the books.
  void settle(const Obligation& o, double paid) {
    const auto d = static_cast<Index>(o.index);
    switch (o.kind) {
      case FlowKind::Interest:
        if constexpr (kTotals) f_.interest_paid += paid;
        if (o.source != Source::Debt) break;
        s_.debt[d].accrued -= paid;
        f_.service += paid;
        break;
      case FlowKind::Fee: f_.service += paid; break;
      case FlowKind::Principal:
        if (o.per_draw)
          reduce_tranches(d, paid, o.due);
        else
          prepaid(d, paid);
        if constexpr (kTotals) f_.principal += paid;
        f_.service += paid;
        if (o.at_maturity && !failed_)
          sink_.event(Event{k_, entity_, EventType::Maturity, Source::Debt, idx(d), Covenant::None,
                            FlowKind::Principal, paid, 0});
        break;
      case FlowKind::Purchase:
        for (Index w = 0; w < e_.warrants.size(); ++w)
          if (e_.warrants[w].issuer == o.creditor) s_.purchased[w] += paid;
        break;
      case FlowKind::Investment: s_.invested[d] += paid; break;
      default: break;
    }
  }

  // The listed obligations by the waterfall: each in full, in order, until one cannot be paid.
  void pay_listed() {
    double cash = cash_;
    for (const Obligation& o : s_.due) {
      const int to = o.kind == FlowKind::Purchase || o.kind == FlowKind::Guarantee ? o.creditor : -1;
      settle(o, pay(cash, o.kind, o.source, o.index, o.amount, to));
    }
    cash_ = cash;
  }

  // The clearing found it cannot pay everything: after drawing every backstop it pays each
  // obligation the same fraction (Eisenberg-Noe's pro rata), and defaults. What is left over is
  // what Rogers-Veraart's default costs destroy.
  void pay_pro_rata(double fraction) {
    failed_ = true;
    s_.default_period = k_;
    for (Index d : p_.revolvers) draw(d, available(d));
    raise_contingent_equity(/*short_by_now=*/true);
    double owed = 0, paid_total = 0, network_owed = 0;
    for (const Obligation& o : s_.due) {
      if (o.creditor >= 0) network_owed += o.amount;  // its debt's unpaid part is a claim
      const int to = o.kind == FlowKind::Purchase || o.kind == FlowKind::Guarantee ? o.creditor : -1;
      const double paid = std::min(o.amount * fraction, std::max(0.0, cash_));
      owed += o.amount;
      paid_total += paid;
      if (paid > 0) {
        cash_ -= paid;
        sink_.flow(Flow{k_, entity_, o.kind, o.source, o.index, -paid, to});
      }
      settle(o, paid);
    }
    if (cash_ > 0) sink_.flow(Flow{k_, entity_, FlowKind::DefaultCost, Source::None, 0, -cash_});
    cash_ = 0;
    const auto e = static_cast<Index>(entity_);
    sink_.event(Event{k_, entity_, EventType::Default, Source::None, -1, Covenant::None,
                      FlowKind::Revenue, owed, paid_total, state_.node_round[e],
                      state_.node_cause[e], state_.owed_in[e], state_.received_in[e], -1,
                      network_owed});
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
    if constexpr (kTotals) f_.prepayments += paid;
    to_lenders(d, FlowKind::Prepayment, paid);
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

  // 5-8. After the scheduled payments: prepayments, revolvers, contingent equity, covenant tests,
  //      and the lenders' recovery when the entity has defaulted.
  void after_payments_body() {
    prepay();
    manage_revolvers();
    if (!failed_) raise_contingent_equity(/*short_by_now=*/false);
    s_.ebitda[kk_] = f_.ebitda;
    s_.interest[kk_] = f_.interest_expense;
    s_.service[kk_] = f_.service;
    if (!failed_ && !l_.testing.empty()) test_covenants();
    if (!failed_) distribute();
    if (failed_) resolve_default(0.0);
  }

  // An spv pays its parent the cash it holds above `distribute_above`, after everything else.
  void distribute() {
    if (!e_.distribute_above || !alive(e_.parent) || cash_ <= *e_.distribute_above) return;
    const double amount = cash_ - *e_.distribute_above;
    cash_ -= amount;
    sink_.flow(Flow{k_, entity_, FlowKind::Distribution, Source::Distribution, 0, -amount});
    other(e_.parent).pending += amount;
    sink_.flow(Flow{k_, e_.parent, FlowKind::Distribution, Source::Distribution, 0, amount,
                    entity_});
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
        const double base = borrowing_base(d);
        if (s_.debt[d].balance > base) {
          const double excess = s_.debt[d].balance - base;
          // What cash cannot pay of the excess is met by selling collateral, when the rule says
          // so and the collateral can meet it; then cash pays what is left of the excess.
          if (rule.sell_to_cure && excess > std::max(0.0, cash_) &&
              sell_to_cure(d, excess - std::max(0.0, cash_)))
            prepay_debt(d, std::clamp(s_.debt[d].balance - borrowing_base(d), 0.0,
                                      std::max(0.0, cash_)));
          else
            prepay_debt(d, excess);
        }
      }
      if (rule.sweep_share > 0 && cash_ > rule.sweep_above)
        prepay_debt(d, rule.sweep_share * (cash_ - rule.sweep_above));
    }
  }

  double borrowing_base(Index d) const {
    const Prepayments& rule = debt(d).prepayment;
    return rule.borrowing_base *
           detail::lots_value(p_, p_.collateral[d], m_, state_.index, s_, k_, rule.basis);
  }

  // Forced sale (docs/model.md, Forced sales): sells debt d's collateral at market less the
  // generation's liquidation haircut h, lot by lot in its order (the last in part), and prepays
  // d with the proceeds, until the excess left is what cash pays (`need` is the rest). A dollar
  // of value sold raises 1 - h and lowers the base by the advance rate a: it cures 1 - h - a of
  // the excess. When the whole collateral could not cure `need`, sells nothing and returns false
  // (the entity then defaults as without the rule).
  [[gnu::noinline]] bool sell_to_cure(Index d, double need) {
    const double a = debt(d).prepayment.borrowing_base;
    const auto value = [&](int i) {  // what is left of lot i, at market, now
      const LotPlan& lot = p_.lots[static_cast<Index>(i)];
      return lot.first_period > k_ ? 0.0 : market_now(lot) * s_.sales[static_cast<Index>(i)];
    };
    double can = 0;
    for (int i : p_.collateral[d])
      can += value(i) * std::max(0.0, keep(p_.lots[static_cast<Index>(i)].gpu) - a);
    if (can < need) return false;
    double left = need;
    for (int i : p_.collateral[d]) {
      const LotPlan& lot = p_.lots[static_cast<Index>(i)];
      const auto l = static_cast<Index>(i), g = static_cast<Index>(lot.gpu);
      const double v = value(i), cure = keep(lot.gpu) - a;
      if (v <= 0 || cure <= 0) continue;
      const double take = std::min(1.0, left / (v * cure));  // of what is left of the lot
      const double units = lot.units * s_.sales[l] * take;
      const double proceeds = v * take * keep(lot.gpu);
      s_.sales[l] = take >= 1 ? 0.0 : s_.sales[l] * (1 - take);
      units_sold(g) += units;
      kw_sold(g) += units * lot.kw_per_gpu;
      s_.sold_lots = true;
      state_.sold[g] += units;  // moves the index in the loop's fire-sale passes
      receive(FlowKind::GpuSale, Source::Lot, i, proceeds);
      Event sale{k_, entity_, EventType::FireSale, Source::Lot, i, Covenant::None,
                 FlowKind::Revenue, units, state_.index[g], 1, Cause::FireSale, 0, proceeds,
                 static_cast<int>(g)};
      sale.facility = idx(d);
      sink_.event(sale);
      prepay_debt(d, proceeds);
      if (take < 1) break;
      left -= v * cure;
    }
    return true;
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
        to_lenders(d, FlowKind::Principal, paid);
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
        const double value =
            detail::lots_value(p_, p_.collateral[d], m_, state_.index, s_, k_);
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
    for (Index d : l_.testing) {
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
    cause_ = Cause::Covenant;
    for (Index d : accelerate)
      if (!failed_) accelerate_debt(d);
    cause_ = Cause::Liquidity;
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
    to_lenders(d, FlowKind::Interest, interest);
    const double fee = pay(FlowKind::Fee, Source::Debt, idx(d), x.fee_accrued);
    x.fee_accrued -= fee;
    to_lenders(d, FlowKind::Fee, fee);
    const double paid = pay(FlowKind::Principal, Source::Debt, idx(d), x.balance);
    prepaid(d, paid);
    f_.principal += paid;
    to_lenders(d, FlowKind::Principal, paid);
    if (!failed_) x.closed = true;
  }

  // The share of lot i still owned: forced sales may have sold the rest.
  double kept(Index i) const { return s_.sold_lots ? s_.sales[i] : 1.0; }
  // Per GPU generation: the units sold by forced sales so far, and their kW.
  double& units_sold(Index g) const { return s_.sales[p_.lots.size() + g]; }
  double& kw_sold(Index g) const { return s_.sales[p_.lots.size() + state_.index.size() + g]; }
  // A whole lot's market value at this period end, moved by the fire-sale index as it is now.
  double market_now(const LotPlan& lot) const {
    return lot.market_value(m_.rent_end_at(lot.gpu, k_), k_) *
           state_.index[static_cast<Index>(lot.gpu)];
  }
  // The share of a generation's market value a sale realizes: 1 less its liquidation haircut.
  double keep(int gpu) const {
    return 1 - plan_.scenario->market.gpus[static_cast<Index>(gpu)].liquidation_haircut;
  }

  // What selling the share `kept` of lot `lot` at this period end raises: its market value, moved
  // by the fire-sale index, less the generation's liquidation haircut. Without a fire-sale
  // iteration (no other entity's collateral can be moved) the index first takes this sale.
  double sale_proceeds(const LotPlan& lot, double kept) {
    const auto g = static_cast<Index>(lot.gpu);
    const double units = lot.units * kept;
    state_.sold[g] += units;
    const double pressure = plan_.network.pressure[g];
    if (pressure > 0 && !plan_.network.fire_sales) state_.index[g] *= std::exp(-pressure * units);
    return market_now(lot) * keep(lot.gpu) * kept;
  }

  // 8. Default: each lender's claim (balance, accrued interest and fees) is met from the
  //    liquidation value of the GPUs and the cash left, by collateral, seniority and pro rata;
  //    the rest is its loss. Both are booked from the lenders' side; modelled lenders receive
  //    their recoveries when they close. A holder's liabilities are claims beside its senior
  //    debt, and `held` (its loans and stakes, at their marks) joins the cash.
  void resolve_default(double held) {
    RecoveryInput in;
    for (Index d = 0; d < e_.debt.size(); ++d) {
      const DebtState& x = s_.debt[d];
      in.claim.push_back(!x.closed ? x.balance + x.accrued + x.fee_accrued : 0.0);
      in.seniority.push_back(debt(d).seniority);
      in.collateral.push_back(p_.collateral[d]);
    }
    for (Index l = 0; l < e_.liabilities.size(); ++l) {
      in.claim.push_back(s_.liability[l]);
      in.seniority.push_back(Seniority::Senior);
      in.collateral.emplace_back();
    }
    for (Index i = 0; i < p_.lots.size(); ++i)
      in.lot_value.push_back(p_.lots[i].first_period <= k_ ? sale_proceeds(p_.lots[i], kept(i))
                                                           : 0.0);
    for (Index g = 0; g < state_.sold.size(); ++g) report_sale(g);
    // A holder found insolvent at the period end may still have cash: it goes to its creditors.
    if (cash_ > 0) sink_.flow(Flow{k_, entity_, FlowKind::Liquidation, Source::None, 0, -cash_});
    in.cash = cash_ + held;
    const std::vector<double> got = recoveries(in);
    for (Index d = 0; d < in.claim.size(); ++d) {
      if (in.claim[d] <= 0) continue;
      const bool is_debt = d < e_.debt.size();
      const Source src = is_debt ? Source::Debt : Source::Liability;
      const int index = is_debt ? idx(d) : idx(d - e_.debt.size());
      sink_.flow(Flow{k_, entity_, FlowKind::Recovery, src, index, got[d]});
      // A claim recovered in full (got is then exactly the claim) has no loss row.
      if (got[d] < in.claim[d])
        sink_.flow(Flow{k_, entity_, FlowKind::Loss, src, index, -(in.claim[d] - got[d])});
      sink_.event(Event{k_, entity_, EventType::Recovery, src, index, Covenant::None,
                        FlowKind::Recovery, got[d], in.claim[d]});
      if (!is_debt) {
        s_.liability[d - e_.debt.size()] = 0;
        continue;
      }
      for (const LenderShare& l : p_.lenders[d])
        if (alive(l.entity)) other(l.entity).pending += got[d] * l.share;
      DebtState& x = s_.debt[d];
      x.balance = x.accrued = x.fee_accrued = 0;
      x.tranches.clear();
      x.premium = 0;
      x.closed = true;
    }
    cash_ = 0;
    s_.liquidated = true;
  }

  // A fire-sale event per generation whose units this default sold (the loop sets its round).
  void report_sale(Index g) {
    double units = 0;
    for (Index i = 0; i < p_.lots.size(); ++i)
      if (p_.lots[i].first_period <= k_ && static_cast<Index>(p_.lots[i].gpu) == g)
        units += p_.lots[i].units * kept(i);
    if (units > 0 && plan_.network.pressure[g] > 0)
      sink_.event(Event{k_, entity_, EventType::FireSale, Source::None, 0, Covenant::None,
                        FlowKind::Revenue, units, state_.index[g], 0, Cause::FireSale, 0, 0,
                        static_cast<int>(g)});
  }

  // A holder short of cash after funding its share of draws raises the rest from its funders:
  // its first liability (deposits, reserves) grows, or its owners put in capital.
  void fund(double amount) {
    if (!e_.liabilities.empty()) {
      s_.liability[0] += amount;
      receive(FlowKind::Funding, Source::Liability, 0, amount);
    } else {
      receive(FlowKind::Funding, Source::Funding, 0, amount);
      if (s_.owners_period != k_) {
        s_.owners_period = k_;
        s_.owners_paid = 0;
        s_.held_before = s_.held;
      }
      s_.owners_paid += amount;
    }
  }

  // Balances and fleet values at the period end.
  void close() {
    f_.cash = cash_;
    f_.shares = s_.shares;
    // What was drawn in this period stops counting as drawn in the current one.
    if (f_.draws > 0)
      for (DebtState& x : s_.debt) x.drawn_now = 0;
    // The rest is figures only: a valued network's marks read them, and a sink that asks.
    if constexpr (!detail::wants_balances<Sink>())
      if (!plan_.network.valued) return;
    double debt = 0;
    for (const DebtState& x : s_.debt) debt += x.balance;
    f_.debt = debt;
    double liabilities = 0;
    for (double l : s_.liability) liabilities += l;
    f_.liabilities = liabilities;
    if (s_.liquidated) {
      f_.collateral_book = f_.collateral_market = f_.collateral_fire_sale = 0;
      return;
    }
    if (s_.sold_lots) [[unlikely]] return fleet_values_after_sales();
    f_.collateral_book = p_.collateral_book[kk_];
    double market = 0, fire_sale = 0;
    if (plan_.network.index_moves) {
      for (const OwnedLot& lot : l_.owned_lots) {
        const double v = lot_market_value(m_.rent_end_at(lot.gpu, k_), lot.cost_per_hour,
                                          lot.value_factor) *
                         state_.index[static_cast<Index>(lot.gpu)];
        market += v;
        if constexpr (Sink::kFireSaleValue) fire_sale += v * keep(lot.gpu);
      }
    } else {
      for (const OwnedLot& lot : l_.owned_lots) {
        const double v =
            lot_market_value(m_.rent_end_at(lot.gpu, k_), lot.cost_per_hour, lot.value_factor);
        market += v;
        if constexpr (Sink::kFireSaleValue) fire_sale += v * keep(lot.gpu);
      }
    }
    f_.collateral_market = market;
    f_.collateral_fire_sale = fire_sale;
  }

  // close() once forced sales have sold lots, or parts of them: what is left of each.
  [[gnu::noinline]] void fleet_values_after_sales() {
    double book = 0, market = 0, fire_sale = 0;
    for (Index i = 0; i < p_.lots.size(); ++i) {
      const LotPlan& lot = p_.lots[i];
      if (lot.first_period > k_) continue;
      book += lot.book[kk_] * s_.sales[i];
      const double v = market_now(lot) * s_.sales[i];
      market += v;
      fire_sale += v * keep(lot.gpu);
    }
    f_.collateral_book = book;
    f_.collateral_market = market;
    f_.collateral_fire_sale = fire_sale;
  }

  const Plan& plan_;
  const MarketPath& m_;
  State& state_;
  const Entity& e_;
  const EntityPlan& p_;
  EntityState& s_;
  Sink& sink_;
  const int k_;
  const std::size_t kk_;
  const int entity_;
  const PeriodLists& l_;  // what can act in this period
  // The entity's cash through the step, written back at its end: every flow moves it, and a
  // value of the step's own stays in a register where the state's would go through memory.
  double cash_;
  std::conditional_t<Phased, PeriodFigures&, PeriodFigures> f_;
  bool failed_ = false;
  double site_lease_ = 0;  // the sites' payments this period (site_capacity)
  double slack_ = 0;
  Cause cause_ = Cause::Liquidity;  // what a default here would be (covenant, guarantee)
};

}  // namespace tinderbox
