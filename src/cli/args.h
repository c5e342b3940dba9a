// Command-line arguments with their positions, so that a wrong flag is reported like a wrong
// scenario key: "<command line>:1:COL: error: MESSAGE" (SPEC §2).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/loader.h"

namespace tinderbox {

struct Arg {
  std::string text;
  int col = 1;  // 1-based column of the argument in the command line joined by spaces
};

struct FlagSpec {
  std::string name;  // "--json"
  bool takes_value = false;
};

struct ParsedArgs {
  std::vector<Arg> positionals;
  std::map<std::string, Arg> flags;  // name -> value (the flag itself for switches)
  bool has(const std::string& flag) const { return flags.count(flag) > 0; }
  const Arg* value(const std::string& flag) const {
    auto it = flags.find(flag);
    return it == flags.end() ? nullptr : &it->second;
  }
};

// The command line as Args: argv[0] is reported as "tinderbox".
std::vector<Arg> command_line_args(int argc, char** argv);

// Parses `args` (the words after the subcommand) against the flags a command accepts.
// On error, `error` is set to a Diagnostic on "<command line>".
std::optional<ParsedArgs> parse_args(const std::vector<Arg>& args, const std::vector<FlagSpec>& flags,
                                     std::size_t max_positionals, Diagnostic* error);

Diagnostic command_line_error(int col, std::string message);

// A number given on the command line, read as a scenario file reads one (util/text.h,
// parse_number); nothing unless it reads as a finite number.
std::optional<double> flag_number(std::string_view text);

}  // namespace tinderbox
