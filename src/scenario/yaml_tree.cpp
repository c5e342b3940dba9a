#include "scenario/yaml_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cstdio>
#include <exception>
#include <sstream>
#include <unordered_map>

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

class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(int file, const YamlLimits& limits, std::vector<YamlError>& errors)
      : file_(file), limits_(limits), errors_(errors) {}

  std::optional<YNode> root;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1)
      throw Stop{at(mark, "more than one YAML document (a scenario is one document)")};
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    add(start(mark, YNode::Kind::Null));
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
  std::vector<Frame> stack_;
  std::size_t nodes_ = 0;
  int documents_ = 0;
};

}  // namespace

std::string quote_text(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (i >= kMax && (c & 0xC0) != 0x80) {  // cut only at the start of a UTF-8 character
      out += "...";
      break;
    }
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

YamlParse parse_yaml(std::string_view text, int file, const YamlLimits& limits) {
  YamlParse out;
  if (auto bad = check_text(text)) {
    out.errors.push_back(std::move(*bad));
    return out;
  }
  std::istringstream in{std::string(text)};
  TreeBuilder builder(file, limits, out.errors);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const Stop& stop) {
    out.errors.push_back(stop.error);
    return out;
  } catch (const YAML::Exception& e) {
    const YamlError error = at(e.mark, "invalid YAML: " + e.msg);
    out.errors.push_back(tab_indentation(text, error.line).value_or(error));
    return out;
  } catch (const std::exception& e) {
    out.errors.push_back(YamlError{1, 1, std::string("invalid YAML: ") + e.what()});
    return out;
  }
  out.root = builder.root ? std::move(builder.root) : node_at(YNode::Kind::Null, file, 1, 1);
  return out;
}

}  // namespace tinderbox
