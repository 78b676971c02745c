// Runs every judge executable from build/bin over the golden cases in cases/ and compares exit
// code, stdout and stderr byte for byte; also round-trips recodex-data-only-wrapper.sh through
// recodex-judge-passthrough.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      out.push_back(line);
  return out;
}

struct run_result {
  int exit_code = -1;
  std::string out, err;
};

// fork + exec with stdout and stderr in files under `scratch`; cwd is `dir`.
run_result run(const std::vector<std::string>& argv, const fs::path& dir, const fs::path& scratch) {
  fs::path out_file = scratch / "stdout", err_file = scratch / "stderr";
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int o = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0 || chdir(dir.c_str()) != 0)
      _exit(127);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  run_result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out_file);
  r.err = slurp(err_file);
  return r;
}

fs::path scratch_dir() {
  fs::path p = fs::temp_directory_path() / ("recodex-judges-golden-" + std::to_string(getpid()));
  fs::create_directories(p);
  return p;
}

} // namespace

TEST_CASE("judge executables match their golden files", "[judges][conformance]") {
  fs::path scratch = scratch_dir();
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator{JUDGES_CASES_DIR})
    if (entry.is_directory())
      cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  REQUIRE(cases.size() >= 20);
  for (const auto& dir : cases) {
    INFO("case " << dir.filename().string());
    auto cmd = lines_of(slurp(dir / "cmd"));
    REQUIRE_FALSE(cmd.empty());
    cmd[0] = std::string{RECODEX_BIN_DIR} + "/" + cmd[0];
    auto r = run(cmd, dir, scratch);
    CHECK(r.exit_code == std::stoi(slurp(dir / "verdict")));
    CHECK(r.out == slurp(dir / "stdout"));
    CHECK(r.err == slurp(dir / "stderr"));
  }
  fs::remove_all(scratch);
}

TEST_CASE("the data-only wrapper's record replays through the passthrough judge",
          "[judges][conformance]") {
  fs::path scratch = scratch_dir();
  fs::path program = scratch / "program.sh";
  {
    std::ofstream p{program};
    p << "#!/bin/sh\nprintf 'out\\n\\n'\nprintf 'bad\\0bytes' >&2\nexit 7\n";
  }
  fs::path record_dir = scratch / "rec";
  fs::create_directories(record_dir);
  auto wrapped = run({std::string{RECODEX_BIN_DIR} + "/recodex-data-only-wrapper.sh", program.string()},
                     scratch, record_dir);
  REQUIRE(wrapped.exit_code == 0);
  CHECK(wrapped.out == "7\nb3V0Cgo=\nYmFkAGJ5dGVz\n");
  { std::ofstream r{scratch / "record"}; r << wrapped.out; }
  auto replayed = run({std::string{RECODEX_BIN_DIR} + "/recodex-judge-passthrough",
                       (scratch / "record").string(), "ignored"},
                      scratch, record_dir);
  CHECK(replayed.exit_code == 7);
  CHECK(replayed.out == "out\n\n");
  CHECK(replayed.err == std::string{"bad\0bytes", 9});
  fs::remove_all(scratch);
}
