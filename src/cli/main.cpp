// tinderbox: the command-line entry point. Subcommands live in one table (STYLE.md 11).
//
// Exit codes (SPEC §2): 0 success; 1 the engine failed; 2 the input (file or flag) is wrong.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include "cli/args.h"
#include "cli/help.h"
#include "cli/output_file.h"
#include "cli/store_commands.h"
#include "cli/breakeven_command.h"
#include "cli/network_command.h"
#include "engine/run.h"
#include "report/finite.h"
#include "report/json_output.h"
#include "report/ledger_csv.h"
#include "report/simulation.h"
#include "report/summary.h"
#include "sim/comm.h"
#include "scenario/builtin.h"
#include "scenario/loader.h"
#include "util/suggest.h"
#include "util/text.h"

namespace tinderbox {
namespace {

constexpr const char* kDefaultScenario = "coreweave-2025";
constexpr int kOk = 0, kEngineFailed = 1, kBadInput = 2;

int report(const std::vector<Diagnostic>& errors) {
  for (const Diagnostic& d : errors) std::cerr << d.str() << "\n";
  return kBadInput;
}

std::optional<ParsedArgs> parse_or_report(const std::vector<Arg>& args,
                                          const std::vector<FlagSpec>& flags,
                                          std::size_t max_positionals) {
  Diagnostic error;
  auto parsed = parse_args(args, flags, max_positionals, &error);
  if (!parsed) report({error});
  return parsed;
}

// The last check before any output (report/finite.h).
int refuse_non_finite(const nlohmann::ordered_json& output, const RunResult* run) {
  const auto error = non_finite_error(output, run);
  if (!error) return kOk;
  std::cerr << *error << "\n";
  return kEngineFailed;
}

int cmd_run(const std::vector<Arg>& args) {
  const auto a = parse_or_report(args, {{"--json", false}, {"--ledger", true}, {"--db", true}}, 1);
  if (!a) return kBadInput;
  const std::string scenario_name =
      a->positionals.empty() ? kDefaultScenario : a->positionals[0].text;
  LoadResult loaded = load_scenario(scenario_name);
  if (!loaded.scenario) return report(loaded.errors);

  // Outputs are checked before any work, and committed only once everything else has succeeded
  // (docs/cli.md, "Output files").
  if (auto e = output_conflicts({{"--ledger", a->value("--ledger")}, {"--db", a->value("--db")}},
                                scenario_inputs(loaded));
      !e.empty())
    return report(e);
  std::optional<OutputFile> ledger;
  const Arg* ledger_path = a->value("--ledger");
  const auto ledger_error = [&] {
    return report({command_line_error(
        ledger_path->col, "cannot write '" + ledger_path->text + "': " + ledger->reason())});
  };
  if (ledger_path) {
    ledger.emplace(ledger_path->text);
    if (!ledger->ok()) return ledger_error();
  }
  std::vector<Diagnostic> db_errors;
  auto db = open_db_flag(*a, db_errors);  // --db FILE (store_commands.h)
  if (!db_errors.empty()) return report(db_errors);
  const RunResult result = run_deterministic(*loaded.scenario);
  const nlohmann::ordered_json json = run_to_json(result);
  if (const int failed = refuse_non_finite(json, &result)) return failed;
  std::ostringstream out;  // the summary: all the work is done before anything is committed
  if (a->has("--json"))
    out << json.dump(1) << "\n";
  else
    write_summary(result, out);
  // The ledger is written out (to its temporary file) before the run is stored, so that a full
  // disk fails the command before the database holds the run; it is renamed into place after.
  if (ledger) {
    write_ledger_csv(result, ledger->stream());
    if (!ledger->finish()) return ledger_error();
  }
  if (db && !store_run_flag(*db, *a, run_info("run", args, loaded), result))
    return kBadInput;
  // The summary goes out before the ledger is renamed into place: a summary lost on a full disk
  // fails the command (reported by main) and leaves no ledger.
  std::cout << out.str() << std::flush;
  if (!std::cout.good()) return kBadInput;
  if (ledger && !ledger->commit()) return ledger_error();
  return kOk;
}

int cmd_validate(const std::vector<Arg>& args) {
  const auto a = parse_or_report(args, {}, 1);
  if (!a) return kBadInput;
  if (a->positionals.empty())
    return report({command_line_error(args.empty() ? 19 : args.back().col,
                                      "validate needs a scenario file or built-in name")});
  const LoadResult loaded = load_scenario(a->positionals[0].text);
  if (!loaded.scenario) return report(loaded.errors);
  std::cout << one_line(a->positionals[0].text) << ": valid\n";
  return kOk;
}

int cmd_scenarios(const std::vector<Arg>& args) {
  if (!parse_or_report(args, {}, 0)) return kBadInput;
  for (const BuiltinFile& f : builtin_files()) {
    if (is_import_only(f)) continue;
    const LoadResult loaded = load_scenario(std::string(f.name));
    std::cout << f.name << "\t" << (loaded.scenario ? loaded.scenario->name : "(invalid)") << "\n";
  }
  return kOk;
}

// An integer flag in [lo, hi], or an error at its value.
std::optional<long long> integer_flag(const ParsedArgs& a, const std::string& flag, long long lo,
                                      long long hi, long long fallback, Diagnostic& error) {
  const Arg* v = a.value(flag);
  if (!v) return fallback;
  std::size_t used = 0;
  long long x = 0;
  try {
    x = std::stoll(v->text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v->text.size() || used == 0 || x < lo || x > hi) {
    error = command_line_error(v->col, "'" + flag + "' needs an integer from " + std::to_string(lo) +
                                           " to " + std::to_string(hi) + " (got '" + v->text + "')");
    return std::nullopt;
  }
  return x;
}

// A one-line progress bar on stderr, at most ten redraws a second; only for a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(bool on) : on_(on) {}
  ~ProgressBar() { clear(); }
  // Erases the bar, so that what is printed next starts on a clean line.
  void clear() {
    if (drawn_) std::cerr << "\r\033[K" << std::flush;
    drawn_ = false;
  }
  void operator()(std::int64_t done, std::int64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (!on_ || (done < total && now - last_ < std::chrono::milliseconds(100))) return;
    last_ = now;
    drawn_ = true;
    const int width = 30, filled = total > 0 ? static_cast<int>(width * done / total) : width;
    std::cerr << "\r  simulate [" << std::string(static_cast<std::size_t>(filled), '#')
              << std::string(static_cast<std::size_t>(width - filled), ' ') << "] " << done << " / "
              << total << " paths" << std::flush;
  }

 private:
  bool on_, drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

struct SimulateInput {
  ParsedArgs args;
  SimOptions options;
  Scenario scenario;
  LoadResult loaded;  // the scenario's files, for --db
};

// The flags and the scenario of `simulate`, or the errors found.
std::optional<SimulateInput> read_simulate_input(const std::vector<Arg>& args,
                                                 std::vector<Diagnostic>& errors) {
  Diagnostic error;
  auto a = parse_args(args,
                      {{"--paths", true}, {"--seed", true}, {"--threads", true}, {"--json", false},
                       {"--db", true}},
                      1, &error);
  const auto failed = [&](Diagnostic d) {
    errors.push_back(std::move(d));
    return std::nullopt;
  };
  if (!a) return failed(error);
  if (!a->has("--paths"))
    return failed(command_line_error(args.empty() ? 20 : args.front().col,
                                     "simulate needs '--paths N'"));
  const auto paths = integer_flag(*a, "--paths", 1, 4294967296LL, 0, error);
  if (!paths) return failed(error);
  const auto seed = integer_flag(*a, "--seed", 0, 4294967295LL, 1, error);
  if (!seed) return failed(error);
  const auto threads = integer_flag(*a, "--threads", 1, 4096, 0, error);
  if (!threads) return failed(error);
  const std::string source = a->positionals.empty() ? kDefaultScenario : a->positionals[0].text;
  LoadResult loaded = load_scenario(source);
  if (!loaded.scenario) {
    errors = std::move(loaded.errors);
    return std::nullopt;
  }
  SimOptions o;
  o.paths = *paths;
  o.seed = static_cast<std::uint32_t>(*seed);
  o.threads = static_cast<int>(*threads);
  Scenario scenario = std::move(*loaded.scenario);
  loaded.scenario.reset();
  return SimulateInput{std::move(*a), std::move(o), std::move(scenario), std::move(loaded)};
}

int cmd_simulate(const std::vector<Arg>& args) {
  const std::unique_ptr<Comm> comm = make_comm();
  const bool root = comm->share().rank == 0;
  // Every rank reads the same flags and files. All ranks stop if any of them could not (else the
  // others would wait for it forever); rank 0 reports.
  std::vector<Diagnostic> errors;
  std::optional<SimulateInput> in = read_simulate_input(args, errors);
  std::unique_ptr<store::SqliteStore> db;  // --db FILE, on rank 0 (store_commands.h)
  if (in && root) errors = output_conflicts({{"--db", in->args.value("--db")}}, scenario_inputs(in->loaded));
  if (in && root && errors.empty()) db = open_db_flag(in->args, errors);
  if (comm->agree(in && errors.empty() ? kOk : kBadInput) != kOk) {
    if (root && errors.empty())
      errors.push_back(command_line_error(1, "another MPI rank could not read the input"));
    if (root) report(errors);
    return kBadInput;
  }
  const ParsedArgs* a = &in->args;
  const Scenario& scenario = in->scenario;
  SimOptions& o = in->options;

  const Plan plan(scenario);
  const SimLayout layout(plan);
  ProgressBar bar(root && isatty(STDERR_FILENO));
  o.progress = [&bar](std::int64_t done, std::int64_t total) { bar(done, total); };
  const Tally mine = simulate_share(plan, layout, o, comm->share());
  bar.clear();
  const auto parts = comm->gather(mine.serialize());
  if (!root) return kOk;
  Tally all = Tally::deserialize(parts.front());
  for (std::size_t r = 1; r < parts.size(); ++r) all.merge(Tally::deserialize(parts[r]));
  const auto j = simulation_to_json(plan, layout, all, o.seed);
  if (const int failed = refuse_non_finite(j, nullptr)) return failed;
  std::ostringstream out;
  if (a->has("--json"))
    out << j.dump(1) << "\n";
  else
    write_simulation_summary(j, out);
  if (db && !store_simulation_flag(*db, *a, run_info("simulate", args, in->loaded, o), scenario, j))
    return kBadInput;
  std::cout << out.str();
  return kOk;
}

int cmd_help(const std::vector<Arg>& args);

struct Command {
  const char* name;
  const char* usage;
  const char* help;
  int (*run)(const std::vector<Arg>& args);
};

constexpr Command kCommands[] = {
    {"run", "run [SCENARIO] [--json] [--ledger FILE.csv] [--db FILE]",
     "run a scenario's base case (default: the built-in coreweave-2025)", cmd_run},
    {"simulate", "simulate [SCENARIO] --paths N [--seed S] [--threads T] [--json] [--db FILE]",
     "Monte Carlo: default probabilities, cash quantiles, lender losses", cmd_simulate},
    // Results store and report (store_commands.cpp):
    {"runs", "runs --db FILE [--csv DIR]", "list the stored runs; export every table as CSV",
     cmd_runs},
    {"report", "report --db FILE [RUN [RUN]] -o FILE.html",
     "write an offline HTML report of a run (two: side by side)", cmd_report},
    {"network", "network [SCENARIO] [--at DATE] | clear | debtrank ...",
     "a scenario's exposures and DebtRank; clearing or DebtRank on CSV matrices", cmd_network},
    {"breakeven", "breakeven [--capex C --life 3,4,5 ...]",
     "revenue one year of capex needs to pay for itself", cmd_breakeven},
    {"validate", "validate SCENARIO", "check a scenario file; exit 0 if valid", cmd_validate},
    {"scenarios", "scenarios", "list the built-in scenarios", cmd_scenarios},
    {"help", "help", "show this list", cmd_help},
};

int cmd_help(const std::vector<Arg>&) {
  // The table's layout: cli/help.h.
  std::vector<HelpEntry> entries{{"", "same as `tinderbox run`"}};
  for (const Command& c : kCommands) entries.push_back({c.usage, c.help});
  std::cout << "tinderbox " TINDERBOX_VERSION " - stress tests for the money behind AI compute\n\n"
               "usage:\n" << help_table(entries)
            << "\nSCENARIO is a path or the name of a built-in scenario. Docs: docs/cli.md\n";
  return kOk;
}

int dispatch(int argc, char** argv) {
  const std::vector<Arg> all = command_line_args(argc, argv);
  if (all.size() == 1) return cmd_run({});
  const Arg& word = all[1];
  if (word.text == "--help" || word.text == "-h") return cmd_help({});
  if (word.text == "--version") {
    std::cout << "tinderbox " TINDERBOX_VERSION "\n";
    return kOk;
  }
  const std::vector<Arg> rest(all.begin() + 2, all.end());
  std::vector<std::string> names;
  for (const Command& c : kCommands) {
    if (word.text == c.name) return c.run(rest);
    names.push_back(c.name);
  }
  return report({command_line_error(
      word.col, "unknown command '" + word.text + "'" + did_you_mean(word.text, names) +
                    "; see 'tinderbox help'")});
}

// A result that could not be written out is a failure, not a success: stdout is flushed here and
// its error reported (a full disk, /dev/full), with exit 2 like an output file that cannot be
// written (docs/cli.md). A closed pipe still ends the program by SIGPIPE, as usual.
int flushed_stdout(int code) {
  // A write that failed inside the command (output past stdio's buffer) left only errno. It is
  // named only when it is a write error: errno may also be left over from a harmless call.
  const int earlier = errno;
  errno = 0;
  std::cout.flush();  // fflush(stdout) underneath: cout is synced with stdio
  const int during = errno;
  const bool failed = std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout.good();
  if (!failed) return code;
  const int after = errno;
  int err = 0;
  for (int candidate : {after, during, earlier})
    for (int e : {ENOSPC, EIO, EFBIG, EDQUOT, EPIPE, EBADF})
      if (err == 0 && candidate == e) err = e;
  std::cerr << "tinderbox: error: cannot write standard output"
            << (err != 0 ? std::string(": ") + std::strerror(err) : std::string()) << "\n";
  return code == kOk ? kBadInput : code;
}

}  // namespace
}  // namespace tinderbox

int main(int argc, char** argv) {
  int code = tinderbox::kEngineFailed;
  try {
    code = tinderbox::dispatch(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "tinderbox: internal error: " << e.what() << "\n";
  }
  return tinderbox::flushed_stdout(code);
}
