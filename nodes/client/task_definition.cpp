// task.yml -> task_definition. yaml-cpp nodes carry their line (Mark), so each check reports
// the file, the line and the key path; unknown keys are errors (a typo must not silently fall
// back to a default limit).
#include "nodes/client/task_definition.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <yaml-cpp/yaml.h>

namespace recodex::client {

namespace {

// The token judge's options (spec 8): switches, and options that take a value.
constexpr std::array<std::string_view, 8> token_switches = {
    "ignore-empty-lines", "allow-comments", "ignore-line-ends", "ignore-trailing-whitespace",
    "case-insensitive",   "numeric",        "shuffled-tokens",  "shuffled-lines"};
constexpr std::array<std::string_view, 3> token_valued = {
    "float-tolerance", "token-lcs-approx-max-window", "log-limit"};
// Pairs the token judge refuses together.
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> token_conflicts = {{
    {"ignore-empty-lines", "ignore-line-ends"},
    {"ignore-line-ends", "ignore-trailing-whitespace"},
    {"shuffled-lines", "ignore-line-ends"},
}};
// `judge.type` -> the judge program in ${JUDGES_DIR}.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> judge_programs = {{
    {"token", "recodex-token-judge"},
    {"normal", "recodex-judge-normal"},
    {"shuffle", "recodex-judge-shuffle"},
    {"passthrough", "recodex-judge-passthrough"},
}};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool is_id(const std::string& id, bool allow_dot) {
  return !id.empty() && id.size() <= 128 && id != "." && id != ".." &&
         std::all_of(id.begin(), id.end(), [&](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_' || (allow_dot && c == '.');
         });
}

// A relative path that stays inside the task directory.
bool is_inner_path(const std::string& path) {
  if (path.empty() || path.front() == '/')
    return false;
  std::istringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');)
    if (part.empty() || part == "." || part == "..")
      return false;
  return path.back() != '/';
}

// Reads one document, remembering the file name for messages.
class reader {
public:
  explicit reader(std::string name) : name_(std::move(name)) {}

  error fail(const YAML::Node& at, const std::string& key, const std::string& what) const {
    std::string where = name_;
    if (at.IsDefined() && at.Mark().line >= 0)
      where += ":" + std::to_string(at.Mark().line + 1);
    return make_error(errc::invalid_argument, where + ": " + key + ": " + what);
  }

  result<void> only_keys(const YAML::Node& map, const std::string& path,
                         std::initializer_list<std::string_view> known) const {
    if (!map.IsMap())
      return fail(map, path.empty() ? "(document)" : path, "must be a map");
    for (const auto& entry : map) {
      const auto key = entry.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) == known.end())
        return fail(entry.first, join(path, key), "unknown key");
    }
    return ok();
  }

  result<std::string> string(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar())
      return fail(node, key, "must be a string");
    return node.as<std::string>();
  }

  result<double> positive_number(const YAML::Node& node, const std::string& key) const {
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !(value > 0) ||
        value > 86400)
      return fail(node, key, "must be a number of seconds above 0 (at most 86400)");
    return value;
  }

  result<std::uint64_t> positive_kib(const YAML::Node& node, const std::string& key) const {
    std::uint64_t value = 0;
    if (!node.IsScalar() || !YAML::convert<std::uint64_t>::decode(node, value) || value == 0)
      return fail(node, key, "must be a whole number of KiB above 0");
    return value;
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  // `base` with the fields of `node` (a map of time, wall-time, memory) replaced.
  result<worker::test_limits> limits(const YAML::Node& node, const std::string& path,
                                     worker::test_limits base) const {
    RECODEX_TRY_VOID(only_keys(node, path, {"time", "wall-time", "memory"}));
    if (auto n = node["time"]) {
      RECODEX_TRY(v, positive_number(n, join(path, "time")));
      base.time = v;
    }
    if (auto n = node["wall-time"]) {
      RECODEX_TRY(v, positive_number(n, join(path, "wall-time")));
      base.wall_time = v;
    }
    if (auto n = node["memory"]) {
      RECODEX_TRY(v, positive_kib(n, join(path, "memory")));
      base.memory = v;
    }
    if (base.wall_time < base.time)
      return fail(node, path, "wall-time must not be below time");
    return base;
  }

  result<std::vector<std::string>> environments(const YAML::Node& node) const {
    std::vector<std::string> out;
    if (node.IsScalar())
      out.push_back(node.as<std::string>());
    else if (node.IsSequence())
      for (std::size_t i = 0; i < node.size(); ++i) {
        RECODEX_TRY(id, string(node[i], "environments[" + std::to_string(i) + "]"));
        if (std::find(out.begin(), out.end(), id) != out.end())
          return fail(node[i], "environments[" + std::to_string(i) + "]",
                      "'" + id + "' is listed twice");
        out.push_back(id);
      }
    else
      return fail(node, "environments", "must be an environment id or a list of them");
    if (out.empty())
      return fail(node, "environments", "at least one environment is required");
    for (const auto& id : out)
      if (!is_id(id, true))
        return fail(node, "environments", "'" + id + "' is not an environment id");
    return out;
  }

  result<task_test> test(const YAML::Node& node, const std::string& path,
                         const worker::test_limits& task_limits) const {
    RECODEX_TRY_VOID(only_keys(node, path, {"name", "input", "expected-output", "limits"}));
    task_test out;
    if (!node["name"])
      return fail(node, path + ".name", "is required");
    RECODEX_TRY(name, string(node["name"], path + ".name"));
    if (!is_id(name, false))
      return fail(node["name"], path + ".name",
                  "'" + name + "' is not a name of letters, digits, - and _");
    out.name = name;
    if (auto n = node["input"]) {
      RECODEX_TRY(input, string(n, path + ".input"));
      if (!is_inner_path(input))
        return fail(n, path + ".input", "'" + input + "' is not a path inside the task directory");
      out.input = input;
    }
    if (!node["expected-output"])
      return fail(node, path + ".expected-output", "is required");
    RECODEX_TRY(expected, string(node["expected-output"], path + ".expected-output"));
    if (!is_inner_path(expected))
      return fail(node["expected-output"], path + ".expected-output",
                  "'" + expected + "' is not a path inside the task directory");
    out.expected_output = expected;
    if (auto n = node["limits"]) {
      RECODEX_TRY(l, limits(n, path + ".limits", task_limits));
      out.limits = l;
    }
    return out;
  }

  result<std::vector<task_test>> tests(const YAML::Node& node,
                                       const worker::test_limits& task_limits) const {
    if (!node.IsSequence() || node.size() == 0)
      return fail(node, "tests", "must be a non-empty list of tests");
    std::vector<task_test> out;
    for (std::size_t i = 0; i < node.size(); ++i) {
      const std::string path = "tests[" + std::to_string(i) + "]";
      RECODEX_TRY(t, test(node[i], path, task_limits));
      for (const auto& earlier : out)
        if (earlier.name == t.name)
          return fail(node[i]["name"], path + ".name", "'" + t.name + "' is used twice");
      out.push_back(std::move(t));
    }
    return out;
  }

  result<worker::judge_choice> token_judge(const YAML::Node& options) const {
    worker::judge_choice judge;
    judge.args.clear();
    if (!options)
      return worker::judge_choice{};
    if (!options.IsMap())
      return fail(options, "judge.options", "must be a map of token judge options");
    std::vector<std::string> switches;
    bool log_limit = false;
    for (const auto& entry : options) {
      const auto key = entry.first.as<std::string>();
      const std::string path = "judge.options." + key;
      if (contains(token_switches, key)) {
        bool on = false;
        if (!entry.second.IsScalar() || !YAML::convert<bool>::decode(entry.second, on))
          return fail(entry.second, path, "must be true or false");
        if (on) {
          judge.args.push_back("--" + key);
          switches.push_back(key);
        }
      } else if (contains(token_valued, key)) {
        RECODEX_TRY(value, string(entry.second, path));
        judge.args.insert(judge.args.end(), {"--" + key, value});
        log_limit = log_limit || key == "log-limit";
      } else {
        return fail(entry.first, path, "unknown token judge option");
      }
    }
    for (const auto& [a, b] : token_conflicts)
      if (std::count(switches.begin(), switches.end(), a) &&
          std::count(switches.begin(), switches.end(), b))
        return fail(options, "judge.options",
                    std::string(a) + " and " + std::string(b) + " cannot be used together");
    if (!log_limit) // keep the judge's diff log short in result.yml, as the core API does
      judge.args.insert(judge.args.begin(), {"--log-limit", "4k"});
    return judge;
  }

  result<worker::judge_choice> judge(const YAML::Node& node) const {
    RECODEX_TRY_VOID(only_keys(node, "judge", {"type", "options", "args"}));
    std::string type = "token";
    if (auto n = node["type"]) {
      RECODEX_TRY(t, string(n, "judge.type"));
      type = t;
    }
    auto program = std::find_if(judge_programs.begin(), judge_programs.end(),
                                [&](const auto& p) { return p.first == type; });
    if (program == judge_programs.end())
      return fail(node["type"], "judge.type",
                  "'" + type + "' is not one of token, normal, shuffle, passthrough");
    if (type == "token") {
      if (node["args"])
        return fail(node["args"], "judge.args",
                    "the token judge takes options (judge.options), not args");
      return token_judge(node["options"]);
    }
    if (node["options"])
      return fail(node["options"], "judge.options",
                  "only the token judge takes options; legacy judges take args");
    worker::judge_choice out;
    out.program = std::string(program->second);
    out.args.clear();
    if (auto args = node["args"]) {
      if (!args.IsSequence())
        return fail(args, "judge.args", "must be a list of strings");
      for (std::size_t i = 0; i < args.size(); ++i) {
        RECODEX_TRY(arg, string(args[i], "judge.args[" + std::to_string(i) + "]"));
        out.args.push_back(arg);
      }
    }
    return out;
  }

  result<task_definition> document(const YAML::Node& root) const {
    RECODEX_TRY_VOID(only_keys(
        root, "", {"id", "title", "environments", "tests", "limits", "judge", "hwgroup"}));
    task_definition out;
    if (!root["id"])
      return fail(root, "id", "is required");
    RECODEX_TRY(id, string(root["id"], "id"));
    if (!is_id(id, true))
      return fail(root["id"], "id", "'" + id + "' is not a task id ([A-Za-z0-9_.-], 1 to 128)");
    out.id = id;
    if (auto n = root["title"]) {
      RECODEX_TRY(title, string(n, "title"));
      out.title = title;
    }
    if (!root["environments"])
      return fail(root, "environments", "is required");
    RECODEX_TRY(envs, environments(root["environments"]));
    out.environments = std::move(envs);
    if (auto n = root["limits"]) {
      RECODEX_TRY(l, limits(n, "limits", out.limits));
      out.limits = l;
    }
    if (!root["tests"])
      return fail(root, "tests", "is required");
    RECODEX_TRY(t, tests(root["tests"], out.limits));
    out.tests = std::move(t);
    if (auto n = root["judge"]) {
      RECODEX_TRY(j, judge(n));
      out.judge = std::move(j);
    }
    if (auto n = root["hwgroup"]) {
      RECODEX_TRY(h, string(n, "hwgroup"));
      if (h.empty() || h.find('|') != std::string::npos)
        return fail(n, "hwgroup", "must be one hardware group name");
      out.hwgroup = h;
    }
    return out;
  }

private:
  std::string name_;
};

} // namespace

std::string stored_name(const std::string& test_file) {
  return test_file.substr(test_file.rfind('/') + 1);
}

result<task_definition> parse_task_definition(std::string_view yaml_text, const std::string& name) {
  reader r(name);
  try {
    return r.document(YAML::Load(std::string(yaml_text)));
  } catch (const YAML::Exception& e) {
    return make_error(errc::invalid_argument,
                      name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

result<task_definition> load_task_definition(const std::filesystem::path& dir) {
  const auto file = dir / task_file_name;
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return make_errno_error(errno, "cannot read " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  RECODEX_TRY(task, parse_task_definition(text.str(), file.string()));
  std::map<std::string, std::string> stored; // stored name -> path in the task directory
  for (const auto& test : task.tests)
    for (const auto* path : {&test.input, &test.expected_output}) {
      if (path->empty())
        continue;
      std::error_code ec;
      if (!std::filesystem::is_regular_file(dir / *path, ec))
        return make_error(errc::not_found, file.string() + ": test " + test.name + ": " +
                                               (dir / *path).string() + " is not a file");
      auto [at, fresh] = stored.emplace(stored_name(*path), *path);
      if (!fresh && at->second != *path)
        return make_error(errc::invalid_argument,
                          file.string() + ": test " + test.name + ": " + *path + " and " +
                              at->second + " would both be stored as " + at->first +
                              " (test file names must differ in their last component)");
      if (at->first == task_file_name)
        return make_error(errc::invalid_argument, file.string() + ": test " + test.name +
                                                      ": a test file cannot be named task.yml");
    }
  return task;
}

} // namespace recodex::client
