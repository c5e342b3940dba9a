// The data of a report page, read from the results database: one JSON object with one entry per
// run shown (docs/report.md lists what each section reads).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/sqlite_store.h"

namespace tinderbox::store {

// `runs` exist in `db` (the caller checked). All reads happen in one read transaction, so that
// a run being written meanwhile is either wholly in the page or not at all.
nlohmann::ordered_json report_data(SqliteStore& db, const std::vector<std::int64_t>& runs);

}  // namespace tinderbox::store
