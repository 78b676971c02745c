// An owned, read-only YAML document: what job-config.yml and the worker's limits are read from.
// libyaml's event parser builds it (yaml-cpp's scanner was most of a job's planning time); when
// libyaml refuses the text, finds an undefined alias or nesting near yaml-cpp's depth limit,
// yaml-cpp's parser builds it instead, so the documents accepted and the syntax errors reported
// stay yaml-cpp's. Only the first document is read. An alias is the anchored node itself (no
// copy is made, as in yaml-cpp), so a node may be reached along many paths and even contain
// itself: readers walk it by the schema, never by blind recursion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace recodex::worker {

class yaml_tree;

// A handle on one node of a yaml_tree (the tree must outlive it). Null is yaml-cpp's null: an
// empty value or a plain, untagged ~, null, Null or NULL.
class yaml_node {
public:
  enum class kind : std::uint8_t { null, scalar, sequence, mapping };

  kind type() const;
  bool is_null() const { return type() == kind::null; }
  bool is_scalar() const { return type() == kind::scalar; }
  bool is_sequence() const { return type() == kind::sequence; }
  bool is_mapping() const { return type() == kind::mapping; }

  // 1-based line where the node starts (an alias: where its anchored node starts); 0 when
  // unknown (the null root of an empty document).
  int line() const;
  // The text of a scalar; empty for other kinds.
  std::string_view scalar() const;
  // Items of a sequence or entries of a mapping (duplicate keys included, in file order).
  std::size_t size() const;
  yaml_node operator[](std::size_t item) const; // of a sequence, item < size()
  yaml_node key(std::size_t entry) const;       // of a mapping, entry < size()
  yaml_node value(std::size_t entry) const;

private:
  friend class yaml_tree;
  yaml_node(const yaml_tree* tree, std::size_t id) : tree_(tree), id_(id) {}
  const yaml_tree* tree_;
  std::size_t id_;
};

class yaml_tree {
public:
  yaml_node root() const { return {this, root_}; }

  // How many nodes a reader that follows every path from the root, at most `depth` edges deep,
  // would visit: a node reached along several paths (through aliases) counts once per path.
  // Counting stops at `cap`. Linear in the tree's size times `depth`, however the aliases nest,
  // so a reader can refuse an "alias bomb" before expanding it.
  std::size_t paths_within(unsigned depth, std::size_t cap) const;

private:
  friend class yaml_node;
  friend class yaml_tree_builder;
  struct record {
    yaml_node::kind type = yaml_node::kind::null;
    int line = 0;
    std::size_t first = 0; // scalar: offset in text_; collection: index in children_
    std::size_t count = 0; // scalar: length; sequence: items; mapping: 2 * entries
  };
  std::vector<record> nodes_;
  std::vector<std::size_t> children_; // a mapping's are key, value, key, value, ...
  std::string text_;                  // every scalar, back to back
  std::size_t root_ = 0;
};

// What yaml-cpp reports for text it cannot parse: its message and its mark's line + 1 (0 when
// it gave no mark).
struct yaml_syntax_error {
  std::string message;
  int line = 0;
};

// Parses the first document of `text`. Throws only std::bad_alloc.
std::variant<yaml_tree, yaml_syntax_error> parse_yaml(std::string_view text);

// The same with yaml-cpp alone, as parse_yaml falls back to; for tests and benchmarks.
std::variant<yaml_tree, yaml_syntax_error> parse_yaml_with_yaml_cpp(std::string_view text);

} // namespace recodex::worker
