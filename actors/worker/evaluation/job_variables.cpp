// Variable substitution over the text fields 5.3 lists, and nothing else: environment values and
// working-directory reach the sandbox exactly as the job wrote them.
#include "actors/worker/evaluation/job_variables.hpp"

#include "actors/worker/evaluation/job_config.hpp"

#include <optional>

namespace recodex::worker {

namespace {

std::optional<std::string_view> lookup(std::string_view name, const job_variables& vars,
                                       std::string& scratch) {
  if (name == "WORKER_ID") {
    scratch = std::to_string(vars.worker_id);
    return scratch;
  }
  if (name == "JOB_ID")
    return vars.job_id;
  if (name == "SOURCE_DIR")
    return vars.source_dir;
  if (name == "EVAL_DIR")
    return eval_dir;
  if (name == "RESULT_DIR")
    return vars.result_dir;
  if (name == "TEMP_DIR")
    return vars.temp_dir;
  if (name == "JUDGES_DIR")
    return vars.judges_dir;
  return std::nullopt;
}

std::string join_path(std::string_view base, std::string_view tail) {
  std::string out(base);
  if (!out.empty() && out.back() != '/')
    out += '/';
  out += tail;
  return out;
}

result<void> in_place(std::string& field, const job_variables& vars, const task_metadata& task,
                      std::string_view name) {
  auto replaced = substitute(field, vars);
  if (!replaced)
    return error{replaced.error().code, "task " + task.task_id + " (line " +
                                            std::to_string(task.line) + "): " + std::string(name) +
                                            ": " + replaced.error().message};
  field = std::move(replaced).value();
  return ok();
}

result<void> in_place(std::optional<std::string>& field, const job_variables& vars,
                      const task_metadata& task, std::string_view name) {
  if (!field)
    return ok();
  return in_place(*field, vars, task, name);
}

} // namespace

job_variables make_job_variables(std::uint64_t worker_id, std::string job_id,
                                 std::string_view working_directory, std::string temp_dir,
                                 std::string judges_dir) {
  job_variables vars;
  vars.worker_id = worker_id;
  const auto tail = std::to_string(worker_id) + "/" + job_id;
  vars.source_dir = join_path(join_path(working_directory, "eval"), tail);
  vars.result_dir = join_path(join_path(working_directory, "results"), tail);
  vars.job_id = std::move(job_id);
  vars.temp_dir = std::move(temp_dir);
  vars.judges_dir = std::move(judges_dir);
  return vars;
}

result<std::string> substitute(std::string_view text, const job_variables& vars) {
  std::string out;
  out.reserve(text.size());
  std::string scratch;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("${", pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    const auto close = text.find('}', open + 2);
    if (close == std::string_view::npos)
      return error{errc::conflict, "'${' without a closing '}' in '" + std::string(text) + "'"};
    out.append(text.substr(pos, open - pos));
    const auto name = text.substr(open + 2, close - open - 2);
    if (auto value = lookup(name, vars, scratch))
      out.append(*value);
    else
      out.append(text.substr(open, close - open + 1));
    pos = close + 1;
  }
  return out;
}

result<void> substitute_task(task_metadata& task, const job_variables& vars) {
  RECODEX_TRY_VOID(in_place(task.bin, vars, task, "cmd.bin"));
  for (std::size_t i = 0; i < task.args.size(); ++i) {
    const auto field = "cmd.args[" + std::to_string(i) + "]";
    RECODEX_TRY_VOID(in_place(task.args[i], vars, task, field));
  }
  if (!task.sandbox)
    return ok();
  auto& sandbox = *task.sandbox;
  RECODEX_TRY_VOID(in_place(sandbox.chdir, vars, task, "sandbox.chdir"));
  RECODEX_TRY_VOID(in_place(sandbox.stdin_path, vars, task, "sandbox.stdin"));
  RECODEX_TRY_VOID(in_place(sandbox.stdout_path, vars, task, "sandbox.stdout"));
  RECODEX_TRY_VOID(in_place(sandbox.stderr_path, vars, task, "sandbox.stderr"));
  RECODEX_TRY_VOID(in_place(sandbox.carboncopy_stdout, vars, task, "sandbox.carboncopy-stdout"));
  RECODEX_TRY_VOID(in_place(sandbox.carboncopy_stderr, vars, task, "sandbox.carboncopy-stderr"));
  for (auto& entry : sandbox.limits) {
    for (auto& dir : entry.bound_directories) {
      RECODEX_TRY_VOID(in_place(dir.src, vars, task, "sandbox.limits.bound-directories.src"));
      RECODEX_TRY_VOID(in_place(dir.dst, vars, task, "sandbox.limits.bound-directories.dst"));
    }
  }
  return ok();
}

} // namespace recodex::worker
