// Theory of operation: both parsers are event parsers (libyaml's yaml_parser_parse, yaml-cpp's
// Parser with an EventHandler) and feed one builder. The builder keeps the open collections on
// a stack and the children of all of them on one scratch stack; a collection's end moves its
// children to the tree in one contiguous block, so no recursion and no per-node allocation.
// yaml-cpp is the reference for what the tree holds, and libyaml's events are mapped onto it:
//  - null is an empty value, or a plain untagged ~/null/Null/NULL (yaml-cpp's IsNullString);
//  - an empty value sits, in yaml-cpp, at the token after it (the next key, entry or end):
//    libyaml puts it at the token before, so it takes the line of the next event;
//  - an alias is its anchor's node; a later anchor of the same name replaces the earlier one.
// Whatever libyaml does not accept is handed to yaml-cpp whole: its own errors, an alias with
// no anchor (libyaml's event parser does not check), nesting near yaml-cpp's depth limit (500
// nested nodes, so that limit and its message stay yaml-cpp's), and the spots where the two
// scanners were found to disagree by differential fuzzing (anchor and alias names, plain
// scalars in [ ] and { } with a '?' or over several lines).
#include "actors/worker/evaluation/yaml_tree.hpp"

#include <cassert>
#include <cctype>
#include <memory>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <algorithm>
#include <yaml-cpp/yaml.h>
#include <yaml.h>

namespace recodex::worker {

// -- yaml_tree --

std::size_t yaml_tree::paths_within(unsigned depth, std::size_t cap) const {
  // below[n]: the nodes on paths from n at most d edges deep, for d = 0, 1, ... depth.
  std::vector<std::size_t> below(nodes_.size(), 1), next(nodes_.size());
  for (unsigned d = 1; d <= depth; ++d) {
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      const auto& r = nodes_[n];
      std::size_t total = 1;
      if (r.type == yaml_node::kind::sequence || r.type == yaml_node::kind::mapping)
        for (std::size_t c = 0; c < r.count && total < cap; ++c)
          total += std::min(below[children_[r.first + c]], cap);
      next[n] = std::min(total, cap);
    }
    below.swap(next);
  }
  return nodes_.empty() ? 0 : std::min(below[root_], cap);
}

// -- yaml_node --

yaml_node::kind yaml_node::type() const {
  return tree_->nodes_[id_].type;
}

int yaml_node::line() const {
  return tree_->nodes_[id_].line;
}

std::string_view yaml_node::scalar() const {
  const auto& r = tree_->nodes_[id_];
  if (r.type != kind::scalar)
    return {};
  return std::string_view(tree_->text_).substr(r.first, r.count);
}

std::size_t yaml_node::size() const {
  const auto& r = tree_->nodes_[id_];
  switch (r.type) {
  case kind::sequence:
    return r.count;
  case kind::mapping:
    return r.count / 2;
  default:
    return 0;
  }
}

yaml_node yaml_node::operator[](std::size_t item) const {
  const auto& r = tree_->nodes_[id_];
  assert(r.type == kind::sequence && item < r.count);
  return {tree_, tree_->children_[r.first + item]};
}

yaml_node yaml_node::key(std::size_t entry) const {
  const auto& r = tree_->nodes_[id_];
  assert(r.type == kind::mapping && 2 * entry < r.count);
  return {tree_, tree_->children_[r.first + 2 * entry]};
}

yaml_node yaml_node::value(std::size_t entry) const {
  const auto& r = tree_->nodes_[id_];
  assert(r.type == kind::mapping && 2 * entry < r.count);
  return {tree_, tree_->children_[r.first + 2 * entry + 1]};
}

// -- the builder --

class yaml_tree_builder {
public:
  using kind = yaml_node::kind;

  std::size_t depth() const { return open_.size(); }

  std::size_t null(int line) { return add({kind::null, line, 0, 0}); }

  std::size_t scalar(int line, std::string_view text) {
    const auto offset = tree_.text_.size();
    tree_.text_.append(text);
    return add({kind::scalar, line, offset, text.size()});
  }

  void alias(std::size_t id) { attach(id); }

  std::size_t start(kind type, int line) {
    const auto id = add({type, line, 0, 0});
    open_.push_back({id, scratch_.size()});
    return id;
  }

  void end() {
    assert(!open_.empty());
    const auto [id, first] = open_.back();
    open_.pop_back();
    auto& r = tree_.nodes_[id];
    r.first = tree_.children_.size();
    r.count = scratch_.size() - first;
    tree_.children_.insert(tree_.children_.end(), scratch_.begin() + first, scratch_.end());
    scratch_.resize(first);
  }

  // An empty value's line is set by the next event (see the theory above).
  void set_line(std::size_t id, int line) { tree_.nodes_[id].line = line; }

  yaml_tree finish() {
    if (!has_root_) {
      tree_.root_ = tree_.nodes_.size();
      tree_.nodes_.push_back({kind::null, 0, 0, 0});
    }
    return std::move(tree_);
  }

private:
  std::size_t add(const yaml_tree::record& r) {
    const auto id = tree_.nodes_.size();
    tree_.nodes_.push_back(r);
    attach(id);
    return id;
  }

  void attach(std::size_t id) {
    if (!open_.empty()) {
      scratch_.push_back(id);
    } else if (!has_root_) {
      tree_.root_ = id;
      has_root_ = true;
    }
  }

  struct open_collection {
    std::size_t id;
    std::size_t first_child; // in scratch_
  };

  yaml_tree tree_;
  std::vector<open_collection> open_;
  std::vector<std::size_t> scratch_;
  bool has_root_ = false;
};

namespace {

// -- libyaml --

// Deeper than this, yaml-cpp decides (it refuses 500 nested nodes with "bad file").
constexpr std::size_t libyaml_max_depth = 450;

bool is_null_text(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

int line_of(const yaml_mark_t& mark) {
  return static_cast<int>(mark.line) + 1;
}

std::string_view text_of(const yaml_char_t* text) {
  return text ? std::string_view(reinterpret_cast<const char*>(text)) : std::string_view{};
}

class libyaml_parser {
public:
  libyaml_parser() {
    if (!yaml_parser_initialize(&parser_))
      throw std::bad_alloc();
  }
  ~libyaml_parser() { yaml_parser_delete(&parser_); }
  libyaml_parser(const libyaml_parser&) = delete;
  libyaml_parser& operator=(const libyaml_parser&) = delete;

  yaml_parser_t* get() { return &parser_; }

private:
  yaml_parser_t parser_;
};

class libyaml_event {
public:
  libyaml_event() = default;
  ~libyaml_event() { clear(); }
  libyaml_event(const libyaml_event&) = delete;
  libyaml_event& operator=(const libyaml_event&) = delete;

  // Parses the next event; false on a syntax error (or when libyaml ran out of memory).
  bool next(yaml_parser_t* parser) {
    clear();
    parsed_ = yaml_parser_parse(parser, &event_) != 0;
    return parsed_;
  }
  const yaml_event_t& operator*() const { return event_; }
  const yaml_event_t* operator->() const { return &event_; }

private:
  void clear() {
    if (parsed_)
      yaml_event_delete(&event_);
    parsed_ = false;
  }
  yaml_event_t event_{};
  bool parsed_ = false;
};

// yaml-cpp takes every character up to a blank or one of []{}, into an anchor or alias name;
// libyaml stops at the first one that is not alphanumeric, - or _ and may then read what follows
// as something else (`&a:` is an anchored empty key to libyaml, the anchor "a:" to yaml-cpp).
// True when some name is not the same to both (scalars that only look like one count too).
bool has_names_libyaml_reads_differently(std::string_view text) {
  const auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((text[i] != '&' && text[i] != '*') ||
        (i > 0 && !is_blank(text[i - 1]) &&
         std::string_view("[{,").find(text[i - 1]) == std::string_view::npos))
      continue;
    for (std::size_t j = i + 1; j < text.size(); ++j) {
      const char c = text[j];
      if (is_blank(c) || std::string_view("[]{},").find(c) != std::string_view::npos)
        break;
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
        return true;
    }
  }
  return false;
}

// The tree of the first document, or nothing when yaml-cpp must decide.
std::optional<yaml_tree> parse_with_libyaml(std::string_view text) {
  if (has_names_libyaml_reads_differently(text))
    return std::nullopt;
  libyaml_parser parser;
  yaml_parser_set_input_string(parser.get(), reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  yaml_tree_builder builder;
  std::unordered_map<std::string, std::size_t> anchors;
  std::optional<std::size_t> pending_empty; // an empty value waiting for the next event's line
  std::vector<bool> flow;                   // per open collection: is it [ ] or { }
  std::size_t flow_level = 0;
  libyaml_event event;
  const auto anchor = [&](const yaml_char_t* name, std::size_t id) {
    if (name)
      anchors[std::string(text_of(name))] = id;
  };
  for (;;) {
    if (!event.next(parser.get()))
      return std::nullopt;
    if (pending_empty) {
      builder.set_line(*pending_empty, line_of(event->start_mark));
      pending_empty.reset();
    }
    switch (event->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_START_EVENT:
      break;
    case YAML_STREAM_END_EVENT:
      return builder.finish();
    case YAML_DOCUMENT_END_EVENT:
      // yaml-cpp reads one token past its document and fails on what cannot start the next;
      // libyaml does so only with the next event.
      if (!event.next(parser.get()))
        return std::nullopt;
      return builder.finish();
    case YAML_ALIAS_EVENT: {
      const auto found = anchors.find(std::string(text_of(event->data.alias.anchor)));
      if (found == anchors.end())
        return std::nullopt;
      builder.alias(found->second);
      break;
    }
    case YAML_SCALAR_EVENT: {
      const auto& s = event->data.scalar;
      const std::string_view value(reinterpret_cast<const char*>(s.value), s.length);
      // In [ ] and { }, yaml-cpp ends a plain scalar at any '?', libyaml does not; and yaml-cpp
      // refuses some plain scalars there that go on over lines.
      if (flow_level > 0 && s.style == YAML_PLAIN_SCALAR_STYLE &&
          (value.find('?') != std::string_view::npos ||
           event->start_mark.line != event->end_mark.line))
        return std::nullopt;
      const int line = line_of(event->start_mark);
      std::size_t id;
      if (s.style == YAML_PLAIN_SCALAR_STYLE && !s.tag && is_null_text(value)) {
        id = builder.null(line);
        if (event->start_mark.index == event->end_mark.index)
          pending_empty = id;
      } else {
        id = builder.scalar(line, value);
      }
      anchor(s.anchor, id);
      break;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
      if (builder.depth() >= libyaml_max_depth)
        return std::nullopt;
      const bool sequence = event->type == YAML_SEQUENCE_START_EVENT;
      const bool in_flow = sequence ? event->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                                    : event->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
      flow.push_back(in_flow);
      flow_level += in_flow ? 1 : 0;
      const auto id = builder.start(sequence ? yaml_node::kind::sequence : yaml_node::kind::mapping,
                                    line_of(event->start_mark));
      anchor(sequence ? event->data.sequence_start.anchor : event->data.mapping_start.anchor, id);
      break;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      flow_level -= flow.back() ? 1 : 0;
      flow.pop_back();
      builder.end();
      break;
    case YAML_NO_EVENT:
      return std::nullopt;
    }
  }
}

// -- yaml-cpp --

int line_of(const YAML::Mark& mark) {
  return mark.line + 1;
}

class yaml_cpp_events final : public YAML::EventHandler {
public:
  explicit yaml_cpp_events(yaml_tree_builder& builder) : builder_(builder) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    remember(anchor, builder_.null(line_of(mark)));
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    // yaml-cpp looks the name up before it calls us; an unknown one has already thrown.
    assert(anchor < anchors_.size());
    builder_.alias(anchors_[anchor]);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    remember(anchor, builder_.scalar(line_of(mark), value));
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    remember(anchor, builder_.start(yaml_node::kind::sequence, line_of(mark)));
  }
  void OnSequenceEnd() override { builder_.end(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    remember(anchor, builder_.start(yaml_node::kind::mapping, line_of(mark)));
  }
  void OnMapEnd() override { builder_.end(); }

private:
  void remember(YAML::anchor_t anchor, std::size_t id) {
    if (anchor == YAML::NullAnchor)
      return;
    if (anchors_.size() <= anchor)
      anchors_.resize(anchor + 1);
    anchors_[anchor] = id;
  }

  yaml_tree_builder& builder_;
  std::vector<std::size_t> anchors_; // by yaml-cpp's anchor number
};

} // namespace

std::variant<yaml_tree, yaml_syntax_error> parse_yaml_with_yaml_cpp(std::string_view text) {
  try {
    std::istringstream input{std::string(text)};
    YAML::Parser parser(input);
    yaml_tree_builder builder;
    yaml_cpp_events events(builder);
    parser.HandleNextDocument(events);
    return builder.finish();
  } catch (const YAML::Exception& e) {
    return yaml_syntax_error{e.msg, line_of(e.mark)};
  }
}

std::variant<yaml_tree, yaml_syntax_error> parse_yaml(std::string_view text) {
  if (auto tree = parse_with_libyaml(text))
    return std::move(*tree);
  return parse_yaml_with_yaml_cpp(text);
}

} // namespace recodex::worker
