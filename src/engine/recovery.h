// Who gets what when a borrower defaults: its lenders share the liquidation value of its GPUs
// and what cash is left, by collateral first, then by seniority, then pro rata (docs/model.md,
// "Default and recovery"). A pure function of numbers, so it is tested on its own.
#pragma once

#include <vector>

#include "scenario/scenario.h"

namespace tinderbox {

struct RecoveryInput {
  std::vector<double> claim;                 // per debt: balance + accrued interest and fees
  std::vector<Seniority> seniority;          // per debt
  std::vector<std::vector<int>> collateral;  // per debt: the lots that secure it
  std::vector<double> lot_value;             // per lot: what selling it raises (0 if not owned)
  double cash = 0;                           // cash left for the creditors
};

// What each debt recovers (never more than its claim). Each lot's proceeds go to the debts it
// secures — senior before subordinated, pro rata by remaining claim within a rank — and what is
// left of them joins the unencumbered lots and the cash in one pool, which pays the remaining
// claims of every debt, senior before subordinated, pro rata within a rank. Lots are taken in
// order, so a debt secured by several lots is paid from each in turn.
std::vector<double> recoveries(const RecoveryInput& in);

}  // namespace tinderbox
