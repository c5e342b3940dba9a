// The runway "absent new money": how long an entity's cash lasts if it borrows and raises
// nothing beyond what it has at `start` (issue 2's runway). It is the same period loop run on a
// copy of the scenario with every source of new money taken out.
#pragma once

#include <optional>
#include <vector>

#include "scenario/scenario.h"

namespace tinderbox {

// The scenario with no new money for any entity: no equity raises (scheduled or contingent),
// no scheduled draws, capex paid wholly in cash, and no commitment beyond today's balances
// (so delayed-draw facilities and revolvers lend nothing more).
Scenario without_new_money(const Scenario& s);

// For each entity, the period in which it runs out of cash without new money, if within the
// horizon: one run of without_new_money(s), the same for every entity. A run's readers get it
// from RunResult::dry_runways(), which keeps it.
std::vector<std::optional<int>> runways_without_new_money(const Scenario& s);

}  // namespace tinderbox
