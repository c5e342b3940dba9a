// `tinderbox breakeven [--capex C] [--life N[,N...]] [--margin M] [--cost-of-capital R] [--json]`
#include "cli/breakeven_command.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "report/breakeven.h"

namespace tinderbox {
namespace {

constexpr int kOk = 0, kBadInput = 2;

// The flag's number if it lies in (lo, hi] (or [lo, hi] when lo_closed), else an error.
bool number_flag(const ParsedArgs& a, const std::string& flag, double lo, bool lo_closed, double hi,
                 bool hi_closed, const std::string& range, double& out,
                 std::vector<Diagnostic>& errors) {
  const Arg* v = a.value(flag);
  if (!v) return true;
  const auto x = flag_number(v->text);
  if (!x || (lo_closed ? *x < lo : *x <= lo) || (hi_closed ? *x > hi : *x >= hi)) {
    errors.push_back(command_line_error(
        v->col, "'" + flag + "' needs a number " + range + " (got '" + v->text + "')"));
    return false;
  }
  out = *x;
  return true;
}

// `--life 3,4,5`: each item checked at its own column.
bool lives_flag(const ParsedArgs& a, std::vector<double>& out, std::vector<Diagnostic>& errors) {
  const Arg* v = a.value("--life");
  if (!v) return true;
  std::vector<double> lives;
  const std::size_t before = errors.size();
  for (std::size_t start = 0; start <= v->text.size();) {
    const std::size_t end = std::min(v->text.find(',', start), v->text.size());
    const std::string item = v->text.substr(start, end - start);
    const auto x = flag_number(item);
    if (!x || *x < 0.1 || *x > 100)
      errors.push_back(command_line_error(
          v->col + static_cast<int>(start),
          "'--life' needs years from 0.1 to 100, separated by commas (got '" + item + "')"));
    else
      lives.push_back(*x);
    start = end + 1;
  }
  if (errors.size() != before) return false;
  out = std::move(lives);
  return true;
}

std::string thousands(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", x);
  std::string digits = buf, out;
  const std::size_t lead = digits[0] == '-' ? 1 : 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > lead && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void print_table(const BreakevenInputs& in, const std::vector<BreakevenRow>& rows,
                 std::ostream& out) {
  char line[200];
  out << "Revenue needed each year to earn back one year's capex of " << thousands(in.capex)
      << " ($M)\n";
  std::snprintf(line, sizeof line,
                "margin after cash operating costs %.1f %%, cost of capital %.1f %%\n\n",
                100 * in.margin, 100 * in.cost_of_capital);
  out << line;
  std::snprintf(line, sizeof line, "%8s %16s %22s %16s %9s\n", "life", "recovery factor",
                "annual capital charge", "revenue needed", "x capex");
  out << line;
  for (const BreakevenRow& r : rows) {
    std::snprintf(line, sizeof line, "%6.4g y %16.4f %22s %16s %9.2f\n", r.life, r.recovery_factor,
                  thousands(r.annual_cost).c_str(), thousands(r.revenue).c_str(),
                  r.revenue / in.capex);
    out << line;
  }
  // At r = 0 the annuity formula is 0 / 0: its limit, straight-line depreciation, is what is shown.
  out << (in.cost_of_capital > 0
              ? "\nrevenue = capex x k / margin, k = r / (1 - (1 + r)^-life)  (docs/model.md)\n"
              : "\nrevenue = capex x k / margin, k = 1 / life at r = 0 (straight line; "
                "docs/model.md)\n");
}

}  // namespace

int cmd_breakeven(const std::vector<Arg>& args) {
  Diagnostic error;
  const auto a = parse_args(args,
                            {{"--capex", true},
                             {"--life", true},
                             {"--margin", true},
                             {"--cost-of-capital", true},
                             {"--json", false}},
                            0, &error);
  if (!a) {
    std::cerr << error.str() << "\n";
    return kBadInput;
  }
  BreakevenInputs in;
  std::vector<Diagnostic> errors;
  number_flag(*a, "--capex", 0, false, 1e12, true, "above 0 and up to 1e12", in.capex, errors);
  lives_flag(*a, in.lives, errors);
  number_flag(*a, "--margin", 0.001, true, 1, true, "from 0.001 to 1", in.margin, errors);
  number_flag(*a, "--cost-of-capital", 0, true, 1, false, "from 0 to below 1", in.cost_of_capital,
              errors);
  if (!errors.empty()) {
    for (const Diagnostic& d : errors) std::cerr << d.str() << "\n";
    return kBadInput;
  }
  const std::vector<BreakevenRow> rows = breakeven(in);
  std::ostringstream out;
  if (a->has("--json")) {
    nlohmann::ordered_json j;
    j["capex"] = in.capex;
    j["margin"] = in.margin;
    j["cost_of_capital"] = in.cost_of_capital;
    j["lives"] = nlohmann::ordered_json::array();
    for (const BreakevenRow& r : rows)
      j["lives"].push_back({{"years", r.life},
                            {"recovery_factor", r.recovery_factor},
                            {"annual_capital_charge", r.annual_cost},
                            {"revenue_needed", r.revenue}});
    out << j.dump(1) << "\n";
  } else {
    print_table(in, rows, out);
  }
  std::cout << out.str();
  return kOk;
}

}  // namespace tinderbox
