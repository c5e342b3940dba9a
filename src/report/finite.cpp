#include "report/finite.h"

#include <cmath>

#include "report/ledger_csv.h"

namespace tinderbox {
namespace {

// RFC 6901: '~' is written "~0" and '/' "~1" inside a key.
std::string escaped(const std::string& key) {
  std::string out;
  for (const char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

bool find(const nlohmann::ordered_json& j, std::string& path) {
  if (j.is_number_float()) return !std::isfinite(j.get<double>());
  const std::size_t length = path.size();
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      path += '/';  // piece by piece: "/" + key trips GCC 12's false -Wrestrict at -O3
      path += escaped(key);
      if (find(value, path)) return true;
      path.resize(length);
    }
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      path += '/';
      path += std::to_string(i);
      if (find(j[i], path)) return true;
      path.resize(length);
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> first_non_finite(const nlohmann::ordered_json& j) {
  std::string path;
  if (find(j, path)) return path;
  return std::nullopt;
}

std::optional<std::string> first_non_finite_row(const RunResult& r) {
  std::optional<std::string> found;
  std::size_t row = 0;
  for_each_ledger_row(r, [&](const LedgerRow& l) {
    ++row;
    if (!found && !std::isfinite(l.amount))
      found = "ledger row " + std::to_string(row) + " (" + l.date + ", " + l.entity + ", " +
              (l.instrument.empty() ? std::string("-") : l.instrument) + ", " + l.kind + ")";
  });
  return found;
}

std::optional<std::string> non_finite_error(const nlohmann::ordered_json& output,
                                            const RunResult* run) {
  std::optional<std::string> where;
  if (const auto at = first_non_finite(output)) where = "at " + *at + " of the JSON output";
  if (!where && run) where = first_non_finite_row(*run);
  if (!where) return std::nullopt;
  std::string error = "tinderbox: error: the engine computed a number that is not finite (";
  error += *where;
  error += "); nothing was written. No valid scenario should lead there: this is a bug in "
           "tinderbox, please report it with the scenario file";
  return error;
}

}  // namespace tinderbox
