// `tinderbox network clear` and `tinderbox network debtrank` (SPEC §5, docs/cli.md).
#include "cli/network_command.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>

#include "cli/output_file.h"
#include "cli/store_commands.h"
#include "engine/run.h"
#include "network/clearing.h"
#include "network/debtrank.h"
#include "network/matrix_csv.h"
#include "engine/timeline.h"
#include "report/exposures.h"
#include "report/finite.h"
#include "report/network_view.h"
#include "scenario/loader.h"
#include "util/suggest.h"

namespace tinderbox {
namespace {

using Json = nlohmann::ordered_json;  // nodes print in the order of the file
using Clock = std::chrono::steady_clock;
constexpr int kOk = 0, kEngineFailed = 1, kBadInput = 2;
constexpr int kAfterNetwork = 19;  // column where a word after "tinderbox network" would start

int report(const std::vector<Diagnostic>& errors) {
  for (const Diagnostic& d : errors) std::cerr << d.str() << "\n";
  return kBadInput;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// A required flag's value, or an error at the subcommand's word.
const Arg* required(const ParsedArgs& a, const std::string& flag, const std::string& what, int col,
                    std::vector<Diagnostic>& errors) {
  const Arg* v = a.value(flag);
  if (!v) errors.push_back(command_line_error(col, what + " needs '" + flag + " FILE.csv'"));
  return v;
}

// A number in [lo, hi] from a flag's value, or an error at the value.
std::optional<double> number_flag(const ParsedArgs& a, const std::string& flag, double lo,
                                  double hi, double fallback, std::vector<Diagnostic>& errors) {
  const Arg* v = a.value(flag);
  if (!v) return fallback;
  const std::optional<double> parsed = flag_number(v->text);
  const double x = parsed.value_or(0);
  if (!parsed || !(x >= lo && x <= hi)) {
    char range[64];
    std::snprintf(range, sizeof range, "%g to %g", lo, hi);
    errors.push_back(command_line_error(
        v->col, "'" + flag + "' needs a number from " + range + " (got '" + v->text + "')"));
    return std::nullopt;
  }
  return x;
}

// Reads a vector file over the matrix's names; on error appends them and returns nullopt.
std::optional<std::vector<double>> vector_file(const Arg* path, const network::NamedMatrix& m,
                                               std::vector<Diagnostic>& errors) {
  network::VectorFile v = network::read_vector_csv(path->text, m.names);
  errors.insert(errors.end(), v.errors.begin(), v.errors.end());
  return std::move(v.values);
}

Json names_of(const std::vector<int>& nodes, const std::vector<std::string>& names) {
  Json out = Json::array();
  for (const int i : nodes) out.push_back(names[static_cast<std::size_t>(i)]);
  return out;
}

Json rounds_json(const std::vector<std::vector<int>>& rounds,
                 const std::vector<std::string>& names) {
  Json out = Json::array();
  for (const auto& r : rounds) out.push_back(names_of(r, names));
  return out;
}

void print_rounds(const std::vector<std::vector<int>>& rounds,
                  const std::vector<std::string>& names, std::ostream& out) {
  for (std::size_t r = 0; r < rounds.size(); ++r) {
    out << "  round " << r + 1 << ":";
    for (const int i : rounds[r]) out << " " << names[static_cast<std::size_t>(i)];
    out << "\n";
  }
}

std::size_t name_width(const std::vector<std::string>& names) {
  std::size_t w = 4;
  for (const auto& n : names) w = std::max(w, n.size());
  return std::min<std::size_t>(w, 40);
}

// ------------------------------------------------------------------------------------- clear

struct ClearInput {
  network::NamedMatrix matrix;
  network::Liabilities L;
  std::vector<double> assets;
  network::ClearingOptions options;
  bool json = false, timing = false;
  double load_ms = 0;
};

std::optional<ClearInput> read_clear_input(const std::vector<Arg>& args, int col,
                                           std::vector<Diagnostic>& errors) {
  Diagnostic error;
  const auto a = parse_args(args,
                            {{"--liabilities", true},
                             {"--assets", true},
                             {"--external", true},
                             {"--alpha", true},
                             {"--beta", true},
                             {"--json", false},
                             {"--timing", false}},
                            0, &error);
  if (!a) {
    errors.push_back(error);
    return std::nullopt;
  }
  const Arg* liabilities = required(*a, "--liabilities", "network clear", col, errors);
  const Arg* assets = required(*a, "--assets", "network clear", col, errors);
  const auto alpha = number_flag(*a, "--alpha", 0, 1, 1, errors);
  const auto beta = number_flag(*a, "--beta", 0, 1, 1, errors);
  if (!errors.empty()) return std::nullopt;
  const auto t0 = Clock::now();
  network::MatrixFile m =
      network::read_matrix_csv(liabilities->text, network::MatrixKind::kLiabilities);
  if (!m.matrix) {
    errors = std::move(m.errors);
    return std::nullopt;
  }
  auto e = vector_file(assets, *m.matrix, errors);
  std::optional<std::vector<double>> external;
  if (const Arg* x = a->value("--external")) external = vector_file(x, *m.matrix, errors);
  if (!errors.empty()) return std::nullopt;
  ClearInput in;
  in.L =
      network::to_liabilities(*m.matrix, external ? std::move(*external) : std::vector<double>{});
  in.matrix = std::move(*m.matrix);
  in.assets = std::move(*e);
  in.options.alpha = *alpha;
  in.options.beta = *beta;
  in.json = a->has("--json");
  in.timing = a->has("--timing");
  in.load_ms = ms_since(t0);
  return in;
}

void print_clearing(const ClearInput& in, const network::ClearingResult& r, std::ostream& out) {
  const auto& names = in.matrix.names;
  std::size_t defaults = 0;
  for (const auto d : r.defaulted) defaults += d;
  const bool rv = in.options.alpha < 1 || in.options.beta < 1;
  out << (rv ? "Rogers-Veraart" : "Eisenberg-Noe") << " clearing";
  if (rv) out << " (alpha " << in.options.alpha << ", beta " << in.options.beta << ")";
  out << ": " << names.size() << " nodes, " << in.L.amount.size() << " obligations; " << defaults
      << " in default after " << r.rounds.size()
      << (r.rounds.size() == 1 ? " round\n\n" : " rounds\n\n");
  std::vector<int> round_of(names.size(), 0);
  for (std::size_t k = 0; k < r.rounds.size(); ++k)
    for (const int i : r.rounds[k]) round_of[static_cast<std::size_t>(i)] = static_cast<int>(k) + 1;
  const int w = static_cast<int>(name_width(names));
  char line[256];
  std::snprintf(line, sizeof line, "%-*s %14s %14s %8s\n", w, "node", "owes", "pays", "paid");
  out << line;
  for (std::size_t i = 0; i < names.size(); ++i) {
    double owes = in.L.external.empty() ? 0.0 : in.L.external[i];
    for (int k = in.L.row_start[i]; k < in.L.row_start[i + 1]; ++k)
      owes += in.L.amount[static_cast<std::size_t>(k)];
    const double paid = owes > 0 ? 100.0 * r.payments[i] / owes : 100.0;
    std::snprintf(line, sizeof line, "%-*s %14.4f %14.4f %7.2f%%", w, names[i].c_str(), owes,
                  r.payments[i], paid);
    out << line;
    if (r.defaulted[i]) out << "  default (round " << round_of[i] << ")";
    out << "\n";
  }
  if (!r.rounds.empty()) out << "\nrounds of the fictitious-default algorithm:\n";
  print_rounds(r.rounds, names, out);
}

int cmd_network_clear(const std::vector<Arg>& args, int col) {
  std::vector<Diagnostic> errors;
  std::optional<ClearInput> in = read_clear_input(args, col, errors);
  if (!in) return report(errors);
  const auto t0 = Clock::now();
  network::Clearer clearer;
  const network::ClearingResult& r = clearer.clear(in->L, in->assets, in->options);
  const double clear_ms = ms_since(t0);
  if (!r.converged) {
    // Only a defaulted set that pays almost all it has to itself contracts this slowly; its
    // clearing vector is then ill-conditioned too. Say so rather than print inexact payments.
    std::cerr << "tinderbox: network clear: a round of the fictitious-default algorithm did not "
                 "converge within its sweep limit (the defaulted nodes pay nearly everything to "
                 "each other); no result\n";
    return kEngineFailed;
  }
  std::ostringstream out;
  if (in->json) {
    Json j;
    Json payments = Json::object();
    std::vector<int> defaulted;
    for (std::size_t i = 0; i < in->matrix.names.size(); ++i) {
      payments[in->matrix.names[i]] = r.payments[i];
      if (r.defaulted[i]) defaulted.push_back(static_cast<int>(i));
    }
    j["payments"] = std::move(payments);
    j["defaulted"] = names_of(defaulted, in->matrix.names);
    j["rounds"] = rounds_json(r.rounds, in->matrix.names);
    if (in->timing) j["timing"] = {{"load_ms", in->load_ms}, {"clear_ms", clear_ms}};
    out << j.dump(1) << "\n";
  } else {
    print_clearing(*in, r, out);
    if (in->timing) out << "\ntiming: load " << in->load_ms << " ms, clear " << clear_ms << " ms\n";
  }
  std::cout << out.str();
  return kOk;
}

// ---------------------------------------------------------------------------------- debtrank

struct DebtRankInput {
  network::NamedMatrix matrix;
  network::Exposures X;
  std::vector<double> equity, shock, weights;
  std::string shock_text;
  network::DebtRankOptions options;
  bool json = false, timing = false;
  double load_ms = 0;
};

// `--shock a=0.5,b=1`: h(1) per node, each item checked at its own column.
bool parse_shock(const Arg& flag, const std::vector<std::string>& names, std::vector<double>& shock,
                 std::vector<Diagnostic>& errors) {
  std::unordered_map<std::string, int> index;
  for (std::size_t i = 0; i < names.size(); ++i) index.emplace(names[i], static_cast<int>(i));
  shock.assign(names.size(), 0.0);
  std::vector<int> given(names.size(), 0);
  const std::string& s = flag.text;
  const std::size_t before = errors.size();
  for (std::size_t start = 0; start <= s.size();) {
    const std::size_t end = std::min(s.find(',', start), s.size());
    const std::string item = s.substr(start, end - start);
    const int col = flag.col + static_cast<int>(start);
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      errors.push_back(command_line_error(
          col, "'--shock' needs NODE=FRACTION items separated by commas (got '" + item + "')"));
    } else {
      const std::string name = item.substr(0, eq), value = item.substr(eq + 1);
      const auto it = index.find(name);
      const std::optional<double> parsed = flag_number(value);
      const double x = parsed.value_or(0);
      if (it == index.end()) {
        errors.push_back(command_line_error(
            col, "unknown node '" + name + "' in '--shock'" + did_you_mean(name, names)));
      } else if (given[static_cast<std::size_t>(it->second)]) {
        errors.push_back(command_line_error(col, "node '" + name + "' is shocked twice"));
      } else if (!parsed || !(x > 0 && x <= 1)) {
        errors.push_back(command_line_error(
            col + static_cast<int>(eq) + 1,
            "shock of '" + name + "' must be a fraction in (0, 1] (got '" + value + "')"));
      } else {
        given[static_cast<std::size_t>(it->second)] = 1;
        shock[static_cast<std::size_t>(it->second)] = x;
      }
    }
    start = end + 1;
  }
  return errors.size() == before;
}

std::optional<network::DebtRankVariant> variant_flag(const ParsedArgs& a,
                                                     std::vector<Diagnostic>& errors) {
  const Arg* v = a.value("--variant");
  if (!v || v->text == "2012") return network::DebtRankVariant::k2012;
  if (v->text == "linear") return network::DebtRankVariant::kLinear;
  errors.push_back(command_line_error(v->col, "'--variant' is 2012 or linear (got '" + v->text +
                                                  "')" +
                                                  did_you_mean(v->text, {"2012", "linear"})));
  return std::nullopt;
}

std::optional<DebtRankInput> read_debtrank_input(const std::vector<Arg>& args, int col,
                                                 std::vector<Diagnostic>& errors) {
  Diagnostic error;
  const auto a = parse_args(args,
                            {{"--exposures", true},
                             {"--equity", true},
                             {"--shock", true},
                             {"--variant", true},
                             {"--weights", true},
                             {"--json", false},
                             {"--timing", false}},
                            0, &error);
  if (!a) {
    errors.push_back(error);
    return std::nullopt;
  }
  const Arg* exposures = required(*a, "--exposures", "network debtrank", col, errors);
  const Arg* equity = required(*a, "--equity", "network debtrank", col, errors);
  const Arg* shock = a->value("--shock");
  if (!shock)
    errors.push_back(command_line_error(col, "network debtrank needs '--shock NODE=FRACTION'"));
  const auto variant = variant_flag(*a, errors);
  if (!errors.empty()) return std::nullopt;
  const auto t0 = Clock::now();
  network::MatrixFile m =
      network::read_matrix_csv(exposures->text, network::MatrixKind::kExposures);
  if (!m.matrix) {
    errors = std::move(m.errors);
    return std::nullopt;
  }
  DebtRankInput in;
  auto e = vector_file(equity, *m.matrix, errors);
  std::optional<std::vector<double>> v;
  if (const Arg* w = a->value("--weights")) {
    v = vector_file(w, *m.matrix, errors);
    double total = 0;
    if (v)
      for (const double x : *v) total += x;
    if (v && total <= 0)
      errors.push_back({w->text, 1, 1, "the weights sum to 0; give at least one positive weight"});
  }
  parse_shock(*shock, m.matrix->names, in.shock, errors);
  if (!errors.empty()) return std::nullopt;
  in.X = network::to_exposures(*m.matrix);
  in.matrix = std::move(*m.matrix);
  in.equity = std::move(*e);
  if (v) in.weights = std::move(*v);
  in.shock_text = shock->text;
  in.options.variant = *variant;
  in.json = a->has("--json");
  in.timing = a->has("--timing");
  in.load_ms = ms_since(t0);
  return in;
}

void print_debtrank(const DebtRankInput& in, const network::DebtRankResult& r, std::ostream& out) {
  const auto& names = in.matrix.names;
  out << "DebtRank (" << (in.options.variant == network::DebtRankVariant::k2012 ? "2012" : "linear")
      << "): " << names.size() << " nodes, " << in.X.amount.size() << " exposures; shock "
      << in.shock_text << "\n";
  char line[256];
  std::snprintf(line, sizeof line, "R = %.6f  (weights: %s; %d propagation step%s)\n\n", r.R,
                in.weights.empty() ? "equity shares" : "--weights", r.steps, r.steps == 1 ? "" : "s");
  out << line;
  std::vector<int> round_of(names.size(), 0);
  for (std::size_t k = 0; k < r.rounds.size(); ++k)
    for (const int i : r.rounds[k]) round_of[static_cast<std::size_t>(i)] = static_cast<int>(k) + 1;
  const int w = static_cast<int>(name_width(names));
  std::snprintf(line, sizeof line, "%-*s %14s %10s %7s\n", w, "node", "equity", "h", "round");
  out << line;
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::snprintf(line, sizeof line, "%-*s %14.4f %10.6f", w, names[i].c_str(), in.equity[i],
                  r.h[i]);
    out << line;
    if (round_of[i]) out << " " << std::string(round_of[i] < 10 ? 6 : 5, ' ') << round_of[i];
    out << "\n";
  }
  if (!r.rounds.empty()) out << "\nrounds (nodes first distressed):\n";
  print_rounds(r.rounds, names, out);
}

int cmd_network_debtrank(const std::vector<Arg>& args, int col) {
  std::vector<Diagnostic> errors;
  std::optional<DebtRankInput> in = read_debtrank_input(args, col, errors);
  if (!in) return report(errors);
  const auto t0 = Clock::now();
  const network::DebtRankResult r =
      network::debtrank(in->X, in->equity, in->shock, in->weights, in->options);
  const double debtrank_ms = ms_since(t0);
  if (!r.converged) {
    std::cerr << "tinderbox: network debtrank: the linear dynamics did not settle within its step "
                 "limit (the leverage matrix's largest eigenvalue is close to 1); no result\n";
    return kEngineFailed;
  }
  std::ostringstream out;
  if (in->json) {
    Json j;
    Json h = Json::object();
    for (std::size_t i = 0; i < in->matrix.names.size(); ++i) h[in->matrix.names[i]] = r.h[i];
    j["h"] = std::move(h);
    j["R"] = r.R;
    j["rounds"] = rounds_json(r.rounds, in->matrix.names);
    if (in->timing) j["timing"] = {{"load_ms", in->load_ms}, {"debtrank_ms", debtrank_ms}};
    out << j.dump(1) << "\n";
  } else {
    print_debtrank(*in, r, out);
    if (in->timing)
      out << "\ntiming: load " << in->load_ms << " ms, debtrank " << debtrank_ms << " ms\n";
  }
  std::cout << out.str();
  return kOk;
}

}  // namespace

int cmd_network(const std::vector<Arg>& args) {
  if (!args.empty()) {
    const std::vector<Arg> rest(args.begin() + 1, args.end());
    if (args[0].text == "clear") return cmd_network_clear(rest, args[0].col);
    if (args[0].text == "debtrank") return cmd_network_debtrank(rest, args[0].col);
  }
  return cmd_network_scenario(args);
}

// `tinderbox network [SCENARIO] [--at DATE] [--json] [--db FILE]`: the scenario's exposure
// network at the end of the period that contains DATE (default: the first period), each entity's
// equity and the DebtRank of its default (report/exposures.h). With --db, the base-case run's
// network (exposures at the start and each year end, its contagion) is kept for `report`. A word that names no scenario but is close to
// `clear` or `debtrank` is taken for a mistyped subcommand.
int cmd_network_scenario(const std::vector<Arg>& args) {
  constexpr const char* kDefault = "ai-web-2025";
  Diagnostic error;
  const auto a =
      parse_args(args, {{"--at", true}, {"--json", false}, {"--db", true}}, 1, &error);
  if (!a) return report({error});
  const std::string name = a->positionals.empty() ? kDefault : a->positionals[0].text;
  LoadResult loaded = load_scenario(name);
  if (!loaded.scenario) {
    const std::string hint = did_you_mean(name, {"clear", "debtrank"});
    const bool path = name.find('/') != std::string::npos || name.ends_with(".yaml") ||
                      name.ends_with(".yml");
    if (!hint.empty() && !path)
      return report({command_line_error(a->positionals[0].col,
                                        "unknown network subcommand '" + name + "'" + hint +
                                            "; expected clear or debtrank")});
    return report(loaded.errors);
  }
  const Scenario& s = *loaded.scenario;
  const Timeline t(s);
  int period = 0;
  if (const Arg* at = a->value("--at")) {
    const auto d = parse_date(at->text);
    const int k = d ? t.period_of(*d) : -1;
    if (!d || k < 0 || k >= t.periods)
      return report({command_line_error(
          at->col, "'--at' needs a date from " + format_date(t.starts.front()) + " to " +
                       format_date(t.ends.back()) + " (got '" + at->text + "')")});
    period = k;
  }
  std::vector<Diagnostic> db_errors = output_conflicts({{"--db", a->value("--db")}},
                                                       scenario_inputs(loaded));
  if (!db_errors.empty()) return report(db_errors);
  auto db = open_db_flag(*a, db_errors);  // --db FILE (store_commands.h)
  if (!db_errors.empty()) return report(db_errors);
  const ExposureNetwork x = exposure_network(s, period);
  const Json json = exposure_json(s, x);
  if (const auto e = non_finite_error(json)) {  // the last check before output (report/finite.h)
    std::cerr << *e << "\n";
    return kEngineFailed;
  }
  std::ostringstream out;
  if (a->has("--json"))
    out << json.dump(1) << "\n";
  else
    write_exposures(s, x, out);
  // Stored last, once the output is ready: no run in the database for a command that failed.
  if (db && !store_network_flag(*db, *a, run_info("network", args, loaded), &s,
                                exposure_network(run_deterministic(s))))
    return kBadInput;
  std::cout << out.str();
  return kOk;
}

}  // namespace tinderbox
