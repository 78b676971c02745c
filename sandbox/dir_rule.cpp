// Parsing of isolate's --dir rules and ReCodEx's bound-directories modes.
#include "sandbox/dir_rule.hpp"

#include <algorithm>
#include <cctype>

namespace recodex::sandbox {

namespace {

error bad(std::string_view text, std::string_view why) {
  std::string message = "bad directory rule '";
  message += text;
  message += "': ";
  message += why;
  return make_error(errc::invalid_argument, std::move(message));
}

bool has_dot_dot(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    if (path.substr(start, end - start) == "..")
      return true;
    start = end + 1;
  }
  return false;
}

std::string normalise_inside(std::string_view path) {
  std::string out = path.empty() || path.front() != '/' ? "/" : "";
  out += path;
  while (out.size() > 1 && out.back() == '/')
    out.pop_back();
  return out;
}

} // namespace

result<dir_rule> parse_dir_rule(std::string_view text) {
  dir_rule rule;
  std::string_view spec = text;
  std::string_view options;
  if (auto colon = spec.find(':'); colon != std::string_view::npos) {
    options = spec.substr(colon + 1);
    spec = spec.substr(0, colon);
  }
  std::string_view inside = spec;
  std::string_view outside;
  bool has_source = false;
  if (auto eq = spec.find('='); eq != std::string_view::npos) {
    inside = spec.substr(0, eq);
    outside = spec.substr(eq + 1);
    has_source = true;
  }
  if (inside.empty())
    return bad(text, "empty inside path");
  if (has_source && outside.empty())
    return bad(text, "empty outside path after '='");
  if (has_dot_dot(inside) || has_dot_dot(outside))
    return bad(text, "'..' is not allowed");

  while (!options.empty()) {
    auto end = options.find_first_of(":,");
    auto option = options.substr(0, end);
    options = end == std::string_view::npos ? std::string_view{} : options.substr(end + 1);
    if (option == "rw")
      rule.read_write = true;
    else if (option == "noexec")
      rule.no_exec = true;
    else if (option == "tmp")
      rule.tmp = true;
    else if (option == "maybe")
      rule.maybe = true;
    else if (option == "dev")
      rule.devices = true;
    else if (option == "fs")
      rule.filesystem = true;
    else if (option == "norec")
      rule.no_recursion = true;
    else if (!option.empty())
      return bad(text, "unknown option '" + std::string{option} + "'");
  }
  if (rule.tmp && has_source)
    return bad(text, "a tmp rule takes no source");
  if (rule.tmp && rule.filesystem)
    return bad(text, "tmp and fs do not combine");

  rule.inside = normalise_inside(inside);
  if (rule.inside == "/")
    return bad(text, "the box root cannot be replaced");
  if (!rule.tmp)
    rule.outside = has_source ? std::string{outside} : rule.inside;
  return rule;
}

void apply_recodex_mode(dir_rule& rule, std::string_view mode) {
  std::string lower{mode};
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto has = [&lower](const char* word) { return lower.find(word) != std::string::npos; };
  rule.read_write = has("rw");
  rule.no_exec = has("noexec");
  rule.filesystem = has("fs");
  rule.maybe = has("maybe");
  rule.devices = has("dev");
  rule.tmp = has("tmp");
  rule.no_recursion = has("norec");
}

std::string to_string(const dir_rule& rule) {
  std::string out = rule.inside;
  if (!rule.tmp && rule.outside != rule.inside) {
    out += '=';
    out += rule.outside;
  }
  auto option = [&out](bool on, const char* name) {
    if (on) {
      out += ':';
      out += name;
    }
  };
  option(rule.read_write, "rw");
  option(rule.no_exec, "noexec");
  option(rule.tmp, "tmp");
  option(rule.maybe, "maybe");
  option(rule.devices, "dev");
  option(rule.filesystem, "fs");
  option(rule.no_recursion, "norec");
  return out;
}

} // namespace recodex::sandbox
