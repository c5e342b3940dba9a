#include "scenario/yaml_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <exception>
#include <sstream>
#include <unordered_map>

#include "util/text.h"

namespace tinderbox {

const YNode* YNode::find(std::string_view key) const {
  for (const auto& [k, v] : entries)
    if (k.scalar == key) return &v;
  return nullptr;
}

namespace {

// Thrown from inside yaml-cpp's callbacks to stop at the first problem that makes the rest of
// the document meaningless (an alias, too deep, too many nodes, a second document).
struct Stop {
  YamlError error;
};

YNode node_at(YNode::Kind kind, int file, int line, int col) {
  YNode n;
  n.kind = kind;
  n.file = file;
  n.line = line;
  n.col = col;
  return n;
}

YamlError at(const YAML::Mark& m, std::string message) {
  if (m.is_null()) return YamlError{1, 1, std::move(message)};
  return YamlError{m.line + 1, m.column + 1, std::move(message)};
}

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", c);
  return buf;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 (overlong forms, surrogates and code
// points above U+10FFFF are invalid).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
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
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

// yaml-cpp silently decodes bad bytes and even takes 0x04 for the end of the input, so the text
// is checked here first: a file that is not UTF-8 text gets the position of its first bad byte.
// A CR not followed by LF is refused too: yaml-cpp takes it for neither a line break nor a space,
// so a file saved with old-Mac CR-only endings read as one long line — a first-line comment
// made the whole file "empty". Accepting CR-only endings would need every later position
// (yaml-cpp's, and ours) to count lines alike; one clear error costs the author a re-save.
std::optional<YamlError> check_text(std::string_view s) {
  int line = 1, col = 1;
  std::size_t i = s.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 1;
    if (c >= 0x80) {
      n = utf8_length(s, i);
      if (n == 0)
        return YamlError{line, col,
                         "invalid UTF-8 byte " + hex_byte(c) + " (a scenario is UTF-8 text)"};
    } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return YamlError{
          line, col,
          "control character " + hex_byte(c) + " is not allowed (a scenario is UTF-8 text)"};
    }
    if (c == '\r' && (i + 1 == s.size() || s[i + 1] != '\n'))
      return YamlError{line, col,
                       s.find('\n') == std::string_view::npos
                           ? "line endings are CR only; save the file with LF or CRLF line endings"
                           : "carriage return (CR) without a line feed after it; lines end with "
                             "LF or CRLF"};
    if (c == '\n') {
      ++line;
      col = 1;
    } else {
      col += static_cast<int>(n);
    }
    i += n;
  }
  return std::nullopt;
}

// yaml-cpp's message for a tab in the indentation ("end of map not found") does not say what is
// wrong: name the tab when the failing line, or the one before it, is indented with one.
std::optional<YamlError> tab_indentation(std::string_view s, int error_line) {
  int line = 1;
  for (std::size_t i = 0; i < s.size() && line <= error_line; ++line) {
    std::size_t j = i;
    while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
    const std::size_t tab = s.substr(i, j - i).find('\t');
    if (line >= error_line - 1 && tab != std::string_view::npos && j < s.size() && s[j] != '\n' &&
        s[j] != '#')
      return YamlError{line, static_cast<int>(tab) + 1,
                       "tab in indentation (YAML indents with spaces only)"};
    const std::size_t eol = s.find('\n', i);
    i = eol == std::string_view::npos ? s.size() : eol + 1;
  }
  return std::nullopt;
}

// Byte offsets of the text's lines, to find what a yaml-cpp mark points at (its line and column
// count bytes, after a byte-order mark).
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {
    starts_.push_back(text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts_.push_back(i + 1);
  }
  std::string_view text() const { return text_; }
  std::size_t count() const { return starts_.size(); }
  std::size_t start(std::size_t line0) const { return starts_[line0]; }
  // The offset `mark` points at, or npos when it is outside the text.
  std::size_t offset(const YAML::Mark& mark) const {
    if (mark.is_null() || mark.line < 0 || static_cast<std::size_t>(mark.line) >= starts_.size())
      return std::string_view::npos;
    const std::size_t at = starts_[static_cast<std::size_t>(mark.line)] +
                           static_cast<std::size_t>(std::max(mark.column, 0));
    return at < text_.size() ? at : std::string_view::npos;
  }
  // The block sequence indicator `-` that the text before `mark` ends with, past blank lines and
  // comments, as a 0-based (line, column); nothing when other text comes first. yaml-cpp places
  // an empty item (`-` and nothing after) at the next token, which may be lines further down.
  std::optional<std::pair<int, int>> dash_before(const YAML::Mark& mark) const {
    if (mark.is_null() || mark.line < 0 || static_cast<std::size_t>(mark.line) >= starts_.size())
      return std::nullopt;
    for (auto line = static_cast<std::size_t>(mark.line) + 1; line-- > 0;) {
      const std::size_t begin = starts_[line];
      std::size_t end = line + 1 < starts_.size() ? starts_[line + 1] : text_.size();
      if (line == static_cast<std::size_t>(mark.line))
        end = std::min(end, begin + static_cast<std::size_t>(std::max(mark.column, 0)));
      std::string_view chunk = text_.substr(begin, end - begin);
      // A comment starts at a '#' at the line's start or after a blank (YAML 1.2, 6.6).
      for (std::size_t i = 0; i < chunk.size(); ++i)
        if (chunk[i] == '#' && (i == 0 || chunk[i - 1] == ' ' || chunk[i - 1] == '\t')) {
          chunk = chunk.substr(0, i);
          break;
        }
      while (!chunk.empty() && std::string_view(" \t\r\n").find(chunk.back()) != std::string_view::npos)
        chunk.remove_suffix(1);
      if (chunk.empty()) continue;
      const std::size_t dash = chunk.size() - 1;
      if (chunk[dash] != '-' || (dash > 0 && chunk[dash - 1] != ' ' && chunk[dash - 1] != '\t'))
        return std::nullopt;
      return std::pair{static_cast<int>(line), static_cast<int>(dash)};
    }
    return std::nullopt;
  }

 private:
  std::string_view text_;
  std::vector<std::size_t> starts_;
};

// The offset of the quote that closes the quoted scalar opened at `open`, or npos when the text
// ends first: in double quotes a backslash escapes the next byte, in single quotes '' is one
// quote (YAML 1.2, 7.3). Scalars do not overlap, so scanning each once is linear in all.
std::size_t closing_quote(std::string_view s, std::size_t open) {
  const char q = s[open];
  for (std::size_t i = open + 1; i < s.size(); ++i) {
    if (q == '"' && s[i] == '\\')
      ++i;
    else if (s[i] == q) {
      if (q == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
        ++i;
        continue;
      }
      return i;
    }
  }
  return std::string_view::npos;
}

class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(int file, const YamlLimits& limits, std::vector<YamlError>& errors,
              const Lines& lines)
      : file_(file), limits_(limits), errors_(errors), lines_(lines) {}

  // [opening quote, closing quote] of each quoted scalar read, in file order: where a line that
  // begins with '%' is text, not a directive.
  std::vector<std::pair<std::size_t, std::size_t>> quoted_spans;

  std::optional<YNode> root;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1)
      throw Stop{at(mark, "more than one YAML document (a scenario is one document)")};
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    YNode n = start(mark, YNode::Kind::Null);
    // For a value left empty (`horizon:` and nothing after) yaml-cpp gives the position of the
    // next token, which may be lines further down: such a value is reported at its key instead.
    // A null written as `~` or `null` keeps its own position.
    if (!stack_.empty() && stack_.back().node.is_map() && stack_.back().key &&
        !written_null(mark)) {
      n.line = stack_.back().key->line;
      n.col = stack_.back().key->col;
    }
    // Likewise an empty list item is reported at its `-`.
    if (!stack_.empty() && stack_.back().node.kind == YNode::Kind::Seq && !written_null(mark))
      if (const auto dash = lines_.dash_before(mark)) {
        n.line = dash->first + 1;
        n.col = dash->second + 1;
      }
    add(std::move(n));
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    throw Stop{at(mark, kNoAnchors)};
  }
  void OnAnchor(const YAML::Mark& mark, const std::string&) override {
    throw Stop{at(mark, kNoAnchors)};
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                const std::string& value) override {
    YNode n = start(mark, YNode::Kind::Scalar);
    check_tag(mark, tag);
    check_quotes(mark);
    n.scalar = value;
    n.quoted = tag != "?";  // yaml-cpp's non-specific tag: "?" plain, "!" quoted or block
    add(std::move(n));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    open(mark, tag, YNode::Kind::Seq);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    open(mark, tag, YNode::Kind::Map);
  }
  void OnMapEnd() override {
    Frame& f = stack_.back();
    if (f.key)
      add_entry(f, std::move(*f.key), node_at(YNode::Kind::Null, file_, f.key->line, f.key->col));
    close();
  }

 private:
  static constexpr const char* kNoAnchors = "YAML anchors and aliases are not supported";

  struct Frame {
    YNode node;
    std::optional<YNode> key;                                   // a map's key waiting for its value
    std::unordered_map<std::string, std::pair<int, int>> seen;  // key → line, col
  };

  YNode start(const YAML::Mark& mark, YNode::Kind kind) {
    if (++nodes_ > limits_.max_nodes)
      throw Stop{at(mark, "more than " + std::to_string(limits_.max_nodes) + " YAML nodes")};
    const YamlError pos = at(mark, "");
    return node_at(kind, file_, pos.line, pos.col);
  }

  bool written_null(const YAML::Mark& mark) const {
    const std::size_t at = lines_.offset(mark);
    if (at == std::string_view::npos) return false;
    const std::string_view rest = lines_.text().substr(at);
    std::size_t n = 0;
    if (rest.starts_with('~'))
      n = 1;
    else if (rest.starts_with("null") || rest.starts_with("Null") || rest.starts_with("NULL"))
      n = 4;
    // ...and the word ends there: a next key `nullable:` is not a written null.
    return n > 0 && (n == rest.size() || std::string_view(" \t\r\n,]}#").find(rest[n]) !=
                                              std::string_view::npos);
  }

  // yaml-cpp lets a quoted scalar without its closing quote run to the end of the file, taking
  // every key after it as its text (a forgotten quote in `name:` emptied the scenario). A
  // quoted scalar's mark is its opening quote, so the close is looked for from there.
  void check_quotes(const YAML::Mark& mark) {
    const std::size_t open = lines_.offset(mark);
    if (open == std::string_view::npos) return;
    const char c = lines_.text()[open];
    if (c != '"' && c != '\'') return;
    const std::size_t close = closing_quote(lines_.text(), open);
    if (close == std::string_view::npos)
      throw Stop{at(mark, "unterminated quoted string (it runs to the end of the file)")};
    quoted_spans.emplace_back(open, close);
  }

  void check_tag(const YAML::Mark& mark, const std::string& tag) {
    if (!tag.empty() && tag != "?" && tag != "!")
      errors_.push_back(at(mark, "YAML tags are not supported (" + quote_text(tag) + ")"));
  }

  void open(const YAML::Mark& mark, const std::string& tag, YNode::Kind kind) {
    if (stack_.size() >= static_cast<std::size_t>(limits_.max_depth))
      throw Stop{at(mark, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels")};
    YNode n = start(mark, kind);
    check_tag(mark, tag);
    stack_.push_back(Frame{std::move(n), std::nullopt, {}});
  }

  void close() {
    YNode n = std::move(stack_.back().node);
    stack_.pop_back();
    add(std::move(n));
  }

  void add(YNode n) {
    if (stack_.empty()) {
      root = std::move(n);
      return;
    }
    Frame& f = stack_.back();
    if (f.node.is_seq()) {
      f.node.items.push_back(std::move(n));
    } else if (!f.key) {
      f.key = std::move(n);
    } else {
      YNode key = std::move(*f.key);
      f.key.reset();
      add_entry(f, std::move(key), std::move(n));
    }
  }

  void add_entry(Frame& f, YNode key, YNode value) {
    if (!key.is_scalar()) {
      errors_.push_back(YamlError{key.line, key.col,
                                  key.is_null()
                                      ? "empty mapping key"
                                      : "mapping keys must be scalars, not lists or mappings"});
      return;
    }
    const auto [it, fresh] = f.seen.try_emplace(key.scalar, key.line, key.col);
    if (!fresh) {
      errors_.push_back(YamlError{key.line, key.col,
                                  "duplicate key " + quote_text(key.scalar) +
                                      " (first defined at " + std::to_string(it->second.first) +
                                      ":" + std::to_string(it->second.second) + ")"});
      return;
    }
    f.node.entries.push_back(YEntry{std::move(key), std::move(value)});
  }

  int file_;
  const YamlLimits& limits_;
  std::vector<YamlError>& errors_;
  const Lines& lines_;
  std::vector<Frame> stack_;
  std::size_t nodes_ = 0;
  int documents_ = 0;
};

// The first line that begins with '%' outside a quoted scalar, as 0-based line. yaml-cpp takes
// such a line for a directive wherever it is: after content it ends the document, so the rest
// of the file was dropped without a word (`%period: quarter` at the end) or read as a second
// document. A scenario is one document without directives, so any such line is an error.
// `spans` are the quoted scalars read (sorted); a line inside one is text.
std::optional<std::size_t> directive_line(
    const Lines& lines, const std::vector<std::pair<std::size_t, std::size_t>>& spans) {
  const std::string_view s = lines.text();
  for (std::size_t l = 0; l < lines.count(); ++l) {
    const std::size_t at = lines.start(l);
    if (at >= s.size() || s[at] != '%') continue;
    const auto it = std::upper_bound(spans.begin(), spans.end(),
                                     std::pair{at, std::string_view::npos});
    if (it != spans.begin() && std::prev(it)->second > at) continue;
    return l;
  }
  return std::nullopt;
}

}  // namespace

std::string quote_text(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::size_t cut = std::min(kMax, s.size());  // cut only at the start of a UTF-8 character
  while (cut < s.size() && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) ++cut;
  // Appended piece by piece: "'" + ... trips GCC 12's false -Wrestrict at -O3.
  std::string out = "'";
  out += one_line(s.substr(0, cut));
  if (cut < s.size()) out += "...";
  out += '\'';
  return out;
}

YamlParse parse_yaml(std::string_view text, int file, const YamlLimits& limits) {
  YamlParse out;
  if (auto bad = check_text(text)) {
    out.errors.push_back(std::move(*bad));
    return out;
  }
  std::istringstream in{std::string(text)};
  const Lines lines(text);
  TreeBuilder builder(file, limits, out.errors, lines);
  bool parsed = false;
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
    parsed = true;
  } catch (const Stop& stop) {
    out.errors.push_back(stop.error);
  } catch (const YAML::Exception& e) {
    const YamlError error = at(e.mark, "invalid YAML: " + e.msg);
    out.errors.push_back(tab_indentation(text, error.line).value_or(error));
  } catch (const std::exception& e) {
    out.errors.push_back(YamlError{1, 1, std::string("invalid YAML: ") + e.what()});
  }
  // A directive ends the document where it stands, so whatever yaml-cpp said after it (a second
  // document, a flow left open) follows from it: it alone is reported from its line on.
  if (const auto l = directive_line(lines, builder.quoted_spans)) {
    const int line = static_cast<int>(*l) + 1;
    if (parsed || out.errors.empty() || out.errors.back().line >= line) {
      std::erase_if(out.errors, [&](const YamlError& e) { return e.line >= line; });
      const std::string_view rest = text.substr(lines.start(*l));
      out.errors.push_back(YamlError{
          line, 1,
          "a line that begins with '%' is a YAML directive (" +
              quote_text(rest.substr(0, rest.find_first_of("\r\n"))) +
              "); a scenario is one document without directives (comments begin with '#')"});
      return out;
    }
  }
  if (!parsed) return out;
  out.root = builder.root ? std::move(builder.root) : node_at(YNode::Kind::Null, file, 1, 1);
  return out;
}

}  // namespace tinderbox
