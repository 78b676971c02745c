// The internal and sandbox executors, and the pure translation of an external task into sandbox
// run options (spec 5.6).
#include "actors/worker/evaluation/task_executors.hpp"

#include "sandbox/dir_rule.hpp"
#include "sandbox/host_box_dir.hpp"

#include <cerrno>
#include <random>
#include <sys/random.h>
#include <unistd.h>

#include <utility>

namespace recodex::worker {

internal_task_outcome internal_executor::run(const planned_task& task) {
  if (!task.kind)
    return {false, "task " + task.task.task_id + " is not an internal task", std::nullopt};
  return run_internal_task(*task.kind, task.task.args, context_);
}

void internal_executor::expect_soon(const std::vector<const planned_task*>& upcoming) {
  if (!context_.stage_fetches)
    return;
  std::vector<std::string> names;
  for (const auto* task : upcoming)
    if (task->kind == internal_task_kind::fetch && !task->task.args.empty())
      names.push_back(task->task.args.front());
  if (!names.empty())
    context_.stage_fetches(names);
}

namespace {

sandbox::dir_rule to_dir_rule(const bound_directory& dir) {
  sandbox::dir_rule rule;
  rule.inside = dir.dst.empty() || dir.dst.front() == '/' ? dir.dst : "/" + dir.dst;
  rule.outside = (dir.mode & dir_mode::tmp) ? std::string{} : dir.src;
  rule.read_write = (dir.mode & dir_mode::rw) != 0;
  rule.no_exec = (dir.mode & dir_mode::noexec) != 0;
  rule.tmp = (dir.mode & dir_mode::tmp) != 0;
  rule.maybe = (dir.mode & dir_mode::maybe) != 0;
  rule.devices = (dir.mode & dir_mode::dev) != 0;
  rule.filesystem = (dir.mode & dir_mode::fs) != 0;
  rule.no_recursion = (dir.mode & dir_mode::norec) != 0;
  return rule;
}

// Unpredictable (a program sees the names of its own run's files and must not guess the next
// run's), from getrandom: constructing a std::random_device per task cost more than the draw.
std::string random_suffix() {
  static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  constexpr unsigned symbols = sizeof(alnum) - 1;
  constexpr unsigned usable = 256 / symbols * symbols; // rejecting above it keeps picks uniform
  std::string out;
  unsigned char bytes[32];
  while (out.size() < 10) {
    ssize_t got = ::getrandom(bytes, sizeof bytes, 0);
    if (got < 0 && errno != EINTR) { // never on Linux >= 3.17; no endless loop all the same
      std::random_device device;
      for (auto& byte : bytes)
        byte = static_cast<unsigned char>(device());
      got = sizeof bytes;
    }
    for (ssize_t i = 0; i < got && out.size() < 10; ++i)
      if (bytes[i] < usable)
        out += alnum[bytes[i] % symbols];
  }
  return out;
}

// The first max_kept bytes of a captured stream; "" when the file is missing or refused.
std::string capture(const std::string& box_dir, const std::string& inside_path,
                    std::size_t max_kept) {
  std::string relative = box_relative(inside_path);
  if (relative.empty())
    return {};
  auto text = sandbox::read_box_file(box_dir, relative, max_kept, sandbox::oversize::truncate);
  return text ? std::move(text).value() : std::string{};
}

// Copies the first max_bytes of a stream to `destination` when that lies in the job's own
// directories; the path comes from the job configuration and the copy is made as root.
void carboncopy(const std::string& box_dir, const std::string& inside_path,
                const std::string& destination, const sandbox_executor_config& config) {
  const std::string relative = box_relative(inside_path);
  if (relative.empty() || config.carboncopy_roots.empty() ||
      !is_inside_roots(destination, config.carboncopy_roots))
    return;
  (void) sandbox::copy_box_file(box_dir, relative, destination, config.max_read_bytes,
                                sandbox::oversize::truncate);
}

} // namespace

std::string inside_program_path(const std::string& bin, const std::string& chdir) {
  if (bin.empty())
    return {};
  if (bin.front() == '/')
    return bin;
  if (bin.find('/') == std::string::npos)
    return {};
  return (chdir.empty() ? std::string{"/box"} : chdir) + "/" + bin;
}

std::string box_relative(const std::string& inside_path) {
  if (inside_path.empty())
    return {};
  if (inside_path.front() != '/')
    return inside_path;
  const std::string prefix = "/box/";
  if (inside_path.compare(0, prefix.size(), prefix) == 0 && inside_path.size() > prefix.size())
    return inside_path.substr(prefix.size());
  return {};
}

result<sandbox_run_plan> make_sandbox_run_plan(const planned_task& task, const std::string& box_dir,
                                               const std::string& output_suffix,
                                               const std::string& judges_dir) {
  const task_metadata& meta = task.task;
  if (!meta.sandbox || !task.limits)
    return make_error(errc::invalid_argument,
                      "task " + meta.task_id + " is not an external task with resolved limits");
  const sandbox_config& box = *meta.sandbox;
  const sandbox_limits& limits = *task.limits;

  sandbox_run_plan plan;
  sandbox::run_options& o = plan.options;
  // 5.6: the evaluation directory is SOURCE_DIR, or SOURCE_DIR/working-directory (validated
  // relative and free of ".." by the parser).
  o.box_dir = box.working_directory && !box.working_directory->empty()
                  ? box_dir + "/" + *box.working_directory
                  : box_dir;
  o.argv.push_back(meta.bin);
  o.argv.insert(o.argv.end(), meta.args.begin(), meta.args.end());

  o.time_s = limits.time;
  o.wall_time_s = limits.wall_time;
  o.extra_time_s = limits.extra_time;
  o.memory_kib = limits.memory + limits.extra_memory;
  o.stack_kib = limits.stack_size;
  if (limits.parallel == 0)
    o.processes = std::nullopt;
  else
    o.processes = static_cast<unsigned>(limits.parallel);
  o.fsize_kib = limits.disk_quotas ? limits.disk_size : 0;

  // The job's tasks all run over this directory: hand over only what each task adds.
  o.give_back_box_dir = false;
  o.env = limits.environ_variables;
  for (const auto& dir : limits.bound_directories)
    o.dirs.push_back(to_dir_rule(dir));
  sandbox::dir_rule alternatives;
  alternatives.inside = "/etc/alternatives";
  alternatives.outside = "/etc/alternatives";
  alternatives.maybe = true;
  o.dirs.push_back(alternatives);
  if (!judges_dir.empty() && judges_dir.front() == '/' && judges_dir != "/usr" &&
      judges_dir.rfind("/usr/", 0) != 0) {
    sandbox::dir_rule judges;
    judges.inside = judges_dir;
    judges.outside = judges_dir;
    o.dirs.push_back(judges);
  }
  if (meta.type == task_type::initiation) {
    o.share_net = true;
    sandbox::dir_rule etc;
    etc.inside = "/etc";
    etc.outside = "/etc";
    o.dirs.push_back(etc);
  }

  o.stdin_path = box.stdin_path.value_or("");
  o.stdout_path = box.stdout_path.value_or("");
  o.stderr_path = box.stderr_path.value_or("");
  o.stderr_to_stdout = box.stderr_to_stdout;
  if (box.chdir)
    o.chdir = !box.chdir->empty() && box.chdir->front() == '/' ? *box.chdir : "/" + *box.chdir;

  const std::string invented = meta.task_id + "." + output_suffix + ".output.";
  bool want_stdout = box.output || box.carboncopy_stdout;
  bool want_stderr = (box.output || box.carboncopy_stderr) && !box.stderr_to_stdout;
  if (want_stdout && o.stdout_path.empty()) {
    o.stdout_path = "/box/" + invented + "stdout";
    plan.invented_files.push_back(invented + "stdout");
  }
  if (want_stderr && o.stderr_path.empty()) {
    o.stderr_path = "/box/" + invented + "stderr";
    plan.invented_files.push_back(invented + "stderr");
  }
  if (want_stdout)
    plan.capture_stdout = o.stdout_path;
  if (want_stderr)
    plan.capture_stderr = o.stderr_path;
  return plan;
}

sandbox_results to_sandbox_results(const sandbox::run_result& run) {
  sandbox_results r;
  switch (run.result) {
  case sandbox::status::ok: r.status = sandbox_status::ok; break;
  case sandbox::status::runtime_error: r.status = sandbox_status::re; break;
  case sandbox::status::signaled: r.status = sandbox_status::sg; break;
  case sandbox::status::timed_out: r.status = sandbox_status::to; break;
  case sandbox::status::internal_error: r.status = sandbox_status::xx; break;
  }
  r.exitcode = run.exitcode;
  r.time = run.time_s;
  r.wall_time = run.wall_time_s;
  r.memory = run.memory_kib;
  r.max_rss = run.max_rss_kib;
  r.exitsig = run.exitsig;
  r.killed = run.killed;
  r.message = run.message;
  r.csw_voluntary = run.csw_voluntary;
  r.csw_forced = run.csw_forced;
  return r;
}

bool can_prepare_ahead(const sandbox::run_options& options, const std::string& box_dir,
                       const std::vector<std::filesystem::path>& job_dirs) {
  if (options.box_dir != box_dir)
    return false; // a working-directory an earlier task may still create
  auto inside_job = [&](const std::string& path) {
    const auto normal = std::filesystem::path(path).lexically_normal();
    for (const auto& dir : job_dirs) {
      auto relative = normal.lexically_relative(dir.lexically_normal());
      if (!relative.empty() && *relative.begin() != "..")
        return true;
    }
    return false;
  };
  for (const auto& rule : options.dirs)
    if (!rule.tmp && !rule.filesystem && inside_job(rule.outside.empty() ? rule.inside : rule.outside))
      return false;
  return true;
}

sandbox_executor::sandbox_executor(const sandbox::box& box, sandbox_executor_config config,
                                   const sandbox::box* spare)
    : box_(box), spare_(spare), config_(std::move(config)) {
}

sandbox_executor::sandbox_executor(sandbox_executor&&) noexcept = default;

sandbox_executor::~sandbox_executor() {
  drop_ahead();
}

void sandbox_executor::drop_ahead() {
  if (ahead_ && ahead_->run.valid())
    (void) ahead_->run.get(); // waits for the preparation; the prepared run dies here
  ahead_.reset();
}

void sandbox_executor::prepare_expected(const sandbox::box& busy) {
  const planned_task* next = std::exchange(expected_, nullptr);
  if (!spare_ || !next || next->kind || !next->limits || !next->task.sandbox)
    return;
  const sandbox::box& free_box = &busy == &box_ ? *spare_ : box_;
  auto plan = make_sandbox_run_plan(*next, config_.box_dir, random_suffix(), config_.judges_dir);
  if (!plan || !can_prepare_ahead(plan.value().options, config_.box_dir, config_.carboncopy_roots))
    return;
  if (!preparer_)
    preparer_ = std::make_unique<box_preparer>();
  auto prepared = preparer_->prepare(free_box, plan.value().options);
  ahead_.emplace(prepared_task{next, &free_box, std::move(plan).value(), std::move(prepared)});
}

result<external_task_outcome> sandbox_executor::run(const planned_task& task) {
  // This run's only: dropped with it if it ends before its program starts.
  auto after_start = std::exchange(after_start_, nullptr);
  std::optional<prepared_task> mine;
  if (ahead_ && ahead_->task == &task) {
    mine = std::move(ahead_);
    ahead_.reset();
  }
  drop_ahead(); // a guess that missed
  const sandbox::box& busy = mine ? *mine->box : box_;

  sandbox_run_plan plan;
  if (mine) {
    plan = std::move(mine->plan);
  } else {
    RECODEX_TRY(made,
                make_sandbox_run_plan(task, config_.box_dir, random_suffix(), config_.judges_dir));
    plan = std::move(made);
  }
  const std::string& dir = plan.options.box_dir;
  // A program an earlier task built in the box may lack +x (5.6); a missing one is the run's
  // own error to report.
  const std::string program = box_relative(inside_program_path(task.task.bin, plan.options.chdir));
  if (!program.empty())
    (void) sandbox::make_box_file_executable(dir, program);
  // A preparation that failed before anything started leaves the box free: run cold there.
  auto prepared = mine ? mine->run.get() : result<sandbox::prepared_run>{make_error(errc::unavailable, "cold")};
  // A prepared run starts first and the next preparation is handed over while it runs (waking
  // the preparer before the start delayed it by ~0.15 ms); a cold run prepares the next first.
  bool next_prepared = false;
  auto prepare_next = [&] {
    next_prepared = true;
    prepare_expected(busy);
    if (auto work = std::exchange(after_start, nullptr))
      work();
  };
  if (!prepared)
    prepare_next();
  auto ran = prepared ? sandbox::run(std::move(prepared).value(), prepare_next)
                      : sandbox::run(busy, plan.options);
  if (!next_prepared) { // the prepared run failed before its start
    after_start = nullptr;
    prepare_next();
  }
  if (!ran)
    return ran.error();

  external_task_outcome outcome;
  outcome.sandbox = to_sandbox_results(ran.value());
  const sandbox_config& box = *task.task.sandbox;

  if (box.carboncopy_stdout)
    carboncopy(dir, plan.options.stdout_path, *box.carboncopy_stdout, config_);
  if (box.carboncopy_stderr)
    carboncopy(dir, plan.options.stderr_path, *box.carboncopy_stderr, config_);

  if (box.output) {
    task_output captured;
    captured.stdout_text = capture(dir, plan.capture_stdout, config_.max_output_length);
    captured.stderr_text = capture(dir, plan.capture_stderr, config_.max_output_length);
    outcome.output = std::move(captured);
  }
  for (const auto& name : plan.invented_files)
    ::unlink((dir + "/" + name).c_str()); // unlink never follows a symlink
  return outcome;
}

} // namespace recodex::worker
