// Where a scenario's text comes from (a file or a built-in), and the one YAML tree that a scenario
// and everything it imports make together.
//
// An import contributes its `market`, `entities` and `stochastic`, merged in list order under the
// importing file: mappings key by key at any depth, anything else (a list, a number) replaced
// whole. A merged node keeps the position where it was written, so errors point into its own file.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/yaml_tree.h"
#include "scenario/yaml_values.h"

namespace tinderbox::loader {

struct Source {
  std::string display;  // what diagnostics call it
  std::string key;      // identity, for import cycles and to load a file once
  std::string dir;      // where its relative imports are resolved
  std::string builtin;  // the built-in's name, or "" for a file
};

struct SourceText {
  Source source;
  std::string text;
};

// The scenario `path_or_name` names (see load_scenario) and its text; nullopt with `error` set to
// the whole message when it cannot be read.
std::optional<SourceText> read_source(const std::string& path_or_name, std::string& error);

// Text held in memory, called `display_name`, importing relative to `base_dir`.
Source text_source(const std::string& display_name, const std::string& base_dir);

// `text`'s top-level mapping with its imports merged under it, each file read and parsed once and
// registered in `files`; nullopt when that is not usable (reported), or when `text` has no
// `tinderbox:` key (a fragment only to be imported: that alone is reported, its imports unread).
// `top_keys` are the keys a scenario may have at its top level: an imported file's are checked
// against them, none required.
// `texts`, when given, receives each registered file's text (same order as `files`).
std::optional<YNode> read_tree(Problems& p, std::vector<std::string>& files, const Source& src,
                               std::string_view text, std::span<const Key> top_keys,
                               std::vector<std::string>* texts = nullptr);

}  // namespace tinderbox::loader
