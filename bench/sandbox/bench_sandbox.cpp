// Sandbox overhead: median wall time per run of /bin/true over N runs (default 200) for plain
// fork+exec+wait, bubblewrap with a comparable root, our CLI, our library cold (run(box, options):
// set-up included) and warm (prepare() ahead, then only run(prepared) is timed), all measured in
// this run; then the CPU time the sandbox reports for a 1.0 s busy loop. Prints figures and ratios.
#include "sandbox/sandbox.hpp"

#include <algorithm>
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

template <class F>
std::vector<double> repeat(int n, F f, bool& failed) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    double ms = f();
    if (ms < 0) {
      failed = true;
      return out;
    }
    out.push_back(ms);
  }
  return out;
}

void row(const char* name, const std::vector<double>& v, double base) {
  double m = median_ms(v);
  std::printf("  %-34s median %7.2f ms  p90 %7.2f ms  x%.2f of fork+exec\n", name, m, p90_ms(v),
              m / base);
}

} // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 200;
  if (::geteuid() != 0) {
    std::printf("bench_sandbox: needs root; nothing measured\n");
    return 0;
  }
  char dir[] = "/tmp/recodex-bench-box-XXXXXX";
  if (!::mkdtemp(dir))
    return 2;
  const std::string box_dir = dir;
  auto leased = acquire_box();
  if (!leased) {
    std::printf("bench_sandbox: %s\n", leased.error().message.c_str());
    return 2;
  }
  std::printf("sandbox overhead, /bin/true, %d runs each (box %d)\n", runs, leased.value().id());

  bool failed = false;
  auto plain = repeat(runs, [] { return spawn_ms({"/bin/true"}); }, failed);
  double base = median_ms(plain);
  row("plain fork+exec+wait", plain, base);

  const bool have_bwrap = ::access("/usr/bin/bwrap", X_OK) == 0;
  double bwrap_median = 0;
  if (have_bwrap) {
    std::vector<std::string> bwrap = {
        "/usr/bin/bwrap", "--unshare-all", "--die-with-parent", "--new-session",
        "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib",
        "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
        "--ro-bind-try", "/etc/alternatives", "/etc/alternatives", "--bind", box_dir, "/box",
        "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev", "--chdir", "/box", "/bin/true"};
    bool bwrap_failed = false;
    auto v = repeat(runs, [&] { return spawn_ms(bwrap); }, bwrap_failed);
    if (bwrap_failed) {
      std::printf("  %-34s failed to run; column skipped\n", "bubblewrap");
    } else {
      row("bubblewrap (ns + same root)", v, base);
      bwrap_median = median_ms(v);
    }
  } else {
    std::printf("  %-34s not installed (apt-get install bubblewrap); column skipped\n",
                "bubblewrap");
  }

  std::vector<std::string> cli = {RECODEX_BIN_DIR "/recodex-sandbox", "--box=" + box_dir,
                                  "--time=1", "--wall-time=5", "--memory=262144", "--",
                                  "/bin/true"};
  auto through_cli = repeat(runs, [&] { return spawn_ms(cli); }, failed);
  if (!failed)
    row("recodex-sandbox CLI (full)", through_cli, base);

  run_options options;
  options.box_dir = box_dir;
  options.argv = {"/bin/true"};
  options.time_s = 1;
  options.wall_time_s = 5;
  options.memory_kib = 262144;
  std::string library_error;
  auto check = [&](const recodex::result<run_result>& r) {
    if (!r || r.value().result != status::ok) {
      library_error = r ? r.value().message : r.error().message;
      return false;
    }
    return true;
  };
  auto library = repeat(
      runs,
      [&] {
        auto start = clock_type::now();
        auto r = run(leased.value(), options);
        auto ms = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
        return check(r) ? ms : -1.0;
      },
      failed);
  if (!failed)
    row("library run() cold (full)", library, base);
  else
    std::printf("  a sandboxed run failed: %s\n", library_error.c_str());

  // Warm: the box for the next run is prepared while the caller does other work (here a 10 ms
  // pause standing in for copying files and reporting); only run(prepared) is timed.
  std::vector<double> warm;
  if (!failed) {
    warm = repeat(
        runs,
        [&] {
          auto prepared = prepare(leased.value(), options);
          if (!prepared) {
            library_error = prepared.error().message;
            return -1.0;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          auto start = clock_type::now();
          auto r = run(std::move(prepared.value()));
          auto ms = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
          return check(r) ? ms : -1.0;
        },
        failed);
    if (!failed)
      row("library run(prepared) warm (full)", warm, base);
    else
      std::printf("  a warm sandboxed run failed: %s\n", library_error.c_str());
  }

  if (!failed) {
    std::printf("ratios: CLI/bubblewrap %s, library/fork+exec cold %.2f, warm %.2f "
                "(goals: <= 1, <= 1.5)\n",
                bwrap_median > 0
                    ? std::to_string(median_ms(through_cli) / bwrap_median).substr(0, 4).c_str()
                    : "n/a",
                median_ms(library) / base, median_ms(warm) / base);
  }

  // CPU-time accuracy: the loop stops itself at 1.0 s of its own CPU time.
  std::string loop = RECODEX_BIN_DIR "/bench_sandbox_busy_loop";
  std::string inside = box_dir + "/busy_loop";
  std::string copy = "cp '" + loop + "' '" + inside + "'";
  if (std::system(copy.c_str()) == 0) {
    options.argv = {"/box/busy_loop", "1.0"};
    options.time_s = 3;
    std::vector<double> errors;
    std::printf("cpu accuracy, 1.0 s busy loop, 5 runs:");
    for (int i = 0; i < 5; ++i) {
      auto r = run(leased.value(), options);
      if (!r || r.value().result != status::ok) {
        std::printf(" failed");
        break;
      }
      std::printf(" %.4f", r.value().time_s);
      errors.push_back(std::abs(r.value().time_s - 1.0) * 100);
    }
    if (!errors.empty())
      std::printf(" s; worst error %.2f %% (goal <= 2 %%)\n",
                  *std::max_element(errors.begin(), errors.end()));
    ::unlink(inside.c_str());
  }
  ::rmdir(box_dir.c_str());
  return failed ? 1 : 0;
}
