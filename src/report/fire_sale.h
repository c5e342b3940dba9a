// What a fleet would fetch in a fire sale: each owned lot at its income-approach market value
// less its generation's liquidation haircut (docs/model.md, default and recovery).
#pragma once

#include <vector>

#include "engine/run.h"

namespace tinderbox {

// [entity][k]: the fire-sale value of the lots owned at period k's end on the scenario's own
// curves, $M; 0 once the entity has defaulted (its lots are gone to its lenders).
std::vector<std::vector<double>> fire_sale_values(const RunResult& r);

}  // namespace tinderbox
