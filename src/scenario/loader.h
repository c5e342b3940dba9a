// Reads a scenario file (or a built-in) into validated values, or says everything that is wrong.
//
// Validation happens here, once, at the edge (STYLE.md 4): every problem found in one pass is a
// Diagnostic with the position of the offending YAML node, in the file where that node was
// written (an imported file's errors point into the imported file).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.h"

namespace tinderbox {

struct Diagnostic {
  std::string file;  // as the user named it; built-ins as "<builtin>/NAME.yaml"
  int line = 1;      // 1-based
  int col = 1;       // 1-based
  std::string message;
  std::string str() const;  // "FILE:LINE:COL: error: MESSAGE", through one_line() (util/text.h)
};

// A file a scenario was read from, as diagnostics name it, and its text.
struct ScenarioFile {
  std::string name;
  std::string text;
};

struct LoadResult {
  std::optional<Scenario> scenario;  // set only when errors is empty
  std::vector<Diagnostic> errors;
  std::string text;  // the main file's text, for provenance
  std::vector<ScenarioFile> files;  // every file read: the main one, then its imports, each once
};

// `path_or_name` is a path to a YAML file, or the name of a built-in scenario (see builtin.h).
// A path wins over a built-in of the same name only if it contains '/' or ends in .yaml/.yml.
LoadResult load_scenario(const std::string& path_or_name);

// Loads from text in memory; `display_name` is what diagnostics call the file and `base_dir`
// is where relative imports are resolved.
LoadResult load_scenario_text(std::string_view text, const std::string& display_name,
                              const std::string& base_dir);

}  // namespace tinderbox
