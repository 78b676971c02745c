// Shared by the evaluator tests: an in-memory file_transfer (URLs served from a map, downloads
// counted, failures on demand, uploads kept), a fake results packer, submission archives built
// with libarchive, and a fixture that wires a job_evaluator over a temporary working directory.
#pragma once

#include "actors/worker/evaluation/file_transfer.hpp"
#include "actors/worker/evaluation/job_evaluator.hpp"
#include "storage/sha1.hpp"
#include "storage/worker_cache.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/unit/worker_evaluation/archive_builder.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

namespace recodex::worker::testing {

namespace fs = std::filesystem;

class memory_transfer final : public file_transfer {
public:
  void serve(const std::string& url, std::string content) {
    std::lock_guard lock{mutex_};
    files_[url] = std::move(content);
  }
  void fail_uploads() { fail_uploads_ = true; }

  result<void> download(const std::string& url, const fs::path& file) override {
    std::lock_guard lock{mutex_};
    ++downloads_[url];
    auto found = files_.find(url);
    if (found == files_.end())
      return make_error(errc::not_found, "GET " + url + ": HTTP 404");
    write_text(file, found->second);
    return ok();
  }

  result<void> upload(const std::string& url, const fs::path& file) override {
    std::lock_guard lock{mutex_};
    if (fail_uploads_)
      return make_error(errc::unavailable, "PUT " + url + ": connection refused");
    uploads_[url] = read_text(file);
    return ok();
  }

  int downloads(const std::string& url) const {
    std::lock_guard lock{mutex_};
    auto found = downloads_.find(url);
    return found == downloads_.end() ? 0 : found->second;
  }
  std::map<std::string, std::string> uploads() const {
    std::lock_guard lock{mutex_};
    return uploads_;
  }

private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> files_;
  std::map<std::string, int> downloads_;
  std::map<std::string, std::string> uploads_;
  bool fail_uploads_ = false;
};

// "Packs" RESULT_DIR into RESULT_DIR/result.zip as "<relative path>\n<content>\n" per file,
// sorted, so a test reads the uploaded bytes back as a map.
inline result<fs::path> fake_pack(const fs::path& result_dir) {
  std::string out;
  for (const auto& name : list_tree(result_dir)) {
    if (name == "result.zip" || !fs::is_regular_file(result_dir / name))
      continue;
    out += "== " + name + "\n" + read_text(result_dir / name) + "\n";
  }
  write_text(result_dir / "result.zip", out);
  return result_dir / "result.zip";
}

inline results_packer failing_packer() {
  return [](const fs::path&) -> result<fs::path> {
    return make_error(errc::io_error, "cannot write result.zip: No space left on device");
  };
}

// A zip of the given files (name -> content) as bytes.
inline std::string zip_bytes(const fs::path& scratch, const std::vector<archive_item>& items) {
  const fs::path file = scratch / "archive.zip";
  build_archive(file, archive_kind::zip, items);
  std::string bytes = read_text(file);
  fs::remove(file);
  return bytes;
}

inline std::vector<std::string> commands(const std::vector<progress>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    out.push_back(e.task_id.empty() ? e.command
                                    : e.command + " " + e.task_id + " " + e.task_state);
  return out;
}

// One of the host's boxes, whose locks every sandbox user shares, so a run never meets another
// process's box of the same id; a private one where the host's state dir is not ours (not root:
// then no test runs a program in it).
inline sandbox::box lease_box(const fs::path& scratch) {
  if (auto leased = sandbox::acquire_box())
    return std::move(leased).value();
  sandbox::box_config config;
  config.state_dir = (scratch / "boxes").string();
  return sandbox::acquire_box(config).value();
}

// Empty when this host can run boxes; otherwise why not.
inline std::string sandbox_skip_reason() {
  if (::geteuid() != 0)
    return "needs root (namespaces, mounts, cgroups)";
  for (const auto& item : sandbox::check_host())
    if (!item.ok && item.name != "smoke run")
      return item.name + ": " + item.detail;
  return {};
}

inline const std::string archive_url = "http://files.test/submission-archive/student/job1";
inline const std::string result_url = "http://files.test/result/student/job1";
inline const std::string collector = "http://files.test/exercises";

// A job-config.yml header for job `job_id` in hw group group1, then `tasks`.
inline std::string job_config_text(const std::string& tasks, const std::string& job_id = "job1",
                              bool log = false) {
  return "submission:\n  job-id: " + job_id + "\n  file-collector: " + collector +
         "\n  log: " + (log ? "true" : "false") + "\n  hw-groups: [group1]\ntasks:" + (tasks.empty() ? std::string{" []\n"} : "\n" + tasks);
}

// A C program that prints the sum of two numbers, for jobs that compile and run it.
inline const std::string sum_program = R"(#include <stdio.h>
int main(void) {
  long a, b;
  if (scanf("%ld %ld", &a, &b) != 2)
    return 3;
  printf("%ld\n", a + b);
  return 0;
}
)";

// The fetch, run and judge tasks of one test of the 5.7 example (`in` and `ref` are the
// SHA-1 names of its input and reference output).
inline std::string test_tasks(const std::string& test, const std::string& in,
                              const std::string& ref) {
  return "  - task-id: fetch-in-" + test + "\n    priority: 42\n    dependencies: [build-check]\n"
         "    cmd:\n      bin: fetch\n      args: [" + in + ", \"${SOURCE_DIR}/" + test + ".in\"]\n"
         "  - task-id: fetch-ref-" + test + "\n    priority: 42\n    dependencies: [build-check]\n"
         "    cmd:\n      bin: fetch\n      args: [" + ref + ", \"${SOURCE_DIR}/" + test + ".ref\"]\n"
         "  - task-id: run-" + test + "\n    test-id: " + test + "\n    type: execution\n"
         "    priority: 90\n    dependencies: [fetch-in-" + test + "]\n    cmd:\n      bin: ./prog\n"
         "    sandbox:\n      name: isolate\n      stdin: ${EVAL_DIR}/" + test + ".in\n"
         "      stdout: ${EVAL_DIR}/" + test + ".out\n      chdir: ${EVAL_DIR}\n"
         "      limits:\n        - hw-group-id: group1\n          time: 1\n          wall-time: 2\n"
         "          memory: 65536\n"
         "  - task-id: judge-" + test + "\n    test-id: " + test + "\n    type: evaluation\n"
         "    priority: 80\n    dependencies: [run-" + test + ", fetch-ref-" + test + "]\n"
         "    cmd:\n      bin: ${JUDGES_DIR}/recodex-token-judge\n"
         "      args: [--log-limit, 4k, --ignore-trailing-whitespace, \"${EVAL_DIR}/" + test +
         ".ref\", \"${EVAL_DIR}/" + test + ".out\"]\n"
         "    sandbox:\n      name: isolate\n      output: true\n      chdir: ${EVAL_DIR}\n";
}

// The result.yml entry of `task` (up to the next entry).
inline std::string entry_of(const std::string& result_yml, const std::string& task) {
  auto start = result_yml.find("  - task-id: " + task + "\n");
  if (start == std::string::npos)
    return {};
  auto end = result_yml.find("  - task-id: ", start + 1);
  return result_yml.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

struct evaluator_fixture {
  recodex::testing::temp_directory temp{"recodex-evaluator-test"};
  memory_transfer transfer;
  storage::worker_cache cache = storage::worker_cache::open(temp / "cache").value();
  sandbox::box box = lease_box(temp.path());
  job_evaluator_config config = default_config();
  std::vector<progress> events;

  job_evaluator_config default_config() const {
    job_evaluator_config c;
    c.worker_id = 3;
    c.hwgroup = "group1";
    c.working_directory = temp / "wd";
    c.judges_dir = RECODEX_BIN_DIR;
    c.temp_dir = (temp / "tmp").string();
    c.default_limits.time = 30;
    c.default_limits.wall_time = 30;
    c.default_limits.memory = 1 << 20;
    c.default_limits.environ_variables = {{"PATH", "/usr/bin:/bin"}};
    return c;
  }

  // Serves a zip with job-config.yml (when given) and the extra files at the archive URL.
  void serve_job(const std::optional<std::string>& config_text,
                 std::vector<archive_item> files = {}) {
    if (config_text)
      files.insert(files.begin(), archive_item{"job-config.yml", *config_text});
    transfer.serve(archive_url, zip_bytes(temp.path(), files));
  }

  // Puts `content` in the file collector under its SHA-1 and returns the name.
  std::string serve_exercise_file(const std::string& content) {
    auto name = storage::sha1_hex(content);
    transfer.serve(collector + "/" + name, content);
    return name;
  }

  job_done evaluate(results_packer pack = fake_pack, const std::string& job_id = "job1",
                    std::vector<const sandbox::box*> task_boxes = {}) {
    events.clear();
    job_evaluator evaluator{config, box, transfer, cache, std::move(pack), std::move(task_boxes)};
    return evaluator.evaluate(job_order{job_id, archive_url, result_url},
                              [this](const progress& p) { events.push_back(p); });
  }

  job_directories dirs(const std::string& job_id = "job1") const {
    return directories_of(config, job_id);
  }

  // The files of the uploaded fake zip: name -> content.
  std::map<std::string, std::string> uploaded() const {
    std::map<std::string, std::string> out;
    auto all = transfer.uploads();
    auto found = all.find(result_url);
    if (found == all.end())
      return out;
    const std::string& text = found->second;
    std::size_t at = 0;
    while ((at = text.find("== ", at)) != std::string::npos) {
      auto name_end = text.find('\n', at);
      auto next = text.find("\n== ", name_end);
      std::string name = text.substr(at + 3, name_end - at - 3);
      std::string content = text.substr(name_end + 1, (next == std::string::npos ? text.size() - 1 : next) - name_end - 1);
      out[name] = content;
      at = name_end;
    }
    return out;
  }
};

} // namespace recodex::worker::testing
