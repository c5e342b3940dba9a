// Reading and writing the text of numbers and messages the same way everywhere.
#pragma once

#include <string>
#include <string_view>

namespace tinderbox {

// How a decimal number's text read (parse_number).
enum class Parsed { Ok, NotNumber, NotFinite };

// Strict: the whole text is one finite decimal number (a leading '+' allowed; no spaces, hex,
// inf or YAML's .inf/.nan). One that overflows a double is NotFinite; one too small for a double,
// 1e-400, is 0, as any reader of it would expect. Scenario files and flags both read numbers so.
Parsed parse_number(std::string_view s, double& out);

// `s` with each control character (below 0x20, and 0x7F) written as \xNN: a path the user typed
// stays on one line of output and cannot send the terminal escape sequences.
std::string one_line(std::string_view s);

}  // namespace tinderbox
