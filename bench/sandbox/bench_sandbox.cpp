// Sandbox overhead: median wall time per run of /bin/true over N rounds (default 200) for plain
// fork+exec+wait, bubblewrap with a comparable root, our CLI, our library cold (run(box, options):
// set-up included) and warm (prepare() ahead, then only run(prepared) is timed), the library's
// runs both cloned by this process and through the box launcher. Each round runs every kind
// once, so on a shared, noisy machine all kinds see the same load; then the CPU time the sandbox
// reports for a 1.0 s busy loop. Prints figures and ratios.
// The bench process can play a worker host: it holds `host_mb` MB (default 0) that a thread keeps
// writing, as a worker's service threads do, and the library rows also print this process's own
// CPU per run (page-table copies and copy-on-write faults land there).
// Usage: bench_sandbox [rounds=200] [host_mb=0] (32 plays a worker: its fork+exec baseline then
// also forks the big process)
#include "sandbox/box_launcher.hpp"
#include "sandbox/sandbox.hpp"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace recodex::sandbox;
using clock_type = std::chrono::steady_clock;

namespace {

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double p90_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() * 9 / 10];
}

// fork + execv + waitpid; stdout and stderr to /dev/null. Returns ms, or -1 on failure.
double spawn_ms(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto start = clock_type::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    if (FILE* null = std::fopen("/dev/null", "w")) {
      ::dup2(fileno(null), 1);
      ::dup2(fileno(null), 2);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  auto ms = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ms : -1;
}

void row(const char* name, const std::vector<double>& v, double base) {
  double m = median_ms(v);
  std::printf("  %-38s median %7.2f ms  p90 %7.2f ms  x%.2f of fork+exec\n", name, m, p90_ms(v),
              m / base);
}

double process_cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Memory a thread keeps writing (one byte per page, then a 1 ms pause), like a host's busy heap.
class busy_host {
public:
  explicit busy_host(std::size_t mb) : memory_(mb << 20, 1) {
    if (mb > 0)
      writer_ = std::thread([this] {
        while (!stop_) {
          for (std::size_t i = 0; i < memory_.size(); i += 4096)
            ++memory_[i];
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      });
  }
  ~busy_host() {
    stop_ = true;
    if (writer_.joinable())
      writer_.join();
  }

private:
  std::vector<char> memory_;
  std::atomic<bool> stop_{false};
  std::thread writer_;
};

} // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 200;
  const int host_mb = argc > 2 ? std::atoi(argv[2]) : 0;
  if (::geteuid() != 0) {
    std::printf("bench_sandbox: needs root; nothing measured\n");
    return 0;
  }
  // First, while this process is small: that is how a host starts it.
  if (auto started = start_box_launcher(); !started) {
    std::printf("bench_sandbox: %s\n", started.error().message.c_str());
    return 2;
  }
  busy_host host{static_cast<std::size_t>(std::max(0, host_mb))};
  char dir[] = "/tmp/recodex-bench-box-XXXXXX";
  if (!::mkdtemp(dir))
    return 2;
  const std::string box_dir = dir;
  auto leased = acquire_box();
  if (!leased) {
    std::printf("bench_sandbox: %s\n", leased.error().message.c_str());
    return 2;
  }
  std::printf("sandbox overhead, /bin/true, %d interleaved rounds (box %d), host holding %d MB "
              "that a thread keeps writing\n",
              runs, leased.value().id(), host_mb);

  const std::vector<std::string> plain_argv = {"/bin/true"};
  std::vector<std::string> bwrap = {
      "/usr/bin/bwrap", "--unshare-all", "--die-with-parent", "--new-session",
      "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib",
      "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
      "--ro-bind-try", "/etc/alternatives", "/etc/alternatives", "--bind", box_dir, "/box",
      "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev", "--chdir", "/box", "/bin/true"};
  bool have_bwrap = ::access("/usr/bin/bwrap", X_OK) == 0 && spawn_ms(bwrap) >= 0;
  std::vector<std::string> cli = {RECODEX_BIN_DIR "/recodex-sandbox", "--box=" + box_dir,
                                  "--time=1", "--wall-time=5", "--memory=262144", "--",
                                  "/bin/true"};
  run_options options;
  options.box_dir = box_dir;
  options.argv = {"/bin/true"};
  options.time_s = 1;
  options.wall_time_s = 5;
  options.memory_kib = 262144;

  std::string error;
  // One library sample: wall ms (or -1 after a failure); this process's CPU ms into `cpu`.
  auto library_ms = [&](auto&& start, std::vector<double>& cpu) {
    auto begin = clock_type::now();
    double cpu_begin = process_cpu_ms();
    auto r = start();
    auto ms = std::chrono::duration<double, std::milli>(clock_type::now() - begin).count();
    cpu.push_back(process_cpu_ms() - cpu_begin);
    if (!r || r.value().result != status::ok) {
      error = r ? r.value().message : r.error().message;
      return -1.0;
    }
    return ms;
  };
  // Namespaces are torn down partly after their last process is gone (bubblewrap's fresh network
  // namespace is cleaned up by a kernel worker); a pause before each sample keeps one kind's
  // deferred work from being charged to the next one.
  auto settle = [] { std::this_thread::sleep_for(std::chrono::milliseconds(5)); };
  struct library_kind {
    const char* cold_name;
    const char* warm_name;
    bool launcher;
    std::vector<double> cold, warm, cold_cpu, warm_cpu;
  };
  library_kind kinds[] = {
      {"library run() cold, cloned here", "library run(prepared) warm, cloned here", false},
      {"library run() cold, via launcher", "library run(prepared) warm, via launcher", true}};
  std::vector<double> plain, wrapped, through_cli;
  for (int i = 0; i < runs && error.empty(); ++i) {
    settle();
    plain.push_back(spawn_ms(plain_argv));
    if (have_bwrap) {
      settle();
      wrapped.push_back(spawn_ms(bwrap));
    }
    settle();
    double ms = spawn_ms(cli);
    if (ms < 0)
      error = "the CLI failed on /bin/true";
    through_cli.push_back(ms);
    for (auto& kind : kinds) {
      if (!error.empty())
        break;
      detail::enable_box_launcher(kind.launcher);
      settle();
      kind.cold.push_back(library_ms([&] { return run(leased.value(), options); }, kind.cold_cpu));
      // Warm: the next run is prepared while the caller does other work (a 10 ms pause standing
      // in for copying files and reporting, which also settles); only run(prepared) is timed,
      // the CPU of prepare() is counted.
      double cpu_begin = process_cpu_ms();
      auto prepared = prepare(leased.value(), options);
      double prepare_cpu = process_cpu_ms() - cpu_begin;
      if (!prepared) {
        error = prepared.error().message;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      kind.warm.push_back(
          library_ms([&] { return run(std::move(prepared.value())); }, kind.warm_cpu));
      kind.warm_cpu.back() += prepare_cpu;
    }
  }
  detail::enable_box_launcher(true);
  if (!error.empty()) {
    std::printf("  a run failed: %s\n", error.c_str());
    ::rmdir(box_dir.c_str());
    return 1;
  }
  const double base = median_ms(plain);
  row("plain fork+exec+wait", plain, base);
  if (have_bwrap)
    row("bubblewrap (ns + same root)", wrapped, base);
  else
    std::printf("  %-34s not usable here (apt-get install bubblewrap); column skipped\n",
                "bubblewrap");
  row("recodex-sandbox CLI (full)", through_cli, base);
  for (const auto& kind : kinds) {
    row(kind.cold_name, kind.cold, base);
    row(kind.warm_name, kind.warm, base);
  }
  std::printf("this process's CPU per run (median): cold %.2f ms cloned here, %.2f ms via launcher; "
              "warm incl. prepare %.2f ms / %.2f ms\n",
              median_ms(kinds[0].cold_cpu), median_ms(kinds[1].cold_cpu),
              median_ms(kinds[0].warm_cpu), median_ms(kinds[1].warm_cpu));
  std::printf("ratios: CLI/bubblewrap %s, library/fork+exec cold %.2f, warm %.2f via launcher "
              "(goals: <= 1, <= 1.5); launcher/cloned here: cold %.2f, warm %.2f\n",
              have_bwrap
                  ? std::to_string(median_ms(through_cli) / median_ms(wrapped)).substr(0, 4).c_str()
                  : "n/a",
              median_ms(kinds[1].cold) / base, median_ms(kinds[1].warm) / base,
              median_ms(kinds[1].cold) / median_ms(kinds[0].cold),
              median_ms(kinds[1].warm) / median_ms(kinds[0].warm));

  // CPU-time accuracy: the loop stops itself at 1.0 s of its own CPU time. The wall limit is
  // generous: on a loaded machine 1 s of CPU can take several seconds.
  std::string loop = RECODEX_BIN_DIR "/bench_sandbox_busy_loop";
  std::string inside = box_dir + "/busy_loop";
  std::string copy = "cp '" + loop + "' '" + inside + "'";
  bool accurate = true;
  if (std::system(copy.c_str()) == 0) {
    options.argv = {"/box/busy_loop", "1.0"};
    options.time_s = 3;
    options.wall_time_s = 30;
    std::vector<double> errors;
    std::printf("cpu accuracy, 1.0 s busy loop, 5 runs:");
    for (int i = 0; i < 5; ++i) {
      auto r = run(leased.value(), options);
      if (!r || r.value().result != status::ok) {
        std::printf(" failed (%s)", r ? r.value().message.c_str() : r.error().message.c_str());
        accurate = false;
        break;
      }
      std::printf(" %.4f", r.value().time_s);
      errors.push_back(std::abs(r.value().time_s - 1.0) * 100);
    }
    if (!errors.empty())
      std::printf(" s; worst error %.2f %% (goal <= 2 %%)",
                  *std::max_element(errors.begin(), errors.end()));
    std::printf("\n");
    ::unlink(inside.c_str());
  }
  ::rmdir(box_dir.c_str());
  return accurate ? 0 : 1;
}
