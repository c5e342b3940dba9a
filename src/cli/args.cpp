#include "cli/args.h"

#include "util/suggest.h"
#include "util/text.h"

namespace tinderbox {

Diagnostic command_line_error(int col, std::string message) {
  return Diagnostic{"<command line>", 1, col, std::move(message)};
}

std::vector<Arg> command_line_args(int argc, char** argv) {
  std::vector<Arg> out;
  int col = 1;
  for (int i = 0; i < argc; ++i) {
    std::string text = i == 0 ? "tinderbox" : argv[i];
    const int width = static_cast<int>(text.size());
    out.push_back(Arg{std::move(text), col});
    col += width + 1;
  }
  return out;
}

std::optional<ParsedArgs> parse_args(const std::vector<Arg>& args, const std::vector<FlagSpec>& flags,
                                     std::size_t max_positionals, Diagnostic* error) {
  ParsedArgs out;
  std::vector<std::string> names;
  for (const FlagSpec& f : flags) names.push_back(f.name);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const Arg& a = args[i];
    if (a.text.size() < 2 || a.text[0] != '-') {
      if (out.positionals.size() == max_positionals) {
        *error = command_line_error(a.col, "unexpected argument '" + a.text + "'");
        return std::nullopt;
      }
      out.positionals.push_back(a);
      continue;
    }
    const std::size_t eq = a.text.find('=');
    const std::string name = a.text.substr(0, eq);
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& f : flags)
      if (f.name == name) spec = &f;
    if (!spec) {
      *error = command_line_error(a.col, "unknown flag '" + name + "'" + did_you_mean(name, names));
      return std::nullopt;
    }
    if (out.has(name)) {
      *error = command_line_error(a.col, "flag '" + name + "' given twice");
      return std::nullopt;
    }
    if (!spec->takes_value) {
      if (eq != std::string::npos) {
        *error = command_line_error(a.col, "flag '" + name + "' takes no value");
        return std::nullopt;
      }
      out.flags[name] = a;
    } else if (eq != std::string::npos) {
      out.flags[name] = Arg{a.text.substr(eq + 1), a.col + static_cast<int>(eq) + 1};
    } else if (i + 1 < args.size()) {
      // `--ledger --json` is a forgotten value, not a file named --json (which can still be
      // given as --ledger=--json).
      if (args[i + 1].text.starts_with("--")) {
        *error = command_line_error(args[i + 1].col, "flag '" + name + "' needs a value, got the flag '" +
                                                         args[i + 1].text + "'");
        return std::nullopt;
      }
      out.flags[name] = args[++i];
    } else {
      *error = command_line_error(a.col, "flag '" + name + "' needs a value");
      return std::nullopt;
    }
    if (spec->takes_value && out.flags[name].text.empty()) {
      *error = command_line_error(out.flags[name].col, "flag '" + name + "' needs a value");
      return std::nullopt;
    }
  }
  return out;
}

std::optional<double> flag_number(std::string_view text) {
  double x = 0;
  if (parse_number(text, x) != Parsed::Ok) return std::nullopt;
  return x;
}

}  // namespace tinderbox
