// The scenario as validated, immutable values: what the loader produces and the engine reads.
//
// Plain aggregates and vectors (STYLE.md 3). Every cross-reference (a lot's GPU, a capex item's
// facility, a lender that is an entity) is resolved to an index by the loader, so the code behind
// it never looks a name up and may assume every invariant listed here.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conventions/date.h"

namespace tinderbox {

// A curve of (date, value) points, dates strictly increasing, at least one point.
// value(d) is linear in days between the surrounding points and flat outside them.
struct Curve {
  std::vector<Date> dates;
  std::vector<double> values;
  double at(Date d) const;
};

enum class PeriodKind { Month, Quarter };
inline int months_per_period(PeriodKind p) { return p == PeriodKind::Month ? 1 : 3; }

struct GpuMarket {
  std::string name;          // e.g. "H100"
  Curve rent;                // $ per GPU-hour
  double economic_life_years = 0;
  double reference_utilization = 0;
  double cash_cost_per_hour = 0;  // $ per GPU-hour, used in the income approach only
  double liquidation_haircut = 0;  // share of market value lost when seized GPUs are sold
  // Fire sales (docs/model.md, Fire sales): units sold in a default move the generation's
  // market-value index m <- m x exp(-impact x units / market_depth_units), which recovers toward
  // 1 with a half-life. market_depth_units 0: no fire-sale model for this generation.
  double market_depth_units = 0;
  double impact = 0;
  double recovery_half_life_months = 0;
};

struct RateCurve {
  std::string name;  // e.g. "sofr"
  Curve curve;
};

// An entity's share price, $ per share, for conversions and share counts.
struct SharePrice {
  std::string entity;  // the entity's id
  int index = -1;      // into Scenario::entities
  Curve price;
};

struct Market {
  std::vector<RateCurve> rates;
  std::vector<GpuMarket> gpus;
  std::vector<SharePrice> equity;  // `market.equity`: entity id -> share price curve
  double power_usd_per_mwh = 0;
  double discount_rate = 0;
};

enum class EntityKind { Neocloud, Hyperscaler, Lab, Chipmaker, Spv, Fund, Bank, Insurer, Pension, External };

struct Lot {
  std::string id;
  int gpu = 0;  // index into Market::gpus
  double units = 0;
  Date acquired;
  double unit_cost = 0;  // $M per GPU
  double book_life_years = 0;
  double kw_per_gpu = 0;
};

struct Operations {
  double utilization = 0;         // share of uncontracted GPU-hours sold at market rent
  double cash_cost_per_hour = 0;  // $ per running GPU-hour, non-power
  double sga = 0;                 // $M per period
};

// A party named by a contract, lender, lessor: an entity of the scenario or an external name.
struct Party {
  std::string name;
  int entity = -1;  // index into Scenario::entities, or -1 for an external party
};

// A contract's cancellation rule (`cancel:`): at each period end at which the demand factor is
// below `demand_below` (< 0), the customer gives notice with `probability` a year (converted to
// the period's length); payments stop `notice_months` months after that period end.
struct CancelRule {
  double demand_below = 0;
  double probability = 0;
  int notice_months = 0;
};

// ---------------------------------------------------------------------------------- capacity
// Data-center capacity (docs/model.md, Capacity): the powered, cooled megawatts an entity's GPUs
// run in. An entity without sites is not capacity-constrained.

enum class SiteType { Owned, Leased, Hosted };

// Monte Carlo only (`delay:`): the site is late with `probability`; a late site is N months
// late, N >= 1 geometric with mean `mean_months` (each month late, another month late with
// probability 1 - 1 / mean_months).
struct SiteDelay {
  double probability = 0;
  double mean_months = 1;
};

struct Site {
  std::string id;
  SiteType type = SiteType::Owned;
  Party host;               // leased: the lessor (optional); hosted: the host; owned: none
  double mw = 0;            // facility MW at full delivery (IT MW x pue)
  std::optional<Date> signed_on;           // `signed`: in contracted MW from then (default: start)
  std::optional<Date> construction_start;  // before `delivery`; owned: the build cost is spread
  Date delivery;            // scheduled first day of power
  int ramp_months = 0;      // active MW rise linearly to `mw` over this many months
  int delay_months = 0;     // a deterministic delay of the whole schedule
  double capex_per_mw = 0;  // owned: $M per MW, spread over [construction_start, delivery)
  double payment_per_mw_per_period = 0;  // leased, hosted: $M per active MW per period
  double escalator = 0;     // yearly step-up of the payment, on anniversaries of the delivery
  int term_months = 0;      // leased, hosted: the term from the (actual) delivery; 0 = open
  double pue = 1.0;         // power usage effectiveness, >= 1: IT MW = active MW / pue
  // Hosted: the tenant's reimbursements of the host's build-out, [date, amount $M].
  std::vector<std::pair<Date, double>> reimbursement;
  std::optional<SiteDelay> delay;  // Monte Carlo only
};

enum class Remedy { Penalty, Partial, Cancel };

// A contract's delivery deadline (`delivery:`): its sites must be fully delivered (every MW
// active) by the end of `deadline`. If they are not, `remedy` applies: a penalty per month late,
// the cancellation of the undelivered share, or of the whole contract, from the first period
// that starts after the deadline.
struct DeliveryTerms {
  Date deadline;
  std::vector<int> sites;  // indices into the entity's sites, each once, at least one
  Remedy remedy = Remedy::Penalty;
  double penalty_per_month = 0;  // $M per month late (penalty only)
};

struct Contract {
  std::string id;
  Party customer;
  // Either a GPU contract (gpu >= 0: gpus x price per GPU-hour) or a fixed amount per period.
  int gpu = -1;
  double gpus = 0;
  double price_per_gpu_hour = 0;
  double amount_per_period = 0;
  Date start, end;  // inclusive
  std::string customer_rating;  // the customer's credit quality, for contract-priced draws
  // Monte Carlo only: the customer may cancel when demand is weak (`cancel:`).
  std::optional<CancelRule> cancel;
  // The capacity the contract needs, by when, and what a late delivery costs (`delivery:`).
  std::optional<DeliveryTerms> delivery;
};

struct Lease {
  std::string id;
  Party lessor;  // optional in the file: name "" when not given
  double payment_per_period = 0;
  Date start, end;        // inclusive
  double escalator = 0;   // yearly step-up on each anniversary of start
};

struct Capex {
  std::string id;  // from the file, or "capex:N" (N from 1 in file order)
  Date date;
  int gpu = 0;
  double units = 0;
  double unit_cost = 0;
  double book_life_years = 0;
  double kw_per_gpu = 0;
  int funded_by = -1;       // index into the entity's debt, or -1 (all cash)
  double advance_rate = 0;  // share of cost drawn from funded_by
  int for_contract = -1;    // the contract this purchase serves (index), or -1
};

struct EquityIssue {
  std::string id;  // from the file, or "equity:N"
  Date date;       // a scheduled raise; unused for a contingent one
  double amount = 0;
  std::string kind;  // free text: ipo, follow_on, ...
  std::optional<double> price;  // $ per share; else the entity's share price on the day
  // A contingent raise: `amount` is raised at a period end when cash is below this, while the
  // window [from, until] is open, at most once every `months_apart` months.
  std::optional<double> when_cash_below;
  std::optional<Date> from, until;
  int months_apart = 12;
};

enum class DebtType { TermLoan, Bond, Revolver, Convertible };
// Rank in a default: senior claims are paid before subordinated ones (after collateral).
enum class Seniority { Senior, Subordinated };
enum class Frequency { Month = 1, Quarter = 3, Semiannual = 6, Annual = 12 };
inline int months_of(Frequency f) { return static_cast<int>(f); }

// Which base rate a floating loan pays when it offers two (SOFR or an alternate base rate).
enum class RateChoice { Primary, Alternate, Lower, Higher };

struct Rate {
  bool is_fixed = false;
  double fixed = 0;  // when is_fixed
  int index = -1;    // into Market::rates, when floating
  double spread = 0; // resolved from the spread grid by the entity's rating when one is given
  double floor = 0;  // applies to the index
  // Optional alternate base rate (ABR): index, spread and floor of its own, and the choice.
  int alt_index = -1;  // -1: none
  double alt_spread = 0;
  double alt_floor = 0;
  RateChoice choice = RateChoice::Primary;
  // Spreads by the credit quality of the contract a draw finances (DDTL 2.0: 6.00-6.50 % for
  // investment-grade customers' contracts): customer_rating -> spread. Draws for other
  // contracts, and the rest of the balance, pay `spread`.
  std::vector<std::pair<std::string, double>> contract_spreads;
};

struct Fees {
  double upfront = 0;         // share of the commitment, paid in the period containing `signed`
  double undrawn = 0;         // a year on the undrawn commitment, accrued by the day count
  double annual = 0;          // a year on (commitment - average balance) over each fee year
  double annual_minimum = 0;  // $M, the least annual fee
};

enum class CollateralBasis { Market, Book };

struct Prepayments {
  double borrowing_base = 0;  // advance rate; 0 = no borrowing base
  CollateralBasis basis = CollateralBasis::Market;
  // Forced sales (`cure: sell`): what cash cannot pay of the borrowing base's excess is met by
  // selling the facility's collateral at market (docs/model.md, Forced sales).
  bool sell_to_cure = false;
  double sweep_share = 0;     // share of cash above sweep_above swept at payment dates
  double sweep_above = 0;
  double from_new_debt = 0;   // share of other instruments' draws in the period
  // The instruments whose draws count as new debt (indices into the entity's debt); empty: every
  // other term loan, bond and convertible (a revolver's draws never count unless listed).
  std::vector<int> new_debt;
  double from_equity = 0;     // share of equity raised in the period
};

enum class AmortStyle { Bullet, Level, Percent, Schedule };
struct Amortization {
  AmortStyle style = AmortStyle::Bullet;
  std::optional<Date> from;  // level: first amortizing payment date (default first_payment)
  double per_payment = 0;    // percent: share of the original outstanding
  std::vector<std::pair<Date, double>> schedule;  // schedule: payment date -> amount
};

enum class CovenantKind {
  MinLiquidity, MaxLtv, MinInterestCoverage, MinDscr,
  // Trailing-twelve-month contract revenue received / contract revenue scheduled (DDTL 3.0).
  MinContractRealization
};

struct CovenantTest {
  CovenantKind kind = CovenantKind::MinLiquidity;
  double limit = 0;
  std::optional<Date> from;  // tested only on payment dates on or after this date
  int every = 1;             // tested on every `every`-th payment date (counted from the first)
  int cure_periods = 0;      // consecutive failed tests tolerated before an event of default
  std::vector<Date> waived;  // test dates on which a breach is waived
};

struct Covenants {
  std::vector<CovenantTest> tests;  // file order
  // What a breach not cured in time does: only an event, or an event of default that
  // accelerates the loan (the whole balance falls due at once).
  bool breach_is_default = false;
};

struct Lender {
  Party party;
  double share = 0;  // shares of one instrument sum to 1
};

struct Debt {
  std::string id;
  DebtType type = DebtType::TermLoan;
  std::vector<Lender> lenders;
  double outstanding = 0;  // drawn balance at the scenario start
  double commitment = 0;   // >= outstanding (+ scheduled draws)
  std::vector<std::pair<Date, double>> draws;  // explicit draws (a bond's issue), date-sorted
  Rate rate;
  DayCount day_count = DayCount::Act360;
  Frequency pay = Frequency::Quarter;
  Date first_payment;  // last day of a month; later payments every `pay`
  Amortization amortization;
  Date maturity;                  // one of the payment dates
  std::vector<int> secured_by;    // indices into the entity's lots (fleet first, then capex lots):
                                  // fleet lot i -> i, capex item j -> fleet.size() + j
  Covenants covenants;
  std::optional<Date> signed_on;        // `signed`: when the facility was signed (upfront fee)
  std::optional<Date> available_until;  // no draws after this date; the undrawn fee stops
  std::optional<Date> available_from;   // no draws, and no undrawn fee, before this date
  Fees fees;
  Prepayments prepayment;
  bool cross_default = false;  // accelerates when another instrument of the entity accelerates
  Seniority seniority = Seniority::Senior;
  // Convertible only: at maturity the holders take shares at this price ($ per share) when the
  // share price is above it; otherwise they are repaid.
  double conversion_price = 0;
  // Per-draw maturities (DDTL 2.0's 2025 amendment): each draw after `start` is a tranche that
  // matures on the first payment date `draw_term_months` after it (at the latest at `maturity`)
  // and amortizes over its own payments by `draw_amortization`; 0 = draws share the loan's terms.
  int draw_term_months = 0;
  AmortStyle draw_amortization = AmortStyle::Level;  // Level or Bullet
  // Revolver only: draw when cash would fall below `draw_below`; repay from cash above
  // `repay_above` at each period end.
  double draw_below = 0;
  double repay_above = std::numeric_limits<double>::infinity();  // never, unless given
};

// Reduced-form credit of a party that is not fully modelled (`credit:`): it defaults at
// tau = F^-1(Phi(X)), X = sqrt(rho) Z + sqrt(1 - rho) eps, F(t) = 1 - exp(-h t),
// h = -ln(1 - pd_annual) (docs/model.md, Monte Carlo).
struct Credit {
  double pd_annual = 0;    // in [0, 1)
  double correlation = 0;  // rho in [0, 1]
};

// ---------------------------------------------------------------------------------- network
// Links between modelled entities (issues 3 and 5; docs/model.md, Network).

// Financial holders: their assets are loans, fund interests and stakes.
inline bool is_holder(EntityKind k) {
  return k == EntityKind::Fund || k == EntityKind::Bank || k == EntityKind::Insurer ||
         k == EntityKind::Pension;
}

// An SPV's parent guarantee: the parent pays the SPV's shortfall (all of it, or up to `cap`
// over the SPV's life); without one the SPV is non-recourse.
enum class GuaranteeType { None, Full, Capped };
struct Guarantee {
  GuaranteeType type = GuaranteeType::None;
  double cap = 0;  // $M, Capped only
};

// A holder's liability to creditors outside the scenario (depositors, policyholders, ...): a
// balance that counts against its equity and pays `rate` a year (act/365, each period).
enum class LiabilityKind { Deposits, PolicyReserves, Other };
struct Liability {
  std::string id;
  LiabilityKind kind = LiabilityKind::Other;
  double amount = 0;  // $M at start
  double rate = 0;    // a year, paid each period
};

// A share of another entity's equity: an equity stake, or a fund interest (a share of a fund's
// NAV). Marked to the investee's equity (docs/model.md, Holders and marks).
struct Stake {
  int entity = -1;  // the investee, index into Scenario::entities
  double share = 0;  // (0, 1]
  bool fund_interest = false;
};

// A warrant on `issuer`'s shares held by this entity: each tranche vests once the holder has paid
// the issuer `purchases` ($M, cumulative, under the issuer's contracts with it) and the issuer's
// share price has reached `price_hurdle`. Value = vested shares x max(0, price - strike).
struct WarrantTranche {
  double shares = 0;        // millions
  double purchases = 0;     // $M
  double price_hurdle = 0;  // $ per share
};
struct Warrant {
  std::string id;
  int issuer = -1;    // index into Scenario::entities (has a share price in market.equity)
  double strike = 0;  // $ per share
  std::vector<WarrantTranche> tranches;
};

// Invest-to-buy: this entity invests `ratio` x what `investee` paid it in the previous period
// under `contract` (one of this entity's contracts, with the investee as customer), up to `cap`.
struct InvestToBuy {
  std::string id;
  int investee = -1;
  int contract = -1;  // index into this entity's contracts
  double ratio = 0;
  double cap = std::numeric_limits<double>::infinity();
};

struct Entity {
  std::string id;
  EntityKind kind = EntityKind::Neocloud;
  double cash = 0;
  std::string rating;
  std::optional<double> equity_value;        // $M, for P/S and EV/revenue
  std::optional<double> revenue_prior_year;  // $M, for year-one growth in the Rule of 40
  std::optional<double> shares;              // millions of shares outstanding at `start`
  int share_price = -1;                      // index into Market::equity, or -1
  std::vector<Lot> fleet;
  Operations operations;
  std::vector<Contract> contracts;
  std::vector<Lease> leases;
  std::vector<Capex> capex;
  std::vector<EquityIssue> equity;
  std::vector<Debt> debt;
  std::optional<Credit> credit;  // only on entities with nothing else modelled
  std::vector<Site> sites;       // data-center capacity; none: GPUs are not power-constrained
  // Network (docs/scenario.md, Networks):
  int parent = -1;                       // an spv's parent entity
  Guarantee guarantee;                   // an spv's parent guarantee
  std::optional<double> distribute_above;  // an spv pays its parent its cash above this
  std::vector<Liability> liabilities;    // a holder's external liabilities
  std::vector<Stake> stakes;             // equity stakes and fund interests it holds
  std::vector<Warrant> warrants;         // warrants it holds
  std::vector<InvestToBuy> invest_to_buy;  // its invest-to-buy deals (as investor)
  bool is_parent = false;    // some spv names it as its parent (set by the loader)
  bool is_investee = false;  // some entity holds a stake in it (set by the loader)
};

// Whether the period loop keeps books for the entity: it has books of its own, or it is a
// financial holder, an spv, an spv's parent, an investee or a holder of stakes, warrants or
// deals; a party with reduced-form `credit` never is.
bool is_modelled(const Entity& e);

// An Ornstein-Uhlenbeck deviation: dx = -a x dt + s dW, x(0) = 0; a = 0 is a Brownian motion.
struct OuProcess {
  double mean_reversion = 0;  // a, per year, >= 0
  double volatility = 0;      // s, per sqrt(year), >= 0
};

// A rate index's deviation from its curve: its own process, or the same deviation as another
// rate (`follows:`, e.g. prime follows sofr).
struct RateDriver {
  OuProcess ou;
  int follows = -1;  // index into Market::rates whose deviation this rate takes, or -1
};

// New GPU generations arrive as a Poisson process; each arrival multiplies the rents of the
// generations it hits by (1 - c), c ~ Beta with mean cut_mean and standard deviation cut_sd
// (c = cut_mean when cut_sd = 0).
struct Releases {
  double rate_per_year = 0;
  double cut_mean = 0;  // in (0, 1) when rate_per_year > 0
  double cut_sd = 0;    // cut_sd^2 < cut_mean (1 - cut_mean)
  std::vector<int> hits;  // indices into Market::gpus
};

// The demand factor D, an OU deviation: spot utilization = clamp(utilization + beta D, 0, 1);
// contracts' `cancel:` rules read it at period ends.
struct Demand {
  OuProcess ou;
  double utilization_beta = 0;
};

// The `stochastic:` section. Everything zero (the default) is the deterministic run.
struct Stochastic {
  std::vector<RateDriver> rates;  // per Market::rates (zero when not listed)
  std::vector<OuProcess> gpu;     // per Market::gpus (zero when not listed): rent = curve x exp(y)
  // Correlation of the GPU rent deviations' shocks, Market::gpus order; empty = independent.
  // Positive definite (checked by the loader).
  std::vector<std::vector<double>> gpu_correlation;
  Releases releases;
  Demand demand;
};

// `network:` — the clearing between modelled entities (docs/scenario.md, Networks).
struct NetworkOptions {
  double alpha = 1, beta = 1;  // Rogers-Veraart: share of outside assets / of receipts a
                               // defaulted entity realizes (1, 1: Eisenberg-Noe)
  int max_rounds = 20;         // fire-sale rounds within a period
};

// Creditor classes for losses (issue 5): a lender that is an entity of kind fund is private
// credit, bank, insurer or pension its own class; a name outside the scenario has the class
// `creditor_classes` gives it, else `other`, as has every other entity.
enum class CreditorClass { PrivateCredit, Bank, Insurer, Pension, Other };
inline constexpr int kCreditorClasses = 5;

struct Scenario {
  std::string name;
  Date start;  // the 1st of a month
  int horizon = 0;
  PeriodKind period = PeriodKind::Month;
  Market market;
  std::vector<Entity> entities;
  Stochastic stochastic;  // sized to the market's rates and GPUs by the loader
  NetworkOptions network;
  // `creditor_classes`: the class of lenders outside the scenario, by name (an entity's class
  // follows from its kind); a lender not listed is `other`.
  std::vector<std::pair<std::string, CreditorClass>> creditor_classes;
};

const char* entity_kind_name(EntityKind k);

const char* creditor_class_name(CreditorClass c);
// A covenant's key in the scenario file (min_liquidity, ...).
const char* covenant_kind_name(CovenantKind k);
CreditorClass creditor_class(const Scenario& s, const Party& p);

}  // namespace tinderbox
