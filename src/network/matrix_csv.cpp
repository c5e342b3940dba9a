#include "network/matrix_csv.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <tuple>
#include <unordered_map>

#include "util/suggest.h"

namespace tinderbox::network {
namespace {

constexpr std::size_t kMaxLine = 16u << 20;  // a longer line is not a CSV row
constexpr std::size_t kMaxErrors = 20;       // then stop: a wrong file would print forever

struct Cell {
  std::string text;
  int col = 1;  // 1-based byte column where the cell starts
};

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", c);
  return buf;
}

// Length of the valid UTF-8 sequence at s[i], or 0 (overlong forms and surrogates are invalid).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else
    return 0;
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

// The parser's state: the file's lines, one at a time, and the errors found so far.
class Reader {
 public:
  Reader(std::istream& in, std::string display) : in_(in), display_(std::move(display)) {}

  // The next non-blank line split into cells; false at the end of the file or when reading must
  // stop (a byte that is not text, a line too long, too many errors).
  bool next(std::vector<Cell>& cells) {
    while (!stopped_ && read_line()) {
      if (!check_text()) return false;
      if (line_.find_first_not_of(" \t") == std::string::npos) continue;
      if (split(cells)) return true;
    }
    return false;
  }

  void error(int col, std::string message) { error_at(line_no_, col, std::move(message)); }
  void error_at(int line, int col, std::string message) {
    if (errors_.size() == kMaxErrors) {
      errors_.push_back({display_, line, 1, "too many errors; stopping here"});
      stopped_ = true;
      return;
    }
    if (!stopped_) errors_.push_back({display_, line, col, std::move(message)});
  }
  bool failed() const { return !errors_.empty(); }
  bool saw_any_byte() const { return saw_bytes_; }
  int line() const { return line_no_; }
  int end_col() const { return static_cast<int>(line_.size()) + 1; }
  std::vector<Diagnostic>& errors() { return errors_; }
  const std::string& display() const { return display_; }

 private:
  bool read_line() {
    line_.clear();
    char chunk[1 << 16];
    for (;;) {
      in_.getline(chunk, sizeof chunk);
      const auto got = static_cast<std::size_t>(in_.gcount());
      if (got > 0) saw_bytes_ = true;
      if (in_.bad()) {
        error_at(line_no_ + 1, 1, std::string("cannot read file: ") + std::strerror(errno));
        stopped_ = true;
        return false;
      }
      if (in_.eof()) {
        line_.append(chunk, got);
        if (got == 0 && line_.empty()) return false;
        break;
      }
      if (in_.fail()) {  // the chunk filled before the end of the line
        line_.append(chunk, got);
        in_.clear();
        if (line_.size() > kMaxLine) {
          error_at(line_no_ + 1, 1, "line longer than 16 MiB; this is not a CSV file of rows");
          stopped_ = true;
          return false;
        }
        continue;
      }
      line_.append(chunk, got - 1);  // gcount counted the newline
      break;
    }
    ++line_no_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_no_ == 1 && line_.rfind("\xEF\xBB\xBF", 0) == 0) line_.erase(0, 3);
    return true;
  }

  // A file that is not UTF-8 text stops at its first bad byte, with that byte's position.
  bool check_text() {
    for (std::size_t i = 0; i < line_.size();) {
      const auto c = static_cast<unsigned char>(line_[i]);
      if (c < 0x80) {
        if (c < 0x20 && c != '\t') {
          error(static_cast<int>(i) + 1,
                "control character " + hex_byte(c) + " is not allowed (a CSV file is UTF-8 text)");
          stopped_ = true;
          return false;
        }
        ++i;
        continue;
      }
      const std::size_t n = utf8_length(line_, i);
      if (n == 0) {
        error(static_cast<int>(i) + 1,
              "invalid UTF-8 byte " + hex_byte(c) + " (a CSV file is UTF-8 text)");
        stopped_ = true;
        return false;
      }
      i += n;
    }
    return true;
  }

  // Splits line_ at commas outside double quotes; each cell trimmed of spaces and tabs.
  bool split(std::vector<Cell>& cells) {
    cells.clear();
    const std::string& s = line_;
    std::size_t i = 0;
    for (;;) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      Cell cell;
      cell.col = static_cast<int>(i) + 1;
      if (i < s.size() && s[i] == '"') {
        const std::size_t open = i++;
        bool closed = false;
        while (i < s.size()) {
          if (s[i] == '"') {
            if (i + 1 < s.size() && s[i + 1] == '"') {
              cell.text += '"';
              i += 2;
              continue;
            }
            closed = true;
            ++i;
            break;
          }
          cell.text += s[i++];
        }
        if (!closed) {
          error(static_cast<int>(open) + 1, "unterminated quote (a cell cannot span lines)");
          return false;
        }
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        if (i < s.size() && s[i] != ',') {
          error(static_cast<int>(i) + 1, "unexpected character after a closing quote");
          return false;
        }
      } else {
        const std::size_t end = std::min(s.find(',', i), s.size());
        std::size_t last = end;
        while (last > i && (s[last - 1] == ' ' || s[last - 1] == '\t')) --last;
        cell.text = s.substr(i, last - i);
        i = end;
      }
      cells.push_back(std::move(cell));
      if (i >= s.size()) return true;
      ++i;  // the comma
    }
  }

  std::istream& in_;
  std::string display_;
  std::string line_;
  int line_no_ = 0;
  bool stopped_ = false, saw_bytes_ = false;
  std::vector<Diagnostic> errors_;
};

// A non-negative finite decimal, or an error at the cell.
std::optional<double> amount_of(Reader& r, const Cell& c) {
  double x = 0;
  const char* first = c.text.data();
  const char* last = first + c.text.size();
  const auto [end, ec] = std::from_chars(first, last, x);
  if (c.text.empty() || ec != std::errc() || end != last || !std::isfinite(x)) {
    r.error(c.col, "expected a number, got '" + c.text + "'");
    return std::nullopt;
  }
  if (x < 0) {
    r.error(c.col, "negative amount " + c.text + " (amounts are >= 0)");
    return std::nullopt;
  }
  return x;
}

std::string self_message(MatrixKind kind, const std::string& name) {
  return kind == MatrixKind::kLiabilities ? "'" + name + "' cannot owe itself"
                                          : "'" + name + "' cannot be exposed to itself";
}

using Triplet = std::tuple<int, int, double>;

NamedMatrix compress(std::vector<std::string> names, std::vector<Triplet>& entries) {
  std::sort(entries.begin(), entries.end());
  NamedMatrix m;
  m.names = std::move(names);
  m.row_start.assign(m.names.size() + 1, 0);
  for (const auto& [row, col, value] : entries) {
    ++m.row_start[static_cast<std::size_t>(row) + 1];
    m.col.push_back(col);
    m.value.push_back(value);
  }
  for (std::size_t i = 1; i < m.row_start.size(); ++i) m.row_start[i] += m.row_start[i - 1];
  return m;
}

std::optional<NamedMatrix> read_edge_list(Reader& r, MatrixKind kind) {
  std::vector<std::string> names;
  std::unordered_map<std::string, int> index;
  std::unordered_map<std::uint64_t, int> first_line;  // (from, to) -> line
  std::vector<Triplet> entries;
  const auto node = [&](const std::string& name) {
    const auto [it, inserted] = index.try_emplace(name, static_cast<int>(names.size()));
    if (inserted) names.push_back(name);
    return it->second;
  };
  std::vector<Cell> cells;
  while (r.next(cells)) {
    if (cells.size() != 3) {
      r.error(cells.size() > 3 ? cells[3].col : r.end_col(),
              "an edge-list row has 3 cells (from,to,amount); this one has " +
                  std::to_string(cells.size()));
      continue;
    }
    bool ok = true;
    for (int k = 0; k < 2; ++k)
      if (cells[static_cast<std::size_t>(k)].text.empty()) {
        r.error(cells[static_cast<std::size_t>(k)].col, "empty node name");
        ok = false;
      }
    const std::optional<double> amount = amount_of(r, cells[2]);
    if (!ok || !amount) continue;
    if (cells[0].text == cells[1].text) {
      r.error(cells[1].col, self_message(kind, cells[0].text));
      continue;
    }
    const int from = node(cells[0].text), to = node(cells[1].text);
    const std::uint64_t key = (std::uint64_t(std::uint32_t(from)) << 32) | std::uint32_t(to);
    const auto [it, inserted] = first_line.try_emplace(key, r.line());
    if (!inserted) {
      r.error(cells[0].col, "second line for '" + cells[0].text + "' -> '" + cells[1].text +
                                "' (first on line " + std::to_string(it->second) +
                                "); give each pair once");
      continue;
    }
    if (*amount > 0) entries.emplace_back(from, to, *amount);
  }
  if (r.failed()) return std::nullopt;
  return compress(std::move(names), entries);
}

std::optional<NamedMatrix> read_dense(Reader& r, MatrixKind kind, const std::vector<Cell>& header) {
  const int header_line = r.line();
  std::vector<std::string> names;
  std::unordered_map<std::string, int> index;
  for (std::size_t k = 1; k < header.size(); ++k) {
    const Cell& c = header[k];
    if (c.text.empty()) {
      r.error(c.col, "empty node name in the header");
      continue;
    }
    const auto [it, inserted] = index.try_emplace(c.text, static_cast<int>(names.size()));
    if (!inserted) {
      r.error(c.col, "duplicate node name '" + c.text + "' (first in column " +
                         std::to_string(header[static_cast<std::size_t>(it->second) + 1].col) +
                         ")");
      continue;
    }
    names.push_back(c.text);
  }
  if (r.failed()) return std::nullopt;  // the columns would not line up with the names
  std::vector<int> row_line(names.size(), 0);
  std::vector<Triplet> entries;
  std::vector<Cell> cells;
  while (r.next(cells)) {
    const auto it = index.find(cells[0].text);
    if (it == index.end()) {
      r.error(cells[0].col, "unknown node '" + cells[0].text + "' (not in the header)" +
                                did_you_mean(cells[0].text, names));
      continue;
    }
    const int row = it->second;
    int& seen = row_line[static_cast<std::size_t>(row)];
    if (seen) {
      r.error(cells[0].col, "second row for '" + cells[0].text + "' (first on line " +
                                std::to_string(seen) + ")");
      continue;
    }
    seen = r.line();
    if (cells.size() != header.size()) {
      r.error(cells.size() > header.size() ? cells[header.size()].col : r.end_col(),
              "row has " + std::to_string(cells.size()) + " cells; the header has " +
                  std::to_string(header.size()));
      continue;
    }
    for (std::size_t k = 1; k < cells.size(); ++k) {
      const std::optional<double> x = amount_of(r, cells[k]);
      if (!x || *x == 0) continue;
      const int col = static_cast<int>(k) - 1;
      if (col == row)
        r.error(cells[k].col, self_message(kind, names[static_cast<std::size_t>(row)]));
      else
        entries.emplace_back(row, col, *x);
    }
  }
  // A row that is missing may only be misspelt or unreadable above: say so only when the rows
  // had no other problem (one error per cause).
  if (!r.failed())
    for (std::size_t i = 0; i < names.size(); ++i)
      if (!row_line[i]) r.error_at(header_line, header[i + 1].col, "no row for '" + names[i] + "'");
  if (r.failed()) return std::nullopt;
  return compress(std::move(names), entries);
}

std::optional<std::ifstream> open(const std::string& path, std::string& why) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    why = "Is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  return in;
}

}  // namespace

MatrixFile read_matrix_csv(std::istream& in, const std::string& display, MatrixKind kind) {
  Reader r(in, display);
  std::vector<Cell> header;
  MatrixFile out;
  if (!r.next(header)) {
    if (!r.failed())
      r.error_at(1, 1,
                 r.saw_any_byte() ? "no header row: expected node names or 'from,to,amount'"
                                  : "empty file: expected a header row of node names or "
                                    "'from,to,amount'");
  } else if (header.size() == 3 && header[0].text == "from" && header[1].text == "to" &&
             header[2].text == "amount") {
    out.matrix = read_edge_list(r, kind);
  } else if (header.size() < 2) {
    r.error(1,
            "a dense matrix has a header row of node names after a corner cell, an edge list "
            "the header 'from,to,amount'");
  } else {
    out.matrix = read_dense(r, kind, header);
  }
  out.errors = std::move(r.errors());
  if (!out.errors.empty()) out.matrix.reset();
  return out;
}

MatrixFile read_matrix_csv(const std::string& path, MatrixKind kind) {
  std::string why;
  auto in = open(path, why);
  if (!in) return {std::nullopt, {{path, 1, 1, "cannot read file: " + why}}};
  return read_matrix_csv(*in, path, kind);
}

VectorFile read_vector_csv(std::istream& in, const std::string& display,
                           const std::vector<std::string>& names) {
  Reader r(in, display);
  std::unordered_map<std::string, int> index;
  for (std::size_t i = 0; i < names.size(); ++i) index.emplace(names[i], static_cast<int>(i));
  std::vector<double> values(names.size(), 0.0);
  std::vector<int> seen(names.size(), 0);
  std::vector<Cell> cells;
  bool first = true;
  while (r.next(cells)) {
    const bool header = first && cells.size() == 2 && cells[0].text == "name" &&
                        cells[1].text == "value" && !index.count("name");
    first = false;
    if (header) continue;
    if (cells.size() != 2) {
      r.error(
          cells.size() > 2 ? cells[2].col : r.end_col(),
          "a vector row has 2 cells (name,value); this one has " + std::to_string(cells.size()));
      continue;
    }
    const auto it = index.find(cells[0].text);
    if (it == index.end()) {
      r.error(cells[0].col, "unknown node '" + cells[0].text + "' (not in the matrix)" +
                                did_you_mean(cells[0].text, names));
      continue;
    }
    int& line = seen[static_cast<std::size_t>(it->second)];
    if (line) {
      r.error(cells[0].col, "second value for '" + cells[0].text + "' (first on line " +
                                std::to_string(line) + ")");
      continue;
    }
    line = r.line();
    if (const auto x = amount_of(r, cells[1])) values[static_cast<std::size_t>(it->second)] = *x;
  }
  if (!r.saw_any_byte() && !r.failed()) r.error_at(1, 1, "empty file: expected name,value rows");
  VectorFile out;
  out.errors = std::move(r.errors());
  if (out.errors.empty()) out.values = std::move(values);
  return out;
}

VectorFile read_vector_csv(const std::string& path, const std::vector<std::string>& names) {
  std::string why;
  auto in = open(path, why);
  if (!in) return {std::nullopt, {{path, 1, 1, "cannot read file: " + why}}};
  return read_vector_csv(*in, path, names);
}

Liabilities to_liabilities(const NamedMatrix& m, std::vector<double> external) {
  Liabilities L;
  L.nodes = static_cast<int>(m.names.size());
  L.row_start = m.row_start;
  L.creditor = m.col;
  L.amount = m.value;
  L.external = std::move(external);
  return L;
}

Exposures to_exposures(const NamedMatrix& m) {
  Exposures X;
  X.nodes = static_cast<int>(m.names.size());
  X.row_start = m.row_start;
  X.counterparty = m.col;
  X.amount = m.value;
  return X;
}

}  // namespace tinderbox::network
