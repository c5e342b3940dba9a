// The results store on the command line (docs/cli.md): `--db FILE` on run and simulate,
// `tinderbox runs` and `tinderbox report`.
#pragma once

#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "engine/run.h"
#include "report/network_view.h"
#include "sim/simulate.h"
#include "store/record.h"
#include "store/sqlite_store.h"

namespace tinderbox {

int cmd_runs(const std::vector<Arg>& args);
int cmd_report(const std::vector<Arg>& args);

// The database named by `--db`, opened for writing (created when missing); null without the flag
// or when it cannot be opened (the error is appended, at the flag's value).
std::unique_ptr<store::SqliteStore> open_db_flag(const ParsedArgs& a,
                                                  std::vector<Diagnostic>& errors);

// Provenance of a command: `args` are the words after the command's name.
store::RunInfo run_info(const char* command, const std::vector<Arg>& args,
                        const LoadResult& loaded, const SimOptions* sim = nullptr);
inline store::RunInfo run_info(const char* command, const std::vector<Arg>& args,
                               const LoadResult& loaded, const SimOptions& sim) {
  return run_info(command, args, loaded, &sim);
}

// Each stores one run in one transaction and says so on stderr; false (reported) when the
// database could not be written.
bool store_run_flag(store::SqliteStore& db, const ParsedArgs& a, const store::RunInfo& info,
                    const RunResult& r);
bool store_simulation_flag(store::SqliteStore& db, const ParsedArgs& a, const store::RunInfo& info,
                           const Scenario& s, const nlohmann::ordered_json& sim);
// For `network SCENARIO --db`: the run's network view.
bool store_network_flag(store::SqliteStore& db, const ParsedArgs& a, const store::RunInfo& info,
                        const Scenario* s, const NetworkView& view);

}  // namespace tinderbox
