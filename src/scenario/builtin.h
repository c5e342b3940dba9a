// Scenarios embedded in the binary from scenarios/builtin/ (see cmake/embed.cmake).
#pragma once

#include <string_view>
#include <vector>

namespace tinderbox {

struct BuiltinFile {
  std::string_view name;  // file name without .yaml, e.g. "coreweave-2025"
  std::string_view text;
};

const std::vector<BuiltinFile>& builtin_files();
const BuiltinFile* find_builtin(std::string_view name);

// A built-in that only exists to be imported (facility terms, say) has no top-level
// `tinderbox:` line; `tinderbox scenarios` does not list it.
bool is_import_only(const BuiltinFile& f);

}  // namespace tinderbox
