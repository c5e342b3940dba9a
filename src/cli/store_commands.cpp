#include "cli/store_commands.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "cli/output_file.h"
#include "report/html_report.h"
#include "store/report_data.h"

namespace tinderbox {
namespace {

constexpr int kOk = 0, kBadInput = 2;

int report_errors(const std::vector<Diagnostic>& errors) {
  for (const Diagnostic& d : errors) std::cerr << d.str() << "\n";
  return kBadInput;
}

// The column just after the command's last word, for "needs ..." errors with no word to point at.
int end_col(const std::vector<Arg>& args, int after_command) {
  return args.empty() ? after_command
                      : args.back().col + static_cast<int>(args.back().text.size()) + 1;
}

std::string joined(const char* command, const std::vector<Arg>& args) {
  std::string line = std::string("tinderbox ") + command;
  for (const Arg& a : args) line += " " + a.text;
  return line;
}

std::unique_ptr<store::SqliteStore> open_for_reading(const Arg& path,
                                                     std::vector<Diagnostic>& errors) {
  try {
    return store::SqliteStore::open_for_reading(path.text);
  } catch (const store::StoreError& e) {
    errors.push_back(
        command_line_error(path.col, "cannot open database '" + path.text + "': " + e.what()));
    return nullptr;
  }
}

std::string optional_number(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : "-";
}

}  // namespace

std::unique_ptr<store::SqliteStore> open_db_flag(const ParsedArgs& a,
                                                  std::vector<Diagnostic>& errors) {
  const Arg* path = a.value("--db");
  if (!path) return nullptr;
  try {
    auto db = store::SqliteStore::open_for_writing(path->text);
    db->remove_if_left_empty();  // a command that fails leaves no new, empty database
    return db;
  } catch (const store::AccessError& e) {
    errors.push_back(command_line_error(
        path->col, "cannot open database '" + path->text + "' for writing: " + e.what()));
    return nullptr;
  } catch (const store::StoreError& e) {
    errors.push_back(
        command_line_error(path->col, "cannot open database '" + path->text + "': " + e.what()));
    return nullptr;
  }
}

store::RunInfo run_info(const char* command, const std::vector<Arg>& args,
                        const LoadResult& loaded, const SimOptions* sim) {
  store::RunInfo info;
  info.command = command;
  info.command_line = joined(command, args);
  info.files = loaded.files;
  if (!loaded.files.empty()) info.scenario_source = loaded.files.front().name;
  if (sim) {
    info.seed = sim->seed;
    info.paths = sim->paths;
  }
  return info;
}

namespace {

// Runs `write` (one transaction) and reports where the run went, or why it could not be stored.
template <class Write>
bool stored(const ParsedArgs& a, Write write) {
  const Arg& path = *a.value("--db");
  try {
    const std::int64_t id = write();
    std::cerr << "tinderbox: stored as run " << id << " in " << path.text << "\n";
    return true;
  } catch (const store::StoreError& e) {
    report_errors(
        {command_line_error(path.col, "cannot write database '" + path.text + "': " + e.what())});
    return false;
  }
}

}  // namespace

bool store_run_flag(store::SqliteStore& db, const ParsedArgs& a, const store::RunInfo& info,
                    const RunResult& r) {
  return stored(a, [&] { return store::store_run(db, info, r); });
}

bool store_simulation_flag(store::SqliteStore& db, const ParsedArgs& a, const store::RunInfo& info,
                           const Scenario& s, const nlohmann::ordered_json& sim) {
  // The base case is the same scenario with every driver at its curve (SPEC §4).
  const RunResult base = run_deterministic(s);
  return stored(a, [&] { return store::store_simulation(db, info, base, sim); });
}

bool store_network_flag(store::SqliteStore& db, const ParsedArgs& a, const store::RunInfo& info,
                        const Scenario* s, const NetworkView& view) {
  return stored(a, [&] { return store::store_network(db, info, s, view); });
}

int cmd_runs(const std::vector<Arg>& args) {
  Diagnostic error;
  const auto a = parse_args(args, {{"--db", true}, {"--csv", true}}, 0, &error);
  if (!a) return report_errors({error});
  const Arg* path = a->value("--db");
  if (!path) return report_errors({command_line_error(end_col(args, 16), "runs needs '--db FILE'")});
  std::vector<Diagnostic> errors;
  auto db = open_for_reading(*path, errors);
  if (!db) return report_errors(errors);
  try {
    if (const Arg* dir = a->value("--csv")) {
      std::error_code ec;
      std::filesystem::create_directories(dir->text, ec);
      if (!std::filesystem::is_directory(dir->text, ec))
        return report_errors({command_line_error(dir->col, "cannot create folder '" + dir->text + "'")});
      // Each table is an output file (docs/cli.md, "Output files"); none is renamed into place
      // before every one has been written, so a failure leaves the folder as it was.
      std::vector<std::unique_ptr<OutputFile>> files;
      db->export_csv([&](const std::string& file) -> std::ostream& {
        files.push_back(
            std::make_unique<OutputFile>((std::filesystem::path(dir->text) / file).string()));
        return files.back()->stream();
      });
      for (int pass = 0; pass < 2; ++pass)
        for (const auto& f : files)
          if (!f->ok() || !(pass == 0 ? f->finish() : f->commit()))
            return report_errors({command_line_error(
                dir->col, "cannot write '" + f->path() + "'" +
                              (f->reason().empty() ? "" : ": " + f->reason()))});
    }
    std::string out = fmt::format("{:>4}  {:<20}  {:<8}  {:>10}  {:>10}  {}\n", "id",
                                  "time (UTC)", "command", "seed", "paths", "scenario");
    for (const store::RunSummary& r : db->runs())
      out += fmt::format("{:>4}  {:<20}  {:<8}  {:>10}  {:>10}  {}\n", r.id, r.created_at,
                         r.command, optional_number(r.seed), optional_number(r.paths), r.scenario);
    std::cout << out;
  } catch (const store::StoreError& e) {
    return report_errors(
        {command_line_error(path->col, "cannot read database '" + path->text + "': " + e.what())});
  }
  return kOk;
}

namespace {

// The runs named on the command line (default: the latest), or the errors.
std::vector<std::int64_t> report_runs(store::SqliteStore& db, const ParsedArgs& a,
                                      const Arg& path, std::vector<Diagnostic>& errors) {
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < a.positionals.size(); ++i) {
    const Arg& word = a.positionals[i];
    if (i == 2) {
      errors.push_back(command_line_error(word.col, "a report shows one run, or two side by side"));
      return {};
    }
    std::size_t used = 0;
    long long id = 0;
    try {
      id = std::stoll(word.text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != word.text.size() || id < 1)
      errors.push_back(command_line_error(word.col, "'" + word.text + "' is not a run id (see "
                                                    "'tinderbox runs --db " + path.text + "')"));
    else if (!db.has_run(id))
      errors.push_back(command_line_error(word.col, fmt::format("no run {} in '{}'", id, path.text)));
    else if (!ids.empty() && ids.front() == id)
      // Most likely a typo for another run: the page would only show one run twice.
      errors.push_back(command_line_error(
          word.col, fmt::format("run {} named twice: a report compares two different runs", id)));
    else
      ids.push_back(id);
  }
  if (a.positionals.empty()) {
    if (const auto latest = db.latest_run())
      ids.push_back(*latest);
    else
      errors.push_back(command_line_error(path.col, "no runs in '" + path.text + "'"));
  }
  return errors.empty() ? ids : std::vector<std::int64_t>{};
}

}  // namespace

int cmd_report(const std::vector<Arg>& args) {
  Diagnostic error;
  const auto a = parse_args(args, {{"--db", true}, {"-o", true}}, 16, &error);
  if (!a) return report_errors({error});
  const Arg* path = a->value("--db");
  const Arg* output = a->value("-o");
  if (!path || !output)
    return report_errors({command_line_error(
        end_col(args, 18), path ? "report needs '-o FILE.html'" : "report needs '--db FILE'")});
  std::vector<Diagnostic> errors = output_conflicts({{"-o", output}}, {{"the database", path->text}});
  if (!errors.empty()) return report_errors(errors);
  auto db = open_for_reading(*path, errors);
  if (!db) return report_errors(errors);
  try {
    const std::vector<std::int64_t> ids = report_runs(*db, *a, *path, errors);
    if (!errors.empty()) return report_errors(errors);
    OutputFile out(output->text);
    if (!out.ok())
      return report_errors({command_line_error(output->col, "cannot write '" + output->text + "'")});
    write_html_report(store::report_data(*db, ids), out.stream());
    if (!out.commit())
      return report_errors({command_line_error(output->col, "cannot write '" + output->text + "'")});
  } catch (const store::StoreError& e) {
    return report_errors(
        {command_line_error(path->col, "cannot read database '" + path->text + "': " + e.what())});
  }
  return kOk;
}

}  // namespace tinderbox
