// bench/system (issue 7): the embedded default end to end against the raw cost of the same work.
//   raw:  in one sandbox box, directly: compile sum.c with gcc, then per test (5) run the program
//         on its input and run recodex-token-judge on its output (what the job's external tasks
//         do, without the broker, the worker's job handling, the file server or the monitor).
//   jobs: the embedded system with N slots; deploy/examples/sum pushed; sum-c submitted through
//         the client library (job-config generation, archive, upload, eval on the ZeroMQ client
//         port). Latency: one job at a time, from the start of submit() to its FINISHED progress
//         message at the broker (so it includes building and uploading the archive). Throughput:
//         a burst of M jobs submitted back to back, from the first submit to the last FINISHED.
// Needs root (the sandbox). Usage: bench_system [--jobs M] [--latency-jobs K] [--raw-rounds R]
//                                               [--threads 1] (services CPU by thread name)
#include "nodes/client/client.hpp"
#include "nodes/embedded/demo.hpp"
#include "nodes/embedded/embedded_system.hpp"
#include "sandbox/dir_rule.hpp"
#include "sandbox/sandbox.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <spdlog/spdlog.h>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace recodex;
using clock_type = std::chrono::steady_clock;
using ms = std::chrono::duration<double, std::milli>;

const std::filesystem::path examples =
    std::filesystem::path(RECODEX_SOURCE_DIR) / "deploy/examples";
const std::string bin_dir = RECODEX_BIN_DIR;

[[noreturn]] void die(const std::string& what) {
  std::cerr << "bench_system: " << what << "\n";
  std::exit(1);
}

double percentile(std::vector<double> values, double p) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

// CPU seconds of this process's live children (the box launcher) and what they reaped: the box
// inits are the launcher's children and reap the compiler, the programs and the judges, so their
// CPU reaches this process only through the launcher's cutime/cstime (/proc/<pid>/stat).
double live_children_cpu_seconds() {
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double total = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream children(task.path() / "children");
    for (long pid = 0; children >> pid;) {
      std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
      std::string stat((std::istreambuf_iterator<char>(stat_file)), {});
      auto after_name = stat.rfind(')');
      if (after_name == std::string::npos)
        continue;
      std::istringstream fields(stat.substr(after_name + 2));
      std::string skip;
      for (int i = 3; i < 14; ++i) // fields 3..13: state .. cmajflt
        fields >> skip;
      unsigned long long utime = 0, stime = 0;
      long long cutime = 0, cstime = 0;
      fields >> utime >> stime >> cutime >> cstime;
      total += static_cast<double>(utime + stime + cutime + cstime) / tick;
    }
  }
  return total;
}

// CPU seconds used so far by this process, its reaped children and its live children's work
// (the sandboxed programs, the compiler, the judges): unlike wall time, barely changed by other
// load on the machine.
double cpu_seconds() {
  auto seconds = [](const rusage& u) {
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  rusage self{}, children{};
  ::getrusage(RUSAGE_SELF, &self);
  ::getrusage(RUSAGE_CHILDREN, &children);
  return seconds(self) + seconds(children) + live_children_cpu_seconds();
}

// CPU seconds of the calling thread (the client's work: job config, archive, upload, eval).
double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// CPU seconds of this process's live threads that are neither the calling thread (the client)
// nor the worker's evaluation threads (named "evaluator", "box-preparer", "task-lane",
// "fetch-stager"): the broker (reactor, journal, CAF face, notifier), the monitor, the file
// server, the slots' listeners and progress relays, CAF and ZeroMQ. Those threads live as long as the system, so a difference over a
// burst is theirs. Nanosecond resolution (/proc/self/task/<tid>/schedstat).
std::map<std::string, unsigned long long> service_cpu_ns_by_thread_name() {
  const std::string self_tid = std::to_string(::gettid());
  std::map<std::string, unsigned long long> by_name;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    if (task.path().filename() == self_tid)
      continue;
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    if (name == "evaluator" || name == "box-preparer" || name == "task-lane" ||
        name == "fetch-stager")
      continue;
    unsigned long long on_cpu_ns = 0;
    if (std::ifstream(task.path() / "schedstat") >> on_cpu_ns)
      by_name[name] += on_cpu_ns;
  }
  return by_name;
}

double service_cpu_seconds(const std::map<std::string, unsigned long long>& by_name) {
  unsigned long long total_ns = 0;
  for (const auto& [name, ns] : by_name)
    total_ns += ns;
  return static_cast<double>(total_ns) / 1e9;
}

// -- raw cost -------------------------------------------------------------------------------

sandbox::run_result must_run(const sandbox::box& box, const sandbox::run_options& o) {
  auto r = sandbox::run(box, o);
  if (!r)
    die("sandbox: " + r.error().message);
  if (r.value().result != sandbox::status::ok)
    die("sandbox run of " + o.argv.front() + " did not end OK: " + r.value().message);
  return r.value();
}

// One job's external work done directly; returns its wall time in ms.
double raw_job(const sandbox::box& box, const std::filesystem::path& dir) {
  const std::vector<std::pair<std::string, std::string>> env = {{"PATH", "/usr/bin:/bin"},
                                                                {"HOME", "/box"}};
  auto start = clock_type::now();
  sandbox::run_options compile;
  compile.box_dir = dir;
  compile.argv = {"/usr/bin/gcc", "-O2", "-std=c17", "-o", "a.out", "sum.c", "-lm"};
  compile.time_s = 10;
  compile.wall_time_s = 20;
  compile.memory_kib = 512 * 1024;
  compile.processes = std::nullopt;
  compile.env = env;
  must_run(box, compile);
  for (int t = 1; t <= 5; ++t) {
    const auto n = std::to_string(t);
    sandbox::run_options run;
    run.box_dir = dir;
    run.argv = {"./a.out"};
    run.time_s = 1;
    run.wall_time_s = 2;
    run.memory_kib = 65536;
    run.stdin_path = n + ".in";
    run.stdout_path = n + ".actual";
    run.env = env;
    must_run(box, run);
    sandbox::run_options judge;
    judge.box_dir = dir;
    judge.argv = {bin_dir + "/recodex-token-judge", "--ignore-trailing-whitespace", n + ".out",
                  n + ".actual"};
    judge.time_s = 10;
    judge.wall_time_s = 20;
    judge.memory_kib = 65536;
    judge.env = env;
    judge.dirs.push_back(sandbox::dir_rule{bin_dir, bin_dir});
    judge.stdout_path = n + ".judge";
    must_run(box, judge);
  }
  return ms(clock_type::now() - start).count();
}

struct raw_figures {
  std::vector<double> wall_ms;
  double cpu_ms_per_job = 0;
};

// A fresh directory under $TMPDIR (default /tmp), so a run can put everything on another
// filesystem (TMPDIR=/dev/shm: tmpfs) and show what the disk costs.
std::filesystem::path make_temp_dir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    die("mkdtemp " + pattern);
  return pattern;
}

raw_figures raw_cost(int rounds) {
  auto box = sandbox::acquire_box({}, 900);
  if (!box)
    die("box 900: " + box.error().message);
  std::filesystem::path dir = make_temp_dir("recodex-bench-raw");
  std::filesystem::copy_file(examples / "solutions/sum-c/sum.c", dir / "sum.c");
  for (int t = 1; t <= 5; ++t) {
    std::filesystem::copy_file(examples / "sum/tests" / (std::to_string(t) + ".in"),
                               dir / (std::to_string(t) + ".in"));
    std::filesystem::copy_file(examples / "sum/tests" / (std::to_string(t) + ".out"),
                               dir / (std::to_string(t) + ".out"));
  }
  // The box user writes a.out and the outputs.
  std::filesystem::permissions(dir, std::filesystem::perms::all);
  raw_figures out;
  raw_job(box.value(), dir); // warm-up
  const double cpu_before = cpu_seconds();
  for (int i = 0; i < rounds; ++i)
    out.wall_ms.push_back(raw_job(box.value(), dir));
  out.cpu_ms_per_job = (cpu_seconds() - cpu_before) * 1000 / rounds;
  std::filesystem::remove_all(dir);
  return out;
}

// -- jobs on the embedded system ------------------------------------------------------------

// FINISHED times by job id, filled from the broker's progress.
class finish_board {
public:
  void on_progress(const progress& p) {
    if (p.command != "FINISHED" && p.command != "FAILED")
      return;
    std::lock_guard<std::mutex> lock(mutex_);
    finished_.emplace(p.job_id, clock_type::now());
    changed_.notify_all();
  }
  clock_type::time_point wait(const std::string& job_id) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!changed_.wait_for(lock, std::chrono::seconds(120),
                           [&] { return finished_.count(job_id) > 0; }))
      die("job " + job_id + " did not finish within 120 s");
    return finished_.at(job_id);
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, clock_type::time_point> finished_;
};

struct system_figures {
  unsigned slots = 0;
  std::vector<double> latencies; // ms, one job at a time
  double burst_jobs_per_s = 0;
  double burst_cpu_ms_per_job = 0;
  double client_cpu_ms_per_job = 0; // of burst_cpu_ms_per_job
  double service_cpu_ms_per_job = 0; // of burst_cpu_ms_per_job: broker, monitor, file server
  std::map<std::string, double> service_ms_per_job_by_thread; // the same, by thread name
  std::vector<double> burst_latencies;
};

system_figures measure(unsigned slots, int latency_jobs, int burst_jobs) {
  finish_board board;
  const std::filesystem::path name = make_temp_dir("recodex-bench-system");
  embedded::embedded_options o;
  o.data_dir = name / "var";
  o.slots = slots;
  o.client_port = o.worker_port = o.cluster_port = o.monitor_port = o.fileserver_port = 0;
  o.judges_dir = bin_dir;
  o.progress_observer = [&board](const progress& p) { board.on_progress(p); };
  auto system = embedded::embedded_system::start(o);
  if (!system)
    die(system.error().message);
  client::client c(embedded::client_config_for(*system.value()));
  if (auto pushed = c.push_task(examples / "sum"); !pushed)
    die("push: " + pushed.error().message);
  const client::submission sum_c{examples / "solutions/sum-c", "sum", {}};
  auto submit = [&] {
    auto job = c.submit(sum_c);
    if (!job)
      die("submit: " + job.error().message);
    return job.value().job_id;
  };
  // Slots registered and caches warm: two jobs first, not counted.
  for (int i = 0; i < 2; ++i)
    board.wait(submit());

  system_figures f;
  f.slots = slots;
  for (int i = 0; i < latency_jobs; ++i) {
    auto start = clock_type::now();
    auto id = submit();
    f.latencies.push_back(ms(board.wait(id) - start).count());
  }
  std::vector<std::pair<std::string, clock_type::time_point>> burst;
  const double cpu_before = cpu_seconds();
  const double client_cpu_before = thread_cpu_seconds();
  const auto service_before = service_cpu_ns_by_thread_name();
  auto first = clock_type::now();
  for (int i = 0; i < burst_jobs; ++i) {
    auto start = clock_type::now();
    burst.emplace_back(submit(), start);
  }
  f.client_cpu_ms_per_job = (thread_cpu_seconds() - client_cpu_before) * 1000 / burst_jobs;
  clock_type::time_point last = first;
  for (const auto& [id, start] : burst) {
    auto end = board.wait(id);
    last = std::max(last, end);
    f.burst_latencies.push_back(ms(end - start).count());
  }
  f.burst_jobs_per_s = burst_jobs / std::chrono::duration<double>(last - first).count();
  f.burst_cpu_ms_per_job = (cpu_seconds() - cpu_before) * 1000 / burst_jobs;
  auto service_after = service_cpu_ns_by_thread_name();
  f.service_cpu_ms_per_job =
      (service_cpu_seconds(service_after) - service_cpu_seconds(service_before)) * 1000 / burst_jobs;
  for (const auto& [thread, ns] : service_after) {
    auto before = service_before.find(thread);
    auto used = ns - (before == service_before.end() ? 0 : std::min(ns, before->second));
    f.service_ms_per_job_by_thread[thread] = static_cast<double>(used) / 1e6 / burst_jobs;
  }
  system.value()->stop();
  system.value().reset();
  std::filesystem::remove_all(name);
  return f;
}

} // namespace

int main(int argc, char** argv) {
  int burst_jobs = 40, latency_jobs = 30, raw_rounds = 20;
  bool by_thread = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (flag == "--jobs")
      burst_jobs = value;
    else if (flag == "--latency-jobs")
      latency_jobs = value;
    else if (flag == "--raw-rounds")
      raw_rounds = value;
    else if (flag == "--threads")
      by_thread = value != 0;
    else
      die("unknown flag " + flag);
  }
  // As `recodex serve` does: the box launcher first, while this process is small.
  recodex::embedded::start_box_launcher_early("bench_system");
  spdlog::set_level(spdlog::level::warn);

  auto raw = raw_cost(raw_rounds);
  const double raw_p50 = percentile(raw.wall_ms, 0.5);
  std::printf(
      "raw cost of one job (compile + 5 x (run + judge), %d rounds): p50 %.1f ms, p99 %.1f ms, "
      "CPU %.1f ms\n\n",
      raw_rounds, raw_p50, percentile(raw.wall_ms, 0.99), raw.cpu_ms_per_job);
  std::printf("%-5s %10s %10s %8s | %12s %10s %10s %10s %12s %10s %10s\n", "slots", "lat p50", "lat p99",
              "p50/raw", "burst jobs/s", "burst p50", "burst p99", "CPU/job", "CPU - raw",
              "client", "services");
  for (unsigned slots : {1u, 2u}) {
    auto f = measure(slots, latency_jobs, burst_jobs);
    const double p50 = percentile(f.latencies, 0.5);
    std::printf("%-5u %8.1fms %8.1fms %7.2fx | %12.2f %8.1fms %8.1fms %8.1fms %10.1fms %8.1fms %8.1fms\n",
                slots, p50, percentile(f.latencies, 0.99), p50 / raw_p50, f.burst_jobs_per_s,
                percentile(f.burst_latencies, 0.5), percentile(f.burst_latencies, 0.99),
                f.burst_cpu_ms_per_job, f.burst_cpu_ms_per_job - raw.cpu_ms_per_job,
                f.client_cpu_ms_per_job, f.service_cpu_ms_per_job);
    if (by_thread)
      for (const auto& [thread, ms_per_job] : f.service_ms_per_job_by_thread)
        if (ms_per_job >= 0.005)
          std::printf("      services thread %-16s %6.2f ms/job\n", thread.c_str(), ms_per_job);
    std::fflush(stdout);
  }
  std::printf(
      "\n(latency: one job at a time, submit() start -> FINISHED at the broker; burst: %d jobs "
      "submitted\n"
      " back to back, first submit -> last FINISHED; CPU: this process and its reaped children "
      "per\n"
      " burst job: client, file server, broker, monitor, worker, compiler, programs, judges;\n "
      "client: the CPU of the thread calling submit(), part of CPU/job;\n services: the threads of "
      "the broker, monitor, file server, slot listeners, CAF and ZeroMQ (every\n thread but the "
      "client and the evaluators'), part of CPU/job)\n",
      burst_jobs);
  return 0;
}
