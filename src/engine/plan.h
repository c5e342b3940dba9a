// The scenario compiled onto its period grid: everything that does not depend on the market path,
// computed once per run so that the period loop only does the arithmetic that does.
#pragma once

#include <vector>

#include "book/debt_terms.h"
#include "book/fleet.h"
#include "engine/timeline.h"
#include "scenario/scenario.h"

namespace tinderbox {

struct EntityPlan {
  std::vector<LotPlan> lots;  // the opening fleet, then one lot per capex item (same order)
  std::vector<DebtTerms> debt;
  std::vector<std::vector<int>> collateral;  // per debt: its secured_by lots and the lots it funded
  int gpu_types = 0;
  // Per GPU generation g and period k, index [g * periods + k]:
  std::vector<double> owned_hours;       // GPU-hours of the lots owned
  std::vector<double> owned_kw_hours;    // kW x hours of the lots owned (power at full use)
  std::vector<double> contracted_hours;  // GPU-hours sold under contracts
  std::vector<double> contract_revenue;  // [c * periods + k], $M
  std::vector<double> contract_hours;    // [c * periods + k], GPU-hours (0: fixed amount)
  std::vector<double> lease_payment;     // [l * periods + k], $M
  std::vector<int> capex_period;         // per capex item: the period that contains its date
  // Per capex item: its draw's spread over the facility's own, when the facility prices draws
  // by the credit quality of the contract they serve (Rate::contract_spreads); else 0.
  std::vector<double> capex_premium;
  std::vector<int> equity_period;        // per equity item: likewise
  bool operates = false;                 // has anything to model at all
};

struct Plan {
  const Scenario* scenario = nullptr;
  Timeline timeline;
  std::vector<EntityPlan> entities;

  explicit Plan(const Scenario& s);
};

}  // namespace tinderbox
