// The report's page, stylesheet, script and ECharts, embedded at build time from web/report/ and
// node_modules/ (cmake/embed_assets.cmake).
#pragma once

#include <string_view>
#include <vector>

namespace tinderbox {

struct WebAsset {
  std::string_view name;  // the file name: report.html.in, report.js, echarts.min.js, ...
  std::string_view text;
};

const std::vector<WebAsset>& web_assets();
// The asset called `name`; every asset the report uses is embedded, so it always exists.
std::string_view web_asset(std::string_view name);

}  // namespace tinderbox
