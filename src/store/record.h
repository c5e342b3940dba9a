// What each command stores: its results as rows of the tables in schema.h, one run each, one
// transaction each. The values are those the JSON and CSV writers print (docs/store.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/run.h"
#include "report/network_view.h"
#include "scenario/loader.h"
#include "store/result_sink.h"

namespace tinderbox::store {

// Where a run came from.
struct RunInfo {
  std::string command;       // run | simulate | network
  std::string command_line;  // the words as typed, joined by spaces
  std::string scenario_source;     // what the user named: a path or a built-in's name
  std::vector<ScenarioFile> files;  // the scenario's files: the main one, then its imports
  std::optional<std::uint32_t> seed;
  std::optional<std::int64_t> paths;
  std::string created_at;  // ISO 8601 UTC; now when empty
};

std::string sha256_hex(std::string_view bytes);
// The whole scenario's hash: SHA-256 of the lines "SHA256  NAME\n", one per file in load order,
// as `sha256sum` prints them (docs/store.md shows how to check it).
std::string scenario_sha256(const std::vector<ScenarioFile>& files);
std::string utc_now();  // 2025-12-01T18:40:00Z

// A deterministic run: its base case and its exposure network. Returns the run's id.
std::int64_t store_run(ResultSink& sink, const RunInfo& info, const RunResult& r);

// A Monte Carlo run (`sim` as simulation_to_json writes it) with the deterministic base case of
// the same scenario, so that one run holds everything the report shows.
std::int64_t store_simulation(ResultSink& sink, const RunInfo& info, const RunResult& base_case,
                              const nlohmann::ordered_json& sim);

// A network result. `scenario` may be null (`network clear` on matrix files).
std::int64_t store_network(ResultSink& sink, const RunInfo& info, const Scenario* scenario,
                           const NetworkView& view);

}  // namespace tinderbox::store
