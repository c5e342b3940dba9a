// The scenario compiled onto its period grid: everything that does not depend on the market path,
// computed once per run so that the period loop only does the arithmetic that does.
//
// Monte Carlo runs the loop once per path, so the plan also lists, for each period, what can
// happen in it (which debts accrue, pay or draw, which contracts run, which lots are owned): the
// loop visits only those. The lists are exact: whatever one leaves out would have paid, drawn or
// changed nothing in that period.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "book/capacity.h"
#include "book/debt_terms.h"
#include "book/fleet.h"
#include "engine/flows.h"
#include "engine/timeline.h"
#include "scenario/scenario.h"

namespace tinderbox {

// Items per period, in file order and stored flat: period k's are items[first[k]] ..
// items[first[k + 1] - 1].
template <class T>
struct PerPeriod {
  std::vector<std::size_t> first{0};  // periods + 1 offsets into items
  std::vector<T> items;

  std::span<const T> at(std::size_t k) const {
    return {items.data() + first[k], items.data() + first[k + 1]};
  }
  void close_period() { first.push_back(items.size()); }  // while building: the next period
};

// Indices into one of the entity's lists (debts, capex items, equity items).
using PeriodIndex = PerPeriod<std::size_t>;

struct Accrual {
  std::size_t debt = 0;
  double year_fraction = 0;  // of the period, by the debt's day count
  bool per_draw = false;     // its draws are tranches (Debt::draw_term_months)
};

struct Repayment {
  std::size_t debt = 0;
  bool per_draw = false;     // principal by tranche (Debt::draw_term_months)
  bool at_maturity = false;  // the period ends on the debt's maturity
};

struct ContractPeriod {
  std::size_t contract = 0;
  int gpu = -1;       // the generation it sells, or -1 for a fixed amount
  double revenue = 0;  // $M
  double hours = 0;    // GPU-hours it takes (0: fixed amount)
};

// A generation the entity owns or sells hours of in the period.
struct GpuPeriod {
  int gpu = 0;
  double owned_hours = 0;       // GPU-hours of the lots owned
  double owned_kw_hours = 0;    // kW x hours of the lots owned (power at full use)
  double contracted_hours = 0;  // GPU-hours sold under contracts
};

struct LeasePayment {
  std::size_t lease = 0;
  double amount = 0;  // $M, not 0
};

// A lot owned at the period end, with what its market value needs (LotPlan::market_value).
struct OwnedLot {
  int gpu = 0;
  double cost_per_hour = 0;
  double value_factor = 0;
};

// A site's payment, build cost or reimbursement in a period of the deterministic run.
struct SiteFlow {
  std::size_t site = 0;
  FlowKind kind = FlowKind::Lease;  // Lease: a payment; Capex: a build cost or reimbursement
  double amount = 0;                // $M, not 0
  bool reimbursement = false;       // a reimbursement of the host's build-out
  // Its slot in State::site_skip: 2 site (a payment), 2 site + 1 (a reimbursement), or
  // 2 sites (a build cost, which a path never skips).
  std::size_t skip = 0;
};

// A contract's delivery terms on the period grid (Contract::delivery).
struct DeliveryPlan {
  std::size_t contract = 0;
  int deadline = 0;        // serial day: the sites must be fully delivered by its end
  int cut_from = 0;        // the first period that starts after the deadline
  int report_period = -1;  // the period whose end reports a missed deadline; -1: beyond the run
  Remedy remedy = Remedy::Penalty;
  double penalty_per_period = 0;  // penalty_per_month x months per period
  int last_day = 0;        // serial day after the contract's end: penalties stop there
  std::vector<int> sites;
};

// Network links (docs/model.md, Network), resolved once per run:
// a modelled entity's part of one of the entity's debts;
struct LenderShare {
  int entity = 0;
  double share = 0;
};
// what the entity buys in a period from a modelled provider, under the provider's contract;
struct Purchase {
  int provider = 0;
  std::size_t contract = 0;  // index into the provider's contracts
  double amount = 0;         // $M, not 0
};
// a debt of another entity that this one lends on.
struct LoanHeld {
  int borrower = 0;
  std::size_t debt = 0;
  double share = 0;
};

// What can act in one period: the entity's per-period lists (below) at that period, side by side.
// Monte Carlo looks a list up for every phase of every period of every path; from one row each is
// two loads, where PerPeriod::at() takes four and their arithmetic, from as many cache lines.
struct PeriodLists {
  std::span<const Accrual> accruing;
  std::span<const std::size_t> fixing, fee_accruing, paying, fee_due, testing, drawing, capex_in,
      equity_in;
  std::span<const Repayment> repaying;
  std::span<const ContractPeriod> contracts;
  std::span<const GpuPeriod> gpus;
  std::span<const LeasePayment> leases;
  std::span<const OwnedLot> owned_lots;
  std::span<const SiteFlow> site_flows;  // empty without sites
  std::span<const Purchase> purchases;
};

struct EntityPlan {
  std::vector<LotPlan> lots;  // the opening fleet, then one lot per capex item (same order)
  std::vector<DebtTerms> debt;
  std::vector<std::vector<int>> collateral;  // per debt: its secured_by lots and the lots it funded
  int gpu_types = 0;
  std::vector<int> capex_period;         // per capex item: the period that contains its date
  // Per capex item: its draw's spread over the facility's own, when the facility prices draws
  // by the credit quality of the contract they serve (Rate::contract_spreads); else 0.
  std::vector<double> capex_premium;
  std::vector<int> equity_period;        // per equity item: likewise
  bool operates = false;                 // has anything to model at all
  bool sells_to_cure = false;            // some debt's borrowing base is cured by forced sales

  // Operations, per period:
  PerPeriod<ContractPeriod> contracts;  // contracts with revenue or hours in the period
  PerPeriod<GpuPeriod> gpus;            // generations owned or contracted
  PerPeriod<LeasePayment> leases;       // lease payments due
  PerPeriod<OwnedLot> owned_lots;       // lots owned at the period end, with a market value
  // Sums that do not depend on the market path (added in the loop's own order):
  std::vector<double> lease_total;      // [k]: lease payments, $M
  std::vector<double> collateral_book;  // [k]: book value of the lots owned at the period end

  // Debt, per period:
  // Debts that can hold a balance through the period: all but those repaid at an earlier
  // maturity, whose balance has been exactly 0 since.
  PerPeriod<Accrual> accruing;
  PeriodIndex fixing;        // accruing floating-rate debts whose accrual starts with the period
                             // (every accruing debt in the first period)
  PeriodIndex fee_accruing;  // debts whose undrawn fee accrues through the period
  PeriodIndex paying;        // debts with a payment date at the period end: interest,
                             // borrowing base and sweep
  PeriodIndex fee_due;       // debts on which an upfront, undrawn or annual fee can fall due
  PerPeriod<Repayment> repaying;  // paying debts on which scheduled principal can fall due
  PeriodIndex testing;       // paying debts with covenants
  PeriodIndex drawing;       // debts with an explicit draw in the period
  PeriodIndex capex_in;      // capex items paid (and drawn from their facility) in the period
  PeriodIndex equity_in;     // equity items, other than contingent raises, dated in the period
  std::vector<std::size_t> annual_fee;  // debts with an annual fee (on their average balance)
  std::vector<std::size_t> revolvers;   // debts that are revolvers
  std::vector<std::size_t> prepaying;   // debts with a mandatory prepayment rule
  std::vector<std::size_t> contingent;  // equity items raised when cash falls below a trigger

  // Capacity (docs/model.md, Capacity); all empty for an entity without sites.
  std::vector<SitePlan> sites;
  // The deterministic run's, per period [k]: the IT kW-hours the active sites can power, their
  // active MW, the MW under contract (signed), and the sites' payments.
  std::vector<double> capacity_kwh, active_mw, contracted_mw, site_lease_total;
  std::vector<double> installed_kwh;  // [k]: kW-hours of every GPU owned, running all the time
  PerPeriod<SiteFlow> site_flows;       // the deterministic run's payments, builds, reimbursements
  std::vector<DeliveryPlan> deliveries;  // contracts with delivery terms
  std::vector<int> delivery_of;          // per contract: index into deliveries, or -1
  // Whether some delivery's remedy is a penalty (the others' penalty() is 0), and per period [k]
  // whether a missed deadline can do anything in it: a penalty, or the report of a deadline
  // missed (its report_period). On a path that misses one, the loop asks every period.
  bool penalties = false;
  std::vector<std::uint8_t> delivery_acts;

  // Network (empty or -1 without links between modelled entities):
  bool holder = false;                            // a financial holder (fund, bank, ...)
  std::vector<std::vector<LenderShare>> lenders;  // per debt: its modelled lenders
  std::vector<int> lessor;    // per lease: the modelled lessor, or -1
  std::vector<int> customer;  // per contract: the modelled customer, or -1
  std::vector<int> site_host; // per site: the modelled host or lessor, or -1
  bool sells_to_network = false;  // some contract's customer is modelled
  PerPeriod<Purchase> purchases;  // what it buys from modelled providers
  std::vector<LoanHeld> loans;    // other entities' debts it lends on
  std::vector<int> spvs;          // the spvs it guarantees
  std::size_t max_obligations = 0;  // the most obligations it can have in one period
  // [k]: it can owe another modelled entity something in period k (a purchase, a lease or a
  // site's payment, a lender's share of debt service, an investment); with `lists`, it lists its
  // obligations every period (a holder with liabilities, an spv with a guarantee, an investor).
  std::vector<std::uint8_t> owes_network;
  bool lists = false;

  // [k]: the lists above at period k, pointing into them (laid out last, by Plan: a Plan is not
  // copied, and moving one keeps its vectors' storage).
  std::vector<PeriodLists> period;
};

// What the loop needs to run the scenario as a network (docs/model.md, Network).
struct NetworkPlan {
  // Some modelled entity is linked to another (a lender, customer, lessor, host, parent, stake,
  // warrant or deal) or is a financial holder: the loop runs each period in phases and clears.
  bool linked = false;
  // Fire sales can move other entities' collateral in the same period: a generation has a
  // fire-sale model and two modelled entities or more own GPUs. Each period is then iterated to
  // its fixed point.
  bool fire_sales = false;
  std::vector<int> order;        // the modelled entities, every spv before its parent
  std::vector<int> modelled, unmodelled;  // the entities the loop keeps books for, and the rest
  std::vector<int> guaranteed;   // spvs with a parent guarantee
  // Some entity holds loans, stakes, fund interests, warrants or deals, or is a holder: the
  // loop values holdings and marks at each period end.
  bool valued = false;
  std::vector<double> recovery;  // per GPU generation: 0.5^(months per period / half-life)
  std::vector<double> pressure;  // per GPU generation: impact / market_depth_units (0: none)
  bool index_moves = false;      // some generation has a fire-sale model
};

struct Plan {
  const Scenario* scenario = nullptr;
  Timeline timeline;
  std::vector<EntityPlan> entities;
  NetworkPlan network;

  explicit Plan(const Scenario& s);
  // Each EntityPlan::period points into the plan's own lists.
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  Plan(Plan&&) = default;
  Plan& operator=(Plan&&) = default;
};

}  // namespace tinderbox
