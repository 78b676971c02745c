// job-config.yml -> job_config. The text becomes a yaml_tree (libyaml, yaml-cpp's rules and
// errors), which is walked by the schema through helpers that check a node's kind before reading
// it; scalars are parsed here so each message can say what was expected.
#include "actors/worker/evaluation/job_config.hpp"
#include "actors/worker/evaluation/yaml_tree.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <variant>

namespace recodex::worker {

std::string_view to_string(task_type type) {
  switch (type) {
  case task_type::inner:
    return "inner";
  case task_type::initiation:
    return "initiation";
  case task_type::execution:
    return "execution";
  case task_type::evaluation:
    return "evaluation";
  }
  return "unknown";
}

bool task_metadata::is_success_exit_code(int code) const {
  return std::any_of(success_exit_codes.begin(), success_exit_codes.end(),
                     [code](const exit_code_range& r) { return r.from <= code && code <= r.to; });
}

namespace {

using node = yaml_node;

int line_of(const node& n) {
  return n.line();
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string describe(const node& n) {
  switch (n.type()) {
  case node::kind::mapping:
    return "a mapping";
  case node::kind::sequence:
    return "a list";
  case node::kind::scalar:
    return "'" + std::string(n.scalar()) + "'";
  default:
    return "nothing";
  }
}

// "line N: path: message"; each door prefixes the name of its document.
error schema_error(const node& at, const std::string& path, const std::string& message) {
  return error{errc::invalid_argument,
               "line " + std::to_string(line_of(at)) + ": " + path + ": " + message};
}

// A mapping value by key: the first entry with that key decides, and a null value counts as
// absent.
std::optional<node> find(const node& map, std::string_view key) {
  for (std::size_t i = 0; i < map.size(); ++i) {
    const auto k = map.key(i);
    if (k.is_scalar() && k.scalar() == key) {
      const auto value = map.value(i);
      if (value.is_null())
        return std::nullopt;
      return value;
    }
  }
  return std::nullopt;
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Reads the keys of one mapping; `path` is its key path for messages.
class map_reader {
public:
  map_reader(node map, std::string path) : map_(std::move(map)), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  const node& map() const { return map_; }
  std::string path_of(std::string_view key) const { return join(path_, key); }

  result<node> required(std::string_view key) const {
    if (auto value = find(map_, key))
      return *value;
    return schema_error(map_, path_of(key), "required key is missing");
  }

  std::optional<node> optional(std::string_view key) const { return find(map_, key); }

  result<std::string> string(std::string_view key) const {
    RECODEX_TRY(value, required(key));
    return as_string(value, path_of(key));
  }

  result<std::optional<std::string>> optional_string(std::string_view key) const {
    auto value = optional(key);
    if (!value)
      return std::optional<std::string>{};
    RECODEX_TRY(text, as_string(*value, path_of(key)));
    return std::optional<std::string>{std::move(text)};
  }

  result<std::optional<bool>> optional_bool(std::string_view key) const {
    auto value = optional(key);
    if (!value)
      return std::optional<bool>{};
    RECODEX_TRY(flag, as_bool(*value, path_of(key)));
    return std::optional<bool>{flag};
  }

  result<std::optional<std::uint64_t>> optional_uint(std::string_view key) const {
    auto value = optional(key);
    if (!value)
      return std::optional<std::uint64_t>{};
    RECODEX_TRY(number, as_uint(*value, path_of(key)));
    return std::optional<std::uint64_t>{number};
  }

  result<std::optional<double>> optional_seconds(std::string_view key) const {
    auto value = optional(key);
    if (!value)
      return std::optional<double>{};
    RECODEX_TRY(number, as_seconds(*value, path_of(key)));
    return std::optional<double>{number};
  }

  result<std::vector<std::string>> optional_strings(std::string_view key) const {
    auto value = optional(key);
    if (!value)
      return std::vector<std::string>{};
    return as_strings(*value, path_of(key));
  }

  static result<map_reader> of(const node& n, const std::string& path) {
    if (!n.is_mapping())
      return schema_error(n, path, "expected a mapping, found " + describe(n));
    return map_reader{n, path};
  }

  static result<std::string> as_string(const node& n, const std::string& path) {
    if (!n.is_scalar())
      return schema_error(n, path, "expected a string, found " + describe(n));
    return std::string(n.scalar());
  }

  static result<bool> as_bool(const node& n, const std::string& path) {
    if (n.is_scalar()) {
      const auto text = lower(n.scalar());
      if (text == "true" || text == "yes" || text == "on")
        return true;
      if (text == "false" || text == "no" || text == "off")
        return false;
    }
    return schema_error(n, path, "expected a boolean (true or false), found " + describe(n));
  }

  static result<std::uint64_t> as_uint(const node& n, const std::string& path) {
    if (n.is_scalar()) {
      const auto text = n.scalar();
      std::uint64_t value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (!text.empty() && ec == std::errc() && end == text.data() + text.size())
        return value;
    }
    return schema_error(n, path, "expected an unsigned integer, found " + describe(n));
  }

  static result<double> as_seconds(const node& n, const std::string& path) {
    if (n.is_scalar()) {
      const auto text = n.scalar();
      double value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (!text.empty() && ec == std::errc() && end == text.data() + text.size() &&
          std::isfinite(value) && value >= 0)
        return value;
    }
    return schema_error(n, path, "expected a non-negative number of seconds, found " + describe(n));
  }

  static result<std::vector<std::string>> as_strings(const node& n, const std::string& path) {
    if (!n.is_sequence())
      return schema_error(n, path, "expected a list of strings, found " + describe(n));
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n.size(); ++i) {
      RECODEX_TRY(text, as_string(n[i], path + "[" + std::to_string(i) + "]"));
      out.push_back(std::move(text));
    }
    return out;
  }

private:
  node map_;
  std::string path_;
};

std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

result<int> parse_exit_code(const node& n, const std::string& path) {
  RECODEX_TRY(code, map_reader::as_uint(n, path));
  if (code > 255)
    return schema_error(n, path, "exit code " + std::to_string(code) + " is not in 0..255");
  return static_cast<int>(code);
}

// `success-exit-codes`: one code, or a list of codes and [from, to] ranges.
result<std::vector<exit_code_range>> parse_exit_codes(const node& n, const std::string& path) {
  std::vector<exit_code_range> out;
  if (n.is_scalar()) {
    RECODEX_TRY(code, parse_exit_code(n, path));
    out.push_back({code, code});
    return out;
  }
  if (!n.is_sequence())
    return schema_error(
        n, path, "expected an exit code or a list of codes and ranges, found " + describe(n));
  for (std::size_t i = 0; i < n.size(); ++i) {
    const node item = n[i];
    const auto item_path = index_path(path, i);
    if (item.is_sequence()) {
      if (item.size() != 2)
        return schema_error(item, item_path, "a range must be [from, to]");
      RECODEX_TRY(from, parse_exit_code(item[0], index_path(item_path, 0)));
      RECODEX_TRY(to, parse_exit_code(item[1], index_path(item_path, 1)));
      if (from > to)
        return schema_error(item, item_path,
                            "range start " + std::to_string(from) + " is above its end " +
                                std::to_string(to));
      out.push_back({from, to});
    } else {
      RECODEX_TRY(code, parse_exit_code(item, item_path));
      out.push_back({code, code});
    }
  }
  return out;
}

result<environment> parse_environ(const node& n, const std::string& path) {
  if (!n.is_mapping())
    return schema_error(n, path,
                        "expected a mapping of variable names to values, found " + describe(n));
  environment out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    RECODEX_TRY(name, map_reader::as_string(n.key(i), path));
    const auto value_path = join(path, name);
    if (name.empty() || name.find('=') != std::string::npos)
      return schema_error(n.key(i), value_path, "not a valid environment variable name");
    std::string value;
    if (!n.value(i).is_null()) {
      RECODEX_TRY(text, map_reader::as_string(n.value(i), value_path));
      value = std::move(text);
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

result<std::vector<bound_directory>> parse_bound_directories(const node& n,
                                                             const std::string& path) {
  if (!n.is_sequence())
    return schema_error(n, path, "expected a list of directories, found " + describe(n));
  std::vector<bound_directory> out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    RECODEX_TRY(entry, map_reader::of(n[i], index_path(path, i)));
    RECODEX_TRY(src, entry.optional_string("src"));
    RECODEX_TRY(dst, entry.optional_string("dst"));
    RECODEX_TRY(mode, entry.optional_string("mode"));
    if (!src && !dst)
      return schema_error(entry.map(), entry.path(), "needs a src or a dst");
    bound_directory dir;
    dir.src = src ? *src : *dst;
    dir.dst = dst ? *dst : *src;
    dir.mode = mode ? parse_dir_mode(*mode) : dir_mode::read_only;
    // A tmp directory has no host side; remember that src was absent so resolution can check.
    if (!src && (dir.mode & dir_mode::tmp))
      dir.src.clear();
    out.push_back(std::move(dir));
  }
  return out;
}

// The items of a limits mapping, shared by a job's entries (5.1) and the worker's defaults (7).
result<void> parse_limit_items(const map_reader& entry, limits_entry& out) {
  RECODEX_TRY_VOID(store(out.time, entry.optional_seconds("time")));
  RECODEX_TRY_VOID(store(out.wall_time, entry.optional_seconds("wall-time")));
  RECODEX_TRY_VOID(store(out.extra_time, entry.optional_seconds("extra-time")));
  RECODEX_TRY_VOID(store(out.stack_size, entry.optional_uint("stack-size")));
  RECODEX_TRY_VOID(store(out.memory, entry.optional_uint("memory")));
  RECODEX_TRY_VOID(store(out.extra_memory, entry.optional_uint("extra-memory")));
  RECODEX_TRY_VOID(store(out.parallel, entry.optional_uint("parallel")));
  RECODEX_TRY_VOID(store(out.disk_quotas, entry.optional_bool("disk-quotas")));
  RECODEX_TRY_VOID(store(out.disk_size, entry.optional_uint("disk-size")));
  RECODEX_TRY_VOID(store(out.disk_files, entry.optional_uint("disk-files")));
  if (auto env = entry.optional("environ-variable")) {
    RECODEX_TRY(vars, parse_environ(*env, entry.path_of("environ-variable")));
    out.environ_variables = std::move(vars);
  }
  if (auto dirs = entry.optional("bound-directories")) {
    RECODEX_TRY(list, parse_bound_directories(*dirs, entry.path_of("bound-directories")));
    out.bound_directories = std::move(list);
  }
  // `chdir` in a limits entry comes from older documents; the worker ignores it (5.1).
  return ok();
}

result<limits_entry> parse_limits_entry(const node& n, const std::string& path) {
  RECODEX_TRY(entry, map_reader::of(n, path));
  limits_entry out;
  out.line = line_of(n);
  RECODEX_TRY(hw_group, entry.string("hw-group-id"));
  out.hw_group_id = std::move(hw_group);
  RECODEX_TRY_VOID(parse_limit_items(entry, out));
  return out;
}

bool escapes_upwards(std::string_view relative) {
  std::size_t start = 0;
  while (start <= relative.size()) {
    auto end = relative.find('/', start);
    if (end == std::string_view::npos)
      end = relative.size();
    if (relative.substr(start, end - start) == "..")
      return true;
    start = end + 1;
  }
  return false;
}

result<sandbox_config> parse_sandbox(const node& n, const std::string& path) {
  RECODEX_TRY(sandbox, map_reader::of(n, path));
  sandbox_config out;
  RECODEX_TRY(name, sandbox.string("name"));
  if (name != "isolate")
    return error{errc::not_found, "line " + std::to_string(line_of(n)) + ": " +
                                      sandbox.path_of("name") + ": unknown sandbox '" + name +
                                      "' (only isolate is available)"};
  out.name = std::move(name);
  RECODEX_TRY(stdin_path, sandbox.optional_string("stdin"));
  RECODEX_TRY(stdout_path, sandbox.optional_string("stdout"));
  RECODEX_TRY(stderr_path, sandbox.optional_string("stderr"));
  RECODEX_TRY(stderr_to_stdout, sandbox.optional_bool("stderr-to-stdout"));
  RECODEX_TRY(output, sandbox.optional_bool("output"));
  RECODEX_TRY(cc_stdout, sandbox.optional_string("carboncopy-stdout"));
  RECODEX_TRY(cc_stderr, sandbox.optional_string("carboncopy-stderr"));
  RECODEX_TRY(chdir, sandbox.optional_string("chdir"));
  RECODEX_TRY(working_directory, sandbox.optional_string("working-directory"));
  out.stdin_path = std::move(stdin_path);
  out.stdout_path = std::move(stdout_path);
  out.stderr_path = std::move(stderr_path);
  out.stderr_to_stdout = stderr_to_stdout.value_or(false);
  out.output = output.value_or(false);
  out.carboncopy_stdout = std::move(cc_stdout);
  out.carboncopy_stderr = std::move(cc_stderr);
  out.chdir = std::move(chdir);
  if (working_directory) {
    const auto where = *sandbox.optional("working-directory");
    if (!working_directory->empty() && working_directory->front() == '/')
      return schema_error(where, sandbox.path_of("working-directory"),
                          "must be relative to the submission directory");
    if (escapes_upwards(*working_directory))
      return schema_error(where, sandbox.path_of("working-directory"), "must not contain '..'");
  }
  out.working_directory = std::move(working_directory);
  if (auto limits = sandbox.optional("limits")) {
    const auto limits_path = sandbox.path_of("limits");
    if (!limits->is_sequence())
      return schema_error(*limits, limits_path,
                          "expected a list of per-hw-group entries, found " + describe(*limits));
    for (std::size_t i = 0; i < limits->size(); ++i) {
      RECODEX_TRY(entry, parse_limits_entry((*limits)[i], index_path(limits_path, i)));
      out.limits.push_back(std::move(entry));
    }
  }
  return out;
}

task_type parse_task_type(std::string_view text) {
  const auto name = lower(text);
  if (name == "initiation")
    return task_type::initiation;
  if (name == "execution")
    return task_type::execution;
  if (name == "evaluation")
    return task_type::evaluation;
  return task_type::inner;
}

result<task_metadata> parse_task(const node& n, const std::string& path) {
  RECODEX_TRY(task, map_reader::of(n, path));
  task_metadata out;
  out.line = line_of(n);
  RECODEX_TRY(id, task.string("task-id"));
  if (id.empty())
    return schema_error(n, task.path_of("task-id"), "must not be empty");
  out.task_id = std::move(id);
  RECODEX_TRY(priority, task.optional_uint("priority"));
  if (priority && *priority == 0)
    return schema_error(*task.optional("priority"), task.path_of("priority"), "must be at least 1");
  out.priority = priority.value_or(1);
  RECODEX_TRY(fatal, task.optional_bool("fatal-failure"));
  out.fatal_failure = fatal.value_or(false);
  RECODEX_TRY(dependencies, task.optional_strings("dependencies"));
  out.dependencies = std::move(dependencies);
  RECODEX_TRY(test_id, task.optional_string("test-id"));
  out.test_id = std::move(test_id);
  RECODEX_TRY(type, task.optional_string("type"));
  out.type = type ? parse_task_type(*type) : task_type::inner;

  RECODEX_TRY(cmd_node, task.required("cmd"));
  RECODEX_TRY(cmd, map_reader::of(cmd_node, task.path_of("cmd")));
  RECODEX_TRY(bin, cmd.string("bin"));
  if (bin.empty())
    return schema_error(cmd_node, cmd.path_of("bin"), "must not be empty");
  out.bin = std::move(bin);
  RECODEX_TRY(args, cmd.optional_strings("args"));
  out.args = std::move(args);
  if (auto codes = cmd.optional("success-exit-codes")) {
    RECODEX_TRY(ranges, parse_exit_codes(*codes, cmd.path_of("success-exit-codes")));
    out.success_exit_codes = std::move(ranges);
  }

  if (auto sandbox = task.optional("sandbox")) {
    RECODEX_TRY(config, parse_sandbox(*sandbox, task.path_of("sandbox")));
    out.sandbox = std::move(config);
  }
  return out;
}

result<submission_metadata> parse_submission(const map_reader& root) {
  RECODEX_TRY(submission_node, root.required("submission"));
  RECODEX_TRY(submission, map_reader::of(submission_node, "submission"));
  submission_metadata out;
  RECODEX_TRY(job_id, submission.string("job-id"));
  if (job_id.empty())
    return schema_error(submission_node, submission.path_of("job-id"), "must not be empty");
  out.job_id = std::move(job_id);
  RECODEX_TRY(collector, submission.string("file-collector"));
  out.file_collector = std::move(collector);
  RECODEX_TRY(log, submission.optional_bool("log"));
  out.log = log.value_or(false);
  RECODEX_TRY(groups_node, submission.required("hw-groups"));
  RECODEX_TRY(groups, map_reader::as_strings(groups_node, submission.path_of("hw-groups")));
  if (groups.empty())
    return schema_error(groups_node, submission.path_of("hw-groups"),
                        "must name at least one hardware group");
  out.hw_groups = std::move(groups);
  return out;
}

result<job_config> parse_document(const node& document) {
  if (!document.is_mapping())
    return error{errc::invalid_argument,
                 "line " + std::to_string(line_of(document)) +
                     ": the document must be a mapping with submission and tasks, found " +
                     describe(document)};
  const map_reader root{document, ""};
  job_config out;
  RECODEX_TRY(submission, parse_submission(root));
  out.submission = std::move(submission);
  RECODEX_TRY(tasks, root.required("tasks"));
  if (!tasks.is_sequence())
    return schema_error(tasks, "tasks", "expected a list of tasks, found " + describe(tasks));
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    RECODEX_TRY(task, parse_task(tasks[i], index_path("tasks", i)));
    out.tasks.push_back(std::move(task));
  }
  return out;
}

} // namespace

// The deepest the schema reads (document, tasks, task, sandbox, limits, entry,
// bound-directories, directory, its fields) with room to spare, and how many nodes along those
// paths a job config may have: about 10 000 tests' worth.
constexpr unsigned max_schema_depth = 10;
constexpr std::size_t max_expanded_nodes = 2'000'000;

result<job_config> parse_job_config(std::string_view yaml_text) {
  // Only std::bad_alloc can be thrown on the way; it is this door's to turn into an error.
  try {
    const auto parsed = parse_yaml(yaml_text);
    if (const auto* bad = std::get_if<yaml_syntax_error>(&parsed))
      return error{errc::internal, "job-config.yml is not valid YAML: " + bad->message + " (line " +
                                       std::to_string(bad->line) + ")"};
    const auto& tree = std::get<yaml_tree>(parsed);
    // Aliases let a few KB name billions of tasks or limits; the schema walk would expand them.
    if (tree.paths_within(max_schema_depth, max_expanded_nodes) >= max_expanded_nodes)
      return error{errc::invalid_argument,
                   "job-config.yml expands to " + std::to_string(max_expanded_nodes) +
                       " or more nodes through its aliases (an alias bomb?)"};
    auto config = parse_document(tree.root());
    if (!config)
      return error{config.error().code, "job-config.yml " + config.error().message};
    return config;
  } catch (const std::exception& e) {
    return error{errc::internal, std::string("job-config.yml could not be read: ") + e.what()};
  }
}

result<sandbox_limits> parse_worker_limits(std::string_view yaml_document, std::string_view key) {
  try {
    const auto parsed = parse_yaml(yaml_document);
    if (const auto* bad = std::get_if<yaml_syntax_error>(&parsed))
      return error{errc::invalid_argument,
                   "not valid YAML: " + bad->message + " (line " + std::to_string(bad->line) + ")"};
    const auto document = std::get<yaml_tree>(parsed).root();
    const std::string path(key);
    auto limits = document.is_mapping() ? find(document, key) : std::nullopt;
    if (!limits)
      return error{errc::invalid_argument, path + ": required key is missing"};
    RECODEX_TRY(entry, map_reader::of(*limits, path));
    limits_entry items;
    RECODEX_TRY_VOID(parse_limit_items(entry, items));
    sandbox_limits out;
    out.time = items.time.value_or(0);
    out.wall_time = items.wall_time.value_or(0);
    out.extra_time = items.extra_time.value_or(0);
    out.stack_size = items.stack_size.value_or(0);
    out.memory = items.memory.value_or(0);
    out.extra_memory = items.extra_memory.value_or(0);
    out.parallel = items.parallel.value_or(0);
    out.disk_quotas = items.disk_quotas.value_or(false);
    out.disk_size = items.disk_size.value_or(0);
    out.disk_files = items.disk_files.value_or(0);
    out.environ_variables = std::move(items.environ_variables);
    out.bound_directories = std::move(items.bound_directories);
    return out;
  } catch (const std::exception& e) {
    return error{errc::internal, std::string("cannot read the limits: ") + e.what()};
  }
}

} // namespace recodex::worker
