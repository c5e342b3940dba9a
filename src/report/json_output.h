// The run as one JSON object (SPEC §3).
#pragma once

#include <nlohmann/json.hpp>

#include "engine/run.h"

namespace tinderbox {

nlohmann::ordered_json run_to_json(const RunResult& r);

}  // namespace tinderbox
