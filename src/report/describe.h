// Names and words for what the period loop reports as numbers.
#pragma once

#include <string>

#include "engine/flows.h"
#include "scenario/scenario.h"

namespace tinderbox {

// The ledger's `instrument` of a flow or event source ("" for sga, opex and power).
std::string instrument_name(const Scenario& s, int entity, Source src, int index);
// The counterparty of a non-debt flow ("" where the scenario names none).
std::string counterparty_name(const Scenario& s, int entity, Source src, int index);
// The ledger's instrument and counterparty of a flow, either side of a link between entities.
std::string flow_instrument(const Scenario& s, const Flow& f);
std::string flow_counterparty(const Scenario& s, const Flow& f);
// One line that says what an event means, with its figures.
std::string event_detail(const Scenario& s, const Event& e);

}  // namespace tinderbox
