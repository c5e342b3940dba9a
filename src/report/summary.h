// The readable terminal summary of a deterministic run.
#pragma once

#include <ostream>

#include "engine/run.h"

namespace tinderbox {

void write_summary(const RunResult& r, std::ostream& out);

}  // namespace tinderbox
