#include "util/text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

namespace tinderbox {

Parsed parse_number(std::string_view s, double& out) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
  std::string_view body = s.substr(s.empty() || s[0] != '-' ? 0 : 1);
  for (std::string_view special : {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"})
    if (body == special) return Parsed::NotFinite;
  const auto [end, ec] =
      std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
  if (ec == std::errc::invalid_argument || end != s.data() + s.size()) return Parsed::NotNumber;
  if (ec == std::errc::result_out_of_range) {
    // from_chars says the same for 1e-400 and 1e400: only a negative exponent underflows.
    const std::size_t e = s.find_first_of("eE");
    if (e == std::string_view::npos || e + 1 >= s.size() || s[e + 1] != '-')
      return Parsed::NotFinite;
    out = 0;
    return Parsed::Ok;
  }
  return std::isfinite(out) ? Parsed::Ok : Parsed::NotFinite;
}

std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace tinderbox
