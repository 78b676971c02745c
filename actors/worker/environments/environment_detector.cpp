// Detection of installed environments. The probe runs without a shell (posix_spawn of an
// absolute path, stdio on /dev/null, a minimal environment) and is waited for through a pidfd,
// so a hanging `--version` costs at most the definition's timeout.
#include "actors/worker/environments/environment_detector.hpp"

#include "actors/worker/environments/environment_definition.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace recodex::worker {

namespace {

std::string why_not_executable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return path + " is missing: " + std::strerror(errno);
  if (!S_ISREG(st.st_mode))
    return path + " is not a regular file";
  if (::access(path.c_str(), X_OK) != 0)
    return path + " is not executable: " + std::strerror(errno);
  return {};
}

// Waits for `pid` at most `timeout_s`; kills it when the time is up. The exit status, or -1.
int wait_with_timeout(pid_t pid, double timeout_s) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd ready{pidfd, POLLIN, 0};
    int waited;
    do {
      waited = ::poll(&ready, 1, static_cast<int>(std::ceil(timeout_s * 1000)));
    } while (waited < 0 && errno == EINTR);
    ::close(pidfd);
    if (waited == 0)
      ::kill(pid, SIGKILL);
  }
  // Without a pidfd (very old kernels) this blocks until the probe ends.
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return status;
}

std::string why_probe_fails(const environment_probe& probe) {
  std::vector<std::string> argv_text{probe.program};
  argv_text.insert(argv_text.end(), probe.args.begin(), probe.args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_text)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  char path_variable[] = "PATH=/usr/local/bin:/usr/bin:/bin";
  char* envp[] = {path_variable, nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd : {0, 1, 2})
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0)
    return "cannot run " + probe.program + ": " + std::strerror(spawned);

  const int status = wait_with_timeout(pid, probe.timeout_s);
  if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return {};
  std::string command = probe.program;
  for (const auto& arg : probe.args)
    command += " " + arg;
  if (status >= 0 && WIFEXITED(status))
    return command + " exited with " + std::to_string(WEXITSTATUS(status));
  return command + " did not finish within " + std::to_string(probe.timeout_s) + " s";
}

} // namespace

std::string why_not_installed(const environment_definition& definition) {
  std::vector<const std::string*> programs{&definition.detect.program, &definition.run.program};
  if (definition.compile)
    programs.push_back(&definition.compile->program);
  for (const std::string* program : programs) {
    // The compiled program (./a.out) and paths inside the job are not host programs.
    const bool on_host = program->front() == '/' && program->find("${") == std::string::npos;
    if (!on_host)
      continue;
    if (auto why = why_not_executable(*program); !why.empty())
      return why;
  }
  if (definition.detect.args.empty())
    return {};
  return why_probe_fails(definition.detect);
}

std::vector<environment_definition>
installed_environments(const std::vector<environment_definition>& definitions) {
  std::vector<environment_definition> out;
  for (const auto& definition : definitions)
    if (why_not_installed(definition).empty())
      out.push_back(definition);
  return out;
}

std::vector<std::pair<std::string, std::string>>
environment_headers(const std::vector<environment_definition>& installed) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& definition : installed)
    out.emplace_back("env", definition.id);
  return out;
}

} // namespace recodex::worker
