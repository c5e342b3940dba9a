// Contracts and leases on the period grid: amounts fixed by their terms, laid out once per run.
#pragma once

#include <vector>

#include "engine/timeline.h"
#include "scenario/scenario.h"

namespace tinderbox {

// Revenue of contract c in period k, $M: gpus x price x 24 x (days of the period inside
// [start, end]) / 1e6, or amount_per_period x (share of the period's days inside [start, end]).
double contract_revenue(const Contract& c, const Timeline& t, int k);

// GPU-hours the contract takes from its generation in period k (0 for a fixed-amount contract).
double contract_gpu_hours(const Contract& c, const Timeline& t, int k);

// Lease payment in period k, $M: payment x (1 + escalator)^(whole years from start to d_k),
// prorated by the share of the period's days inside [start, end].
double lease_payment(const Lease& l, const Timeline& t, int k);

// Whole years from `from` to `to` (anniversaries passed), 0 when `to` is before `from`.
int whole_years(Date from, Date to);

}  // namespace tinderbox
