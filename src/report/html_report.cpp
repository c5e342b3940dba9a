#include "report/html_report.h"

#include <cassert>
#include <string>
#include <string_view>

#include "report/web_assets.h"

namespace tinderbox {

std::string_view web_asset(std::string_view name) {
  for (const WebAsset& a : web_assets())
    if (a.name == name) return a.text;
  assert(false && "every asset the report names is embedded");
  return {};
}

namespace {

// JSON inside <script type="application/json">: a '<' could end the element ("</script>") or
// open a comment, so each one is written as \u003c, which JSON reads back as the same '<'.
std::string script_safe(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

// The template with each /*@NAME@*/ marker replaced by its text.
void fill(std::string_view page, std::ostream& out,
          std::initializer_list<std::pair<std::string_view, std::string_view>> parts) {
  std::size_t at = 0;
  while (at < page.size()) {
    const std::size_t open = page.find("/*@", at);
    if (open == std::string_view::npos) break;
    const std::size_t close = page.find("@*/", open);
    assert(close != std::string_view::npos);
    const std::string_view name = page.substr(open + 3, close - open - 3);
    out << page.substr(at, open - at);
    for (const auto& [key, text] : parts)
      if (key == name) out << text;
    at = close + 3;
  }
  out << page.substr(at);
}

}  // namespace

void write_html_report(const nlohmann::ordered_json& data, std::ostream& out) {
  const std::string json =
      script_safe(data.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  fill(web_asset("report.html.in"), out,
       {{"STYLE", web_asset("report.css")},
        {"ECHARTS", web_asset("echarts.min.js")},
        {"DATA", json},
        {"SCRIPT", web_asset("report.js")}});
}

}  // namespace tinderbox
