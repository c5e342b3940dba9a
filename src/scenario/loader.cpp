// The scenario loader: files and imports → one merged YAML tree → validated Scenario values.
//
// Every check reports a Diagnostic and goes on, so that one pass finds every problem; a check
// whose inputs were bad is skipped rather than piling a second error on the first. Each mapping's
// known keys are a table (kLotKeys, ...) checked by one generic reader (Fields).
#include "scenario/loader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <tuple>
#include <unordered_map>

#include "scenario/builtin.h"
#include "scenario/yaml_tree.h"
#include "util/suggest.h"

namespace tinderbox {

std::string Diagnostic::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": error: " + message;
}

namespace {

using Kind = YNode::Kind;

// ---------------------------------------------------------------------------------- messages

std::string describe(const YNode& n) {
  switch (n.kind) {
    case Kind::Null:
      return "nothing";
    case Kind::Scalar:
      return quote_text(n.scalar);
    case Kind::Seq:
      return "a list";
    case Kind::Map:
      return "a mapping";
  }
  return "?";
}

std::string number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

std::string key_label(std::string_view key) { return "'" + std::string(key) + "'"; }

// ---------------------------------------------------------------------------------- problems

struct Problem {
  int file, line, col;
  std::string message;
};

class Problems {
 public:
  explicit Problems(const std::vector<std::string>& files) : files_(files) {}

  void at(const YNode& n, std::string message) { at(n.file, n.line, n.col, std::move(message)); }
  void at(int file, int line, int col, std::string message) {
    list_.push_back(Problem{file, line, col, std::move(message)});
  }
  bool empty() const { return list_.empty(); }

  // "12:7" in the same file as `from`, "FILE:12:7" in another one.
  std::string where(const YNode& n, const YNode& from) const {
    const std::string pos = std::to_string(n.line) + ":" + std::to_string(n.col);
    return n.file == from.file ? pos : files_[static_cast<std::size_t>(n.file)] + ":" + pos;
  }

  std::vector<Diagnostic> sorted() const {
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
      out.push_back(Diagnostic{files_[static_cast<std::size_t>(p.file)], p.line, p.col,
                               std::move(p.message)});
    return out;
  }

 private:
  const std::vector<std::string>& files_;
  std::vector<Problem> list_;
};

// ---------------------------------------------------------------------------------- scalars

enum class Bound { NonNeg, Positive, Share, PositiveShare, Rate, PositiveRate };

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
  }
  return "";
}

enum class Parsed { Ok, NotNumber, NotFinite };

// Strict: the whole text is one finite decimal number. YAML's .inf/.nan and anything that
// overflows a double are refused rather than carried into the engine.
Parsed parse_number(std::string_view s, double& out) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
  std::string_view body = s.substr(s.empty() || s[0] != '-' ? 0 : 1);
  for (std::string_view special : {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"})
    if (body == special) return Parsed::NotFinite;
  const auto [end, ec] =
      std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
  if (ec == std::errc::invalid_argument || end != s.data() + s.size()) return Parsed::NotNumber;
  if (ec == std::errc::result_out_of_range) {
    const std::size_t e = s.find_first_of("eE");
    if (e == std::string_view::npos || e + 1 >= s.size() || s[e + 1] != '-')
      return Parsed::NotFinite;
    out = 0;  // 1e-400 underflows to zero, as any reader of it would expect
    return Parsed::Ok;
  }
  return std::isfinite(out) ? Parsed::Ok : Parsed::NotFinite;
}

std::optional<double> to_number(Problems& p, const YNode& n, std::string_view label, Bound b) {
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
  return x;
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

std::optional<std::string> to_text(Problems& p, const YNode& n, std::string_view label) {
  if (!n.is_scalar()) {
    p.at(n, "expected text for " + std::string(label) + ", got " + describe(n));
    return std::nullopt;
  }
  return n.scalar;
}

// A name that refers to something (a party, a GPU generation): text, not empty.
std::optional<std::string> to_name(Problems& p, const YNode& n, std::string_view label) {
  auto s = to_text(p, n, label);
  if (s && s->empty()) {
    p.at(n, std::string(label) + " is empty");
    return std::nullopt;
  }
  return s;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_gpu_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::optional<std::string> to_id(Problems& p, const YNode& n, std::string_view what) {
  auto s = to_text(p, n, "'id'");
  if (s && !is_identifier(*s)) {
    p.at(n, "invalid " + std::string(what) + " " + quote_text(*s) + " (ids match [a-z][a-z0-9_]*)");
    return std::nullopt;
  }
  return s;
}

template <class E>
struct Choice {
  std::string_view name;
  E value;
};

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

constexpr Choice<PeriodKind> kPeriods[] = {{"month", PeriodKind::Month},
                                           {"quarter", PeriodKind::Quarter}};
constexpr Choice<EntityKind> kEntityKinds[] = {
    {"neocloud", EntityKind::Neocloud}, {"hyperscaler", EntityKind::Hyperscaler},
    {"lab", EntityKind::Lab},           {"chipmaker", EntityKind::Chipmaker},
    {"spv", EntityKind::Spv},           {"fund", EntityKind::Fund},
    {"bank", EntityKind::Bank},         {"insurer", EntityKind::Insurer},
    {"pension", EntityKind::Pension},   {"external", EntityKind::External}};
constexpr Choice<DebtType> kDebtTypes[] = {{"term_loan", DebtType::TermLoan},
                                           {"bond", DebtType::Bond}};
constexpr Choice<DayCount> kDayCounts[] = {
    {"act/360", DayCount::Act360}, {"30/360", DayCount::Thirty360}, {"act/365", DayCount::Act365}};
constexpr Choice<Frequency> kFrequencies[] = {{"month", Frequency::Month},
                                              {"quarter", Frequency::Quarter},
                                              {"semiannual", Frequency::Semiannual},
                                              {"annual", Frequency::Annual}};
constexpr Choice<AmortStyle> kAmortStyles[] = {{"bullet", AmortStyle::Bullet},
                                               {"level", AmortStyle::Level},
                                               {"percent", AmortStyle::Percent},
                                               {"schedule", AmortStyle::Schedule}};

// ---------------------------------------------------------------------------------- mappings

struct Key {
  std::string_view name;
  bool required;
};

// Reports the keys of `map` that are not in `keys`, and the required ones it lacks.
void check_keys(Problems& p, const YNode& map, std::span<const Key> keys) {
  std::vector<std::string> names;
  for (const Key& k : keys) names.emplace_back(k.name);
  for (const auto& [k, v] : map.entries)
    if (std::find(names.begin(), names.end(), k.scalar) == names.end())
      p.at(k, "unknown key " + quote_text(k.scalar) + did_you_mean(k.scalar, names));
  for (const Key& k : keys)
    if (k.required && !map.find(k.name))
      p.at(map, "missing required key '" + std::string(k.name) + "'");
}

// One YAML mapping checked against its table of known keys: unknown and missing required keys
// are reported once, on construction; each getter then reads one value with its constraint and
// says whether it is usable (an absent optional key leaves `out` at its default and is usable).
class Fields {
 public:
  Fields(Problems& p, const YNode& map, std::span<const Key> keys) : p_(p), map_(map), keys_(keys) {
    check_keys(p, map, keys);
  }

  const YNode& node() const { return map_; }
  const YNode* find(std::string_view key) const { return map_.find(key); }
  bool has(std::string_view key) const { return find(key) != nullptr; }
  bool required(std::string_view key) const {
    return std::any_of(keys_.begin(), keys_.end(),
                       [&](const Key& k) { return k.name == key && k.required; });
  }
  Problems& problems() const { return p_; }

  bool get(std::string_view key, double& out, Bound b) const {
    return read(key, out, [&](const YNode& n) { return to_number(p_, n, key_label(key), b); });
  }
  bool get(std::string_view key, std::optional<double>& out, Bound b) const {
    return read(key, out, [&](const YNode& n) { return to_number(p_, n, key_label(key), b); });
  }
  bool get(std::string_view key, Date& out) const {
    return read(key, out, [&](const YNode& n) { return to_date(p_, n, key_label(key)); });
  }
  bool get_integer(std::string_view key, long long& out) const {
    return read(key, out, [&](const YNode& n) { return to_integer(p_, n, key_label(key)); });
  }
  bool get_text(std::string_view key, std::string& out) const {
    return read(key, out, [&](const YNode& n) { return to_text(p_, n, key_label(key)); });
  }
  bool get_name(std::string_view key, std::string& out) const {
    return read(key, out, [&](const YNode& n) { return to_name(p_, n, key_label(key)); });
  }
  bool get_id(std::string_view key, std::string& out) const {
    return read(key, out, [&](const YNode& n) { return to_id(p_, n, "id"); });
  }
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

std::optional<Fields> open(Problems& p, const YNode& n, std::span<const Key> keys,
                           std::string_view label) {
  if (!n.is_map()) {
    p.at(n, "expected a mapping for " + std::string(label) + ", got " + describe(n));
    return std::nullopt;
  }
  return Fields(p, n, keys);
}

// A list or mapping under `key`. Absent, or written with nothing after the colon, reads as empty;
// `bad` says it was there but unusable (reported), so references into it are not checked.
struct Section {
  const YNode* node = nullptr;
  bool bad = false;
};

Section section(const Fields& f, std::string_view key, Kind kind) {
  const YNode* n = f.find(key);
  if (!n || (n->is_null() && !f.required(key))) return {};
  if (n->kind != kind) {
    f.problems().at(*n, std::string("expected ") + (kind == Kind::Map ? "a mapping" : "a list") +
                            " for " + key_label(key) + ", got " + describe(*n));
    return {nullptr, true};
  }
  return {n, false};
}

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

// ---------------------------------------------------------------------------------- key tables

constexpr Key kTopKeys[] = {{"tinderbox", true}, {"name", false},    {"start", true},
                            {"horizon", true},   {"period", false},  {"import", false},
                            {"market", false},   {"entities", false}};
// An imported file may be a whole scenario: only its market and entities are used.
constexpr Key kImportedTopKeys[] = {{"tinderbox", false}, {"name", false},    {"start", false},
                                    {"horizon", false},   {"period", false},  {"import", false},
                                    {"market", false},    {"entities", false}};
constexpr Key kMarketKeys[] = {
    {"rates", false}, {"gpu", false}, {"power_usd_per_mwh", false}, {"discount_rate", false}};
constexpr Key kGpuKeys[] = {{"rent", true},
                            {"economic_life_years", true},
                            {"reference_utilization", true},
                            {"cash_cost_per_hour", true}};
constexpr NumberField<GpuMarket> kGpuNumbers[] = {
    {"economic_life_years", Bound::Positive, &GpuMarket::economic_life_years},
    {"reference_utilization", Bound::Share, &GpuMarket::reference_utilization},
    {"cash_cost_per_hour", Bound::NonNeg, &GpuMarket::cash_cost_per_hour}};
constexpr Key kEntityKeys[] = {{"kind", true},
                               {"cash", false},
                               {"rating", false},
                               {"equity_value", false},
                               {"revenue_prior_year", false},
                               {"fleet", false},
                               {"operations", false},
                               {"contracts", false},
                               {"leases", false},
                               {"capex", false},
                               {"equity", false},
                               {"debt", false}};
constexpr Key kOperationsKeys[] = {
    {"utilization", false}, {"cash_cost_per_hour", false}, {"sga", false}};
constexpr NumberField<Operations> kOperationsNumbers[] = {
    {"utilization", Bound::Share, &Operations::utilization},
    {"cash_cost_per_hour", Bound::NonNeg, &Operations::cash_cost_per_hour},
    {"sga", Bound::NonNeg, &Operations::sga}};
constexpr Key kLotKeys[] = {{"id", true},        {"gpu", true},       {"units", true},
                            {"acquired", true},  {"unit_cost", true}, {"book_life_years", true},
                            {"kw_per_gpu", true}};
constexpr NumberField<Lot> kLotNumbers[] = {
    {"units", Bound::NonNeg, &Lot::units},
    {"unit_cost", Bound::NonNeg, &Lot::unit_cost},
    {"book_life_years", Bound::Positive, &Lot::book_life_years},
    {"kw_per_gpu", Bound::NonNeg, &Lot::kw_per_gpu}};
constexpr Key kContractKeys[] = {{"id", true},
                                 {"customer", true},
                                 {"start", true},
                                 {"end", true},
                                 {"gpu", false},
                                 {"gpus", false},
                                 {"price_per_gpu_hour", false},
                                 {"amount_per_period", false}};
constexpr Key kLeaseKeys[] = {{"id", true},  {"payment_per_period", true}, {"start", true},
                              {"end", true}, {"escalator", false},         {"lessor", false}};
constexpr Key kCapexKeys[] = {{"id", false},        {"date", true},       {"gpu", true},
                              {"units", true},      {"unit_cost", true},  {"book_life_years", true},
                              {"kw_per_gpu", true}, {"funded_by", false}, {"advance_rate", false}};
constexpr NumberField<Capex> kCapexNumbers[] = {
    {"units", Bound::NonNeg, &Capex::units},
    {"unit_cost", Bound::NonNeg, &Capex::unit_cost},
    {"book_life_years", Bound::Positive, &Capex::book_life_years},
    {"kw_per_gpu", Bound::NonNeg, &Capex::kw_per_gpu},
    {"advance_rate", Bound::Share, &Capex::advance_rate}};
constexpr Key kEquityKeys[] = {{"id", false}, {"date", true}, {"amount", true}, {"kind", false}};
constexpr Key kDebtKeys[] = {
    {"id", true},          {"type", true},          {"lenders", true},       {"outstanding", true},
    {"commitment", false}, {"draws", false},        {"rate", true},          {"day_count", false},
    {"pay", false},        {"first_payment", true}, {"amortization", false}, {"maturity", true},
    {"secured_by", false}, {"covenants", false}};
constexpr Key kRateKeys[] = {
    {"index", false}, {"spread", false}, {"floor", false}, {"fixed", false}};
constexpr Key kAmortizationKeys[] = {
    {"style", true}, {"from", false}, {"per_payment", false}, {"payments", false}};
constexpr Key kCovenantKeys[] = {
    {"min_liquidity", false}, {"max_ltv", false}, {"min_interest_coverage", false}};

// ---------------------------------------------------------------------------------- names

// The names defined in one scope, for resolving references (with a suggestion when one is
// unknown) and for reporting a name defined twice.
class Names {
 public:
  // The index of the new name, or -1 when it was defined before (reported).
  int define(Problems& p, const std::string& name, const YNode& at) {
    const auto [it, fresh] = index_.try_emplace(name, Definition{count_, &at});
    ++count_;
    if (!fresh) {
      p.at(at, "duplicate id " + quote_text(name) + " (first defined at " +
                   p.where(*it->second.at, at) + ")");
      return -1;
    }
    list_.push_back(name);
    return it->second.index;
  }
  // Keeps the indices of later names in step with their items when one item's name is bad.
  void skip() { ++count_; }
  int find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? -1 : it->second.index;
  }
  std::string suggest(std::string_view name) const { return did_you_mean(name, list_); }
  bool empty() const { return list_.empty(); }

  bool usable = true;  // false when the section defining them was unreadable

 private:
  struct Definition {
    int index;
    const YNode* at;
  };
  int count_ = 0;
  std::vector<std::string> list_;
  std::unordered_map<std::string, Definition> index_;
};

// ---------------------------------------------------------------------------------- dates

int month_index(Date d) {
  const Ymd x = ymd(d);
  return x.year * 12 + (x.month - 1);
}

std::optional<Date> month_end(int index) {
  if (index < 0) return std::nullopt;
  const auto first = make_date(index / 12, index % 12 + 1, 1);
  return first ? std::optional<Date>(end_of_month(*first)) : std::nullopt;
}

std::string date_list(std::initializer_list<std::optional<Date>> dates) {
  std::string out;
  for (const auto& d : dates)
    if (d) out += format_date(*d) + ", ";
  return out + "...";
}

// A debt's payment dates: the end of every `months`-th month from first_payment.
struct PaymentDates {
  Date first;
  int months;

  bool contains(Date d) const {
    return is_end_of_month(d) && d >= first && (month_index(d) - month_index(first)) % months == 0;
  }
  std::optional<Date> at(int k) const { return month_end(month_index(first) + k * months); }
  // "2028-01-31, 2028-04-30, ...": the payment dates around d, for a message.
  std::string around(Date d) const {
    const int k = std::max(0, (month_index(d) - month_index(first)) / months);
    return date_list({at(k), at(k + 1)});
  }
};

// The scenario's period grid, when start and period are valid.
struct Grid {
  Date start;
  PeriodKind period;

  bool is_period_end(Date d) const {
    const int m = months_per_period(period);
    return is_end_of_month(d) && (month_index(d) - month_index(start) + 1) % m == 0;
  }
  std::string ends_from(Date d) const {  // the period ends from d on, for a message
    const int m = months_per_period(period);
    int k = month_index(d);
    while ((k - month_index(start) + 1) % m != 0) ++k;
    return date_list({month_end(k), month_end(k + m)});
  }
};

const char* frequency_words(Frequency f) {
  switch (f) {
    case Frequency::Month:
      return "every month";
    case Frequency::Quarter:
      return "every quarter";
    case Frequency::Semiannual:
      return "every six months";
    case Frequency::Annual:
      return "every year";
  }
  return "";
}

// ---------------------------------------------------------------------------------- points

struct Point {
  Date date;
  double value;
  const YNode* at;  // the date's node
};

// A list of [date, value] pairs with strictly increasing dates; nullopt when any is bad.
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
    const auto v = to_number(
        p, item.items[1], "a " + std::string(noun) + (noun == "curve" ? " value" : " amount"), b);
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

// ---------------------------------------------------------------------------------- the reader

// What the checks of one entity's items share: its lots (fleet, then capex) and debts.
struct EntityScope {
  int index;
  std::string id;
  Names lots, contracts, leases, equity, debts;
  struct Funding {
    std::size_t capex;
    const YNode* at;
    std::string debt;
  };
  std::vector<Funding> funding;  // resolved once every debt is known
};

class ScenarioReader {
 public:
  explicit ScenarioReader(Problems& p) : p_(p) {}

  Scenario read(const YNode& root) {
    Scenario s;
    const Fields f(p_, root, kTopKeys);
    header(f, s);
    const Section market_node = section(f, "market", Kind::Map);
    rates_.usable = gpus_.usable = !market_node.bad;
    if (market_node.node) market(*market_node.node, s.market);
    const Section entities_node = section(f, "entities", Kind::Map);
    if (entities_node.node) entities(*entities_node.node, s);
    power_required(s, market_node.node ? *market_node.node : root);
    return s;
  }

 private:
  void header(const Fields& f, Scenario& s) {
    long long version = 1;
    if (f.get_integer("tinderbox", version) && version != 1)
      p_.at(*f.find("tinderbox"), "unsupported schema version " + std::to_string(version) +
                                      " (this build reads tinderbox: 1)");
    f.get_text("name", s.name);
    bool start_ok = f.get("start", s.start);
    if (start_ok && !is_first_of_month(s.start)) {
      p_.at(*f.find("start"), "'start' " + format_date(s.start) + " is not the 1st of a month");
      start_ok = false;
    }
    long long horizon = 0;
    bool horizon_ok = f.get_integer("horizon", horizon);
    if (horizon_ok && (horizon < 1 || horizon > 1200)) {
      p_.at(*f.find("horizon"),
            "'horizon' must be between 1 and 1200 (got " + std::to_string(horizon) + ")");
      horizon_ok = false;
    }
    s.horizon = horizon_ok ? static_cast<int>(horizon) : 0;
    const bool period_ok = f.get("period", s.period, "period", kPeriods);
    if (start_ok && horizon_ok && period_ok &&
        !add_months(s.start, s.horizon * months_per_period(s.period)))
      p_.at(*f.find("horizon"), "the horizon runs past 2199-12-31");
    if (start_ok && period_ok) grid_ = Grid{s.start, s.period};
  }

  // --- market

  void market(const YNode& n, Market& m) {
    const auto f = open(p_, n, kMarketKeys, "'market'");
    if (!f) return;
    const Section rates = section(*f, "rates", Kind::Map);
    rates_.usable = !rates.bad;
    if (rates.node)
      for (const auto& [k, v] : rates.node->entries) {
        rates_.define(p_, k.scalar, k);
        RateCurve& r = m.rates.emplace_back(RateCurve{k.scalar, {}});
        if (auto c = curve(v, key_label(k.scalar), Bound::Rate)) r.curve = std::move(*c);
      }
    const Section gpus = section(*f, "gpu", Kind::Map);
    gpus_.usable = !gpus.bad;
    if (gpus.node)
      for (const auto& [k, v] : gpus.node->entries) m.gpus.push_back(gpu_market(k, v));
    f->get("power_usd_per_mwh", m.power_usd_per_mwh, Bound::NonNeg);
    has_power_ = f->has("power_usd_per_mwh");
    f->get("discount_rate", m.discount_rate, Bound::PositiveRate);
    if (gpus.node && !gpus.node->entries.empty() && !f->has("discount_rate"))
      p_.at(n, "missing required key 'discount_rate' (needed to value GPUs in 'market.gpu')");
  }

  std::optional<Curve> curve(const YNode& n, std::string_view label, Bound b) {
    auto points = to_points(p_, n, label, "curve", b);
    if (!points) return std::nullopt;
    if (points->empty()) {
      p_.at(n, "curve " + std::string(label) + " needs at least one [date, value] point");
      return std::nullopt;
    }
    Curve c;
    for (const Point& pt : *points) {
      c.dates.push_back(pt.date);
      c.values.push_back(pt.value);
    }
    return c;
  }

  GpuMarket gpu_market(const YNode& key, const YNode& n) {
    GpuMarket g;
    g.name = key.scalar;
    if (!is_gpu_name(g.name))
      p_.at(key,
            "invalid GPU generation name " + quote_text(g.name) + " (names match [A-Za-z0-9_]+)");
    gpus_.define(p_, g.name, key);
    const auto f = open(p_, n, kGpuKeys, "GPU generation " + quote_text(g.name));
    if (!f) return g;
    if (const YNode* rent = f->find("rent"))
      if (auto c = curve(*rent, "'rent'", Bound::NonNeg)) g.rent = std::move(*c);
    get_numbers(*f, g, kGpuNumbers);
    return g;
  }

  // Power prices the running GPUs, so it is needed as soon as any entity owns or buys some.
  void power_required(const Scenario& s, const YNode& at) {
    if (has_power_) return;
    for (const Entity& e : s.entities)
      if (!e.fleet.empty() || !e.capex.empty()) {
        p_.at(at,
              "missing required key 'power_usd_per_mwh' in 'market' (needed for the power cost of "
              "GPUs)");
        return;
      }
  }

  // --- references

  bool gpu_ref(const Fields& f, int& out) {
    const YNode* n = f.find("gpu");
    if (!n) return !f.required("gpu");
    const auto name = to_name(p_, *n, "'gpu'");
    if (!name || !gpus_.usable) return false;
    out = gpus_.find(*name);
    if (out >= 0) return true;
    const std::string hint = gpus_.empty() ? " ('market.gpu' defines none)" : gpus_.suggest(*name);
    p_.at(*n, "unknown GPU generation " + quote_text(*name) + hint);
    return false;
  }

  // A party that is an entity of the scenario links to it; any other name is external.
  Party party(const YNode& n, const std::string& name, const EntityScope& sc,
              std::string_view role) {
    Party out{name, entities_.find(name)};
    if (out.entity == sc.index)
      p_.at(n, std::string(role) + " " + quote_text(name) + " is the entity itself");
    return out;
  }

  // --- entities

  void entities(const YNode& n, Scenario& s) {
    for (const auto& [k, v] : n.entries) {
      to_id(p_, k, "entity id");
      entities_.define(p_, k.scalar, k);
    }
    int index = 0;
    for (const auto& [k, v] : n.entries) s.entities.push_back(entity(k, v, index++));
  }

  Entity entity(const YNode& key, const YNode& n, int index) {
    Entity e;
    e.id = key.scalar;
    const auto f = open(p_, n, kEntityKeys, "entity " + quote_text(e.id));
    if (!f) return e;
    f->get("kind", e.kind, "entity kind", kEntityKinds);
    f->get("cash", e.cash, Bound::NonNeg);
    f->get_text("rating", e.rating);
    f->get("equity_value", e.equity_value, Bound::NonNeg);
    f->get("revenue_prior_year", e.revenue_prior_year, Bound::NonNeg);
    if (const Section ops = section(*f, "operations", Kind::Map); ops.node)
      if (const auto of = open(p_, *ops.node, kOperationsKeys, "'operations'"))
        get_numbers(*of, e.operations, kOperationsNumbers);

    EntityScope sc{index, e.id, {}, {}, {}, {}, {}, {}};
    const Section fleet =
        each(*f, "fleet", [&](const YNode& item) { e.fleet.push_back(lot(item, sc)); });
    const Section capex = each(*f, "capex", [&](const YNode& item) {
      e.capex.push_back(capex_item(item, e.capex.size() + 1, sc));
    });
    sc.lots.usable = !fleet.bad && !capex.bad;
    each(*f, "contracts", [&](const YNode& item) { e.contracts.push_back(contract(item, sc)); });
    each(*f, "leases", [&](const YNode& item) { e.leases.push_back(lease(item, sc)); });
    each(*f, "equity", [&](const YNode& item) {
      e.equity.push_back(equity_issue(item, e.equity.size() + 1, sc));
    });
    const Section debt =
        each(*f, "debt", [&](const YNode& item) { e.debt.push_back(debt_item(item, sc)); });
    sc.debts.usable = !debt.bad;
    resolve_funding(sc, e);
    return e;
  }

  template <class Visit>
  Section each(const Fields& f, std::string_view key, Visit visit) {
    const Section s = section(f, key, Kind::Seq);
    if (s.node)
      for (const YNode& item : s.node->items) visit(item);
    return s;
  }

  Lot lot(const YNode& n, EntityScope& sc) {
    Lot l;
    const auto f = open(p_, n, kLotKeys, "a fleet lot");
    if (f && f->get_id("id", l.id))
      sc.lots.define(p_, l.id, *f->find("id"));
    else
      sc.lots.skip();
    if (!f) return l;
    gpu_ref(*f, l.gpu);
    f->get("acquired", l.acquired);
    get_numbers(*f, l, kLotNumbers);
    return l;
  }

  Capex capex_item(const YNode& n, std::size_t number, EntityScope& sc) {
    Capex c;
    c.id = "capex:" + std::to_string(number);
    const auto f = open(p_, n, kCapexKeys, "a capex item");
    if (f && f->get_id("id", c.id))
      sc.lots.define(p_, c.id, f->has("id") ? *f->find("id") : n);
    else
      sc.lots.skip();
    if (!f) return c;
    f->get("date", c.date);
    gpu_ref(*f, c.gpu);
    get_numbers(*f, c, kCapexNumbers);
    const YNode* funded_by = f->find("funded_by");
    std::string debt;
    if (funded_by && f->get_name("funded_by", debt))
      sc.funding.push_back({number - 1, funded_by, debt});
    if (funded_by && !f->has("advance_rate"))
      p_.at(
          n,
          "missing required key 'advance_rate' (the share of the cost that 'funded_by' advances)");
    if (!funded_by && f->has("advance_rate"))
      p_.at(*f->find("advance_rate"),
            "'advance_rate' needs 'funded_by' (the debt that advances it)");
    return c;
  }

  void resolve_funding(const EntityScope& sc, Entity& e) {
    if (!sc.debts.usable) return;
    for (const EntityScope::Funding& fu : sc.funding) {
      const int i = sc.debts.find(fu.debt);
      if (i < 0)
        p_.at(*fu.at, "unknown debt " + quote_text(fu.debt) + " of entity " + quote_text(sc.id) +
                          sc.debts.suggest(fu.debt));
      e.capex[fu.capex].funded_by = i;
    }
  }

  Contract contract(const YNode& n, EntityScope& sc) {
    Contract c;
    const auto f = open(p_, n, kContractKeys, "a contract");
    if (!f) return c;
    if (f->get_id("id", c.id)) sc.contracts.define(p_, c.id, *f->find("id"));
    std::string customer;
    if (f->get_name("customer", customer))
      c.customer = party(*f->find("customer"), customer, sc, "customer");
    date_range(*f, c.start, c.end);
    const bool gpu_form = f->has("gpu") || f->has("gpus") || f->has("price_per_gpu_hour");
    const bool amount_form = f->has("amount_per_period");
    if (gpu_form && amount_form)
      p_.at(
          n,
          "a contract has either gpu, gpus and price_per_gpu_hour, or amount_per_period, not both");
    else if (!gpu_form && !amount_form)
      p_.at(n, "a contract needs gpu, gpus and price_per_gpu_hour, or amount_per_period");
    else if (gpu_form)
      for (std::string_view k : {"gpu", "gpus", "price_per_gpu_hour"})
        if (!f->has(k))
          p_.at(n, "missing required key " + key_label(k) +
                       " (a GPU contract needs gpu, gpus and price_per_gpu_hour)");
    if (f->has("gpu")) gpu_ref(*f, c.gpu);
    f->get("gpus", c.gpus, Bound::NonNeg);
    f->get("price_per_gpu_hour", c.price_per_gpu_hour, Bound::NonNeg);
    f->get("amount_per_period", c.amount_per_period, Bound::NonNeg);
    return c;
  }

  // start and end, inclusive, end not before start.
  void date_range(const Fields& f, Date& start, Date& end) {
    const bool ok = f.get("start", start) && f.has("start");
    if (f.get("end", end) && f.has("end") && ok && end < start)
      p_.at(*f.find("end"),
            "'end' " + format_date(end) + " is before 'start' " + format_date(start));
  }

  Lease lease(const YNode& n, EntityScope& sc) {
    Lease l;
    const auto f = open(p_, n, kLeaseKeys, "a lease");
    if (!f) return l;
    if (f->get_id("id", l.id)) sc.leases.define(p_, l.id, *f->find("id"));
    f->get("payment_per_period", l.payment_per_period, Bound::NonNeg);
    date_range(*f, l.start, l.end);
    f->get("escalator", l.escalator, Bound::Rate);
    std::string lessor;
    if (f->has("lessor") && f->get_name("lessor", lessor))
      l.lessor = party(*f->find("lessor"), lessor, sc, "lessor");
    return l;
  }

  EquityIssue equity_issue(const YNode& n, std::size_t number, EntityScope& sc) {
    EquityIssue q;
    q.id = "equity:" + std::to_string(number);
    const auto f = open(p_, n, kEquityKeys, "an equity issue");
    if (!f) return q;
    if (f->has("id") && f->get_id("id", q.id)) sc.equity.define(p_, q.id, *f->find("id"));
    f->get("date", q.date);
    f->get("amount", q.amount, Bound::Positive);
    f->get_text("kind", q.kind);
    return q;
  }

  // --- debt

  Debt debt_item(const YNode& n, EntityScope& sc) {
    Debt d;
    const auto f = open(p_, n, kDebtKeys, "a debt");
    if (!f) return d;
    if (f->get_id("id", d.id)) sc.debts.define(p_, d.id, *f->find("id"));
    const bool type_ok = debt_type(*f, d);
    d.day_count = d.type == DebtType::Bond ? DayCount::Thirty360 : DayCount::Act360;
    d.pay = d.type == DebtType::Bond ? Frequency::Semiannual : Frequency::Quarter;
    f->get("day_count", d.day_count, "day count", kDayCounts);
    const bool pay_ok =
        f->get("pay", d.pay, "payment frequency", kFrequencies) && (type_ok || f->has("pay"));
    lenders(*f, d, sc);
    if (const YNode* r = f->find("rate")) rate(*r, d.rate);

    const auto payments = payment_dates(*f, d, pay_ok);
    const bool maturity_ok = maturity(*f, d, payments);
    const std::optional<Date> mat = maturity_ok ? std::optional<Date>(d.maturity) : std::nullopt;
    if (payments && mat) period_alignment(*f, *payments, *mat);
    amortization(*f, d, payments, mat);
    balances(*f, d, mat);
    secured_by(*f, d, sc);
    covenants(*f, d);
    return d;
  }

  bool debt_type(const Fields& f, Debt& d) {
    const YNode* t = f.find("type");
    if (t && t->is_scalar() && t->scalar == "revolver") {
      p_.at(*t, "debt type 'revolver' is not supported yet");
      return false;
    }
    return f.get("type", d.type, "debt type", kDebtTypes);
  }

  void lenders(const Fields& f, Debt& d, const EntityScope& sc) {
    const Section s = section(f, "lenders", Kind::Map);
    if (!s.node) return;
    if (s.node->entries.empty()) {
      p_.at(*s.node, "a debt needs at least one lender");
      return;
    }
    bool ok = true;
    double sum = 0;
    for (const auto& [k, v] : s.node->entries) {
      const auto share = to_number(p_, v, "the share of " + quote_text(k.scalar), Bound::Positive);
      ok = ok && share;
      if (!share) continue;
      sum += *share;
      d.lenders.push_back(Lender{party(k, k.scalar, sc, "lender"), *share});
    }
    if (ok && std::abs(sum - 1) > 1e-9)
      p_.at(*s.node, "lender shares sum to " + number_text(sum) + ", not 1");
  }

  void rate(const YNode& n, Rate& r) {
    const auto f = open(p_, n, kRateKeys, "'rate'");
    if (!f) return;
    const bool fixed = f->has("fixed"), index = f->has("index");
    if (fixed && index) {
      p_.at(n, "a rate is either {fixed: RATE} or {index: NAME, spread: RATE}, not both");
      return;
    }
    if (!fixed && !index) {
      p_.at(n, "a rate needs 'fixed' or 'index' (with 'spread')");
      return;
    }
    r.is_fixed = fixed;
    if (fixed) {
      f->get("fixed", r.fixed, Bound::Rate);
      for (std::string_view k : {"spread", "floor"})
        if (const YNode* extra = f->find(k))
          p_.at(*extra, key_label(k) + " does not apply to a fixed rate");
      return;
    }
    if (!f->has("spread")) p_.at(n, "missing required key 'spread'");
    f->get("spread", r.spread, Bound::Rate);
    f->get("floor", r.floor, Bound::Rate);
    std::string name;
    if (!f->get_name("index", name) || !rates_.usable) return;
    r.index = rates_.find(name);
    if (r.index < 0) {
      const std::string hint =
          rates_.empty() ? " ('market.rates' defines none)" : rates_.suggest(name);
      p_.at(*f->find("index"), "unknown rate index " + quote_text(name) + hint);
    }
  }

  std::optional<PaymentDates> payment_dates(const Fields& f, Debt& d, bool pay_ok) {
    if (!f.get("first_payment", d.first_payment) || !f.has("first_payment")) return std::nullopt;
    if (!is_end_of_month(d.first_payment)) {
      p_.at(*f.find("first_payment"),
            "'first_payment' " + format_date(d.first_payment) + " is not the last day of a month");
      return std::nullopt;
    }
    if (!pay_ok) return std::nullopt;
    return PaymentDates{d.first_payment, months_of(d.pay)};
  }

  bool maturity(const Fields& f, Debt& d, const std::optional<PaymentDates>& payments) {
    if (!f.get("maturity", d.maturity) || !f.has("maturity")) return false;
    const YNode& at = *f.find("maturity");
    const std::string m = format_date(d.maturity);
    bool ok = true;
    if (grid_ && d.maturity < grid_->start) {
      p_.at(at, "maturity " + m + " is before the scenario start " + format_date(grid_->start));
      ok = false;
    }
    if (!payments) return false;
    if (d.maturity < payments->first) {
      p_.at(at, "maturity " + m + " is before 'first_payment' " + format_date(payments->first));
      return false;
    }
    if (!payments->contains(d.maturity)) {
      p_.at(at, "maturity " + m + " is not a payment date (payments fall on " +
                    payments->around(d.maturity) + ")");
      return false;
    }
    return ok;
  }

  // The engine settles flows at period ends, so every payment inside the scenario must be one.
  void period_alignment(const Fields& f, const PaymentDates& payments, Date maturity) {
    if (!grid_ || grid_->period == PeriodKind::Month) return;  // every month end is a period end
    const int k0 = std::max(
        0, (month_index(grid_->start) - month_index(payments.first) + payments.months - 1) /
               payments.months);
    const auto p0 = payments.at(k0), p1 = payments.at(k0 + 1);
    if (!p0 || *p0 > maturity) return;
    if (payments.months % months_per_period(grid_->period) != 0 && p1 && *p1 <= maturity) {
      const YNode& at = f.has("pay") ? *f.find("pay") : f.node();
      p_.at(at, std::string("payments ") +
                    frequency_words(static_cast<Frequency>(payments.months)) +
                    " do not fall on quarter period ends (use pay: quarter or period: month)");
    } else if (!grid_->is_period_end(*p0)) {
      p_.at(*f.find("first_payment"), "payment date " + format_date(*p0) +
                                          " is not a quarter period end (periods end on " +
                                          grid_->ends_from(*p0) + ")");
    }
  }

  void amortization(const Fields& f, Debt& d, const std::optional<PaymentDates>& payments,
                    std::optional<Date> mat) {
    const YNode* n = f.find("amortization");
    if (!n) return;
    const auto a = open(p_, *n, kAmortizationKeys, "'amortization'");
    if (!a || !a->get("style", d.amortization.style, "amortization style", kAmortStyles) ||
        !a->has("style"))
      return;
    const AmortStyle style = d.amortization.style;
    const std::string style_name(a->find("style")->scalar);
    const std::pair<std::string_view, AmortStyle> owners[] = {{"from", AmortStyle::Level},
                                                              {"per_payment", AmortStyle::Percent},
                                                              {"payments", AmortStyle::Schedule}};
    for (const auto& [key, owner] : owners) {
      if (a->has(key) && owner != style)
        p_.at(*a->find(key),
              key_label(key) + " does not apply to amortization style " + quote_text(style_name));
      if (!a->has(key) && owner == style && style != AmortStyle::Level)
        p_.at(*n, "missing required key " + key_label(key) + " (amortization style " +
                      quote_text(style_name) + ")");
    }
    if (style == AmortStyle::Percent)
      a->get("per_payment", d.amortization.per_payment, Bound::PositiveShare);
    if (style == AmortStyle::Level && a->has("from")) {
      Date from;
      if (a->get("from", from)) {
        d.amortization.from = from;
        on_payment_date(*a->find("from"), "'from'", from, payments, mat);
      }
    }
    if (style == AmortStyle::Schedule && a->has("payments"))
      if (auto points =
              to_points(p_, *a->find("payments"), "'payments'", "payment", Bound::Positive))
        for (const Point& pt : *points) {
          d.amortization.schedule.emplace_back(pt.date, pt.value);
          on_payment_date(*pt.at, "scheduled payment", pt.date, payments, mat);
        }
  }

  void on_payment_date(const YNode& at, std::string_view what, Date date,
                       const std::optional<PaymentDates>& payments, std::optional<Date> mat) {
    if (!payments || !mat) return;
    const std::string s = format_date(date);
    if (!payments->contains(date))
      p_.at(at, std::string(what) + " " + s + " is not a payment date (payments fall on " +
                    payments->around(date) + ")");
    else if (date > *mat)
      p_.at(at, std::string(what) + " " + s + " is after maturity " + format_date(*mat));
  }

  // Outstanding, draws and commitment: what can be drawn must fit the commitment.
  void balances(const Fields& f, Debt& d, std::optional<Date> mat) {
    bool ok = f.get("outstanding", d.outstanding, Bound::NonNeg) && f.has("outstanding");
    if (const YNode* draws = f.find("draws"); draws && !draws->is_null()) {
      const auto points = to_points(p_, *draws, "'draws'", "draw", Bound::Positive);
      ok = ok && points;
      if (points) draw_dates(*points, d, mat);
    }
    double total = d.outstanding;
    for (const auto& [date, amount] : d.draws) total += amount;
    d.commitment = total;
    if (!f.has("commitment")) return;
    if (f.get("commitment", d.commitment, Bound::NonNeg) && ok && d.commitment < total - 1e-9)
      p_.at(*f.find("commitment"), "'commitment' " + number_text(d.commitment) +
                                       " is less than outstanding plus draws (" +
                                       number_text(total) + ")");
  }

  void draw_dates(const std::vector<Point>& points, Debt& d, std::optional<Date> mat) {
    for (const Point& pt : points) {
      d.draws.emplace_back(pt.date, pt.value);
      if (grid_ && pt.date < grid_->start)
        p_.at(*pt.at, "draw on " + format_date(pt.date) + " is before the scenario start " +
                          format_date(grid_->start));
      else if (mat && pt.date > *mat)
        p_.at(*pt.at,
              "draw on " + format_date(pt.date) + " is after maturity " + format_date(*mat));
    }
  }

  void secured_by(const Fields& f, Debt& d, const EntityScope& sc) {
    const Section s = section(f, "secured_by", Kind::Seq);
    if (!s.node) return;
    for (const YNode& item : s.node->items) {
      const auto lot = to_name(p_, item, "a 'secured_by' lot");
      if (!lot || !sc.lots.usable) continue;
      const int i = sc.lots.find(*lot);
      if (i < 0) {
        p_.at(item, "unknown lot " + quote_text(*lot) + " of entity " + quote_text(sc.id) +
                        sc.lots.suggest(*lot));
      } else if (std::find(d.secured_by.begin(), d.secured_by.end(), i) != d.secured_by.end()) {
        p_.at(item, "lot " + quote_text(*lot) + " is listed twice in 'secured_by'");
      } else {
        d.secured_by.push_back(i);
      }
    }
  }

  void covenants(const Fields& f, Debt& d) {
    const Section s = section(f, "covenants", Kind::Map);
    if (!s.node) return;
    const Fields c(p_, *s.node, kCovenantKeys);
    c.get("min_liquidity", d.covenants.min_liquidity, Bound::NonNeg);
    c.get("max_ltv", d.covenants.max_ltv, Bound::Positive);
    c.get("min_interest_coverage", d.covenants.min_interest_coverage, Bound::NonNeg);
  }

  Problems& p_;
  Names rates_, gpus_, entities_;
  std::optional<Grid> grid_;
  bool has_power_ = false;
};

// ---------------------------------------------------------------------------------- files

// Where a scenario's text comes from: a file, or a built-in embedded in the binary.
struct Source {
  std::string display;  // what diagnostics call it
  std::string key;      // identity, for import cycles and to load a file once
  std::string dir;      // where its relative imports are resolved
  std::string builtin;  // the built-in's name, or "" for a file
};

constexpr std::size_t kMaxFileBytes = 64u << 20;

// The file's bytes; nullopt with `error` set when they cannot be read.
std::optional<std::string> read_file(const std::string& path, std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file)) > 0 && text.size() <= kMaxFileBytes)
    text.append(buf, n);
  const int err = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (err != 0)
    error = std::strerror(err);
  else if (text.size() > kMaxFileBytes)
    error = "file larger than 64 MiB";
  else
    return text;
  return std::nullopt;
}

bool has_yaml_extension(std::string_view s) { return s.ends_with(".yaml") || s.ends_with(".yml"); }

Source builtin_source(std::string_view name) {
  const std::string display = "<builtin>/" + std::string(name) + ".yaml";
  return Source{display, display, "", std::string(name)};
}

Source file_source(const std::string& display) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path absolute = fs::absolute(fs::path(display), ec);
  if (ec) absolute = fs::path(display);
  return Source{display, absolute.lexically_normal().string(),
                fs::path(display).parent_path().string(), ""};
}

std::vector<std::string> builtin_names() {
  std::vector<std::string> names;
  for (const BuiltinFile& b : builtin_files()) names.emplace_back(b.name);
  return names;
}

// Merges `over` into `base`: mappings key by key at any depth, anything else replaced whole. A
// replaced node keeps the position where it was written, so errors point into its own file.
void merge_into(YNode& base, YNode&& over) {
  if (!base.is_map() || !over.is_map()) {
    base = std::move(over);
    return;
  }
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < base.entries.size(); ++i)
    index.emplace(base.entries[i].key.scalar, i);
  for (auto& [k, v] : over.entries) {
    const auto it = index.find(k.scalar);
    if (it == index.end()) {
      index.emplace(k.scalar, base.entries.size());
      base.entries.push_back(YEntry{std::move(k), std::move(v)});
    } else {
      auto& slot = base.entries[it->second];
      slot.key = std::move(k);
      merge_into(slot.value, std::move(v));
    }
  }
  base.file = over.file;
  base.line = over.line;
  base.col = over.col;
}

// Loads a scenario and what it imports into one merged tree. Each file is read and parsed once
// per load; `chain_` holds the files being imported right now, to catch cycles.
class Importer {
 public:
  Importer(Problems& p, std::vector<std::string>& files) : p_(p), files_(files) {}

  // The text's top-level mapping, registered as the next file; nullopt when it is not usable.
  std::optional<YNode> parse(const Source& src, std::string_view text) {
    const int file = static_cast<int>(files_.size());
    files_.push_back(src.display);
    YamlParse parsed = parse_yaml(text, file);
    for (YamlError& e : parsed.errors) p_.at(file, e.line, e.col, std::move(e.message));
    if (!parsed.root) return std::nullopt;
    if (parsed.root->is_null()) {
      p_.at(file, 1, 1, "empty scenario file");
      return std::nullopt;
    }
    if (!parsed.root->is_map()) {
      p_.at(*parsed.root,
            "expected a mapping at the top level (tinderbox: 1, start: ..., ...), got " +
                describe(*parsed.root));
      return std::nullopt;
    }
    return std::move(parsed.root);
  }

  // The `market` and `entities` that root's imports contribute, merged in list order; nullopt
  // when one of them could not be loaded (reported), since checking the rest would only list
  // what the missing file defines.
  std::optional<YNode> imports_of(const YNode& root, const Source& src) {
    YNode merged;
    merged.kind = Kind::Map;
    const YNode* list = root.find("import");
    if (!list || list->is_null()) return merged;
    if (!list->is_seq()) {
      p_.at(*list,
            "expected a list of built-in names or paths for 'import', got " + describe(*list));
      return std::nullopt;
    }
    chain_.push_back(src);
    bool ok = true;
    for (const YNode& entry : list->items) {
      auto part = import_entry(entry, src);
      ok = ok && part;
      if (part) merge_into(merged, std::move(*part));
    }
    chain_.pop_back();
    if (!ok) return std::nullopt;
    return merged;
  }

 private:
  std::optional<YNode> import_entry(const YNode& entry, const Source& from) {
    if (!entry.is_scalar() || entry.scalar.empty()) {
      p_.at(entry, "expected a built-in name or a path in 'import', got " + describe(entry));
      return std::nullopt;
    }
    const auto resolved = resolve(entry, from);
    if (!resolved) return std::nullopt;
    const Source& src = *resolved;
    for (std::size_t i = 0; i < chain_.size(); ++i)
      if (chain_[i].key == src.key) {
        std::string cycle;
        for (std::size_t j = i; j < chain_.size(); ++j) cycle += chain_[j].display + " -> ";
        p_.at(entry, "import cycle: " + cycle + src.display);
        return std::nullopt;
      }
    if (const auto it = done_.find(src.key); it != done_.end()) return it->second;
    auto part = contribution(entry, src);
    if (part) done_.emplace(src.key, *part);
    return part;
  }

  std::optional<Source> resolve(const YNode& entry, const Source& from) {
    const std::string& spec = entry.scalar;
    const bool is_path = spec[0] == '.' || spec[0] == '/' || has_yaml_extension(spec);
    if (is_path && from.builtin.empty()) {
      namespace fs = std::filesystem;
      const fs::path p = spec[0] == '/' ? fs::path(spec) : fs::path(from.dir) / spec;
      return file_source(p.lexically_normal().string());
    }
    std::string name = spec;
    if (is_path) {  // a built-in imports its neighbours, ./x.yaml, from the built-ins
      if (name.starts_with("./")) name.erase(0, 2);
      if (name.ends_with(".yaml"))
        name.resize(name.size() - 5);
      else if (name.ends_with(".yml"))
        name.resize(name.size() - 4);
    }
    if (!find_builtin(name)) {
      const std::string hint = did_you_mean(name, builtin_names());
      p_.at(entry, "unknown built-in scenario " + quote_text(spec) + hint);
      return std::nullopt;
    }
    return builtin_source(name);
  }

  // What an imported file adds: its own imports, then its market and entities on top.
  std::optional<YNode> contribution(const YNode& entry, const Source& src) {
    std::string text;
    if (!src.builtin.empty()) {
      text = std::string(find_builtin(src.builtin)->text);
    } else {
      std::string error;
      auto read = read_file(src.display, error);
      if (!read) {
        p_.at(entry, "cannot import " + quote_text(entry.scalar) + ": " + error);
        return std::nullopt;
      }
      text = std::move(*read);
    }
    auto root = parse(src, text);
    if (!root) return std::nullopt;
    check_keys(p_, *root, kImportedTopKeys);  // its other keys are ignored, but must be known ones
    auto merged = imports_of(*root, src);
    if (!merged) return std::nullopt;
    for (auto& [k, v] : root->entries)
      if (k.scalar == "market" || k.scalar == "entities") {
        YNode one;
        one.kind = Kind::Map;
        one.entries.push_back(YEntry{std::move(k), std::move(v)});
        merge_into(*merged, std::move(one));
      }
    return merged;
  }

  Problems& p_;
  std::vector<std::string>& files_;
  std::vector<Source> chain_;
  std::unordered_map<std::string, YNode> done_;
};

LoadResult load(const Source& src, std::string text) {
  LoadResult result;
  std::vector<std::string> files;
  Problems problems(files);
  Importer importer(problems, files);
  if (auto root = importer.parse(src, text)) {
    if (auto base = importer.imports_of(*root, src)) {
      const YNode* merged = &*root;
      if (!base->entries.empty()) {
        merge_into(*base, std::move(*root));
        merged = &*base;
      }
      Scenario s = ScenarioReader(problems).read(*merged);
      if (problems.empty()) result.scenario = std::move(s);
    }
  }
  result.errors = problems.sorted();
  result.text = std::move(text);
  return result;
}

LoadResult read_error(const std::string& display, const std::string& message) {
  LoadResult result;
  result.errors.push_back(Diagnostic{display, 1, 1, message});
  return result;
}

}  // namespace

LoadResult load_scenario(const std::string& path_or_name) {
  const bool name_like =
      path_or_name.find('/') == std::string::npos && !has_yaml_extension(path_or_name);
  if (name_like)
    if (const BuiltinFile* b = find_builtin(path_or_name))
      return load(builtin_source(b->name), std::string(b->text));
  std::string error;
  auto text = read_file(path_or_name, error);
  if (!text) {
    std::string message = "cannot read file: " + error;
    if (name_like)
      message +=
          " (nor is it a built-in scenario" + did_you_mean(path_or_name, builtin_names()) + ")";
    return read_error(path_or_name, message);
  }
  return load(file_source(path_or_name), std::move(*text));
}

LoadResult load_scenario_text(std::string_view text, const std::string& display_name,
                              const std::string& base_dir) {
  namespace fs = std::filesystem;
  Source src = file_source((fs::path(base_dir) / fs::path(display_name).filename()).string());
  src.display = display_name;
  src.dir = base_dir;
  return load(src, std::string(text));
}

}  // namespace tinderbox
