#include "cli/help.h"

#include <vector>

namespace tinderbox {
namespace {

// The words of a usage that a line break may not split: a bracketed group ("[--seed S]",
// "[--capex C --life 3,4,5 ...]") and a flag with its value ("--paths N") are one word each.
std::vector<std::string_view> usage_words(std::string_view usage) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i <= usage.size(); ++i) {
    const char c = i < usage.size() ? usage[i] : ' ';
    if (c == '[') ++depth;
    if (c == ']' && depth > 0) --depth;
    if (c != ' ' || depth > 0) continue;
    if (i > start) {
      const std::string_view w = usage.substr(start, i - start);
      const bool value = !out.empty() && out.back().front() == '-' && w.front() != '-' &&
                         w.front() != '[' && out.back().find(' ') == std::string_view::npos;
      // A view over both words, the space between them included.
      if (value)
        out.back() = usage.substr(static_cast<std::size_t>(out.back().data() - usage.data()),
                                  static_cast<std::size_t>(w.data() + w.size() - out.back().data()));
      else
        out.push_back(w);
    }
    start = i + 1;
  }
  return out;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i)
    if (i == text.size() || text[i] == ' ') {
      if (i > start) out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

// Appends `ws` to `out` (whose current line is `column` wide), breaking before a word that would
// pass `width`; continuation lines start at `indent`. True when it broke a line.
bool fill(std::string& out, std::size_t& column, const std::vector<std::string_view>& ws,
          std::size_t indent, std::size_t width) {
  bool first = true, broke = false;
  for (std::string_view w : ws) {
    const std::size_t gap = first ? 0 : 1;
    if (!first && column + gap + w.size() > width) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
      broke = true;
    } else if (!first) {
      out += ' ';
      column += 1;
    }
    out += w;
    column += w.size();
    first = false;
  }
  return broke;
}

}  // namespace

std::string help_table(std::span<const HelpEntry> entries, std::size_t width) {
  std::string out;
  for (const HelpEntry& e : entries) {
    const std::vector<std::string_view> usage = usage_words(e.usage);
    out.append(kHelpIndent, ' ');
    out += "tinderbox";
    std::size_t column = kHelpIndent + 9;
    bool wrapped = false;
    if (!usage.empty()) {
      out += ' ';
      column += 1;
      // Wrapped lines of a usage start under its first flag, after the command's name.
      wrapped = fill(out, column, usage, column + usage.front().size() + 1, width);
    }
    // The help shares the usage's line when at least two spaces are left before its column.
    const bool beside = !wrapped && column + 2 <= kHelpColumn;
    const std::size_t at = beside ? kHelpColumn : kHelpBelow;
    if (beside) {
      out.append(kHelpColumn - column, ' ');
    } else {
      out += '\n';
      out.append(kHelpBelow, ' ');
    }
    column = at;
    fill(out, column, words(e.help), at, width);
    out += "\n";
  }
  return out;
}

}  // namespace tinderbox
