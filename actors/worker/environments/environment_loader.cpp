// Environment definition files -> environment_definition. yaml-cpp throws, so it is wrapped at
// this file's door; the file is our own format, so unknown keys are errors (a typo in a limit
// must not silently fall back to a default). Every message names the file, the line and the key.
#include "actors/worker/environments/environment_definition.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <yaml-cpp/yaml.h>

namespace recodex::worker {

namespace {

using node = YAML::Node;

// Where the parser is: the file's name and the key path, for messages.
struct location {
  const std::string& file;
  std::string key;

  location operator/(std::string_view child) const {
    return {file, key.empty() ? std::string(child) : key + "." + std::string(child)};
  }
  location at(std::size_t index) const { return {file, key + "[" + std::to_string(index) + "]"}; }
};

int line_of(const node& n) {
  const auto mark = n.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

error bad(const location& where, const node& n, const std::string& what) {
  return make_error(errc::invalid_argument,
                    where.file + ":" + std::to_string(line_of(n)) + ": " + where.key + ": " + what);
}

result<void> check_keys(const location& where, const node& map,
                        std::initializer_list<std::string_view> known) {
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end())
      return bad(where / key, entry.first, "unknown key");
  }
  return ok();
}

result<node> child(const location& where, const node& map, const char* key, bool required) {
  node value = map[key];
  if (!value.IsDefined() || value.IsNull()) {
    if (required)
      return bad(where / key, map, "is required");
    return node{YAML::NodeType::Undefined}; // a default Node would count as defined (null)
  }
  return value;
}

result<std::string> scalar(const location& where, const node& n) {
  if (!n.IsScalar())
    return bad(where, n, "expected a text value");
  return n.Scalar();
}

result<std::optional<std::string>> optional_scalar(const location& where, const node& map,
                                                   const char* key) {
  RECODEX_TRY(value, child(where, map, key, false));
  if (!value.IsDefined())
    return std::optional<std::string>{};
  RECODEX_TRY(text, scalar(where / key, value));
  return std::optional<std::string>{std::move(text)};
}

result<std::string> required_scalar(const location& where, const node& map, const char* key) {
  RECODEX_TRY(value, child(where, map, key, true));
  return scalar(where / key, value);
}

result<std::optional<double>> optional_seconds(const location& where, const node& map,
                                               const char* key) {
  RECODEX_TRY(text, optional_scalar(where, map, key));
  if (!text)
    return std::optional<double>{};
  std::istringstream in{*text};
  double value = 0;
  if (!(in >> value) || !in.eof() || value < 0)
    return bad(where / key, map[key],
               "expected a non-negative number of seconds, got '" + *text + "'");
  return std::optional<double>{value};
}

result<std::optional<std::uint64_t>> optional_count(const location& where, const node& map,
                                                    const char* key) {
  RECODEX_TRY(text, optional_scalar(where, map, key));
  if (!text)
    return std::optional<std::uint64_t>{};
  std::uint64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc{} || ptr != end || text->empty())
    return bad(where / key, map[key], "expected a non-negative integer, got '" + *text + "'");
  return std::optional<std::uint64_t>{value};
}

result<node> optional_map(const location& where, const node& map, const char* key) {
  RECODEX_TRY(value, child(where, map, key, false));
  if (value.IsDefined() && !value.IsMap())
    return bad(where / key, value, "expected a mapping");
  return value;
}

result<std::vector<std::string>> string_list(const location& where, const node& map,
                                             const char* key) {
  RECODEX_TRY(value, child(where, map, key, false));
  std::vector<std::string> out;
  if (!value.IsDefined())
    return out;
  if (!value.IsSequence())
    return bad(where / key, value, "expected a list");
  for (std::size_t i = 0; i < value.size(); ++i) {
    RECODEX_TRY(text, scalar((where / key).at(i), value[i]));
    out.push_back(std::move(text));
  }
  return out;
}

bool is_absolute(const std::string& path) {
  return !path.empty() && path.front() == '/';
}

bool is_valid_id(const std::string& id) {
  if (id.empty() || !std::isalnum(static_cast<unsigned char>(id.front())))
    return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '+';
  });
}

constexpr std::array<std::string_view, 7> job_variable_names = {
    "WORKER_ID", "JOB_ID", "SOURCE_DIR", "EVAL_DIR", "RESULT_DIR", "TEMP_DIR", "JUDGES_DIR"};

// Every ${NAME} must be closed and known: an environment placeholder or a job variable (5.3).
result<void> check_placeholders(const location& where, const node& n, const std::string& text) {
  for (std::size_t at = text.find("${"); at != std::string::npos; at = text.find("${", at + 2)) {
    const std::size_t close = text.find('}', at);
    if (close == std::string::npos)
      return bad(where, n, "'${' without '}' in '" + text + "'");
    const std::string_view whole(text.data() + at, close - at + 1);
    const std::string_view name = whole.substr(2, whole.size() - 3);
    const bool known = whole == sources_placeholder || whole == main_source_placeholder ||
                       whole == main_stem_placeholder ||
                       std::find(job_variable_names.begin(), job_variable_names.end(), name) !=
                           job_variable_names.end();
    if (!known)
      return bad(where, n, "unknown placeholder " + std::string(whole));
    if (whole == sources_placeholder && text != sources_placeholder)
      return bad(where, n, "${SOURCES} must be a whole argument");
  }
  return ok();
}

result<std::vector<std::string>> arguments(const location& where, const node& step) {
  RECODEX_TRY(args, string_list(where, step, "args"));
  for (std::size_t i = 0; i < args.size(); ++i) {
    RECODEX_TRY_VOID(check_placeholders((where / "args").at(i), step["args"][i], args[i]));
  }
  return args;
}

// Host programs are absolute paths; the run step may also name the compiled program relative
// to the evaluation directory (./a.out), since the box starts there.
result<std::string> program(const location& where, const node& map, bool may_be_compiled) {
  RECODEX_TRY(path, required_scalar(where, map, "program"));
  const bool relative_ok = may_be_compiled && !path.empty() && path.find("..") == std::string::npos;
  if (!is_absolute(path) && !relative_ok)
    return bad(where / "program", map["program"], "must be an absolute path, got '" + path + "'");
  RECODEX_TRY_VOID(check_placeholders(where / "program", map["program"], path));
  if (path == sources_placeholder)
    return bad(where / "program", map["program"], "${SOURCES} is not a program");
  return path;
}

result<environment_step> compile_step(const location& where, const node& n) {
  if (!n.IsMap())
    return bad(where, n, "expected a mapping");
  RECODEX_TRY_VOID(check_keys(where, n, {"program", "args", "output", "limits"}));
  environment_step step;
  RECODEX_TRY(bin, program(where, n, false));
  RECODEX_TRY(args, arguments(where, n));
  RECODEX_TRY(output, optional_scalar(where, n, "output"));
  step.program = std::move(bin);
  step.args = std::move(args);
  if (output) {
    const location at = where / "output";
    if (is_absolute(*output) || output->find("..") != std::string::npos || output->empty())
      return bad(at, n["output"], "must be a file name relative to the job directory");
    RECODEX_TRY_VOID(check_placeholders(at, n["output"], *output));
    if (*output == sources_placeholder)
      return bad(at, n["output"], "${SOURCES} is not a file name");
    step.output = std::move(output);
  }
  RECODEX_TRY(limits, optional_map(where, n, "limits"));
  if (limits.IsDefined()) {
    const location at = where / "limits";
    RECODEX_TRY_VOID(check_keys(at, limits, {"time", "wall-time", "memory", "parallel"}));
    RECODEX_TRY(time, optional_seconds(at, limits, "time"));
    RECODEX_TRY(wall_time, optional_seconds(at, limits, "wall-time"));
    RECODEX_TRY(memory, optional_count(at, limits, "memory"));
    RECODEX_TRY(parallel, optional_count(at, limits, "parallel"));
    step.time = time;
    step.wall_time = wall_time;
    step.memory = memory;
    step.parallel = parallel;
  }
  return step;
}

result<environment_step> run_step(const location& where, const node& n) {
  if (!n.IsMap())
    return bad(where, n, "expected a mapping");
  RECODEX_TRY_VOID(check_keys(where, n, {"program", "args", "limits"}));
  environment_step step;
  RECODEX_TRY(bin, program(where, n, true));
  RECODEX_TRY(args, arguments(where, n));
  step.program = std::move(bin);
  step.args = std::move(args);
  RECODEX_TRY(limits, optional_map(where, n, "limits"));
  if (limits.IsDefined()) {
    const location at = where / "limits";
    RECODEX_TRY_VOID(check_keys(at, limits, {"parallel", "time-overhead", "memory-overhead"}));
    RECODEX_TRY(parallel, optional_count(at, limits, "parallel"));
    RECODEX_TRY(time_overhead, optional_seconds(at, limits, "time-overhead"));
    RECODEX_TRY(memory_overhead, optional_count(at, limits, "memory-overhead"));
    step.parallel = parallel;
    step.time_overhead = time_overhead.value_or(0);
    step.memory_overhead = memory_overhead.value_or(0);
  }
  return step;
}

result<environment_probe> probe(const location& where, const node& n) {
  if (!n.IsMap())
    return bad(where, n, "expected a mapping");
  RECODEX_TRY_VOID(check_keys(where, n, {"program", "args", "timeout"}));
  environment_probe out;
  RECODEX_TRY(bin, program(where, n, false));
  RECODEX_TRY(args, string_list(where, n, "args"));
  RECODEX_TRY(timeout, optional_seconds(where, n, "timeout"));
  out.program = std::move(bin);
  out.args = std::move(args);
  if (timeout) {
    if (*timeout <= 0)
      return bad(where / "timeout", n["timeout"], "must be more than 0 seconds");
    out.timeout_s = *timeout;
  }
  return out;
}

// Like 5.1's bound-directories: src or dst (the other defaults to it), mode as in ReCodEx.
result<std::vector<bound_directory>> bound_directories(const location& where, const node& map) {
  RECODEX_TRY(list, child(where, map, "bound-directories", false));
  std::vector<bound_directory> out;
  if (!list.IsDefined())
    return out;
  const location at = where / "bound-directories";
  if (!list.IsSequence())
    return bad(at, list, "expected a list");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const location entry_at = at.at(i);
    const node entry = list[i];
    if (!entry.IsMap())
      return bad(entry_at, entry, "expected a mapping with src, dst and mode");
    RECODEX_TRY_VOID(check_keys(entry_at, entry, {"src", "dst", "mode"}));
    RECODEX_TRY(src, optional_scalar(entry_at, entry, "src"));
    RECODEX_TRY(dst, optional_scalar(entry_at, entry, "dst"));
    RECODEX_TRY(mode, optional_scalar(entry_at, entry, "mode"));
    if (!src && !dst)
      return bad(entry_at, entry, "needs src or dst");
    bound_directory dir;
    dir.src = src.value_or(*dst);
    dir.dst = dst.value_or(*src);
    dir.mode = parse_dir_mode(mode.value_or(""));
    if (!is_absolute(dir.src) || !is_absolute(dir.dst) || dir.src.find("..") != std::string::npos ||
        dir.dst.find("..") != std::string::npos)
      return bad(entry_at, entry, "src and dst must be absolute paths without '..'");
    out.push_back(std::move(dir));
  }
  return out;
}

result<environment> variables(const location& where, const node& map) {
  RECODEX_TRY(vars, optional_map(where, map, "environment"));
  environment out;
  if (!vars.IsDefined())
    return out;
  for (const auto& entry : vars) {
    const std::string name = entry.first.Scalar();
    RECODEX_TRY(value, scalar(where / "environment" / name, entry.second));
    if (name.empty() || name.find('=') != std::string::npos)
      return bad(where / "environment" / name, entry.first, "is not a variable name");
    out.emplace_back(name, std::move(value));
  }
  return out;
}

result<std::vector<std::string>> extensions(const location& where, const node& map) {
  RECODEX_TRY(list, string_list(where, map, "extensions"));
  if (list.empty())
    return bad(where / "extensions", map, "is required: at least one source suffix, e.g. .c");
  for (std::size_t i = 0; i < list.size(); ++i)
    if (list[i].size() < 2 || list[i].front() != '.' || list[i].find('/') != std::string::npos)
      return bad((where / "extensions").at(i), map["extensions"][i],
                 "expected a suffix such as .c, got '" + list[i] + "'");
  return list;
}

result<environment_definition> parse_document(const node& root, const std::string& name) {
  const location where{name, ""};
  if (!root.IsMap())
    return make_error(errc::invalid_argument, name + ": expected a mapping at the top");
  RECODEX_TRY_VOID(check_keys(where, root,
                              {"id", "description", "extensions", "detect", "compile", "run",
                               "bound-directories", "environment"}));
  environment_definition out;
  out.file = name;
  RECODEX_TRY(id, required_scalar(where, root, "id"));
  if (!is_valid_id(id))
    return bad(where / "id", root["id"],
               "'" + id + "' is not a header value (letters, digits, - _ . +)");
  out.id = std::move(id);
  RECODEX_TRY(description, optional_scalar(where, root, "description"));
  out.description = description.value_or("");
  RECODEX_TRY(suffixes, extensions(where, root));
  out.extensions = std::move(suffixes);

  RECODEX_TRY(detect, child(where, root, "detect", true));
  RECODEX_TRY(detected, probe(where / "detect", detect));
  out.detect = std::move(detected);
  RECODEX_TRY(compile, child(where, root, "compile", false));
  if (compile.IsDefined()) {
    RECODEX_TRY(step, compile_step(where / "compile", compile));
    out.compile = std::move(step);
  }
  RECODEX_TRY(run, child(where, root, "run", true));
  RECODEX_TRY(step, run_step(where / "run", run));
  out.run = std::move(step);
  RECODEX_TRY(dirs, bound_directories(where, root));
  out.bound_directories = std::move(dirs);
  RECODEX_TRY(vars, variables(where, root));
  out.environment_variables = std::move(vars);
  return out;
}

result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_errno_error(errno, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

result<environment_definition> parse_environment(std::string_view yaml_text,
                                                 const std::string& name) {
  try {
    return parse_document(YAML::Load(std::string(yaml_text)), name);
  } catch (const YAML::Exception& e) {
    return make_error(errc::invalid_argument,
                      name + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
}

result<std::vector<environment_definition>>
load_environments(const std::filesystem::path& directory) {
  std::error_code failure;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it{directory, failure}, end; !failure && it != end;
       it.increment(failure)) {
    const auto suffix = it->path().extension();
    if ((suffix == ".yml" || suffix == ".yaml") && it->is_regular_file())
      files.push_back(it->path());
  }
  if (failure)
    return make_error(errc::io_error, "cannot read environment directory " + directory.string() +
                                          ": " + failure.message());
  std::sort(files.begin(), files.end());

  std::vector<environment_definition> out;
  for (const auto& file : files) {
    RECODEX_TRY(text, read_file(file));
    RECODEX_TRY(definition, parse_environment(text, file.string()));
    const auto same = std::find_if(out.begin(), out.end(), [&](const environment_definition& d) {
      return d.id == definition.id;
    });
    if (same != out.end())
      return make_error(errc::invalid_argument, file.string() + ": id '" + definition.id +
                                                    "' is already defined in " + same->file);
    out.push_back(std::move(definition));
  }
  return out;
}

} // namespace recodex::worker
