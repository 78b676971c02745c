// The YAML side of config_reader: navigation by dotted key path without ever inserting into the
// document (yaml-cpp's non-const operator[] would), scalar parsing done here rather than by
// yaml-cpp's as<T>() so every message can say what was expected and what was found.
#include "nodes/common/config_reader.hpp"

#include <cctype>
#include <charconv>
#include <fstream>
#include <boost/algorithm/string/trim.hpp>
#include <set>
#include <sstream>
#include <yaml-cpp/yaml.h>

namespace recodex::nodes {

namespace {

int line_of(const YAML::Node& node) {
  auto mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

std::string kind_of(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map:
    return "a mapping";
  case YAML::NodeType::Sequence:
    return "a list";
  case YAML::NodeType::Scalar:
    return "'" + node.Scalar() + "'";
  default:
    return "nothing";
  }
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  const std::string trimmed = boost::algorithm::trim_copy(std::string(text));
  const char* end_of_text = trimmed.data() + trimmed.size();
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(trimmed.data(), end_of_text, value);
  if (trimmed.empty() || ec != std::errc() || end != end_of_text)
    return std::nullopt;
  return value;
}

// Splits "256 MiB" into 256 and "MiB".
std::optional<std::pair<std::uint64_t, std::string>> number_and_unit(std::string_view text) {
  const std::string trimmed = boost::algorithm::trim_copy(std::string(text));
  std::size_t digits = 0;
  while (digits < trimmed.size() && std::isdigit(static_cast<unsigned char>(trimmed[digits])))
    ++digits;
  if (digits == 0)
    return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(trimmed.data(), trimmed.data() + digits, value);
  if (ec != std::errc() || end != trimmed.data() + digits)
    return std::nullopt;
  return std::pair{value, boost::algorithm::trim_copy(trimmed.substr(digits))};
}

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

} // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) {
  auto parsed = number_and_unit(text);
  if (!parsed)
    return std::nullopt;
  auto [value, unit] = *parsed;
  struct unit_row {
    std::string_view name;
    std::uint64_t factor;
  };
  constexpr std::uint64_t ki = 1024;
  static const unit_row units[] = {
      {"", 1},
      {"B", 1},
      {"K", ki},
      {"k", ki},
      {"KiB", ki},
      {"KB", 1000},
      {"M", ki * ki},
      {"m", ki * ki},
      {"MiB", ki * ki},
      {"MB", 1000 * 1000},
      {"G", ki * ki * ki},
      {"g", ki * ki * ki},
      {"GiB", ki * ki * ki},
      {"GB", 1000ull * 1000 * 1000},
      {"T", ki * ki * ki * ki},
      {"t", ki * ki * ki * ki},
      {"TiB", ki * ki * ki * ki},
      {"TB", 1000ull * 1000 * 1000 * 1000},
  };
  for (const auto& u : units) {
    if (u.name == unit) {
      if (value > ~std::uint64_t{0} / u.factor)
        return std::nullopt;
      return value * u.factor;
    }
  }
  return std::nullopt;
}

std::optional<std::chrono::seconds> parse_seconds(std::string_view text) {
  auto parsed = number_and_unit(text);
  if (!parsed)
    return std::nullopt;
  auto [value, unit] = *parsed;
  std::uint64_t factor = 0;
  if (unit.empty() || unit == "s")
    factor = 1;
  else if (unit == "m")
    factor = 60;
  else if (unit == "h")
    factor = 3600;
  else if (unit == "d")
    factor = 86400;
  else
    return std::nullopt;
  constexpr std::uint64_t max_seconds = std::uint64_t{1} << 40; // some 35000 years
  if (value > max_seconds / factor)
    return std::nullopt;
  return std::chrono::seconds(static_cast<std::int64_t>(value * factor));
}

struct config_reader::impl {
  std::string source;
  YAML::Node root;
  std::vector<config_problem> errors;
  std::set<std::string> known_leaves;
  std::set<std::string> known_sections; // every proper prefix of a known leaf
  std::set<std::string> bad_sections;   // reported once each

  void add(std::string key, int line, std::string message) {
    errors.push_back(config_problem{std::move(key), line, std::move(message)});
  }

  void mark_known(std::string_view key) {
    std::string k(key);
    known_leaves.insert(k);
    for (auto dot = k.find('.'); dot != std::string::npos; dot = k.find('.', dot + 1))
      known_sections.insert(k.substr(0, dot));
  }

  // The node at `key`, or nullopt when absent or null. A section that is not a mapping is a
  // problem, reported once.
  std::optional<YAML::Node> find(std::string_view key) {
    mark_known(key);
    YAML::Node current(root); // copies share the node; reset() rebinds without assigning
    std::string prefix;
    std::size_t start = 0;
    for (;;) {
      auto dot = key.find('.', start);
      std::string part(key.substr(start, dot == std::string_view::npos ? dot : dot - start));
      if (!current.IsMap()) {
        if (current.IsDefined() && !current.IsNull() && bad_sections.insert(prefix).second)
          add(prefix, line_of(current), "expected a mapping, got " + kind_of(current));
        return std::nullopt;
      }
      const YAML::Node& view = current;
      YAML::Node next = view[part];
      if (!next.IsDefined())
        return std::nullopt;
      current.reset(next);
      prefix = join(prefix, part);
      if (dot == std::string_view::npos)
        break;
      start = dot + 1;
    }
    if (current.IsNull())
      return std::nullopt;
    return current;
  }

  // The scalar text at `key`, or nullopt (absent, or not a scalar: then a problem is recorded).
  std::optional<std::pair<std::string, int>> scalar(std::string_view key,
                                                    std::string_view expected) {
    auto node = find(key);
    if (!node)
      return std::nullopt;
    if (!node->IsScalar()) {
      add(std::string(key), line_of(*node),
          "expected " + std::string(expected) + ", got " + kind_of(*node));
      return std::nullopt;
    }
    return std::pair{node->Scalar(), line_of(*node)};
  }

  void walk_unknown(const YAML::Node& map, const std::string& prefix,
                    std::vector<config_problem>& out) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string name = it->first.IsScalar() ? it->first.Scalar() : "?";
      std::string path = join(prefix, name);
      if (known_leaves.count(path))
        continue;
      if (known_sections.count(path) && it->second.IsMap()) {
        walk_unknown(it->second, path, out);
        continue;
      }
      if (known_sections.count(path))
        continue; // a section of the wrong type, already reported
      out.push_back(config_problem{path, line_of(it->first), "unknown key (ignored)"});
    }
  }
};

config_reader::config_reader(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}
config_reader::config_reader(config_reader&&) noexcept = default;
config_reader& config_reader::operator=(config_reader&&) noexcept = default;
config_reader::~config_reader() = default;

result<config_reader> config_reader::from_string(std::string_view yaml, std::string source) {
  auto state = std::make_unique<impl>();
  state->source = std::move(source);
  try {
    state->root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    std::string where = state->source;
    if (!e.mark.is_null())
      where += ":" + std::to_string(e.mark.line + 1);
    return error{errc::invalid_argument, where + ": not valid YAML: " + e.msg};
  }
  if (state->root.IsDefined() && !state->root.IsNull() && !state->root.IsMap())
    state->add("", line_of(state->root), "the document must be a mapping of keys to values");
  return config_reader(std::move(state));
}

result<config_reader> config_reader::from_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
      return error{errc::not_found, "config file " + file.string() + " does not exist"};
    return error{errc::io_error, "cannot read config file " + file.string()};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return from_string(text.str(), file.string());
}

std::optional<std::string> config_reader::string(std::string_view key) {
  auto s = impl_->scalar(key, "a string");
  if (!s)
    return std::nullopt;
  return std::move(s->first);
}

std::optional<std::int64_t> config_reader::integer(std::string_view key, std::int64_t min,
                                                   std::int64_t max) {
  std::string expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  auto s = impl_->scalar(key, expected);
  if (!s)
    return std::nullopt;
  auto value = parse_integer(s->first);
  if (!value || *value < min || *value > max) {
    impl_->add(std::string(key), s->second, "expected " + expected + ", got '" + s->first + "'");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> config_reader::boolean(std::string_view key) {
  auto s = impl_->scalar(key, "true or false");
  if (!s)
    return std::nullopt;
  std::string lower;
  for (char c : s->first)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "true" || lower == "yes" || lower == "on")
    return true;
  if (lower == "false" || lower == "no" || lower == "off")
    return false;
  impl_->add(std::string(key), s->second, "expected true or false, got '" + s->first + "'");
  return std::nullopt;
}

std::optional<std::uint64_t> config_reader::size(std::string_view key, std::uint64_t min) {
  auto s = impl_->scalar(key, "a size in bytes");
  if (!s)
    return std::nullopt;
  auto value = parse_size(s->first);
  if (!value) {
    impl_->add(std::string(key), s->second,
               "expected a size in bytes such as 1048576 or 256MiB, got '" + s->first + "'");
    return std::nullopt;
  }
  if (*value < min) {
    impl_->add(std::string(key), s->second,
               "must be at least " + std::to_string(min) + " bytes, got '" + s->first + "'");
    return std::nullopt;
  }
  return value;
}

std::optional<std::chrono::seconds> config_reader::seconds(std::string_view key,
                                                           std::int64_t min_seconds) {
  auto s = impl_->scalar(key, "a duration");
  if (!s)
    return std::nullopt;
  auto value = parse_seconds(s->first);
  if (!value) {
    impl_->add(std::string(key), s->second,
               "expected seconds or a duration such as 30s, 15m, 24h or 7d, got '" + s->first +
                   "'");
    return std::nullopt;
  }
  if (value->count() < min_seconds) {
    impl_->add(std::string(key), s->second,
               "must be at least " + std::to_string(min_seconds) + " s, got '" + s->first + "'");
    return std::nullopt;
  }
  return value;
}

bool config_reader::has(std::string_view key) {
  return impl_->find(key).has_value();
}

void config_reader::problem(std::string_view key, std::string message) {
  int line = 0;
  if (auto node = impl_->find(key))
    line = line_of(*node);
  impl_->add(std::string(key), line, std::move(message));
}

const std::vector<config_problem>& config_reader::errors() const {
  return impl_->errors;
}

std::vector<config_problem> config_reader::unknown_keys() const {
  std::vector<config_problem> out;
  if (impl_->root.IsMap())
    impl_->walk_unknown(impl_->root, "", out);
  return out;
}

std::string config_reader::describe(const config_problem& p) const {
  std::string out = impl_->source;
  if (p.line > 0)
    out += ":" + std::to_string(p.line);
  out += ": ";
  if (!p.key.empty())
    out += p.key + ": ";
  return out + p.message;
}

const std::string& config_reader::source() const {
  return impl_->source;
}

} // namespace recodex::nodes
