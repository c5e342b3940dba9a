// YAML text → a small tree of our own, every node carrying the file and position it was written at.
//
// Why not YAML::Node: positions must survive merging nodes from several files (imports), aliases
// must never be expanded (a "billion laughs" file would otherwise exhaust memory), and every kind
// of bad input — binary garbage, nesting 10,000 deep, a second document — must end as a positioned
// error rather than an exception, a crash or a hang.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinderbox {

struct YEntry;

struct YNode {
  enum class Kind { Null, Scalar, Seq, Map };

  Kind kind = Kind::Null;
  std::string scalar;        // Scalar: the text as YAML resolved it (escapes, folding)
  bool quoted = false;       // written quoted or as a block scalar, so text even if it looks like 5
  bool unusable = false;     // a merge already reported it (imports.cpp): readers skip it quietly
  std::vector<YNode> items;  // Seq
  std::vector<YEntry> entries;  // Map: scalar keys, unique, in file order
  int file = 0;                 // index into the caller's list of files
  int line = 1;                 // 1-based
  int col = 1;                  // 1-based, in bytes

  bool is_map() const { return kind == Kind::Map; }
  bool is_seq() const { return kind == Kind::Seq; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_null() const { return kind == Kind::Null; }
  const YNode* find(std::string_view key) const;  // Map only; nullptr when absent
};

// A mapping's entry. Not std::pair: a pair of an incomplete YNode inside YNode is rejected by
// clang with libstdc++.
struct YEntry {
  YNode key;
  YNode value;
};

struct YamlError {
  int line = 1;
  int col = 1;
  std::string message;
};

// Caps that keep every input cheap: no legitimate scenario comes near them.
struct YamlLimits {
  int max_depth = 64;
  std::size_t max_nodes = 1'000'000;
};

struct YamlParse {
  // Set when the text parsed as one YAML document (a Null node at 1:1 for an empty file). It may
  // come with errors that spoil only part of it (a duplicate key: the later entry is dropped).
  std::optional<YNode> root;
  std::vector<YamlError> errors;
};

YamlParse parse_yaml(std::string_view text, int file, const YamlLimits& limits = {});

// Text from a YAML file inside a one-line message: in single quotes, control characters escaped,
// cut after 40 bytes.
std::string quote_text(std::string_view text);

}  // namespace tinderbox
