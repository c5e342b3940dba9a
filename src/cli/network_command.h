// `tinderbox network`: the research interface of SPEC §5 on CSV matrices (`clear`, `debtrank`),
// and the scenario's own exposure network (`network [SCENARIO] [--at DATE]`).
#pragma once

#include <vector>

#include "cli/args.h"

namespace tinderbox {

// Dispatches `clear` and `debtrank`; anything else goes to cmd_network_scenario.
int cmd_network(const std::vector<Arg>& args);

// `tinderbox network [SCENARIO] [--at DATE] [--json]`: the words after `network`: the scenario's
// exposure network (default: the built-in ai-web-2025).
int cmd_network_scenario(const std::vector<Arg>& args);

}  // namespace tinderbox
