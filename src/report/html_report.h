// The report: one self-contained HTML file that works offline (docs/report.md). The page, its
// stylesheet, its script and ECharts are embedded in the binary (web_assets.h); the data go into
// the page as one JSON object, read by the script.
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

namespace tinderbox {

// `data` as store::report_data makes it.
void write_html_report(const nlohmann::ordered_json& data, std::ostream& out);

}  // namespace tinderbox
