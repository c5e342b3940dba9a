// Values read from a scenario's YAML tree: scalars with their constraints, date-value curves,
// mappings checked against a table of known keys, and the collector of every problem found.
//
// A reader that finds its node unusable reports why, with the node's position, and returns
// nullopt (or false) so that its caller goes on: one pass finds every problem (STYLE.md 4).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "scenario/yaml_tree.h"
#include "util/suggest.h"

namespace tinderbox::loader {

// ---------------------------------------------------------------------------------- problems

// Every problem found in one load, with the position it was found at; `files` names them.
class Problems {
 public:
  explicit Problems(const std::vector<std::string>& files) : files_(files) {}

  void at(const YNode& n, std::string message) { at(n.file, n.line, n.col, std::move(message)); }
  void at(int file, int line, int col, std::string message) {
    list_.push_back(Problem{file, line, col, std::move(message)});
  }
  bool empty() const { return list_.empty(); }

  // "12:7" in the same file as `from`, "FILE:12:7" in another one.
  std::string where(const YNode& n, const YNode& from) const;

  // In file order, each problem once.
  std::vector<Diagnostic> sorted() const;

 private:
  struct Problem {
    int file, line, col;
    std::string message;
  };

  const std::vector<std::string>& files_;
  std::vector<Problem> list_;
};

// "nothing", "a list", "a mapping", or the scalar quoted: what a message says was found.
std::string describe(const YNode& n);

std::string key_label(std::string_view key);  // "'key'"

// ---------------------------------------------------------------------------------- scalars

enum class Bound {
  NonNeg, Positive, Share, PositiveShare, Rate, PositiveRate, NonNegRate,
  OpenShare,    // above 0 and below 1 (a Beta distribution's mean)
  Correlation,  // from -1 to 1
  Finite,       // any finite number (a sensitivity, which may be negative)
};

// `label` names the value in messages ("'units'", "the share of 'bank'").
std::optional<double> to_number(Problems& p, const YNode& n, std::string_view label, Bound b);
std::optional<std::string> to_text(Problems& p, const YNode& n, std::string_view label);
// A name that refers to something (a party, a GPU generation): text, not empty.
std::optional<std::string> to_name(Problems& p, const YNode& n, std::string_view label);
// An id ([a-z][a-z0-9_]*); `what` names it in messages ("entity id").
std::optional<std::string> to_id(Problems& p, const YNode& n, std::string_view what);
std::optional<Date> to_date(Problems& p, const YNode& n, std::string_view label);
// `true` or `false`, unquoted: YAML 1.1's yes/no/on/off are refused, not guessed at.
std::optional<bool> to_bool(Problems& p, const YNode& n, std::string_view label);

template <class E>
struct Choice {
  std::string_view name;
  E value;
};

// One of `choices` by name; `noun` names the kind of value in messages ("debt type").
template <class E>
std::optional<E> to_choice(Problems& p, const YNode& n, std::string_view noun,
                           std::span<const Choice<E>> choices) {
  auto s = to_text(p, n, noun);
  if (!s) return std::nullopt;
  std::vector<std::string> names;
  for (const Choice<E>& c : choices) {
    if (c.name == *s) return c.value;
    names.emplace_back(c.name);
  }
  std::string hint = did_you_mean(*s, names);
  if (hint.empty()) {
    hint = " (expected one of:";
    for (const std::string& name : names) hint += " " + name;
    hint += ")";
  }
  p.at(n, "unknown " + std::string(noun) + " " + quote_text(*s) + hint);
  return std::nullopt;
}

// ---------------------------------------------------------------------------------- points

struct Point {
  Date date;
  double value;
  const YNode* at;  // the date's node
};

// A list of [date, value] pairs with strictly increasing dates; nullopt when any is bad. `noun`
// is "curve" for [date, value] pairs, or what the amounts are ("draw") for [date, amount] pairs.
std::optional<std::vector<Point>> to_points(Problems& p, const YNode& n, std::string_view label,
                                            std::string_view noun, Bound b);

// A curve of at least one point.
std::optional<Curve> to_curve(Problems& p, const YNode& n, std::string_view label, Bound b);

// ---------------------------------------------------------------------------------- mappings

struct Key {
  std::string_view name;
  bool required;
};

// Reports the keys of `map` that are not in `keys`, and the required ones it lacks.
void check_keys(Problems& p, const YNode& map, std::span<const Key> keys);
// Reports only the keys of `map` that are not in `keys`: all of them are optional.
void check_unknown_keys(Problems& p, const YNode& map, std::span<const Key> keys);

// One YAML mapping checked against its table of known keys: unknown and missing required keys
// are reported once, on construction; each getter then reads one value with its constraint and
// says whether it is usable (an absent optional key leaves `out` at its default and is usable).
class Fields {
 public:
  Fields(Problems& p, const YNode& map, std::span<const Key> keys);

  const YNode& node() const { return map_; }
  const YNode* find(std::string_view key) const { return map_.find(key); }
  bool has(std::string_view key) const { return find(key) != nullptr; }
  bool required(std::string_view key) const;
  Problems& problems() const { return p_; }

  bool get(std::string_view key, double& out, Bound b) const;
  bool get(std::string_view key, std::optional<double>& out, Bound b) const;
  bool get(std::string_view key, Date& out) const;
  bool get(std::string_view key, std::optional<Date>& out) const;
  bool get_integer(std::string_view key, long long& out) const;
  // An integer from `lo` to `hi`.
  bool get_integer(std::string_view key, int& out, int lo, int hi) const;
  bool get_bool(std::string_view key, bool& out) const;
  bool get_text(std::string_view key, std::string& out) const;
  bool get_name(std::string_view key, std::string& out) const;
  bool get_id(std::string_view key, std::string& out) const;
  template <class E, std::size_t N>
  bool get(std::string_view key, E& out, std::string_view noun,
           const Choice<E> (&choices)[N]) const {
    return read(key, out, [&](const YNode& n) {
      return to_choice(p_, n, noun, std::span<const Choice<E>>(choices));
    });
  }

 private:
  template <class T, class Convert>
  bool read(std::string_view key, T& out, Convert convert) const {
    const YNode* n = find(key);
    if (!n) return !required(key);
    auto value = convert(*n);
    if (!value) return false;
    out = std::move(*value);
    return true;
  }

  Problems& p_;
  const YNode& map_;
  std::span<const Key> keys_;
};

// `n` as Fields when it is a mapping; `label` names it in the message when it is not.
std::optional<Fields> open(Problems& p, const YNode& n, std::span<const Key> keys,
                           std::string_view label);

// A list or mapping under `key`. Absent, or written with nothing after the colon, reads as empty;
// `bad` says it was there but unusable (reported), so references into it are not checked.
struct Section {
  const YNode* node = nullptr;
  bool bad = false;
};

Section section(const Fields& f, std::string_view key, YNode::Kind kind);

// A table of a struct's number members, each with its key and constraint.
template <class T>
struct NumberField {
  std::string_view key;
  Bound bound;
  double T::*member;
};

template <class T, std::size_t N>
bool get_numbers(const Fields& f, T& out, const NumberField<T> (&fields)[N]) {
  bool ok = true;
  for (const NumberField<T>& nf : fields) ok = f.get(nf.key, out.*(nf.member), nf.bound) && ok;
  return ok;
}

}  // namespace tinderbox::loader
