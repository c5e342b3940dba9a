// `tinderbox breakeven`: the revenue one year of capex needs to pay for itself (docs/cli.md).
#pragma once

#include <vector>

#include "cli/args.h"

namespace tinderbox {

int cmd_breakeven(const std::vector<Arg>& args);

}  // namespace tinderbox
