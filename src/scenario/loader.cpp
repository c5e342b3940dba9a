// The scenario reader: one merged YAML tree (imports.h) → validated Scenario values.
//
// Every check reports a problem and goes on, so that one pass finds every problem; a check whose
// inputs were bad is skipped rather than piling a second error on the first. Each mapping's known
// keys are a table (kLotKeys, ...) checked by one generic reader (Fields, in yaml_values.h).
#include "scenario/loader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <deque>
#include <iterator>
#include <limits>
#include <span>
#include <tuple>
#include <unordered_map>

#include <Eigen/Cholesky>

#include "scenario/imports.h"
#include "scenario/yaml_tree.h"
#include "scenario/yaml_values.h"
#include "util/suggest.h"
#include "util/text.h"

namespace tinderbox {

// A diagnostic is one line: a control character in a path the user gave (a file named with a
// newline, an escape sequence) or in a message quoting one is written as \xNN, so that it can
// neither split the line nor drive the terminal. Values from the file are already quoted so.
std::string Diagnostic::str() const {
  return one_line(file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": error: " +
                  message);
}

namespace loader {
namespace {

using Kind = YNode::Kind;

// ---------------------------------------------------------------------------------- messages

std::string number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

// ---------------------------------------------------------------------------------- choices

constexpr Choice<PeriodKind> kPeriods[] = {{"month", PeriodKind::Month},
                                           {"quarter", PeriodKind::Quarter}};
constexpr Choice<EntityKind> kEntityKinds[] = {
    {"neocloud", EntityKind::Neocloud}, {"hyperscaler", EntityKind::Hyperscaler},
    {"lab", EntityKind::Lab},           {"chipmaker", EntityKind::Chipmaker},
    {"spv", EntityKind::Spv},           {"fund", EntityKind::Fund},
    {"bank", EntityKind::Bank},         {"insurer", EntityKind::Insurer},
    {"pension", EntityKind::Pension},   {"external", EntityKind::External}};
constexpr Choice<DebtType> kDebtTypes[] = {{"term_loan", DebtType::TermLoan},
                                           {"bond", DebtType::Bond},
                                           {"revolver", DebtType::Revolver},
                                           {"convertible", DebtType::Convertible}};
constexpr Choice<Seniority> kSeniorities[] = {{"senior", Seniority::Senior},
                                              {"subordinated", Seniority::Subordinated}};
constexpr Choice<DayCount> kDayCounts[] = {
    {"act/360", DayCount::Act360}, {"30/360", DayCount::Thirty360}, {"act/365", DayCount::Act365}};
constexpr Choice<Frequency> kFrequencies[] = {{"month", Frequency::Month},
                                              {"quarter", Frequency::Quarter},
                                              {"semiannual", Frequency::Semiannual},
                                              {"annual", Frequency::Annual}};
constexpr Choice<AmortStyle> kAmortStyles[] = {{"bullet", AmortStyle::Bullet},
                                               {"level", AmortStyle::Level},
                                               {"percent", AmortStyle::Percent},
                                               {"schedule", AmortStyle::Schedule}};
constexpr Choice<RateChoice> kRateChoices[] = {{"primary", RateChoice::Primary},
                                               {"alternate", RateChoice::Alternate},
                                               {"lower", RateChoice::Lower},
                                               {"higher", RateChoice::Higher}};
constexpr Choice<CollateralBasis> kCollateralBases[] = {{"market", CollateralBasis::Market},
                                                        {"book", CollateralBasis::Book}};
constexpr Choice<bool> kBreachActions[] = {{"event", false}, {"default", true}};
constexpr Choice<CreditorClass> kCreditorClassChoices[] = {
    {"private_credit", CreditorClass::PrivateCredit}, {"bank", CreditorClass::Bank},
    {"insurer", CreditorClass::Insurer}, {"pension", CreditorClass::Pension},
    {"other", CreditorClass::Other}};

// ---------------------------------------------------------------------------------- key tables

constexpr Key kTopKeys[] = {{"tinderbox", true}, {"name", false},    {"start", true},
                            {"horizon", true},   {"period", false},  {"import", false},
                            {"market", false},   {"entities", false}, {"stochastic", false},
                            {"network", false},  {"creditor_classes", false}};
constexpr Key kMarketKeys[] = {
    {"rates", false}, {"gpu", false}, {"power_usd_per_mwh", false}, {"discount_rate", false},
    {"equity", false}};
constexpr Key kGpuKeys[] = {{"rent", true},
                            {"economic_life_years", true},
                            {"reference_utilization", true},
                            {"cash_cost_per_hour", true},
                            {"liquidation_haircut", false},
                            {"market_depth_units", false},
                            {"impact", false},
                            {"recovery_half_life_months", false}};
constexpr NumberField<GpuMarket> kGpuNumbers[] = {
    {"liquidation_haircut", Bound::Share, &GpuMarket::liquidation_haircut},
    {"economic_life_years", Bound::Positive, &GpuMarket::economic_life_years},
    {"reference_utilization", Bound::Share, &GpuMarket::reference_utilization},
    {"cash_cost_per_hour", Bound::NonNeg, &GpuMarket::cash_cost_per_hour}};
constexpr Key kEntityKeys[] = {{"kind", true},
                               {"cash", false},
                               {"rating", false},
                               {"equity_value", false},
                               {"revenue_prior_year", false},
                               {"shares", false},
                               {"fleet", false},
                               {"operations", false},
                               {"contracts", false},
                               {"leases", false},
                               {"capex", false},
                               {"equity", false},
                               {"debt", false},
                               {"credit", false},
                               {"sites", false},
                               // network (issues 3 and 5)
                               {"parent", false},
                               {"guarantee", false},
                               {"liabilities", false},
                               {"stakes", false},
                               {"fund_interests", false},
                               {"warrants", false},
                               {"invest_to_buy", false},
                               {"distribute_above", false}};
constexpr Key kCreditKeys[] = {{"pd_annual", true}, {"correlation", true}};
constexpr NumberField<Credit> kCreditNumbers[] = {
    {"pd_annual", Bound::NonNegRate, &Credit::pd_annual},
    {"correlation", Bound::Share, &Credit::correlation}};
constexpr Key kOperationsKeys[] = {
    {"utilization", false}, {"cash_cost_per_hour", false}, {"sga", false}};
constexpr NumberField<Operations> kOperationsNumbers[] = {
    {"utilization", Bound::Share, &Operations::utilization},
    {"cash_cost_per_hour", Bound::NonNeg, &Operations::cash_cost_per_hour},
    {"sga", Bound::NonNeg, &Operations::sga}};
constexpr Key kLotKeys[] = {{"id", true},        {"gpu", true},       {"units", true},
                            {"acquired", true},  {"unit_cost", true}, {"book_life_years", true},
                            {"kw_per_gpu", true}};
constexpr NumberField<Lot> kLotNumbers[] = {
    {"units", Bound::NonNeg, &Lot::units},
    {"unit_cost", Bound::NonNeg, &Lot::unit_cost},
    {"book_life_years", Bound::Positive, &Lot::book_life_years},
    {"kw_per_gpu", Bound::NonNeg, &Lot::kw_per_gpu}};
constexpr Key kContractKeys[] = {{"id", true},
                                 {"customer", true},
                                 {"start", true},
                                 {"end", true},
                                 {"gpu", false},
                                 {"gpus", false},
                                 {"price_per_gpu_hour", false},
                                 {"amount_per_period", false},
                                 {"customer_rating", false},
                                 {"cancel", false},
                                 {"delivery", false}};
constexpr Key kCancelKeys[] = {
    {"demand_below", true}, {"probability", true}, {"notice_months", false}};
constexpr Key kLeaseKeys[] = {{"id", true},  {"payment_per_period", true}, {"start", true},
                              {"end", true}, {"escalator", false},         {"lessor", false}};
constexpr Key kCapexKeys[] = {{"id", false},        {"date", true},       {"gpu", true},
                              {"units", true},      {"unit_cost", true},  {"book_life_years", true},
                              {"kw_per_gpu", true}, {"funded_by", false}, {"advance_rate", false},
                              {"for_contract", false}};
constexpr NumberField<Capex> kCapexNumbers[] = {
    {"units", Bound::NonNeg, &Capex::units},
    {"unit_cost", Bound::NonNeg, &Capex::unit_cost},
    {"book_life_years", Bound::Positive, &Capex::book_life_years},
    {"kw_per_gpu", Bound::NonNeg, &Capex::kw_per_gpu},
    {"advance_rate", Bound::Share, &Capex::advance_rate}};
constexpr Key kEquityKeys[] = {{"id", false},     {"date", false},
                               {"amount", true},  {"kind", false},
                               {"price", false},  {"when_cash_below", false},
                               {"from", false},   {"until", false},
                               {"months_apart", false}};
constexpr Key kDebtKeys[] = {
    {"id", true},          {"type", true},          {"lenders", true},       {"outstanding", true},
    {"commitment", false}, {"draws", false},        {"rate", true},          {"day_count", false},
    {"pay", false},        {"first_payment", true}, {"amortization", false}, {"maturity", true},
    {"secured_by", false}, {"covenants", false},
    // credit-facility terms
    {"signed", false}, {"available_until", false}, {"fees", false}, {"prepayment", false},
    {"cross_default", false}, {"draw_below", false}, {"repay_above", false},
    {"seniority", false}, {"conversion_price", false},
    {"draw_term_months", false}, {"draw_amortization", false},
    {"available_from", false}};
constexpr Key kRateKeys[] = {{"index", false}, {"spread", false}, {"spread_grid", false},
                             {"contract_spreads", false},
                             {"floor", false}, {"fixed", false},  {"alternate", false},
                             {"use", false}};
constexpr Key kAlternateRateKeys[] = {{"index", true}, {"spread", true}, {"floor", false}};
constexpr Key kAmortizationKeys[] = {
    {"style", true}, {"from", false}, {"per_payment", false}, {"payments", false}};
constexpr Key kFeeKeys[] = {
    {"upfront", false}, {"undrawn", false}, {"annual", false}, {"annual_minimum", false}};
constexpr NumberField<Fees> kFeeNumbers[] = {
    {"upfront", Bound::NonNegRate, &Fees::upfront},
    {"undrawn", Bound::NonNegRate, &Fees::undrawn},
    {"annual", Bound::NonNegRate, &Fees::annual},
    {"annual_minimum", Bound::NonNeg, &Fees::annual_minimum}};
constexpr Key kPrepaymentKeys[] = {{"borrowing_base", false},
                                   {"cash_sweep", false},
                                   {"from_new_debt", false},
                                   {"from_equity", false},
                                   {"new_debt", false}};
constexpr NumberField<Prepayments> kPrepaymentNumbers[] = {
    {"from_new_debt", Bound::Share, &Prepayments::from_new_debt},
    {"from_equity", Bound::Share, &Prepayments::from_equity}};
constexpr Key kBorrowingBaseKeys[] = {{"advance_rate", true}, {"value", false}, {"cure", false}};
// How a borrowing base's excess is met: from cash (the entity defaults if it cannot), or by
// selling collateral for what cash cannot pay (forced sales).
constexpr Choice<bool> kBorrowingBaseCures[] = {{"pay", false}, {"sell", true}};
constexpr Key kCashSweepKeys[] = {{"share", true}, {"above", true}};
constexpr NumberField<Prepayments> kCashSweepNumbers[] = {
    {"share", Bound::PositiveShare, &Prepayments::sweep_share},
    {"above", Bound::NonNeg, &Prepayments::sweep_above}};
constexpr Key kCovenantKeys[] = {{"min_liquidity", false},
                                 {"max_ltv", false},
                                 {"min_interest_coverage", false},
                                 {"min_dscr", false},
                                 {"min_contract_realization", false},
                                 {"on_breach", false}};
struct CovenantKey {
  std::string_view key;
  CovenantKind kind;
  Bound bound;  // of its limit
};
constexpr CovenantKey kCovenantKinds[] = {
    {"min_liquidity", CovenantKind::MinLiquidity, Bound::NonNeg},
    {"max_ltv", CovenantKind::MaxLtv, Bound::Positive},
    {"min_interest_coverage", CovenantKind::MinInterestCoverage, Bound::NonNeg},
    {"min_dscr", CovenantKind::MinDscr, Bound::NonNeg},
    {"min_contract_realization", CovenantKind::MinContractRealization, Bound::Share}};
constexpr Key kCovenantTestKeys[] = {{"limit", true},
                                     {"from", false},
                                     {"every", false},
                                     {"cure_periods", false},
                                     {"waived", false}};
// `stochastic:` also takes the names of `market.rates` as keys, so it is read without a table.
constexpr std::string_view kStochasticKeys[] = {"gpu", "gpu_correlation", "releases", "demand"};
constexpr Key kOuKeys[] = {{"mean_reversion", true}, {"volatility", true}};
constexpr NumberField<OuProcess> kOuNumbers[] = {
    {"mean_reversion", Bound::NonNeg, &OuProcess::mean_reversion},
    {"volatility", Bound::NonNeg, &OuProcess::volatility}};
// Either both numbers or `follows` (checked by the reader, not by the table).
constexpr Key kRateDriverKeys[] = {
    {"mean_reversion", false}, {"volatility", false}, {"follows", false}};
constexpr Key kReleasesKeys[] = {
    {"rate_per_year", true}, {"cut_mean", false}, {"cut_sd", false}, {"hits", false}};
constexpr Key kDemandKeys[] = {
    {"mean_reversion", true}, {"volatility", true}, {"utilization_beta", false}};
// Capacity (docs/scenario.md, `sites`; a contract's `delivery`).
constexpr Choice<SiteType> kSiteTypes[] = {
    {"owned", SiteType::Owned}, {"leased", SiteType::Leased}, {"hosted", SiteType::Hosted}};
constexpr Key kSiteKeys[] = {{"id", true},
                             {"type", true},
                             {"host", false},
                             {"mw", true},
                             {"signed", false},
                             {"construction_start", false},
                             {"delivery", true},
                             {"ramp_months", false},
                             {"delay_months", false},
                             {"capex_per_mw", false},
                             {"payment_per_mw_per_period", false},
                             {"escalator", false},
                             {"term_months", false},
                             {"pue", false},
                             {"reimbursement", false},
                             {"delay", false}};
constexpr Key kSiteDelayKeys[] = {{"probability", true}, {"mean_months", true}};
constexpr Choice<Remedy> kRemedies[] = {
    {"penalty", Remedy::Penalty}, {"partial", Remedy::Partial}, {"cancel", Remedy::Cancel}};
constexpr Key kDeliveryKeys[] = {
    {"deadline", true}, {"sites", true}, {"remedy", true}, {"penalty_per_month", false}};
constexpr int kMaxCount = 1200;  // the most periods a scenario has: caps `every` and `cure_periods`
// --- network (issues 3 and 5)
constexpr Key kNetworkKeys[] = {{"alpha", false}, {"beta", false}, {"max_rounds", false}};
constexpr NumberField<NetworkOptions> kNetworkNumbers[] = {
    {"alpha", Bound::PositiveShare, &NetworkOptions::alpha},
    {"beta", Bound::PositiveShare, &NetworkOptions::beta}};
constexpr std::string_view kFireSaleKeys[] = {"market_depth_units", "impact",
                                              "recovery_half_life_months"};
constexpr NumberField<GpuMarket> kFireSaleNumbers[] = {
    {"market_depth_units", Bound::Positive, &GpuMarket::market_depth_units},
    {"impact", Bound::NonNeg, &GpuMarket::impact},
    {"recovery_half_life_months", Bound::Positive, &GpuMarket::recovery_half_life_months}};
constexpr Key kGuaranteeKeys[] = {{"type", true}, {"cap", false}};
constexpr Choice<GuaranteeType> kGuaranteeTypes[] = {{"full", GuaranteeType::Full},
                                                     {"capped", GuaranteeType::Capped}};
constexpr Key kLiabilityKeys[] = {{"id", true}, {"type", true}, {"amount", true}, {"rate", false}};
constexpr Choice<LiabilityKind> kLiabilityKinds[] = {
    {"deposits", LiabilityKind::Deposits},
    {"policy_reserves", LiabilityKind::PolicyReserves},
    {"other", LiabilityKind::Other}};
constexpr NumberField<Liability> kLiabilityNumbers[] = {
    {"amount", Bound::NonNeg, &Liability::amount}, {"rate", Bound::NonNegRate, &Liability::rate}};
constexpr Key kWarrantKeys[] = {{"id", true}, {"issuer", true}, {"strike", true},
                                {"tranches", true}};
constexpr Key kTrancheKeys[] = {{"shares", true}, {"purchases", false}, {"price_hurdle", false}};
constexpr NumberField<WarrantTranche> kTrancheNumbers[] = {
    {"shares", Bound::Positive, &WarrantTranche::shares},
    {"purchases", Bound::NonNeg, &WarrantTranche::purchases},
    {"price_hurdle", Bound::NonNeg, &WarrantTranche::price_hurdle}};
constexpr Key kInvestToBuyKeys[] = {
    {"id", true}, {"investee", true}, {"contract", true}, {"ratio", true}, {"cap", false}};

// ---------------------------------------------------------------------------------- names

bool is_gpu_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// The names defined in one scope, for resolving references (with a suggestion when one is
// unknown) and for reporting a name defined twice.
class Names {
 public:
  // The index of the new name, or -1 when it was defined before (reported).
  int define(Problems& p, const std::string& name, const YNode& at) {
    const auto [it, fresh] = index_.try_emplace(name, Definition{count_, &at});
    ++count_;
    if (!fresh) {
      p.at(at, "duplicate id " + quote_text(name) + " (first defined at " +
                   p.where(*it->second.at, at) + ")");
      return -1;
    }
    list_.push_back(name);
    return it->second.index;
  }
  // As define, for names whose uniqueness is checked elsewhere: a second one is not reported
  // (find keeps the first).
  void add(const std::string& name, const YNode& at) {
    if (index_.try_emplace(name, Definition{count_, &at}).second) list_.push_back(name);
    ++count_;
  }
  // Keeps the indices of later names in step with their items when one item's name is bad.
  void skip() { ++count_; }
  int find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? -1 : it->second.index;
  }
  std::string suggest(std::string_view name) const { return did_you_mean(name, list_); }
  bool empty() const { return list_.empty(); }
  const std::vector<std::string>& list() const { return list_; }

  bool usable = true;  // false when the section defining them was unreadable

 private:
  struct Definition {
    int index;
    const YNode* at;
  };
  int count_ = 0;
  std::vector<std::string> list_;
  std::unordered_map<std::string, Definition> index_;
};

// ---------------------------------------------------------------------------------- dates

int month_index(Date d) {
  const Ymd x = ymd(d);
  return x.year * 12 + (x.month - 1);
}

std::optional<Date> month_end(int index) {
  if (index < 0) return std::nullopt;
  const auto first = make_date(index / 12, index % 12 + 1, 1);
  return first ? std::optional<Date>(end_of_month(*first)) : std::nullopt;
}

std::string date_list(std::initializer_list<std::optional<Date>> dates) {
  std::string out;
  for (const auto& d : dates)
    if (d) out += format_date(*d) + ", ";
  return out + "...";
}

// A debt's payment dates: the end of every `months`-th month from first_payment.
struct PaymentDates {
  Date first;
  int months;

  bool contains(Date d) const {
    return is_end_of_month(d) && d >= first && (month_index(d) - month_index(first)) % months == 0;
  }
  std::optional<Date> at(int k) const { return month_end(month_index(first) + k * months); }
  // "2028-01-31, 2028-04-30, ...": the payment dates around d, for a message.
  std::string around(Date d) const {
    const int k = std::max(0, (month_index(d) - month_index(first)) / months);
    return date_list({at(k), at(k + 1)});
  }
};

// The scenario's period grid, when start and period are valid.
struct Grid {
  Date start;
  PeriodKind period;

  bool is_period_end(Date d) const {
    const int m = months_per_period(period);
    return is_end_of_month(d) && (month_index(d) - month_index(start) + 1) % m == 0;
  }
  std::optional<Date> period_end(Date d) const {  // the end of the period that contains d
    const int m = months_per_period(period);
    int k = month_index(d);
    while ((k - month_index(start) + 1) % m != 0) ++k;
    return month_end(k);
  }
  std::string ends_from(Date d) const {  // the period ends from d on, for a message
    const int m = months_per_period(period);
    int k = month_index(d);
    while ((k - month_index(start) + 1) % m != 0) ++k;
    return date_list({month_end(k), month_end(k + m)});
  }
};

const char* frequency_words(Frequency f) {
  switch (f) {
    case Frequency::Month:
      return "every month";
    case Frequency::Quarter:
      return "every quarter";
    case Frequency::Semiannual:
      return "every six months";
    case Frequency::Annual:
      return "every year";
  }
  return "";
}

// ---------------------------------------------------------------------------------- stochastic

using Matrix = std::vector<std::vector<double>>;

// Cholesky succeeds exactly when the matrix is (numerically) positive definite: the condition for
// drawing correlated shocks from it.
bool positive_definite(const Matrix& m) {
  const auto n = static_cast<Eigen::Index>(m.size());
  Eigen::MatrixXd a(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      a(i, j) = m[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
  return Eigen::LLT<Eigen::MatrixXd>(a).info() == Eigen::Success;
}

// Why `self` may not follow `other`, which follows `third` in turn (perhaps `self` again).
std::string follow_chain(const std::string& self, const std::string& other,
                         const std::string& third) {
  if (third == self)
    return "rates " + quote_text(self) + " and " + quote_text(other) +
           " follow each other: one of them needs its own 'mean_reversion' and 'volatility'";
  return "rate " + quote_text(self) + " follows " + quote_text(other) + ", which follows " +
         quote_text(third) + " in turn: follow " + quote_text(third) + " directly";
}

std::string matrix_entry(std::size_t row, std::size_t col) {
  return "row " + std::to_string(row + 1) + ", column " + std::to_string(col + 1) +
         " of 'gpu_correlation'";
}

// The sections the period loop books for an entity, "" when it has none: reduced-form `credit`
// is for the parties it does not model.
std::string own_books(const Entity& e) {
  const std::pair<const char*, bool> parts[] = {{"fleet", !e.fleet.empty()},
                                                {"capex", !e.capex.empty()},
                                                {"contracts", !e.contracts.empty()},
                                                {"leases", !e.leases.empty()},
                                                {"equity", !e.equity.empty()},
                                                {"debt", !e.debt.empty()},
                                                {"sites", !e.sites.empty()},
                                                {"operations.sga", e.operations.sga > 0}};
  std::string out;
  for (const auto& [name, has] : parts)
    if (has) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

// The key of `key` in `map`, for an error about the key itself rather than its value.
const YNode& key_node(const YNode& map, std::string_view key) {
  for (const YEntry& e : map.entries)
    if (e.key.scalar == key) return e.key;
  return map;
}

// ---------------------------------------------------------------------------------- the reader

// What the checks of one entity's items share: its rating, its lots (fleet, then capex) and debts.
struct EntityScope {
  int index = -1;
  std::string id;
  const YNode* rating = nullptr;  // the entity's `rating`, when given and text
  bool rating_bad = false;        // given but not text (reported)
  Names lots, debts, sites;
  // `kw_per_gpu: 0` of lots and capex items: refused once the entity is known to have sites.
  std::vector<const YNode*> zero_kw;
  // Every id an item gave itself: lots, contracts, leases, equity, debts. The ledger names an
  // instrument by its id alone, so they are unique across all of them (checked in file order).
  std::vector<std::pair<std::string, const YNode*>> ids;
  struct Funding {
    std::size_t capex;
    const YNode* at;
    std::string debt;
  };
  std::vector<Funding> funding;  // resolved once every debt is known
  struct BorrowingBase {
    std::string debt;
    const YNode* at;
  };
  std::vector<BorrowingBase> uncollateralized;  // borrowing bases without `secured_by` lots
  struct NewDebt {
    std::size_t debt;  // the debt whose prepayment rule names it
    std::string name;
    const YNode* at;
  };
  std::vector<NewDebt> new_debt;  // `prepayment.new_debt` entries, resolved once debts are known
  struct Served {
    std::size_t capex;
    std::string contract;
    const YNode* at;
  };
  std::vector<Served> served;  // capex `for_contract`, resolved once contracts are read
  std::size_t debt_count = 0;     // debts read so far

  void name(const std::string& item_id, const YNode& at) { ids.emplace_back(item_id, &at); }
};

class ScenarioReader {
 public:
  explicit ScenarioReader(Problems& p) : p_(p) {}

  Scenario read(const YNode& root) {
    Scenario s;
    const Fields f(p_, root, kTopKeys);
    header(f, s);
    const Section market_node = section(f, "market", Kind::Map);
    rates_.usable = gpus_.usable = !market_node.bad;
    if (market_node.node) market(*market_node.node, s.market);
    const Section entities_node = section(f, "entities", Kind::Map);
    if (entities_node.node) entities(*entities_node.node, s);
    power_required(s, market_node.node ? *market_node.node : root);
    check_network(s);
    link_share_prices(s);
    s.stochastic.rates.resize(s.market.rates.size());
    s.stochastic.gpu.resize(s.market.gpus.size());
    if (const Section st = section(f, "stochastic", Kind::Map); st.node)
      stochastic(*st.node, s.market, s.stochastic);
    if (const Section cc = section(f, "creditor_classes", Kind::Map); cc.node)
      creditor_classes(*cc.node, s);
    if (const Section nw = section(f, "network", Kind::Map); nw.node)
      if (const auto nf = open(p_, *nw.node, kNetworkKeys, "'network'")) {
        get_numbers(*nf, s.network, kNetworkNumbers);
        nf->get_integer("max_rounds", s.network.max_rounds, 1, 1000);
      }
    return s;
  }

  // `creditor_classes`: name → class of lenders outside the scenario. A name written in the
  // scenario's own file must lend to one of its debts (a misspelt one would silently class
  // nobody); one from an import need not, since the scenario may have removed that lender's debts
  // (coreweave-2025h2 removes DDTL 3.0's spv). An entity's class follows from its kind, so an
  // entry for an entity (one scenario's external lender can be another's entity) must agree with
  // it. A name with nothing after it is removed, as imported items are.
  void creditor_classes(const YNode& n, Scenario& s) {
    if (!entities_.usable) return;
    std::vector<std::string> lenders;  // the external lenders, in order of first mention
    for (const Entity& e : s.entities)
      for (const Debt& d : e.debt)
        for (const Lender& l : d.lenders)
          if (l.party.entity < 0 &&
              std::find(lenders.begin(), lenders.end(), l.party.name) == lenders.end())
            lenders.push_back(l.party.name);
    for (const auto& [k, v] : n.entries) {
      if (v.is_null()) continue;
      const auto c = to_choice(p_, v, "creditor class",
                               std::span<const Choice<CreditorClass>>(kCreditorClassChoices));
      if (!c) continue;
      if (const int entity = entities_.find(k.scalar); entity >= 0) {
        const CreditorClass own = creditor_class(s, Party{k.scalar, entity});
        if (own != *c)
          p_.at(v, quote_text(k.scalar) + " is an entity of kind " +
                       entity_kind_name(s.entities[static_cast<std::size_t>(entity)].kind) +
                       ", whose losses are class " + creditor_class_name(own) + ", not " +
                       creditor_class_name(*c) + " (an entity's class follows from its kind)");
        continue;
      }
      if (std::find(lenders.begin(), lenders.end(), k.scalar) == lenders.end()) {
        if (k.file == 0) {  // the scenario's own file (imports are numbered after it)
          std::vector<std::string> names = lenders;  // or it meant an entity
          names.insert(names.end(), entities_.list().begin(), entities_.list().end());
          p_.at(k, quote_text(k.scalar) + " lends to no debt of the scenario" +
                       did_you_mean(k.scalar, names));
        }
        continue;
      }
      s.creditor_classes.emplace_back(k.scalar, *c);
    }
  }

  // `market.equity` names entities, which are read after the market.
  void link_share_prices(Scenario& s) {
    for (std::size_t i = 0; i < s.market.equity.size(); ++i) {
      SharePrice& sp = s.market.equity[i];
      sp.index = entities_.find(sp.entity);
      if (sp.index < 0) {
        if (entities_.usable)
          p_.at(*share_price_keys_[i], "share price of unknown entity " + quote_text(sp.entity) +
                                           entities_.suggest(sp.entity));
        continue;
      }
      s.entities[static_cast<std::size_t>(sp.index)].share_price = static_cast<int>(i);
    }
    for (const ShareNeed& need : needs_share_price_) {
      const Entity& e = s.entities[static_cast<std::size_t>(need.entity)];
      if (e.share_price < 0)
        p_.at(*need.at, std::string(need.what) + " needs the share price of " + quote_text(e.id) +
                            " in 'market.equity'");
    }
  }

 private:
  void header(const Fields& f, Scenario& s) {
    long long version = 1;
    if (f.get_integer("tinderbox", version) && version != 1)
      p_.at(*f.find("tinderbox"), "unsupported schema version " + std::to_string(version) +
                                      " (this build reads tinderbox: 1)");
    f.get_text("name", s.name);
    bool start_ok = f.get("start", s.start);
    if (start_ok && !is_first_of_month(s.start)) {
      p_.at(*f.find("start"), "'start' " + format_date(s.start) + " is not the 1st of a month");
      start_ok = false;
    }
    long long horizon = 0;
    bool horizon_ok = f.get_integer("horizon", horizon);
    if (horizon_ok && (horizon < 1 || horizon > 1200)) {
      p_.at(*f.find("horizon"),
            "'horizon' must be between 1 and 1200 (got " + std::to_string(horizon) + ")");
      horizon_ok = false;
    }
    s.horizon = horizon_ok ? static_cast<int>(horizon) : 0;
    const bool period_ok = f.get("period", s.period, "period", kPeriods);
    if (start_ok && horizon_ok && period_ok &&
        !add_months(s.start, s.horizon * months_per_period(s.period)))
      p_.at(*f.find("horizon"), "the horizon runs past 2199-12-31");
    if (start_ok && period_ok) grid_ = Grid{s.start, s.period};
  }

  // --- market

  void market(const YNode& n, Market& m) {
    const auto f = open(p_, n, kMarketKeys, "'market'");
    if (!f) return;
    const Section rates = section(*f, "rates", Kind::Map);
    rates_.usable = !rates.bad;
    if (rates.node)
      for (const auto& [k, v] : rates.node->entries) {
        rates_.define(p_, k.scalar, k);
        RateCurve& r = m.rates.emplace_back(RateCurve{k.scalar, {}});
        if (auto c = to_curve(p_, v, key_label(k.scalar), Bound::Rate)) r.curve = std::move(*c);
      }
    const Section gpus = section(*f, "gpu", Kind::Map);
    gpus_.usable = !gpus.bad;
    if (gpus.node)
      for (const auto& [k, v] : gpus.node->entries) m.gpus.push_back(gpu_market(k, v));
    if (const Section eq = section(*f, "equity", Kind::Map); eq.node)
      for (const auto& [k, v] : eq.node->entries) {
        SharePrice& sp = m.equity.emplace_back(SharePrice{k.scalar, -1, {}});
        share_price_keys_.push_back(&k);
        if (auto c = to_curve(p_, v, "share price of " + quote_text(k.scalar), Bound::Positive))
          sp.price = std::move(*c);
      }
    f->get("power_usd_per_mwh", m.power_usd_per_mwh, Bound::NonNeg);
    has_power_ = f->has("power_usd_per_mwh");
    f->get("discount_rate", m.discount_rate, Bound::PositiveRate);
    if (gpus.node && !gpus.node->entries.empty() && !f->has("discount_rate"))
      p_.at(n, "missing required key 'discount_rate' (needed to value GPUs in 'market.gpu')");
  }

  GpuMarket gpu_market(const YNode& key, const YNode& n) {
    GpuMarket g;
    g.name = key.scalar;
    if (!is_gpu_name(g.name))
      p_.at(key,
            "invalid GPU generation name " + quote_text(g.name) + " (names match [A-Za-z0-9_]+)");
    gpus_.define(p_, g.name, key);
    const auto f = open(p_, n, kGpuKeys, "GPU generation " + quote_text(g.name));
    if (!f) return g;
    if (const YNode* rent = f->find("rent"))
      if (auto c = to_curve(p_, *rent, "'rent'", Bound::NonNeg)) g.rent = std::move(*c);
    get_numbers(*f, g, kGpuNumbers);
    fire_sale(*f, n, g);
    return g;
  }

  // A fire-sale model needs its three parameters together (docs/model.md, Fire sales).
  void fire_sale(const Fields& f, const YNode& n, GpuMarket& g) {
    const bool any = std::any_of(std::begin(kFireSaleKeys), std::end(kFireSaleKeys),
                                 [&](std::string_view k) { return f.has(k); });
    if (!any) return;
    for (std::string_view k : kFireSaleKeys)
      if (!f.has(k))
        p_.at(n, "missing required key " + key_label(k) +
                     " (a fire-sale model needs market_depth_units, impact and "
                     "recovery_half_life_months)");
    get_numbers(f, g, kFireSaleNumbers);
  }

  // Power prices the running GPUs, so it is needed as soon as any entity owns or buys some.
  void power_required(const Scenario& s, const YNode& at) {
    if (has_power_) return;
    for (const Entity& e : s.entities)
      if (!e.fleet.empty() || !e.capex.empty()) {
        p_.at(at,
              "missing required key 'power_usd_per_mwh' in 'market' (needed for the power cost of "
              "GPUs)");
        return;
      }
  }

  // --- stochastic (SPEC.md §4): read after the market, whose rates and GPUs its keys name

  void stochastic(const YNode& n, const Market& m, Stochastic& st) {
    std::vector<const YNode*> follows_at(st.rates.size(), nullptr);
    for (const auto& [k, v] : n.entries) {
      const bool fixed = std::find(std::begin(kStochasticKeys), std::end(kStochasticKeys),
                                   k.scalar) != std::end(kStochasticKeys);
      const int rate = fixed ? -1 : rates_.find(k.scalar);
      if (!fixed && rate < 0) {
        unknown_stochastic_key(k);
      } else if (v.is_null()) {
        continue;  // nothing after the colon: no driver (how a file drops an imported one)
      } else if (k.scalar == "gpu") {
        gpu_drivers(v, st.gpu);
      } else if (k.scalar == "gpu_correlation") {
        gpu_correlation(v, st);
      } else if (k.scalar == "releases") {
        releases(v, st.releases);
      } else if (k.scalar == "demand") {
        demand(v, st.demand);
      } else {
        const auto i = static_cast<std::size_t>(rate);
        rate_driver(k, v, rate, st.rates[i], follows_at[i]);
      }
    }
    no_follow_chains(m, st, follows_at);
  }

  void unknown_stochastic_key(const YNode& key) {
    if (!rates_.usable) return;  // it may name a rate of the unreadable 'market.rates'
    std::vector<std::string> known(std::begin(kStochasticKeys), std::end(kStochasticKeys));
    known.insert(known.end(), rates_.list().begin(), rates_.list().end());
    p_.at(key, "unknown key " + quote_text(key.scalar) +
                   " in 'stochastic': not a rate in 'market.rates', nor gpu, gpu_correlation, "
                   "releases or demand" +
                   did_you_mean(key.scalar, known));
  }

  // A rate's own deviation, or `follows: NAME` to take another rate's (prime moves with SOFR).
  void rate_driver(const YNode& key, const YNode& n, int index, RateDriver& out,
                   const YNode*& follows_at) {
    const auto f = open(p_, n, kRateDriverKeys, key_label(key.scalar));
    if (!f) return;
    if (!f->has("follows")) {
      for (std::string_view k : {"mean_reversion", "volatility"})
        if (!f->has(k)) p_.at(n, "missing required key " + key_label(k) + " (or 'follows')");
      get_numbers(*f, out.ou, kOuNumbers);
      return;
    }
    if (f->has("mean_reversion") || f->has("volatility")) {
      p_.at(n,
            "a rate has either 'mean_reversion' and 'volatility', or 'follows', not both (a "
            "rate that follows another takes that rate's deviation)");
      return;
    }
    std::string name;
    if (!f->get_name("follows", name)) return;
    const YNode& at = *f->find("follows");
    const int j = rates_.find(name);
    if (j < 0) {
      p_.at(at, "unknown rate " + quote_text(name) + rates_.suggest(name));
    } else if (j == index) {
      p_.at(at, "rate " + quote_text(key.scalar) + " cannot follow itself");
    } else {
      out.follows = j;
      follows_at = &at;
    }
  }

  // A rate follows one with a process of its own, so each deviation is drawn once and copied.
  void no_follow_chains(const Market& m, const Stochastic& st,
                        const std::vector<const YNode*>& follows_at) {
    for (std::size_t i = 0; i < st.rates.size(); ++i) {
      if (st.rates[i].follows < 0) continue;
      const auto j = static_cast<std::size_t>(st.rates[i].follows);
      if (st.rates[j].follows < 0) continue;
      const auto k = static_cast<std::size_t>(st.rates[j].follows);
      if (k == i && j > i) continue;  // a pair following each other: reported at the later rate
      p_.at(*follows_at[i], follow_chain(m.rates[i].name, m.rates[j].name, m.rates[k].name));
    }
  }

  // One process per generation named, each keyed by a generation of `market.gpu`.
  void gpu_drivers(const YNode& n, std::vector<OuProcess>& out) {
    if (!n.is_map()) {
      p_.at(n, "expected a mapping of GPU generation to process for 'gpu', got " + describe(n));
      return;
    }
    for (const auto& [k, v] : n.entries) {
      OuProcess ou;
      if (const auto f = open(p_, v, kOuKeys, "GPU generation " + quote_text(k.scalar)))
        get_numbers(*f, ou, kOuNumbers);
      const int g = gpus_.find(k.scalar);
      if (g >= 0)
        out[static_cast<std::size_t>(g)] = ou;
      else if (gpus_.usable)
        unknown_gpu(k, k.scalar);
    }
  }

  // The correlation of the GPU rents' shocks: one row and one column per generation of
  // `market.gpu`, in its order; a correlation matrix, so that correlated shocks can be drawn.
  void gpu_correlation(const YNode& n, Stochastic& st) {
    if (!n.is_seq()) {
      p_.at(n, "expected a list of rows for 'gpu_correlation', got " + describe(n));
      return;
    }
    if (!gpus_.usable) return;
    const std::size_t size = st.gpu.size();
    if (n.items.size() != size) {
      p_.at(n, "'gpu_correlation' has " + std::to_string(n.items.size()) + " rows, not " +
                   std::to_string(size) +
                   ": one row and one column per generation of 'market.gpu', in its order");
      return;
    }
    auto m = correlation_entries(n);
    if (!m || !unit_symmetric(n, *m)) return;
    if (!positive_definite(*m)) {
      p_.at(n,
            "'gpu_correlation' is not positive definite (no set of rents can be correlated "
            "this way)");
      return;
    }
    st.gpu_correlation = std::move(*m);
  }

  // The matrix's numbers, each from -1 to 1; nullopt when one is unusable (reported).
  std::optional<Matrix> correlation_entries(const YNode& n) {
    const std::size_t size = n.items.size();
    Matrix m;
    bool ok = true;
    for (std::size_t i = 0; i < size; ++i) {
      const YNode& row = n.items[i];
      const std::string label = "row " + std::to_string(i + 1) + " of 'gpu_correlation'";
      if (!row.is_seq() || row.items.size() != size) {
        p_.at(row, row.is_seq()
                       ? label + " has " + std::to_string(row.items.size()) +
                             (row.items.size() == 1 ? " entry" : " entries") + ", not " +
                             std::to_string(size)
                       : "expected a list of numbers for " + label + ", got " + describe(row));
        ok = false;
        continue;
      }
      std::vector<double>& out = m.emplace_back();
      for (std::size_t j = 0; j < size; ++j) {
        const auto x = to_number(p_, row.items[j], matrix_entry(i, j), Bound::Correlation);
        ok = ok && x;
        out.push_back(x.value_or(0));
      }
    }
    return ok ? std::optional<Matrix>(std::move(m)) : std::nullopt;
  }

  // Ones on the diagonal and equal entries across it: compared as written, not with a tolerance.
  bool unit_symmetric(const YNode& n, const Matrix& m) {
    bool ok = true;
    for (std::size_t i = 0; i < m.size(); ++i)
      for (std::size_t j = 0; j <= i; ++j) {
        const YNode& at = n.items[i].items[j];
        if (i == j && m[i][i] != 1) {
          p_.at(at, matrix_entry(i, i) +
                        " must be 1, a generation's correlation with itself (got " + at.scalar +
                        ")");
          ok = false;
        } else if (i != j && m[i][j] != m[j][i]) {
          p_.at(at, matrix_entry(i, j) + " is " + at.scalar + " but row " + std::to_string(j + 1) +
                        ", column " + std::to_string(i + 1) + " is " + n.items[j].items[i].scalar +
                        ": the matrix must be symmetric");
          ok = false;
        }
      }
    return ok;
  }

  // New GPU generations: a Poisson rate, the Beta-distributed rent cut, the generations it hits.
  void releases(const YNode& n, Releases& r) {
    const auto f = open(p_, n, kReleasesKeys, "'releases'");
    if (!f) return;
    const bool rate_ok =
        f->get("rate_per_year", r.rate_per_year, Bound::NonNeg) && f->has("rate_per_year");
    const bool mean_ok = f->get("cut_mean", r.cut_mean, Bound::OpenShare) && f->has("cut_mean");
    const bool sd_ok = f->get("cut_sd", r.cut_sd, Bound::NonNeg);
    if (rate_ok && r.rate_per_year > 0)
      for (std::string_view k : {"cut_mean", "hits"})
        if (!f->has(k))
          p_.at(n, "missing required key " + key_label(k) + " (releases arrive: 'rate_per_year' " +
                       number_text(r.rate_per_year) + " is above 0)");
    // A Beta distribution's variance is below mean (1 - mean); cut_sd = 0 is a fixed cut.
    if (mean_ok && sd_ok && r.cut_sd * r.cut_sd >= r.cut_mean * (1 - r.cut_mean))
      p_.at(*f->find("cut_sd"), "'cut_sd' " + number_text(r.cut_sd) +
                                    " is too large for 'cut_mean' " + number_text(r.cut_mean) +
                                    ": no Beta distribution has them (cut_sd must be below "
                                    "sqrt(cut_mean (1 - cut_mean)) = " +
                                    number_text(std::sqrt(r.cut_mean * (1 - r.cut_mean))) + ")");
    release_hits(*f, r.hits);
  }

  void release_hits(const Fields& f, std::vector<int>& hits) {
    const Section s = section(f, "hits", Kind::Seq);
    if (!s.node) return;
    for (const YNode& item : s.node->items) {
      const auto name = to_name(p_, item, "a 'hits' generation");
      if (!name || !gpus_.usable) continue;
      const int g = gpus_.find(*name);
      if (g < 0)
        unknown_gpu(item, *name);
      else if (std::find(hits.begin(), hits.end(), g) != hits.end())
        p_.at(item, "GPU generation " + quote_text(*name) + " is listed twice in 'hits'");
      else
        hits.push_back(g);
    }
  }

  void demand(const YNode& n, Demand& d) {
    const auto f = open(p_, n, kDemandKeys, "'demand'");
    if (!f) return;
    get_numbers(*f, d.ou, kOuNumbers);
    f->get("utilization_beta", d.utilization_beta, Bound::Finite);
  }

  // --- references

  bool gpu_ref(const Fields& f, int& out) {
    const YNode* n = f.find("gpu");
    if (!n) return !f.required("gpu");
    const auto name = to_name(p_, *n, "'gpu'");
    if (!name || !gpus_.usable) return false;
    out = gpus_.find(*name);
    if (out >= 0) return true;
    unknown_gpu(*n, *name);
    return false;
  }

  void unknown_gpu(const YNode& at, const std::string& name) {
    const std::string hint = gpus_.empty() ? " ('market.gpu' defines none)" : gpus_.suggest(name);
    p_.at(at, "unknown GPU generation " + quote_text(name) + hint);
  }

  // A party that is an entity of the scenario links to it; any other name is external.
  Party party(const YNode& n, const std::string& name, const EntityScope& sc,
              std::string_view role) {
    Party out{name, entities_.find(name)};
    if (out.entity == sc.index)
      p_.at(n, std::string(role) + " " + quote_text(name) + " is the entity itself");
    return out;
  }

  // --- entities

  // An entity written with nothing after its id is no entity: that is how a file removes one it
  // imports (a snapshot before an spv existed).
  void entities(const YNode& n, Scenario& s) {
    for (const auto& [k, v] : n.entries) {
      if (v.is_null()) continue;
      to_id(p_, k, "entity id");
      entities_.define(p_, k.scalar, k);
    }
    int index = 0;
    for (const auto& [k, v] : n.entries) {
      if (v.is_null()) continue;
      entities_read_ = index;
      s.entities.push_back(entity(k, v, index++));
    }
  }

  Entity entity(const YNode& key, const YNode& n, int index) {
    Entity e;
    e.id = key.scalar;
    const auto f = open(p_, n, kEntityKeys, "entity " + quote_text(e.id));
    if (!f) return e;
    f->get("kind", e.kind, "entity kind", kEntityKinds);
    f->get("cash", e.cash, Bound::NonNeg);
    const bool rating_ok = f->get_text("rating", e.rating);
    f->get("equity_value", e.equity_value, Bound::NonNeg);
    f->get("revenue_prior_year", e.revenue_prior_year, Bound::NonNeg);
    f->get("shares", e.shares, Bound::NonNeg);
    counts_shares_ = f->has("shares");
    if (const Section ops = section(*f, "operations", Kind::Map); ops.node)
      if (const auto of = open(p_, *ops.node, kOperationsKeys, "'operations'"))
        get_numbers(*of, e.operations, kOperationsNumbers);

    EntityScope sc;
    sc.index = index;
    sc.id = e.id;
    if (f->has("rating")) {
      sc.rating = rating_ok ? f->find("rating") : nullptr;
      sc.rating_bad = !rating_ok;
    }
    const Section fleet = each(*f, "fleet", "fleet lot", kLotKeys,
                               [&](const YNode& item) { e.fleet.push_back(lot(item, sc)); });
    const Section capex = each(*f, "capex", "capex item", kCapexKeys, [&](const YNode& item) {
      e.capex.push_back(capex_item(item, e.capex.size() + 1, sc));
    });
    sc.lots.usable = !fleet.bad && !capex.bad;
    const Section sites = each(*f, "sites", "site", kSiteKeys,
                               [&](const YNode& item) { e.sites.push_back(site(item, sc)); });
    sc.sites.usable = !sites.bad;
    each(*f, "contracts", "contract", kContractKeys,
         [&](const YNode& item) { e.contracts.push_back(contract(item, sc)); });
    each(*f, "leases", "lease", kLeaseKeys,
         [&](const YNode& item) { e.leases.push_back(lease(item, sc)); });
    each(*f, "equity", "equity issue", kEquityKeys, [&](const YNode& item) {
      e.equity.push_back(equity_issue(item, e.equity.size() + 1, sc));
    });
    const Section debt = each(*f, "debt", "debt", kDebtKeys,
                              [&](const YNode& item) {
                                sc.debt_count = e.debt.size();
                                e.debt.push_back(debt_item(item, sc));
                              });
    sc.debts.usable = !debt.bad;
    resolve_funding(sc, e);
    check_collateral(sc);
    powered_within_sites(sc, e);
    network_items(*f, e, sc);
    unique_ids(sc);
    credit(*f, e);
    return e;
  }

  // Reduced-form credit stands in for books the scenario does not model, so not beside them.
  void credit(const Fields& f, Entity& e) {
    const Section s = section(f, "credit", Kind::Map);
    if (!s.node) return;
    if (const std::string books = own_books(e); !books.empty())
      p_.at(key_node(f.node(), "credit"),
            "'credit' is for parties that are not fully modelled; entity " + quote_text(e.id) +
                " has its own books (" + books + ")");
    const Fields c(p_, *s.node, kCreditKeys);
    if (Credit x; get_numbers(c, x, kCreditNumbers)) e.credit = x;  // false when one is missing
  }

  void unique_ids(EntityScope& sc) {
    std::stable_sort(sc.ids.begin(), sc.ids.end(), [](const auto& a, const auto& b) {
      return std::tie(a.second->file, a.second->line, a.second->col) <
             std::tie(b.second->file, b.second->line, b.second->col);
    });
    Names ids;
    for (const auto& [name, at] : sc.ids) ids.define(p_, name, *at);
  }

  // An item section (`fleet`, `debt`, ...): a list of items, each with its `id`, or a mapping from
  // id to item. A mapped item is read as if its key were written as its `id`, at the key's
  // position; an `id` of its own is an error. `noun` names one item in messages ("fleet lot"),
  // `keys` are an item's keys.
  template <class Visit>
  Section each(const Fields& f, std::string_view key, std::string_view noun,
               std::span<const Key> keys, Visit visit) {
    const YNode* n = f.find(key);
    if (n && n->unusable) return {nullptr, true};
    if (!n || n->is_null()) return {};
    if (n->is_seq()) {
      for (const YNode& item : n->items) visit(item);
      return {n, false};
    }
    if (!n->is_map()) {
      p_.at(*n, "expected a list or a mapping from id to item for " + key_label(key) + ", got " +
                    describe(*n));
      return {nullptr, true};
    }
    // One item written without its "- " reads as a mapping of its own keys to plain values.
    for (const auto& [k, v] : n->entries)
      if ((v.is_scalar() || v.is_seq()) &&
          std::any_of(keys.begin(), keys.end(),
                      [&](const Key& known) { return known.name == k.scalar; })) {
        p_.at(*n, "expected a list or a mapping from id to item for " + key_label(key) +
                      ", got what looks like one item (key " + key_label(k.scalar) +
                      "): write it as '- {...}'");
        return {nullptr, true};
      }
    for (const auto& [k, v] : n->entries) {
      // An item written with nothing after its id is no item: that is how a file removes an
      // item it imports. Neither the item nor its name is counted, so indices stay in step.
      if (v.is_null()) continue;
      if (!v.is_map()) {
        p_.at(v, "expected a mapping for " + std::string(noun) + " " + quote_text(k.scalar) +
                     ", got " + describe(v));
        continue;
      }
      visit(keyed_item(k, v));
    }
    return {n, false};
  }

  // `item` with its key written in as `id`; the copy lives as long as the reader, since the
  // entity's scope keeps pointers to its nodes.
  const YNode& keyed_item(const YNode& key, const YNode& item) {
    YNode& copy = keyed_.emplace_back(item);
    std::erase_if(copy.entries, [&](const YEntry& e) {
      if (e.key.scalar != "id") return false;
      p_.at(e.key, "unexpected 'id' in the item under " + quote_text(key.scalar) +
                       ": in a mapping of items, the id is the key");
      return true;
    });
    YNode id = key;
    id.scalar = "id";
    copy.entries.insert(copy.entries.begin(), YEntry{std::move(id), key});
    return copy;
  }

  Lot lot(const YNode& n, EntityScope& sc) {
    Lot l;
    const auto f = open(p_, n, kLotKeys, "a fleet lot");
    if (f && f->get_id("id", l.id)) {
      sc.lots.add(l.id, *f->find("id"));
      sc.name(l.id, *f->find("id"));
    } else {
      sc.lots.skip();
    }
    if (!f) return l;
    gpu_ref(*f, l.gpu);
    // A fleet lot is owned at `start` (it earns from the first period): one bought later is a
    // purchase, whose cost falls in the period it is paid.
    if (f->get("acquired", l.acquired) && f->has("acquired") && grid_ && l.acquired > grid_->start)
      p_.at(*f->find("acquired"), "'acquired' " + format_date(l.acquired) +
                                      " is after the scenario start " + format_date(grid_->start) +
                                      " (a fleet lot is owned at the start; for GPUs bought later, "
                                      "use a 'capex' item)");
    if (get_numbers(*f, l, kLotNumbers) && f->has("kw_per_gpu") && l.kw_per_gpu == 0)
      sc.zero_kw.push_back(f->find("kw_per_gpu"));
    return l;
  }

  Capex capex_item(const YNode& n, std::size_t number, EntityScope& sc) {
    Capex c;
    c.id = "capex:" + std::to_string(number);
    const auto f = open(p_, n, kCapexKeys, "a capex item");
    if (f && f->get_id("id", c.id)) {
      sc.lots.add(c.id, f->has("id") ? *f->find("id") : n);
      if (f->has("id")) sc.name(c.id, *f->find("id"));
    } else {
      sc.lots.skip();
    }
    if (!f) return c;
    f->get("date", c.date);
    gpu_ref(*f, c.gpu);
    if (get_numbers(*f, c, kCapexNumbers) && f->has("kw_per_gpu") && c.kw_per_gpu == 0)
      sc.zero_kw.push_back(f->find("kw_per_gpu"));
    const YNode* funded_by = f->find("funded_by");
    std::string debt;
    if (funded_by && f->get_name("funded_by", debt))
      sc.funding.push_back({number - 1, funded_by, debt});
    if (funded_by && !f->has("advance_rate"))
      p_.at(
          n,
          "missing required key 'advance_rate' (the share of the cost that 'funded_by' advances)");
    if (!funded_by && f->has("advance_rate"))
      p_.at(*f->find("advance_rate"),
            "'advance_rate' needs 'funded_by' (the debt that advances it)");
    std::string contract;
    if (f->has("for_contract") && f->get_name("for_contract", contract))
      sc.served.push_back({number - 1, contract, f->find("for_contract")});
    return c;
  }

  void resolve_funding(const EntityScope& sc, Entity& e) {
    for (const EntityScope::Served& sv : sc.served) {
      int found = -1;
      std::vector<std::string> ids;
      for (std::size_t c = 0; c < e.contracts.size(); ++c) {
        ids.push_back(e.contracts[c].id);
        if (e.contracts[c].id == sv.contract) found = static_cast<int>(c);
      }
      if (found < 0)
        p_.at(*sv.at, "unknown contract " + quote_text(sv.contract) + " of entity " +
                          quote_text(sc.id) + did_you_mean(sv.contract, ids));
      else if (sv.capex < e.capex.size())
        e.capex[sv.capex].for_contract = found;
    }
    if (!sc.debts.usable) return;
    for (const EntityScope::NewDebt& nd : sc.new_debt) {
      const int i = sc.debts.find(nd.name);
      if (i < 0 || static_cast<std::size_t>(i) == nd.debt)
        p_.at(*nd.at, (i < 0 ? "unknown debt " + quote_text(nd.name) + " of entity " +
                                   quote_text(sc.id) + sc.debts.suggest(nd.name)
                             : std::string("a debt's own draws are not new debt for it")));
      else if (nd.debt < e.debt.size())
        e.debt[nd.debt].prepayment.new_debt.push_back(i);
    }
    for (const EntityScope::Funding& fu : sc.funding) {
      const int i = sc.debts.find(fu.debt);
      if (i < 0)
        p_.at(*fu.at, "unknown debt " + quote_text(fu.debt) + " of entity " + quote_text(sc.id) +
                          sc.debts.suggest(fu.debt));
      e.capex[fu.capex].funded_by = i;
    }
  }

  Contract contract(const YNode& n, EntityScope& sc) {
    Contract c;
    const auto f = open(p_, n, kContractKeys, "a contract");
    if (!f) return c;
    if (f->get_id("id", c.id)) sc.name(c.id, *f->find("id"));
    std::string customer;
    if (f->get_name("customer", customer))
      c.customer = party(*f->find("customer"), customer, sc, "customer");
    date_range(*f, c.start, c.end);
    const bool gpu_form = f->has("gpu") || f->has("gpus") || f->has("price_per_gpu_hour");
    const bool amount_form = f->has("amount_per_period");
    if (gpu_form && amount_form)
      p_.at(
          n,
          "a contract has either gpu, gpus and price_per_gpu_hour, or amount_per_period, not both");
    else if (!gpu_form && !amount_form)
      p_.at(n, "a contract needs gpu, gpus and price_per_gpu_hour, or amount_per_period");
    else if (gpu_form)
      for (std::string_view k : {"gpu", "gpus", "price_per_gpu_hour"})
        if (!f->has(k))
          p_.at(n, "missing required key " + key_label(k) +
                       " (a GPU contract needs gpu, gpus and price_per_gpu_hour)");
    if (f->has("gpu")) gpu_ref(*f, c.gpu);
    f->get("gpus", c.gpus, Bound::NonNeg);
    f->get("price_per_gpu_hour", c.price_per_gpu_hour, Bound::NonNeg);
    f->get("amount_per_period", c.amount_per_period, Bound::NonNeg);
    f->get_text("customer_rating", c.customer_rating);
    c.cancel = cancel_rule(*f);
    c.delivery = delivery_terms(*f, sc);
    return c;
  }

  // Monte Carlo only: without a demand process (or with volatility 0) the rule never triggers,
  // which is not an error.
  std::optional<CancelRule> cancel_rule(const Fields& f) {
    const Section s = section(f, "cancel", Kind::Map);
    if (!s.node) return std::nullopt;
    const Fields c(p_, *s.node, kCancelKeys);
    CancelRule r;
    // Both keys are required: get() is false when one is missing.
    bool ok = c.get("demand_below", r.demand_below, Bound::Finite);
    if (ok && r.demand_below >= 0) {
      p_.at(*c.find("demand_below"),
            "'demand_below' must be below 0 (got " + c.find("demand_below")->scalar +
                "): the demand factor is 0 at its median, and a cancel rule is for demand weaker "
                "than that");
      ok = false;
    }
    ok = c.get("probability", r.probability, Bound::Share) && ok;
    ok = c.get_integer("notice_months", r.notice_months, 0, kMaxCount) && ok;
    return ok ? std::optional<CancelRule>(r) : std::nullopt;
  }

  // start and end, inclusive, end not before start.
  void date_range(const Fields& f, Date& start, Date& end) {
    const bool ok = f.get("start", start) && f.has("start");
    if (f.get("end", end) && f.has("end") && ok && end < start)
      p_.at(*f.find("end"),
            "'end' " + format_date(end) + " is before 'start' " + format_date(start));
  }

  Lease lease(const YNode& n, EntityScope& sc) {
    Lease l;
    const auto f = open(p_, n, kLeaseKeys, "a lease");
    if (!f) return l;
    if (f->get_id("id", l.id)) sc.name(l.id, *f->find("id"));
    f->get("payment_per_period", l.payment_per_period, Bound::NonNeg);
    date_range(*f, l.start, l.end);
    f->get("escalator", l.escalator, Bound::Rate);
    std::string lessor;
    if (f->has("lessor") && f->get_name("lessor", lessor))
      l.lessor = party(*f->find("lessor"), lessor, sc, "lessor");
    return l;
  }

  EquityIssue equity_issue(const YNode& n, std::size_t number, EntityScope& sc) {
    EquityIssue q;
    q.id = "equity:" + std::to_string(number);
    const auto f = open(p_, n, kEquityKeys, "an equity issue");
    if (!f) return q;
    if (f->has("id") && f->get_id("id", q.id)) sc.name(q.id, *f->find("id"));
    f->get("amount", q.amount, Bound::Positive);
    f->get_text("kind", q.kind);
    f->get("price", q.price, Bound::Positive);
    f->get("when_cash_below", q.when_cash_below, Bound::NonNeg);
    const bool contingent = f->has("when_cash_below");
    if (f->has("date") == contingent)
      p_.at(n, contingent ? "an equity issue has either 'date' or 'when_cash_below', not both"
                          : "missing required key 'date' (or 'when_cash_below' for a "
                            "contingent raise)");
    if (!contingent) {
      f->get("date", q.date);
      for (std::string_view key : {"from", "until", "months_apart"})
        if (f->has(key))
          p_.at(*f->find(key), key_label(key) + " applies to contingent raises only "
                                                "(with 'when_cash_below')");
    } else {
      f->get("from", q.from);
      f->get("until", q.until);
      f->get_integer("months_apart", q.months_apart, 1, 1200);
      if (q.from && q.until && *q.until < *q.from)
        p_.at(*f->find("until"), "'until' is before 'from'");
    }
    // Counting shares needs each raise's price: its own, or the entity's share price curve.
    if (counts_shares_ && !q.price)
      needs_share_price_.push_back(
          {sc.index, &n, "counting shares: an equity issue without 'price'"});
    return q;
  }

  // --- capacity: sites, and contracts' delivery terms

  Site site(const YNode& n, EntityScope& sc) {
    Site st;
    const auto f = open(p_, n, kSiteKeys, "a site");
    if (f && f->get_id("id", st.id)) {
      sc.sites.add(st.id, *f->find("id"));
      sc.name(st.id, *f->find("id"));
    } else {
      sc.sites.skip();
    }
    if (!f) return st;
    const bool type_ok = f->get("type", st.type, "site type", kSiteTypes) && f->has("type");
    f->get("mw", st.mw, Bound::NonNeg);
    f->get("signed", st.signed_on);
    f->get("construction_start", st.construction_start);
    if (f->get("delivery", st.delivery) && f->has("delivery") && st.construction_start &&
        st.delivery <= *st.construction_start)
      p_.at(*f->find("delivery"), "'delivery' " + format_date(st.delivery) +
                                      " is not after 'construction_start' " +
                                      format_date(*st.construction_start) +
                                      " (a site is delivered after its construction starts)");
    f->get_integer("ramp_months", st.ramp_months, 0, kMaxCount);
    f->get_integer("delay_months", st.delay_months, 0, kMaxCount);
    if (f->get("pue", st.pue, Bound::Finite) && f->has("pue") && st.pue < 1)
      p_.at(*f->find("pue"), "'pue' must be at least 1 (got " + f->find("pue")->scalar +
                                 "): power usage effectiveness is facility power over IT power");
    if (type_ok) site_terms(*f, st, sc);
    st.delay = site_delay(*f);
    return st;
  }

  // What a site costs, by its type: an owned site its build, a leased or hosted one a payment per
  // active MW; a hosted one names its host and may reimburse the host's build-out.
  void site_terms(const Fields& f, Site& st, const EntityScope& sc) {
    const bool owned = st.type == SiteType::Owned;
    if (owned) {
      for (std::string_view k : {"host", "payment_per_mw_per_period", "escalator", "term_months"})
        if (const YNode* x = f.find(k)) p_.at(*x, key_label(k) + " applies to leased and hosted sites");
      if (!f.has("capex_per_mw"))
        p_.at(f.node(), "missing required key 'capex_per_mw' (the build cost of an owned site, $M "
                        "per MW)");
      f.get("capex_per_mw", st.capex_per_mw, Bound::NonNeg);
    } else {
      if (const YNode* x = f.find("capex_per_mw")) p_.at(*x, "'capex_per_mw' applies to owned sites");
      if (!f.has("payment_per_mw_per_period"))
        p_.at(f.node(), "missing required key 'payment_per_mw_per_period' (what a " +
                            std::string(st.type == SiteType::Hosted ? "hosted" : "leased") +
                            " site costs, $M per active MW per period)");
      f.get("payment_per_mw_per_period", st.payment_per_mw_per_period, Bound::NonNeg);
      f.get("escalator", st.escalator, Bound::Rate);
      f.get_integer("term_months", st.term_months, 1, kMaxCount);
      std::string host;
      if (f.has("host") && f.get_name("host", host))
        st.host = party(*f.find("host"), host, sc, "host");
      else if (st.type == SiteType::Hosted && !f.has("host"))
        p_.at(f.node(), "missing required key 'host' (who builds and runs a hosted site)");
    }
    const YNode* r = f.find("reimbursement");
    if (!r || r->is_null()) return;
    if (st.type != SiteType::Hosted) {
      p_.at(*r, "'reimbursement' applies to hosted sites (the tenant's payments for its host's "
                "build-out)");
      return;
    }
    if (auto points = to_points(p_, *r, "'reimbursement'", "reimbursement", Bound::Positive))
      for (const Point& pt : *points) st.reimbursement.emplace_back(pt.date, pt.value);
  }

  // Monte Carlo only: the chance that the site is late, and the mean lateness of a late one.
  std::optional<SiteDelay> site_delay(const Fields& f) {
    const Section s = section(f, "delay", Kind::Map);
    if (!s.node) return std::nullopt;
    const Fields d(p_, *s.node, kSiteDelayKeys);
    SiteDelay x;
    bool ok = d.get("probability", x.probability, Bound::Share);
    if (d.get("mean_months", x.mean_months, Bound::Finite) && d.has("mean_months")) {
      if (x.mean_months < 1) {
        p_.at(*d.find("mean_months"),
              "'mean_months' must be at least 1 (got " + d.find("mean_months")->scalar +
                  "): a late site is at least one month late");
        ok = false;
      }
    } else {
      ok = false;
    }
    return ok ? std::optional<SiteDelay>(x) : std::nullopt;
  }

  // A contract's deadline for its sites, and the remedy if they are late.
  std::optional<DeliveryTerms> delivery_terms(const Fields& f, const EntityScope& sc) {
    const Section s = section(f, "delivery", Kind::Map);
    if (!s.node) return std::nullopt;
    const Fields d(p_, *s.node, kDeliveryKeys);
    DeliveryTerms t;
    bool ok = d.get("deadline", t.deadline) && d.has("deadline");
    const bool remedy_ok = d.get("remedy", t.remedy, "remedy", kRemedies) && d.has("remedy");
    ok = ok && remedy_ok;
    if (remedy_ok && t.remedy == Remedy::Penalty && !d.has("penalty_per_month")) {
      p_.at(*s.node, "missing required key 'penalty_per_month' (remedy 'penalty': $M per month late)");
      ok = false;
    } else if (remedy_ok && t.remedy != Remedy::Penalty && d.has("penalty_per_month")) {
      p_.at(*d.find("penalty_per_month"), "'penalty_per_month' applies to remedy 'penalty'");
      ok = false;
    }
    ok = d.get("penalty_per_month", t.penalty_per_month, Bound::NonNeg) && ok;
    const Section list = section(d, "sites", Kind::Seq);
    ok = ok && !list.bad && list.node;
    if (!list.node) return std::nullopt;
    if (list.node->items.empty()) {
      p_.at(*list.node, "a delivery needs at least one site");
      return std::nullopt;
    }
    for (const YNode& item : list.node->items) {
      const auto name = to_name(p_, item, "a delivery site");
      if (!name || !sc.sites.usable) {
        ok = false;
        continue;
      }
      const int i = sc.sites.find(*name);
      if (i < 0) {
        p_.at(item, "unknown site " + quote_text(*name) + " of entity " + quote_text(sc.id) +
                        (sc.sites.empty() ? " (it has no 'sites')" : sc.sites.suggest(*name)));
        ok = false;
      } else if (std::find(t.sites.begin(), t.sites.end(), i) != t.sites.end()) {
        p_.at(item, "site " + quote_text(*name) + " is listed twice in the delivery's 'sites'");
        ok = false;
      } else {
        t.sites.push_back(i);
      }
    }
    return ok ? std::optional<DeliveryTerms>(t) : std::nullopt;
  }

  // Within sites, a GPU runs only if its power draw fits their MW: it must have one.
  void powered_within_sites(const EntityScope& sc, const Entity& e) {
    if (e.sites.empty()) return;
    for (const YNode* at : sc.zero_kw)
      p_.at(*at, "'kw_per_gpu' is 0, but entity " + quote_text(e.id) +
                     " has sites: its GPUs run within their MW, so each needs its power draw");
  }

  // --- debt

  Debt debt_item(const YNode& n, EntityScope& sc) {
    Debt d;
    d.repay_above = std::numeric_limits<double>::infinity();  // by default never from surplus
    const auto f = open(p_, n, kDebtKeys, "a debt");
    if (f && f->get_id("id", d.id)) {
      sc.debts.add(d.id, *f->find("id"));
      sc.name(d.id, *f->find("id"));
    } else {
      sc.debts.skip();
    }
    if (!f) return d;
    const bool type_ok = f->get("type", d.type, "debt type", kDebtTypes);
    const bool bond_like = d.type == DebtType::Bond || d.type == DebtType::Convertible;
    d.day_count = bond_like ? DayCount::Thirty360 : DayCount::Act360;
    d.pay = bond_like ? Frequency::Semiannual : Frequency::Quarter;
    f->get("day_count", d.day_count, "day count", kDayCounts);
    const bool pay_ok =
        f->get("pay", d.pay, "payment frequency", kFrequencies) && (type_ok || f->has("pay"));
    lenders(*f, d, sc);
    if (const YNode* r = f->find("rate")) rate(*r, d.rate, sc);

    const auto payments = payment_dates(*f, d, pay_ok);
    const bool maturity_ok = maturity(*f, d, payments);
    const std::optional<Date> mat = maturity_ok ? std::optional<Date>(d.maturity) : std::nullopt;
    if (payments && mat) period_alignment(*f, *payments, *mat);
    amortization(*f, d, payments, mat);
    f->get("signed", d.signed_on);
    f->get("available_until", d.available_until);
    f->get("available_from", d.available_from);
    if (d.available_from && d.available_until && *d.available_until < *d.available_from)
      p_.at(*f->find("available_until"), "'available_until' is before 'available_from'");
    balances(*f, d, mat);
    if (type_ok) revolver(*f, d);
    fees(*f, d);
    prepayment(*f, d, sc);
    secured_by(*f, d, sc);
    covenants(*f, d, payments, mat);
    f->get_bool("cross_default", d.cross_default);
    f->get("seniority", d.seniority, "seniority", kSeniorities);
    if (type_ok) convertible(*f, d, sc);
    if (type_ok) per_draw_terms(*f, d);
    return d;
  }

  void per_draw_terms(const Fields& f, Debt& d) {
    const bool term_loan = d.type == DebtType::TermLoan;
    for (std::string_view k : {"draw_term_months", "draw_amortization"})
      if (const YNode* n = f.find(k); n && !term_loan)
        p_.at(*n, key_label(k) + " applies to term loans only");
    if (!term_loan) return;
    f.get_integer("draw_term_months", d.draw_term_months, 1, 1200);
    static constexpr Choice<AmortStyle> kDrawStyles[] = {{"level", AmortStyle::Level},
                                                         {"bullet", AmortStyle::Bullet}};
    f.get("draw_amortization", d.draw_amortization, "draw amortization", kDrawStyles);
    if (f.has("draw_amortization") && !f.has("draw_term_months"))
      p_.at(*f.find("draw_amortization"), "'draw_amortization' needs 'draw_term_months'");
  }

  void convertible(const Fields& f, Debt& d, const EntityScope& sc) {
    if (d.type != DebtType::Convertible) {
      if (f.has("conversion_price"))
        p_.at(*f.find("conversion_price"), "'conversion_price' applies to convertibles only");
      return;
    }
    if (!f.has("conversion_price")) {
      p_.at(f.node(), "missing required key 'conversion_price' (of a convertible)");
      return;
    }
    f.get("conversion_price", d.conversion_price, Bound::Positive);
    needs_share_price_.push_back({sc.index, f.find("conversion_price"), "a convertible"});
  }

  // A revolver's limit, and the cash levels at which it draws and repays by itself.
  void revolver(const Fields& f, Debt& d) {
    if (d.type != DebtType::Revolver) {
      for (std::string_view k : {"draw_below", "repay_above"})
        if (const YNode* n = f.find(k)) p_.at(*n, key_label(k) + " applies to revolvers only");
      return;
    }
    if (!f.has("commitment"))
      p_.at(f.node(), "missing required key 'commitment' (the limit of a revolver)");
    const bool below_ok = f.get("draw_below", d.draw_below, Bound::NonNeg);
    const bool above_ok = f.get("repay_above", d.repay_above, Bound::NonNeg);
    if (below_ok && above_ok && d.draw_below > d.repay_above)
      p_.at(*f.find("draw_below"), "'draw_below' " + number_text(d.draw_below) +
                                       " is above 'repay_above' " + number_text(d.repay_above));
  }

  void lenders(const Fields& f, Debt& d, const EntityScope& sc) {
    const Section s = section(f, "lenders", Kind::Map);
    if (!s.node) return;
    if (s.node->entries.empty()) {
      p_.at(*s.node, "a debt needs at least one lender");
      return;
    }
    bool ok = true;
    double sum = 0;
    for (const auto& [k, v] : s.node->entries) {
      const auto share = to_number(p_, v, "the share of " + quote_text(k.scalar), Bound::Positive);
      ok = ok && share;
      if (!share) continue;
      sum += *share;
      d.lenders.push_back(Lender{party(k, k.scalar, sc, "lender"), *share});
      if (d.lenders.back().party.entity >= 0)
        lender_links_.push_back({sc.index, sc.debt_count, &k, &f.node()});
    }
    if (ok && std::abs(sum - 1) > 1e-9)
      p_.at(*s.node, "lender shares sum to " + number_text(sum) + ", not 1");
  }

  void rate(const YNode& n, Rate& r, const EntityScope& sc) {
    const auto f = open(p_, n, kRateKeys, "'rate'");
    if (!f) return;
    const bool fixed = f->has("fixed"), index = f->has("index");
    if (fixed && index) {
      p_.at(n, "a rate is either {fixed: RATE} or {index: NAME, spread: RATE}, not both");
      return;
    }
    if (!fixed && !index) {
      p_.at(n, "a rate needs 'fixed' or 'index' (with 'spread' or 'spread_grid')");
      return;
    }
    r.is_fixed = fixed;
    if (fixed) {
      f->get("fixed", r.fixed, Bound::Rate);
      for (std::string_view k :
           {"spread", "spread_grid", "floor", "alternate", "use", "contract_spreads"})
        if (const YNode* extra = f->find(k))
          p_.at(*extra, key_label(k) + " does not apply to a fixed rate");
      return;
    }
    spread(*f, r.spread, sc);
    f->get("floor", r.floor, Bound::Rate);
    r.index = rate_index(*f);
    if (const YNode* alt = f->find("alternate"))
      if (const auto a = open(p_, *alt, kAlternateRateKeys, "'alternate'")) {
        a->get("spread", r.alt_spread, Bound::Rate);
        a->get("floor", r.alt_floor, Bound::Rate);
        r.alt_index = rate_index(*a);
      }
    if (const Section cs = section(*f, "contract_spreads", Kind::Map); cs.node)
      for (const auto& [k, v] : cs.node->entries)
        if (const auto x =
                to_number(p_, v, "the spread of contracts rated " + quote_text(k.scalar), Bound::Rate))
          r.contract_spreads.emplace_back(k.scalar, *x);
    if (const YNode* use = f->find("use")) {
      if (!f->has("alternate"))
        p_.at(*use, "'use' needs 'alternate' (the other base rate to choose between)");
      else
        f->get("use", r.choice, "rate choice", kRateChoices);
    }
  }

  // The curve named by `index`, or -1 when there is none (reported).
  int rate_index(const Fields& f) {
    std::string name;
    if (!f.has("index") || !f.get_name("index", name) || !rates_.usable) return -1;
    const int i = rates_.find(name);
    if (i < 0) {
      const std::string hint =
          rates_.empty() ? " ('market.rates' defines none)" : rates_.suggest(name);
      p_.at(*f.find("index"), "unknown rate index " + quote_text(name) + hint);
    }
    return i;
  }

  // `spread`, or `spread_grid` looked up by the entity's rating: the spread is fixed at load.
  void spread(const Fields& f, double& out, const EntityScope& sc) {
    const YNode* grid = f.find("spread_grid");
    if (!grid) {
      if (!f.has("spread")) p_.at(f.node(), "missing required key 'spread' (or 'spread_grid')");
      f.get("spread", out, Bound::Rate);
      return;
    }
    if (f.has("spread")) {
      p_.at(f.node(), "a rate has either 'spread' or 'spread_grid', not both");
      return;
    }
    if (!grid->is_map() || grid->entries.empty()) {
      p_.at(*grid, grid->is_map() ? std::string("a spread grid needs at least one rating")
                                  : "expected a mapping of rating to spread for 'spread_grid', "
                                    "got " + describe(*grid));
      return;
    }
    std::optional<double> found;
    bool listed = false;
    std::string ratings;  // for the message: the first few
    std::size_t shown = 0;
    for (const auto& [k, v] : grid->entries) {
      const auto x = to_number(p_, v, "the spread of rating " + quote_text(k.scalar), Bound::Rate);
      if (sc.rating && k.scalar == sc.rating->scalar) {
        listed = true;
        found = x;
      }
      if (shown++ < 12) ratings += (ratings.empty() ? "" : ", ") + k.scalar;
    }
    if (shown > 12) ratings += ", ...";
    if (sc.rating_bad) return;
    if (!sc.rating) {
      p_.at(*grid, "a spread grid needs the entity's 'rating'");
    } else if (!listed) {
      p_.at(*grid, "entity " + quote_text(sc.id) + " has rating " + quote_text(sc.rating->scalar) +
                       ", not in the spread grid (" + ratings + ")");
    } else if (found) {
      out = *found;
    }
  }

  std::optional<PaymentDates> payment_dates(const Fields& f, Debt& d, bool pay_ok) {
    if (!f.get("first_payment", d.first_payment) || !f.has("first_payment")) return std::nullopt;
    if (!is_end_of_month(d.first_payment)) {
      p_.at(*f.find("first_payment"),
            "'first_payment' " + format_date(d.first_payment) + " is not the last day of a month");
      return std::nullopt;
    }
    if (!pay_ok) return std::nullopt;
    return PaymentDates{d.first_payment, months_of(d.pay)};
  }

  bool maturity(const Fields& f, Debt& d, const std::optional<PaymentDates>& payments) {
    if (!f.get("maturity", d.maturity) || !f.has("maturity")) return false;
    const YNode& at = *f.find("maturity");
    const std::string m = format_date(d.maturity);
    bool ok = true;
    if (grid_ && d.maturity < grid_->start) {
      p_.at(at, "maturity " + m + " is before the scenario start " + format_date(grid_->start));
      ok = false;
    }
    if (!payments) return false;
    if (d.maturity < payments->first) {
      p_.at(at, "maturity " + m + " is before 'first_payment' " + format_date(payments->first));
      return false;
    }
    if (!payments->contains(d.maturity)) {
      p_.at(at, "maturity " + m + " is not a payment date (payments fall on " +
                    payments->around(d.maturity) + ")");
      return false;
    }
    return ok;
  }

  // The engine settles flows at period ends, so every payment inside the scenario must be one.
  void period_alignment(const Fields& f, const PaymentDates& payments, Date maturity) {
    if (!grid_ || grid_->period == PeriodKind::Month) return;  // every month end is a period end
    const int k0 = std::max(
        0, (month_index(grid_->start) - month_index(payments.first) + payments.months - 1) /
               payments.months);
    const auto p0 = payments.at(k0), p1 = payments.at(k0 + 1);
    if (!p0 || *p0 > maturity) return;
    if (payments.months % months_per_period(grid_->period) != 0 && p1 && *p1 <= maturity) {
      const YNode& at = f.has("pay") ? *f.find("pay") : f.node();
      p_.at(at, std::string("payments ") +
                    frequency_words(static_cast<Frequency>(payments.months)) +
                    " do not fall on quarter period ends (use pay: quarter or period: month)");
    } else if (!grid_->is_period_end(*p0)) {
      p_.at(*f.find("first_payment"), "payment date " + format_date(*p0) +
                                          " is not a quarter period end (periods end on " +
                                          grid_->ends_from(*p0) + ")");
    }
  }

  void amortization(const Fields& f, Debt& d, const std::optional<PaymentDates>& payments,
                    std::optional<Date> mat) {
    const YNode* n = f.find("amortization");
    if (!n) return;
    const auto a = open(p_, *n, kAmortizationKeys, "'amortization'");
    if (!a || !a->get("style", d.amortization.style, "amortization style", kAmortStyles) ||
        !a->has("style"))
      return;
    const AmortStyle style = d.amortization.style;
    const std::string style_name(a->find("style")->scalar);
    if (d.type == DebtType::Revolver && style != AmortStyle::Bullet)
      p_.at(*a->find("style"), "a revolver is repaid at maturity: its amortization style must be "
                               "'bullet', not " + quote_text(style_name));
    const std::pair<std::string_view, AmortStyle> owners[] = {{"from", AmortStyle::Level},
                                                              {"per_payment", AmortStyle::Percent},
                                                              {"payments", AmortStyle::Schedule}};
    for (const auto& [key, owner] : owners) {
      if (a->has(key) && owner != style)
        p_.at(*a->find(key),
              key_label(key) + " does not apply to amortization style " + quote_text(style_name));
      if (!a->has(key) && owner == style && style != AmortStyle::Level)
        p_.at(*n, "missing required key " + key_label(key) + " (amortization style " +
                      quote_text(style_name) + ")");
    }
    if (style == AmortStyle::Percent)
      a->get("per_payment", d.amortization.per_payment, Bound::PositiveShare);
    if (style == AmortStyle::Level && a->has("from")) {
      Date from;
      if (a->get("from", from)) {
        d.amortization.from = from;
        on_payment_date(*a->find("from"), "'from'", from, payments, mat);
      }
    }
    if (style == AmortStyle::Schedule && a->has("payments"))
      if (auto points =
              to_points(p_, *a->find("payments"), "'payments'", "payment", Bound::Positive))
        for (const Point& pt : *points) {
          d.amortization.schedule.emplace_back(pt.date, pt.value);
          on_payment_date(*pt.at, "scheduled payment", pt.date, payments, mat);
        }
  }

  void on_payment_date(const YNode& at, std::string_view what, Date date,
                       const std::optional<PaymentDates>& payments, std::optional<Date> mat) {
    if (!payments || !mat) return;
    const std::string s = format_date(date);
    if (!payments->contains(date))
      p_.at(at, std::string(what) + " " + s + " is not a payment date (payments fall on " +
                    payments->around(date) + ")");
    else if (date > *mat)
      p_.at(at, std::string(what) + " " + s + " is after maturity " + format_date(*mat));
  }

  // Outstanding, draws and commitment: what can be drawn must fit the commitment.
  void balances(const Fields& f, Debt& d, std::optional<Date> mat) {
    bool ok = f.get("outstanding", d.outstanding, Bound::NonNeg) && f.has("outstanding");
    if (const YNode* draws = f.find("draws"); draws && !draws->is_null()) {
      const auto points = to_points(p_, *draws, "'draws'", "draw", Bound::Positive);
      ok = ok && points;
      if (points) draw_dates(*points, d, mat);
    }
    double total = d.outstanding;
    for (const auto& [date, amount] : d.draws) total += amount;
    d.commitment = total;
    if (!f.has("commitment")) return;
    if (f.get("commitment", d.commitment, Bound::NonNeg) && ok && d.commitment < total - 1e-9)
      p_.at(*f.find("commitment"), "'commitment' " + number_text(d.commitment) +
                                       " is less than outstanding plus draws (" +
                                       number_text(total) + ")");
  }

  void draw_dates(const std::vector<Point>& points, Debt& d, std::optional<Date> mat) {
    for (const Point& pt : points) {
      d.draws.emplace_back(pt.date, pt.value);
      if (grid_ && pt.date < grid_->start)
        p_.at(*pt.at, "draw on " + format_date(pt.date) + " is before the scenario start " +
                          format_date(grid_->start));
      else if (mat && pt.date > *mat)
        p_.at(*pt.at,
              "draw on " + format_date(pt.date) + " is after maturity " + format_date(*mat));
      else if (d.available_until && pt.date > *d.available_until)
        p_.at(*pt.at, "draw on " + format_date(pt.date) + " is after 'available_until' " +
                          format_date(*d.available_until));
      else if (const auto end = grid_ ? grid_->period_end(pt.date) : std::nullopt) {
        // Draws happen at the end of their period, which must still be inside the window.
        const std::string when = "draw on " + format_date(pt.date) + " happens at its period end " +
                                 format_date(*end) + ", ";
        if (d.available_until && *end > *d.available_until)
          p_.at(*pt.at, when + "after 'available_until' " + format_date(*d.available_until));
        else if (mat && *end >= *mat)
          p_.at(*pt.at, when + "not before maturity " + format_date(*mat));
      }
    }
  }

  void secured_by(const Fields& f, Debt& d, const EntityScope& sc) {
    const Section s = section(f, "secured_by", Kind::Seq);
    if (!s.node) return;
    for (const YNode& item : s.node->items) {
      const auto lot = to_name(p_, item, "a 'secured_by' lot");
      if (!lot || !sc.lots.usable) continue;
      const int i = sc.lots.find(*lot);
      if (i < 0) {
        p_.at(item, "unknown lot " + quote_text(*lot) + " of entity " + quote_text(sc.id) +
                        sc.lots.suggest(*lot));
      } else if (std::find(d.secured_by.begin(), d.secured_by.end(), i) != d.secured_by.end()) {
        p_.at(item, "lot " + quote_text(*lot) + " is listed twice in 'secured_by'");
      } else {
        d.secured_by.push_back(i);
      }
    }
  }

  void fees(const Fields& f, Debt& d) {
    const Section s = section(f, "fees", Kind::Map);
    if (!s.node) return;
    const Fields x(p_, *s.node, kFeeKeys);
    get_numbers(x, d.fees, kFeeNumbers);
    if (d.fees.upfront > 0 && !f.has("signed"))
      p_.at(*x.find("upfront"), "'upfront' needs 'signed' (the date the fee is paid)");
  }

  void prepayment(const Fields& f, Debt& d, EntityScope& sc) {
    const Section s = section(f, "prepayment", Kind::Map);
    if (!s.node) return;
    const Fields x(p_, *s.node, kPrepaymentKeys);
    get_numbers(x, d.prepayment, kPrepaymentNumbers);
    if (const YNode* n = x.find("borrowing_base"))
      if (const auto b = open(p_, *n, kBorrowingBaseKeys, "'borrowing_base'")) {
        b->get("advance_rate", d.prepayment.borrowing_base, Bound::PositiveShare);
        b->get("value", d.prepayment.basis, "collateral value", kCollateralBases);
        b->get("cure", d.prepayment.sell_to_cure, "borrowing-base cure", kBorrowingBaseCures);
        if (d.prepayment.sell_to_cure && d.prepayment.basis == CollateralBasis::Book)
          p_.at(*b->find("cure"), "'cure: sell' needs 'value: market': the GPUs sell at their "
                                  "market value, so a base at book cannot tell what to sell");
        const YNode* lots = f.find("secured_by");
        const bool listed = lots && !lots->is_null() && !(lots->is_seq() && lots->items.empty());
        if (!listed && !d.id.empty()) sc.uncollateralized.push_back({d.id, n});
      }
    if (const YNode* n = x.find("cash_sweep"))
      if (const auto c = open(p_, *n, kCashSweepKeys, "'cash_sweep'"))
        get_numbers(*c, d.prepayment, kCashSweepNumbers);
    if (const Section nd = section(x, "new_debt", Kind::Seq); nd.node) {
      if (!x.has("from_new_debt"))
        p_.at(*nd.node, "'new_debt' needs 'from_new_debt' (the share of it that prepays)");
      for (const YNode& item : nd.node->items)
        if (const auto name = to_name(p_, item, "a 'new_debt' instrument"))
          sc.new_debt.push_back({sc.debt_count, *name, &item});
    }
  }

  // A borrowing base lends against collateral: the lots in `secured_by` or those the debt funds,
  // known once every capex item is read.
  void check_collateral(const EntityScope& sc) {
    if (!sc.lots.usable) return;
    for (const EntityScope::BorrowingBase& b : sc.uncollateralized)
      if (std::none_of(sc.funding.begin(), sc.funding.end(),
                       [&](const EntityScope::Funding& fu) { return fu.debt == b.debt; }))
        p_.at(*b.at, "a borrowing base needs collateral: lots in 'secured_by', or capex items "
                     "funded by " + quote_text(b.debt));
  }

  void covenants(const Fields& f, Debt& d, const std::optional<PaymentDates>& payments,
                 std::optional<Date> mat) {
    const Section s = section(f, "covenants", Kind::Map);
    if (!s.node) return;
    const Fields c(p_, *s.node, kCovenantKeys);
    c.get("on_breach", d.covenants.breach_is_default, "breach action", kBreachActions);
    for (const auto& [k, v] : s.node->entries)  // in file order: the order of the events
      for (const CovenantKey& ck : kCovenantKinds)
        if (k.scalar == ck.key)
          if (auto t = covenant_test(ck, v, payments, mat)) d.covenants.tests.push_back(*t);
  }

  // A covenant is its limit alone, or {limit, from, every, cure_periods, waived}.
  std::optional<CovenantTest> covenant_test(const CovenantKey& ck, const YNode& n,
                                            const std::optional<PaymentDates>& payments,
                                            std::optional<Date> mat) {
    CovenantTest t;
    t.kind = ck.kind;
    if (n.is_scalar()) {
      const auto limit = to_number(p_, n, key_label(ck.key), ck.bound);
      if (limit) t.limit = *limit;
      return limit ? std::optional<CovenantTest>(t) : std::nullopt;
    }
    if (!n.is_map()) {
      p_.at(n, "expected a number or a mapping for " + key_label(ck.key) + ", got " + describe(n));
      return std::nullopt;
    }
    const Fields f(p_, n, kCovenantTestKeys);
    bool ok = f.get("limit", t.limit, ck.bound);
    ok = f.get("from", t.from) && ok;
    ok = f.get_integer("every", t.every, 1, kMaxCount) && ok;
    ok = f.get_integer("cure_periods", t.cure_periods, 0, kMaxCount) && ok;
    const Section waived = section(f, "waived", Kind::Seq);
    ok = ok && !waived.bad;
    if (waived.node)
      for (const YNode& item : waived.node->items) {
        const auto date = to_date(p_, item, "a 'waived' date");
        ok = ok && date;
        if (!date) continue;
        t.waived.push_back(*date);
        on_payment_date(item, "waived date", *date, payments, mat);
      }
    return ok ? std::optional<CovenantTest>(t) : std::nullopt;
  }

  // --- network (issues 3 and 5): spv parents and guarantees, holders' liabilities, stakes and
  //     fund interests, warrants, invest-to-buy deals. Names are resolved here; what needs every
  //     entity read (parents' cycles, stake sums, lenders' kinds) is checked by check_network().

  int entity_ref(const YNode& n, std::string_view what, const EntityScope& sc) {
    const auto name = to_name(p_, n, what);
    if (!name || !entities_.usable) return -1;
    const int i = entities_.find(*name);
    if (i < 0) {
      p_.at(n, "unknown entity " + quote_text(*name) + entities_.suggest(*name));
    } else if (i == sc.index) {
      p_.at(n, std::string(what) + " " + quote_text(*name) + " is the entity itself");
      return -1;
    }
    return i;
  }

  void network_items(const Fields& f, Entity& e, EntityScope& sc) {
    if (const YNode* n = f.find("parent")) {
      e.parent = entity_ref(*n, "'parent'", sc);
      parent_at_.resize(static_cast<std::size_t>(sc.index) + 1, nullptr);
      parent_at_[static_cast<std::size_t>(sc.index)] = n;
    }
    if (const Section g = section(f, "guarantee", Kind::Map); g.node) guarantee(*g.node, e);
    f.get("distribute_above", e.distribute_above, Bound::NonNeg);
    if (f.has("distribute_above") && e.kind != EntityKind::Spv)
      p_.at(key_node(f.node(), "distribute_above"),
            "'distribute_above' applies to entities of kind spv (it pays its parent)");
    entity_at_.resize(static_cast<std::size_t>(sc.index) + 1, nullptr);
    entity_at_[static_cast<std::size_t>(sc.index)] = &f.node();
    each(f, "liabilities", "liability", kLiabilityKeys, [&](const YNode& item) {
      Liability l;
      if (const auto lf = open(p_, item, kLiabilityKeys, "a liability")) {
        if (lf->get_id("id", l.id)) sc.name(l.id, *lf->find("id"));
        lf->get("type", l.kind, "liability type", kLiabilityKinds);
        get_numbers(*lf, l, kLiabilityNumbers);
      }
      e.liabilities.push_back(l);
    });
    if (!e.liabilities.empty() && !is_holder(e.kind))
      p_.at(key_node(f.node(), "liabilities"),
            "'liabilities' applies to financial holders (kind fund, bank, insurer or pension)");
    stakes(f, "stakes", false, e, sc);
    stakes(f, "fund_interests", true, e, sc);
    each(f, "warrants", "warrant", kWarrantKeys,
         [&](const YNode& item) { e.warrants.push_back(warrant(item, sc)); });
    each(f, "invest_to_buy", "invest-to-buy deal", kInvestToBuyKeys,
         [&](const YNode& item) { e.invest_to_buy.push_back(invest_to_buy(item, e, sc)); });
  }

  void guarantee(const YNode& n, Entity& e) {
    const Fields g(p_, n, kGuaranteeKeys);
    if (!g.get("type", e.guarantee.type, "guarantee type", kGuaranteeTypes)) return;
    const bool capped = e.guarantee.type == GuaranteeType::Capped;
    if (capped && !g.has("cap"))
      p_.at(n, "missing required key 'cap' (a capped guarantee pays at most its cap)");
    else if (!capped && g.has("cap"))
      p_.at(*g.find("cap"), "'cap' applies to capped guarantees only (type: capped)");
    else if (capped)
      g.get("cap", e.guarantee.cap, Bound::NonNeg);
    guarantee_at_.resize(static_cast<std::size_t>(entities_read_) + 1, nullptr);
    guarantee_at_[static_cast<std::size_t>(entities_read_)] = &n;
  }

  // `stakes: {ENTITY: share}` or `fund_interests: {FUND: share}`.
  void stakes(const Fields& f, std::string_view key, bool fund_interest, Entity& e,
              const EntityScope& sc) {
    const Section s = section(f, key, Kind::Map);
    if (!s.node) return;
    for (const auto& [k, v] : s.node->entries) {
      const int investee = entity_ref(k, fund_interest ? "fund" : "investee", sc);
      const auto share = to_number(p_, v, "the share of " + quote_text(k.scalar), Bound::PositiveShare);
      if (investee < 0 || !share) continue;
      const bool twice = std::any_of(e.stakes.begin(), e.stakes.end(),
                                     [&](const Stake& x) { return x.entity == investee; });
      if (twice) {
        p_.at(k, quote_text(k.scalar) + " is in both 'stakes' and 'fund_interests'");
        continue;
      }
      e.stakes.push_back(Stake{investee, *share, fund_interest});
      stake_links_.push_back({sc.index, &k, &v});
    }
  }

  Warrant warrant(const YNode& n, EntityScope& sc) {
    Warrant w;
    const auto f = open(p_, n, kWarrantKeys, "a warrant");
    if (!f) return w;
    if (f->get_id("id", w.id)) sc.name(w.id, *f->find("id"));
    if (const YNode* issuer = f->find("issuer")) {
      w.issuer = entity_ref(*issuer, "'issuer'", sc);
      if (w.issuer >= 0) needs_share_price_.push_back({w.issuer, issuer, "a warrant"});
    }
    f->get("strike", w.strike, Bound::NonNeg);
    if (const Section t = section(*f, "tranches", Kind::Seq); t.node) {
      if (t.node->items.empty()) p_.at(*t.node, "a warrant needs at least one tranche");
      for (const YNode& item : t.node->items)
        if (const auto tf = open(p_, item, kTrancheKeys, "a warrant tranche")) {
          WarrantTranche x;
          get_numbers(*tf, x, kTrancheNumbers);
          w.tranches.push_back(x);
        }
    }
    return w;
  }

  InvestToBuy invest_to_buy(const YNode& n, const Entity& e, EntityScope& sc) {
    InvestToBuy d;
    const auto f = open(p_, n, kInvestToBuyKeys, "an invest-to-buy deal");
    if (!f) return d;
    if (f->get_id("id", d.id)) sc.name(d.id, *f->find("id"));
    if (const YNode* investee = f->find("investee")) d.investee = entity_ref(*investee, "'investee'", sc);
    f->get("ratio", d.ratio, Bound::NonNeg);
    if (f->has("cap")) f->get("cap", d.cap, Bound::NonNeg);
    std::string contract;
    if (!f->get_name("contract", contract)) return d;
    const YNode& at = *f->find("contract");
    std::vector<std::string> ids;
    for (std::size_t c = 0; c < e.contracts.size(); ++c) {
      ids.push_back(e.contracts[c].id);
      if (e.contracts[c].id == contract) d.contract = static_cast<int>(c);
    }
    if (d.contract < 0) {
      p_.at(at, "unknown contract " + quote_text(contract) + " of entity " + quote_text(sc.id) +
                    did_you_mean(contract, ids));
    } else if (d.investee >= 0 &&
               e.contracts[static_cast<std::size_t>(d.contract)].customer.entity != d.investee) {
      p_.at(at, "contract " + quote_text(contract) + " is sold to " +
                    quote_text(e.contracts[static_cast<std::size_t>(d.contract)].customer.name) +
                    ", not to the investee: an invest-to-buy deal invests as the investee buys");
    }
    invest_links_.push_back({sc.index, f->find("investee")});
    return d;
  }

  // Checks that need every entity: spv parents (and their cycles), guarantees, stakes' sums and
  // investees, lenders that are entities, invest-to-buy investees.
  void check_network(Scenario& s) {
    if (!entities_.usable) return;
    for (const Entity& e : s.entities) {
      if (e.parent >= 0) s.entities[static_cast<std::size_t>(e.parent)].is_parent = true;
      for (const Stake& x : e.stakes) s.entities[static_cast<std::size_t>(x.entity)].is_investee = true;
    }
    const auto at = [&](const std::vector<const YNode*>& v, std::size_t i) {
      return i < v.size() ? v[i] : nullptr;
    };
    for (std::size_t i = 0; i < s.entities.size(); ++i) {
      const Entity& e = s.entities[i];
      const YNode* entity_node = at(entity_at_, i);
      if (!entity_node) continue;  // not a mapping (reported)
      const bool spv = e.kind == EntityKind::Spv;
      if (const YNode* pn = at(parent_at_, i); pn && !spv)
        p_.at(*pn, "'parent' applies to entities of kind spv");
      else if (spv && !pn)
        p_.at(*entity_node, "missing required key 'parent' (an spv is owned by a parent entity)");
      if (const YNode* g = at(guarantee_at_, i); g && !spv)
        p_.at(*g, "'guarantee' applies to entities of kind spv (its parent guarantees it)");
      if (spv && e.parent >= 0 && s.entities[static_cast<std::size_t>(e.parent)].credit)
        p_.at(*at(parent_at_, i), "parent " + quote_text(s.entities[static_cast<std::size_t>(e.parent)].id) +
                                      " has reduced-form 'credit': a parent must have books");
    }
    parent_cycles(s);
    for (const Link& l : stake_links_) {
      const Entity& holder = s.entities[static_cast<std::size_t>(l.entity)];
      const std::string& name = l.at->scalar;
      const int investee = entities_.find(name);
      if (investee < 0) continue;
      const Entity& x = s.entities[static_cast<std::size_t>(investee)];
      const auto it = std::find_if(holder.stakes.begin(), holder.stakes.end(),
                                   [&](const Stake& st) { return st.entity == investee; });
      if (it == holder.stakes.end()) continue;
      if (x.credit)
        p_.at(*l.at, "a stake is marked to its investee's books, and " + quote_text(name) +
                         " has reduced-form 'credit' instead");
      else if (it->fund_interest && x.kind != EntityKind::Fund)
        p_.at(*l.at, quote_text(name) + " is a " + entity_kind_name(x.kind) +
                         ", not a fund: a share of its equity goes in 'stakes'");
      stake_sum_[investee] += it->share;
      if (stake_sum_[investee] > 1 + 1e-9 && !stake_reported_[investee]) {
        stake_reported_[investee] = true;
        p_.at(*l.value, "stakes in " + quote_text(name) + " sum to " +
                            number_text(stake_sum_[investee]) +
                            " across their holders, above 1 (all of its equity)");
      }
    }
    for (const LenderLink& l : lender_links_) {
      const int j = entities_.find(l.at->scalar);
      if (j < 0) continue;
      const Entity& lender = s.entities[static_cast<std::size_t>(j)];
      const Entity& borrower = s.entities[static_cast<std::size_t>(l.entity)];
      if (l.debt >= borrower.debt.size() || !is_modelled(lender) || is_holder(lender.kind)) continue;
      const Debt& d = borrower.debt[l.debt];
      if (d.type == DebtType::Revolver || !d.draws.empty() || d.commitment > d.outstanding + 1e-9)
        p_.at(*l.at, "lender " + quote_text(lender.id) + " is a " + entity_kind_name(lender.kind) +
                         " with books, not a financial holder, and cannot fund draws: give this "
                         "debt none beyond 'outstanding' (no 'draws', no larger 'commitment', not "
                         "a revolver)");
    }
    for (const Link& l : invest_links_) {
      if (!l.at) continue;
      const int j = entities_.find(l.at->scalar);
      if (j >= 0 && !is_modelled(s.entities[static_cast<std::size_t>(j)]))
        p_.at(*l.at, "investee " + quote_text(l.at->scalar) +
                         " has reduced-form 'credit': an invest-to-buy investee must have books");
    }
  }

  // A chain of parents that comes back to where it started, reported once at its first entity.
  void parent_cycles(const Scenario& s) {
    std::vector<std::uint8_t> reported(s.entities.size(), 0);
    for (std::size_t i = 0; i < s.entities.size(); ++i) {
      std::vector<std::size_t> chain{i};
      int p = s.entities[i].parent;
      while (p >= 0 && chain.size() <= s.entities.size()) {
        const auto pu = static_cast<std::size_t>(p);
        if (pu == i) {
          if (std::any_of(chain.begin(), chain.end(), [&](std::size_t c) { return reported[c]; }))
            break;
          std::string path;
          for (std::size_t c : chain) path += s.entities[c].id + " -> ";
          for (std::size_t c : chain) reported[c] = 1;
          p_.at(*parent_at_[i], "cycle of parents: " + path + s.entities[i].id);
          break;
        }
        if (std::find(chain.begin(), chain.end(), pu) != chain.end()) break;  // a cycle elsewhere
        chain.push_back(pu);
        p = s.entities[pu].parent;
      }
    }
  }

  struct Link {
    int entity;
    const YNode* at;             // the name's node
    const YNode* value = nullptr;  // its value's node
  };
  struct LenderLink {
    int entity;
    std::size_t debt;
    const YNode* at;
    const YNode* debt_node;
  };
  std::vector<const YNode*> parent_at_, guarantee_at_, entity_at_;  // per entity, or null
  std::vector<Link> stake_links_, invest_links_;
  std::vector<LenderLink> lender_links_;
  std::unordered_map<int, double> stake_sum_;
  std::unordered_map<int, bool> stake_reported_;
  int entities_read_ = 0;

  Problems& p_;
  std::deque<YNode> keyed_;  // the items of mapping sections, each with its key as `id`
  Names rates_, gpus_, entities_;
  std::vector<const YNode*> share_price_keys_;  // per Market::equity item
  struct ShareNeed {
    int entity;
    const YNode* at;
    const char* what;
  };
  std::vector<ShareNeed> needs_share_price_;  // checked once entities and prices are known
  bool counts_shares_ = false;  // the entity being read gives `shares`
  std::optional<Grid> grid_;
  bool has_power_ = false;
};

LoadResult load(const Source& src, std::string text) {
  LoadResult result;
  std::vector<std::string> files, texts;
  Problems problems(files);
  if (auto root = read_tree(problems, files, src, text, kTopKeys, &texts)) {
    Scenario s = ScenarioReader(problems).read(*root);
    if (problems.empty()) result.scenario = std::move(s);
  }
  for (std::size_t i = 0; i < texts.size(); ++i)
    result.files.push_back(ScenarioFile{files[i], std::move(texts[i])});
  result.errors = problems.sorted();
  result.text = std::move(text);
  return result;
}

}  // namespace
}  // namespace loader

LoadResult load_scenario(const std::string& path_or_name) {
  std::string error;
  auto in = loader::read_source(path_or_name, error);
  if (!in) {
    LoadResult result;
    result.errors.push_back(Diagnostic{path_or_name, 1, 1, error});
    return result;
  }
  return loader::load(in->source, std::move(in->text));
}

LoadResult load_scenario_text(std::string_view text, const std::string& display_name,
                              const std::string& base_dir) {
  return loader::load(loader::text_source(display_name, base_dir), std::string(text));
}

}  // namespace tinderbox
