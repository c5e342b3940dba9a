// The command table of `tinderbox help`, laid out for a terminal: a short usage shares its line
// with its help, which starts in one column for all of them; a long usage gets a line of its own
// (wrapped between flags when it passes the width) and its help follows on the next, indented.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace tinderbox {

struct HelpEntry {
  std::string_view usage;  // after "tinderbox ": "run [SCENARIO] [--json]"; empty for bare `tinderbox`
  std::string_view help;   // one sentence
};

inline constexpr std::size_t kHelpIndent = 2;   // "  tinderbox USAGE"
inline constexpr std::size_t kHelpColumn = 32;  // where a help beside its usage starts (0-based)
inline constexpr std::size_t kHelpBelow = 6;    // where a help below its usage starts
inline constexpr std::size_t kHelpWidth = 80;   // the terminal's columns

// One entry per command, each ending in a line break. No line is wider than `width` unless a
// single word of it is.
std::string help_table(std::span<const HelpEntry> entries, std::size_t width = kHelpWidth);

}  // namespace tinderbox
