#include "scenario/yaml_values.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <tuple>

#include "util/text.h"

namespace tinderbox::loader {

// ---------------------------------------------------------------------------------- problems

std::string Problems::where(const YNode& n, const YNode& from) const {
  const std::string pos = std::to_string(n.line) + ":" + std::to_string(n.col);
  return n.file == from.file ? pos : files_[static_cast<std::size_t>(n.file)] + ":" + pos;
}

std::vector<Diagnostic> Problems::sorted() const {
  std::vector<Problem> ps = list_;
  std::stable_sort(ps.begin(), ps.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.file, a.line, a.col) < std::tie(b.file, b.line, b.col);
  });
  // One problem can be reached twice (a node checked from two places): say it once.
  ps.erase(std::unique(ps.begin(), ps.end(),
                       [](const Problem& a, const Problem& b) {
                         return std::tie(a.file, a.line, a.col, a.message) ==
                                std::tie(b.file, b.line, b.col, b.message);
                       }),
           ps.end());
  std::vector<Diagnostic> out;
  out.reserve(ps.size());
  for (Problem& p : ps)
    out.push_back(
        Diagnostic{files_[static_cast<std::size_t>(p.file)], p.line, p.col, std::move(p.message)});
  return out;
}

std::string describe(const YNode& n) {
  switch (n.kind) {
    case YNode::Kind::Null:
      return "nothing";
    case YNode::Kind::Scalar:
      return quote_text(n.scalar);
    case YNode::Kind::Seq:
      return "a list";
    case YNode::Kind::Map:
      return "a mapping";
  }
  return "?";
}

std::string key_label(std::string_view key) {
  // Appended piece by piece: "'" + std::string(key) trips GCC 12's false -Wrestrict at -O3.
  std::string out;
  out.reserve(key.size() + 2);
  out += '\'';
  out += key;
  out += '\'';
  return out;
}

// ---------------------------------------------------------------------------------- scalars

namespace {

bool within(double x, Bound b) {
  switch (b) {
    case Bound::NonNeg:
      return x >= 0;
    case Bound::Positive:
      return x > 0;
    case Bound::Share:
      return x >= 0 && x <= 1;
    case Bound::PositiveShare:
      return x > 0 && x <= 1;
    case Bound::Rate:
      return x > -1 && x < 1;
    case Bound::PositiveRate:
      return x > 0 && x < 1;
    case Bound::NonNegRate:
      return x >= 0 && x < 1;
    case Bound::OpenShare:
      return x > 0 && x < 1;
    case Bound::Correlation:
      return x >= -1 && x <= 1;
    case Bound::Finite:
      return true;  // parse_number already refused .inf and .nan
  }
  return false;
}

const char* bound_text(Bound b) {
  switch (b) {
    case Bound::NonNeg:
      return "must be >= 0";
    case Bound::Positive:
      return "must be > 0";
    case Bound::Share:
      return "must be between 0 and 1";
    case Bound::PositiveShare:
      return "must be above 0 and at most 1";
    case Bound::Rate:
      return "must be a decimal rate above -1 and below 1";
    case Bound::PositiveRate:
      return "must be a decimal rate above 0 and below 1";
    case Bound::NonNegRate:
      return "must be a decimal rate of at least 0 and below 1";
    case Bound::OpenShare:
      return "must be above 0 and below 1";
    case Bound::Correlation:
      return "must be between -1 and 1";
    case Bound::Finite:
      return "";
  }
  return "";
}

// The largest magnitude a number may have, by its key: far above any real scenario, low enough
// that every sum, product and exp() the engine takes of them stays finite (docs/scenario.md,
// "Limits"). A key means the same quantity wherever the schema uses it (`units` is a GPU count
// in a fleet lot and a capex item; `volatility` is a process's, the demand factor's too).
struct Ceiling {
  std::string_view key;
  double most;
  std::string_view text;  // `most` as the docs write it
};

constexpr Ceiling kCeilings[] = {
    {"units", 1e8, "1e8"},               // GPU counts
    {"gpus", 1e8, "1e8"},
    {"price_per_gpu_hour", 1e4, "1e4"},  // $ per GPU-hour
    {"rent", 1e4, "1e4"},
    {"cash_cost_per_hour", 1e4, "1e4"},
    {"power_usd_per_mwh", 1e5, "1e5"},   // $ per MWh
    {"kw_per_gpu", 1e3, "1e3"},          // kW per GPU
    {"volatility", 5, "5"},              // per square root of a year
    {"rate_per_year", 12, "12"},         // new GPU generations a year
};

// Every other number: money in $M, counts, prices, ratios and periods.
constexpr Ceiling kAnyNumber = {"", 1e9, "1e9"};

// The ceiling of the value `label` names: "'units'" is the key units; a label that is not a key
// ("the share of 'bank'") has the default.
const Ceiling& ceiling(std::string_view label) {
  if (label.size() > 2 && label.front() == '\'' && label.back() == '\'') {
    const std::string_view key = label.substr(1, label.size() - 2);
    for (const Ceiling& c : kCeilings)
      if (c.key == key) return c;
  }
  return kAnyNumber;
}

std::optional<long long> to_integer(Problems& p, const YNode& n, std::string_view label) {
  long long x = 0;
  std::string_view s = n.scalar;
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (!n.is_scalar() || n.quoted || ec == std::errc::invalid_argument ||
      end != s.data() + s.size()) {
    p.at(n, "expected an integer for " + std::string(label) + ", got " + describe(n));
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    p.at(n, std::string(label) + " is out of range (got " + quote_text(n.scalar) + ")");
    return std::nullopt;
  }
  return x;
}

bool digits_at(std::string_view s, std::size_t pos, std::size_t n) {
  for (std::size_t i = pos; i < pos + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

namespace {

// to_number with the ceiling given: a list's values have the list's (a curve of 'rent' is rents).
std::optional<double> number_at_most(Problems& p, const YNode& n, std::string_view label, Bound b,
                                     const Ceiling& c) {
  double x = 0;
  const Parsed r = n.is_scalar() && !n.quoted ? parse_number(n.scalar, x) : Parsed::NotNumber;
  if (r == Parsed::NotNumber) {
    p.at(n, "expected a number for " + std::string(label) + ", got " + describe(n));
    return std::nullopt;
  }
  if (r == Parsed::NotFinite) {
    p.at(n, std::string(label) + " must be a finite number, got " + quote_text(n.scalar));
    return std::nullopt;
  }
  if (!within(x, b)) {
    p.at(n, std::string(label) + " " + bound_text(b) + " (got " + n.scalar + ")");
    return std::nullopt;
  }
  if (!(std::fabs(x) <= c.most)) {
    p.at(n, std::string(label) + (x < 0 ? " must be at least -" : " must be at most ") +
                std::string(c.text) + " (got " + n.scalar + "; see 'Limits' in docs/scenario.md)");
    return std::nullopt;
  }
  return x;
}

}  // namespace

std::optional<double> to_number(Problems& p, const YNode& n, std::string_view label, Bound b) {
  return number_at_most(p, n, label, b, ceiling(label));
}

std::optional<Date> to_date(Problems& p, const YNode& n, std::string_view label) {
  const std::string_view s = n.scalar;
  const bool shaped = n.is_scalar() && s.size() == 10 && s[4] == '-' && s[7] == '-' &&
                      digits_at(s, 0, 4) && digits_at(s, 5, 2) && digits_at(s, 8, 2);
  if (!shaped) {
    p.at(n, "expected a date (YYYY-MM-DD) for " + std::string(label) + ", got " + describe(n));
    return std::nullopt;
  }
  if (auto d = parse_date(s)) return d;
  const int year = std::stoi(std::string(s.substr(0, 4)));
  if (year < 1901 || year > 2199)
    p.at(n, "date " + quote_text(s) + " is outside the supported range 1901-01-01 to 2199-12-31");
  else
    p.at(n, "impossible date " + quote_text(s));
  return std::nullopt;
}

std::optional<bool> to_bool(Problems& p, const YNode& n, std::string_view label) {
  if (n.is_scalar() && !n.quoted && (n.scalar == "true" || n.scalar == "false"))
    return n.scalar == "true";
  p.at(n, "expected true or false for " + std::string(label) + ", got " + describe(n));
  return std::nullopt;
}

std::optional<std::string> to_text(Problems& p, const YNode& n, std::string_view label) {
  if (!n.is_scalar()) {
    p.at(n, "expected text for " + std::string(label) + ", got " + describe(n));
    return std::nullopt;
  }
  return n.scalar;
}

std::optional<std::string> to_name(Problems& p, const YNode& n, std::string_view label) {
  auto s = to_text(p, n, label);
  if (s && s->empty()) {
    p.at(n, std::string(label) + " is empty");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> to_id(Problems& p, const YNode& n, std::string_view what) {
  auto s = to_text(p, n, "'id'");
  if (s && !is_identifier(*s)) {
    p.at(n, "invalid " + std::string(what) + " " + quote_text(*s) + " (ids match [a-z][a-z0-9_]*)");
    return std::nullopt;
  }
  return s;
}

// ---------------------------------------------------------------------------------- points

std::optional<std::vector<Point>> to_points(Problems& p, const YNode& n, std::string_view label,
                                            std::string_view noun, Bound b) {
  const std::string pair = noun == "curve" ? "[date, value]" : "[date, amount]";
  if (!n.is_seq()) {
    p.at(n, "expected a list of " + pair + " pairs for " + std::string(label) + ", got " +
                describe(n));
    return std::nullopt;
  }
  std::vector<Point> out;
  bool ok = true;
  const Point* last = nullptr;
  for (const YNode& item : n.items) {
    if (!item.is_seq() || item.items.size() != 2) {
      p.at(item, "expected a " + pair + " pair, got " + describe(item));
      ok = false;
      continue;
    }
    const auto d = to_date(p, item.items[0], "a " + std::string(noun) + " date");
    const auto v = number_at_most(
        p, item.items[1], "a " + std::string(noun) + (noun == "curve" ? " value" : " amount"), b,
        ceiling(label));
    if (!d || !v) {
      ok = false;
      continue;
    }
    if (last && *d <= last->date) {
      p.at(item.items[0], std::string(noun) + " dates must increase: " + format_date(*d) +
                              " is not after " + format_date(last->date));
      ok = false;
    }
    out.push_back(Point{*d, *v, &item.items[0]});
    last = &out.back();
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<Curve> to_curve(Problems& p, const YNode& n, std::string_view label, Bound b) {
  auto points = to_points(p, n, label, "curve", b);
  if (!points) return std::nullopt;
  if (points->empty()) {
    p.at(n, "curve " + std::string(label) + " needs at least one [date, value] point");
    return std::nullopt;
  }
  Curve c;
  for (const Point& pt : *points) {
    c.dates.push_back(pt.date);
    c.values.push_back(pt.value);
  }
  return c;
}

// ---------------------------------------------------------------------------------- mappings

void check_unknown_keys(Problems& p, const YNode& map, std::span<const Key> keys) {
  std::vector<std::string> names;
  for (const Key& k : keys) names.emplace_back(k.name);
  for (const auto& [k, v] : map.entries)
    if (std::find(names.begin(), names.end(), k.scalar) == names.end())
      p.at(k, "unknown key " + quote_text(k.scalar) + did_you_mean(k.scalar, names));
}

void check_keys(Problems& p, const YNode& map, std::span<const Key> keys) {
  check_unknown_keys(p, map, keys);
  for (const Key& k : keys)
    if (k.required && !map.find(k.name))
      p.at(map, "missing required key '" + std::string(k.name) + "'");
}

Fields::Fields(Problems& p, const YNode& map, std::span<const Key> keys)
    : p_(p), map_(map), keys_(keys) {
  check_keys(p, map, keys);
}

bool Fields::required(std::string_view key) const {
  return std::any_of(keys_.begin(), keys_.end(),
                     [&](const Key& k) { return k.name == key && k.required; });
}

bool Fields::get(std::string_view key, double& out, Bound b) const {
  return read(key, out, [&](const YNode& n) { return to_number(p_, n, key_label(key), b); });
}
bool Fields::get(std::string_view key, std::optional<double>& out, Bound b) const {
  return read(key, out, [&](const YNode& n) { return to_number(p_, n, key_label(key), b); });
}
bool Fields::get(std::string_view key, Date& out) const {
  return read(key, out, [&](const YNode& n) { return to_date(p_, n, key_label(key)); });
}
bool Fields::get(std::string_view key, std::optional<Date>& out) const {
  return read(key, out, [&](const YNode& n) { return to_date(p_, n, key_label(key)); });
}
bool Fields::get_integer(std::string_view key, long long& out) const {
  return read(key, out, [&](const YNode& n) { return to_integer(p_, n, key_label(key)); });
}
bool Fields::get_integer(std::string_view key, int& out, int lo, int hi) const {
  return read(key, out, [&](const YNode& n) -> std::optional<int> {
    const auto x = to_integer(p_, n, key_label(key));
    if (!x) return std::nullopt;
    if (*x < lo || *x > hi) {
      p_.at(n, key_label(key) + " must be between " + std::to_string(lo) + " and " +
                   std::to_string(hi) + " (got " + std::to_string(*x) + ")");
      return std::nullopt;
    }
    return static_cast<int>(*x);
  });
}
bool Fields::get_bool(std::string_view key, bool& out) const {
  return read(key, out, [&](const YNode& n) { return to_bool(p_, n, key_label(key)); });
}
bool Fields::get_text(std::string_view key, std::string& out) const {
  return read(key, out, [&](const YNode& n) { return to_text(p_, n, key_label(key)); });
}
bool Fields::get_name(std::string_view key, std::string& out) const {
  return read(key, out, [&](const YNode& n) { return to_name(p_, n, key_label(key)); });
}
bool Fields::get_id(std::string_view key, std::string& out) const {
  return read(key, out, [&](const YNode& n) { return to_id(p_, n, "id"); });
}

std::optional<Fields> open(Problems& p, const YNode& n, std::span<const Key> keys,
                           std::string_view label) {
  if (!n.is_map()) {
    p.at(n, "expected a mapping for " + std::string(label) + ", got " + describe(n));
    return std::nullopt;
  }
  return Fields(p, n, keys);
}

Section section(const Fields& f, std::string_view key, YNode::Kind kind) {
  const YNode* n = f.find(key);
  if (!n || (n->is_null() && !f.required(key))) return {};
  if (n->kind != kind) {
    f.problems().at(*n, std::string("expected ") +
                            (kind == YNode::Kind::Map ? "a mapping" : "a list") + " for " +
                            key_label(key) + ", got " + describe(*n));
    return {nullptr, true};
  }
  return {n, false};
}

}  // namespace tinderbox::loader
