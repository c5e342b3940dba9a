// Figures an analyst reads off a run: yearly totals, runway, first covenant breach, ratios.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/run.h"

namespace tinderbox {

// Twelve-month blocks from the scenario start (calendar years when it starts on 1 January);
// the last block may be shorter, and says how many months it holds.
struct YearFigures {
  Date end;  // the last period end of the block
  int months = 0;
  double revenue = 0, ebitda = 0, interest = 0, principal = 0, capex = 0, free_cash_flow = 0;
  double cash = 0, debt = 0;           // at the block's end
  double collateral_market = 0;        // at the block's end
  std::optional<double> ltv;           // debt / fleet market value at the block's end
  std::optional<double> revenue_growth;  // against the previous block (or revenue_prior_year)
  std::optional<double> rule_of_40;    // revenue growth + free-cash-flow margin
  // Customer concentration of the block's revenue (docs/model.md, Summary figures): the largest
  // customer, its share, and the Herfindahl index of the customers' shares. Spot revenue counts
  // as sold to many small buyers, each too small to weigh in the index.
  std::string top_customer;
  std::optional<double> top_customer_share, hhi;
  // Capacity (entities with sites): MW at the block's end, averages of the periods' powered
  // utilization and idle GPUs, and the revenue missing capacity cost over the block.
  double active_mw = 0, contracted_mw = 0, powered_utilization = 0, idle_gpus = 0;
  double revenue_lost_capacity = 0;
};

struct Metrics {
  std::vector<YearFigures> years;
  std::optional<int> runway_months;  // months from start to the end of the default period
  std::optional<Date> runway_date;   // the period end at which cash would fall below zero
  // The same without new money: no raises, draws or undrawn commitments (engine/runway.h).
  std::optional<int> dry_runway_months;
  std::optional<Date> dry_runway_date;
  std::optional<std::size_t> first_breach;  // index into RunResult::events
  // Year-one ratios (the first twelve-month block):
  std::optional<double> price_to_sales, ev_to_revenue, debt_to_ebitda, interest_coverage;
};

Metrics compute_metrics(const RunResult& r, int entity);

// Free cash flow of a period: EBITDA - interest paid - capex (no taxes are modelled).
inline double free_cash_flow(const PeriodFigures& f) {
  return f.ebitda - f.interest_paid - f.capex;
}

}  // namespace tinderbox
