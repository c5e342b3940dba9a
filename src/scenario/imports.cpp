#include "scenario/imports.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <unordered_map>
#include <utility>

#include "scenario/builtin.h"
#include "util/suggest.h"

namespace tinderbox::loader {
namespace {

// ---------------------------------------------------------------------------------- files

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

// How a scenario names `src` in its `import` list: a built-in by its name, a file by a path
// from the scenario's folder (the file's own name, for a scenario beside it).
std::string import_spec(const Source& src) {
  if (!src.builtin.empty()) return src.builtin;
  return "./" + std::filesystem::path(src.display).filename().string();
}

// The key is the file's canonical path (symlinks resolved), so that a file reached under two
// names (`./e.yaml` and `./d/up/e.yaml` with d/up -> ..) is one file: read once, and a cycle
// through a symlinked folder is seen as the cycle it is rather than followed until the path is
// too long. weakly_canonical because a missing file must still get a key (its read reports it).
Source file_source(const std::string& display) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path absolute = fs::absolute(fs::path(display), ec);
  if (ec) absolute = fs::path(display);
  fs::path key = fs::weakly_canonical(absolute, ec);
  if (ec) key = absolute.lexically_normal();
  return Source{display, key.string(), fs::path(display).parent_path().string(), ""};
}

std::vector<std::string> builtin_names() {
  std::vector<std::string> names;
  for (const BuiltinFile& b : builtin_files()) names.emplace_back(b.name);
  return names;
}

// ---------------------------------------------------------------------------------- imports

// The item sections of an entity: each may be written as a list or as a mapping from id to item.
constexpr std::string_view kItemSections[] = {"fleet", "contracts", "leases", "capex",
                                              "equity", "debt",      "sites"};

bool is_item_section(const std::vector<std::string_view>& path, std::string_view key) {
  return path.size() == 2 && path[0] == "entities" &&
         std::find(std::begin(kItemSections), std::end(kItemSections), key) !=
             std::end(kItemSections);
}

const char* form_name(const YNode& n) { return n.is_seq() ? "a list" : "a mapping"; }

// Merges `over` into `base`: mappings key by key at any depth, anything else replaced whole. A
// replaced node keeps the position where it was written, so errors point into its own file.
// `path` holds the keys from the top of the tree down to `base`. An entity's item section written
// as a list in one file and as a mapping in the other is an error at the later one.
void merge_into(YNode& base, YNode&& over, Problems& p, std::vector<std::string_view>& path) {
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
      const YNode& was = slot.value;
      const bool mixed = is_item_section(path, k.scalar) && (was.is_seq() || was.is_map()) &&
                         (v.is_seq() || v.is_map()) && was.kind != v.kind;
      if (mixed)
        p.at(v, key_label(k.scalar) + " is " + form_name(v) + " here but " + form_name(was) +
                    " in " + p.where(was, v) + "; write both as lists or both as mappings");
      v.unusable = v.unusable || mixed;  // neither form alone is what the author meant
      slot.key = std::move(k);
      path.push_back(slot.key.scalar);
      merge_into(slot.value, std::move(v), p, path);
      path.pop_back();
    }
  }
  base.file = over.file;
  base.line = over.line;
  base.col = over.col;
}

void merge_into(YNode& base, YNode&& over, Problems& p) {
  std::vector<std::string_view> path;
  merge_into(base, std::move(over), p, path);
}

// How deep imports may nest (the main file importing a file is depth 1). Each level is a few
// frames of recursion; without a cap, a chain of 10,000 files that each import the next
// overflowed the stack. No real scenario comes near it (the built-ins nest 3 deep).
constexpr std::size_t kMaxImportDepth = 64;

// Loads a scenario and what it imports into one merged tree. Each file is read and parsed once
// per load; `chain_` holds the files being imported right now, to catch cycles.
class Importer {
 public:
  Importer(Problems& p, std::vector<std::string>& files, std::span<const Key> top_keys,
           std::vector<std::string>* texts)
      : p_(p), files_(files), texts_(texts), top_keys_(top_keys) {}

  // The text's top-level mapping, registered as the next file; nullopt when it is not usable.
  std::optional<YNode> parse(const Source& src, std::string_view text) {
    const int file = static_cast<int>(files_.size());
    files_.push_back(src.display);
    if (texts_) texts_->emplace_back(text);
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

  // The `market`, `entities`, `stochastic` and `creditor_classes` that root's imports contribute,
  // merged in list
  // order; nullopt when one of them could not be loaded (reported), since checking the rest would
  // only list what the missing file defines.
  std::optional<YNode> imports_of(const YNode& root, const Source& src) {
    YNode merged;
    merged.kind = YNode::Kind::Map;
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
      if (part) merge_into(merged, std::move(*part), p_);
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
        const bool renamed = chain_[i].display != src.display;  // through a symlink, say
        p_.at(entry, "import cycle: " + cycle + src.display + (renamed ? " (the same file)" : ""));
        return std::nullopt;
      }
    if (const auto it = done_.find(src.key); it != done_.end()) return it->second;
    // chain_ holds the main file and every file importing this one, so its size is this
    // import's depth.
    if (chain_.size() > kMaxImportDepth) {
      p_.at(entry, "imports nested more than " + std::to_string(kMaxImportDepth) + " deep (" +
                       chain_.front().display + " -> ... -> " + chain_.back().display + " -> " +
                       src.display + ")");
      return std::nullopt;
    }
    auto part = contribution(entry, src);
    // A failure is kept too: its errors are already reported, and reading the file again on
    // another path would only repeat them, exponentially often in a deep diamond of imports.
    done_.emplace(src.key, part);
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

  // What an imported file adds: its own imports, then its market, entities, stochastic drivers
  // and creditor classes on top.
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
    // An imported file may be a whole scenario: only its market, entities, stochastic drivers and
    // creditor classes are used, but its other keys must be known ones.
    check_unknown_keys(p_, *root, top_keys_);
    auto merged = imports_of(*root, src);
    if (!merged) return std::nullopt;
    for (auto& [k, v] : root->entries)
      if (k.scalar == "market" || k.scalar == "entities" || k.scalar == "stochastic" ||
          k.scalar == "creditor_classes") {
        YNode one;
        one.kind = YNode::Kind::Map;
        one.entries.push_back(YEntry{std::move(k), std::move(v)});
        merge_into(*merged, std::move(one), p_);
      }
    return merged;
  }

  Problems& p_;
  std::vector<std::string>& files_;
  std::vector<std::string>* texts_;
  std::span<const Key> top_keys_;
  std::vector<Source> chain_;
  std::unordered_map<std::string, std::optional<YNode>> done_;  // by key
};

}  // namespace

std::optional<SourceText> read_source(const std::string& path_or_name, std::string& error) {
  const bool name_like =
      path_or_name.find('/') == std::string::npos && !has_yaml_extension(path_or_name);
  if (name_like)
    if (const BuiltinFile* b = find_builtin(path_or_name))
      return SourceText{builtin_source(b->name), std::string(b->text)};
  std::string why;
  auto text = read_file(path_or_name, why);
  if (!text) {
    error = "cannot read file: " + why;
    if (name_like) {
      // "…; did you mean 'x'?", not nested brackets.
      const std::string close = closest(path_or_name, builtin_names());
      error += " (nor is it a built-in scenario" +
               (close.empty() ? std::string() : "; did you mean '" + close + "'?") + ")";
    }
    return std::nullopt;
  }
  return SourceText{file_source(path_or_name), std::move(*text)};
}

Source text_source(const std::string& display_name, const std::string& base_dir) {
  namespace fs = std::filesystem;
  Source src = file_source((fs::path(base_dir) / fs::path(display_name).filename()).string());
  src.display = display_name;
  src.dir = base_dir;
  return src;
}

std::optional<YNode> read_tree(Problems& p, std::vector<std::string>& files, const Source& src,
                               std::string_view text, std::span<const Key> top_keys,
                               std::vector<std::string>* texts) {
  Importer importer(p, files, top_keys, texts);
  auto root = importer.parse(src, text);
  if (!root) return std::nullopt;
  // Without `tinderbox:` the file is a part meant to be imported (builtin.h, is_import_only):
  // read as a whole scenario it would only list what its importers supply (start, horizon,
  // balances), hiding the one thing to fix. Imports contribute no `tinderbox`, so the main file's
  // own keys decide.
  if (!root->find("tinderbox")) {
    p.at(*root, "missing required key 'tinderbox': a file without it is an import-only fragment; "
                "import it from a scenario (`import: [" + import_spec(src) +
                    "]`), or add `tinderbox: 1` if this file is meant to be a scenario");
    return std::nullopt;
  }
  auto base = importer.imports_of(*root, src);
  if (!base) return std::nullopt;
  if (base->entries.empty()) return root;
  merge_into(*base, std::move(*root), p);
  return base;
}

}  // namespace tinderbox::loader
