// actors/worker/worker_config: each key of spec 7 and ours, read, defaulted and refused with its
// key path and line; all problems of one file reported together; unknown keys warned.
#include "actors/worker/worker_config.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace recodex;
using namespace recodex::worker;

namespace {

// Every required key, nothing else; line numbers below count from this text.
const std::string minimal = R"(worker-id: 7
broker-uri: tcp://127.0.0.1:9657
headers:
  env: [c, python3]
  threads: 1
hwgroup: group1
file-managers:
  - hostname: http://127.0.0.1:9999
    username: re
    password: codex
limits:
  time: 30
  wall-time: 30
  extra-time: 2
  memory: 1048576
  extra-memory: 64
  parallel: 0
  environ-variable:
    HOME: /box
    PATH: /usr/bin:/bin
  bound-directories:
    - dst: /tmp
      mode: tmp
max-output-length: 4096
max-carboncopy-length: 1048576
cleanup-submission: true
)";

worker_config_read read(const std::string& yaml) {
  auto r = read_worker_config(yaml, "config.yml", "/opt/recodex/bin");
  REQUIRE(r);
  return std::move(r).value();
}

worker_config read_ok(const std::string& yaml) {
  auto r = read(yaml);
  for (const auto& e : r.errors)
    FAIL_CHECK(r.describe(e));
  return r.config;
}

// The minimal document without the line starting with `key:` (and its indented block).
std::string without(const std::string& key) {
  std::string out;
  bool skipping = false;
  std::size_t start = 0;
  while (start < minimal.size()) {
    auto end = minimal.find('\n', start);
    std::string line = minimal.substr(start, end - start + 1);
    start = end + 1;
    if (line.rfind(key + ":", 0) == 0) {
      skipping = true;
      continue;
    }
    if (skipping && (line.front() == ' '))
      continue;
    skipping = false;
    out += line;
  }
  return out;
}

bool has_problem(const worker_config_read& r, const std::string& described_part) {
  for (const auto& e : r.errors)
    if (r.describe(e).find(described_part) != std::string::npos)
      return true;
  return false;
}

std::string all_errors(const worker_config_read& r) {
  std::string out;
  for (const auto& e : r.errors)
    out += r.describe(e) + "\n";
  return out;
}

} // namespace

TEST_CASE("the minimal ReCodEx worker config reads with every required key", "[worker][config]") {
  auto c = read_ok(minimal);
  CHECK(c.worker_id == 7);
  CHECK(c.broker_uri == "tcp://127.0.0.1:9657");
  CHECK(c.headers == header_list{{"env", "c"}, {"env", "python3"}, {"threads", "1"}});
  CHECK(c.hwgroup == "group1");
  REQUIRE(c.file_managers.size() == 1);
  CHECK(c.file_managers[0] == file_manager{"http://127.0.0.1:9999", "re", "codex"});
  CHECK(c.limits.time == 30);
  CHECK(c.limits.wall_time == 30);
  CHECK(c.limits.extra_time == 2);
  CHECK(c.limits.memory == 1048576);
  CHECK(c.limits.extra_memory == 64);
  CHECK(c.limits.parallel == 0);
  CHECK(c.limits.environ_variables == environment{{"HOME", "/box"}, {"PATH", "/usr/bin:/bin"}});
  REQUIRE(c.limits.bound_directories.size() == 1);
  CHECK(c.limits.bound_directories[0].dst == "/tmp");
  CHECK(c.limits.bound_directories[0].mode == dir_mode::tmp);
  CHECK(c.max_output_length == 4096);
  CHECK(c.max_carboncopy_length == 1048576);
  CHECK(c.cleanup_submission);
}

TEST_CASE("optional keys take their documented defaults", "[worker][config]") {
  auto c = read_ok(minimal);
  CHECK(c.description.empty());
  CHECK(c.broker_ping_interval == std::chrono::milliseconds{1000});
  CHECK(c.max_broker_liveness == 4);
  CHECK(c.working_directory.empty());
  CHECK(c.cache_dir.empty());
  CHECK(c.logging.file == "/tmp/recodex/worker");
  CHECK(c.logging.level == "debug");
  CHECK(c.logging.max_size == 1024 * 1024);
  CHECK(c.logging.rotations == 3);
  CHECK(c.judges_dir == "/opt/recodex/bin"); // the executable's directory
  CHECK(c.slots == 1);
  CHECK_FALSE(c.parallel_tasks);
  CHECK(c.progress_batch_window == std::chrono::milliseconds{20});
  CHECK(c.cache_max_size == 0);
  CHECK(c.cache_max_age == std::chrono::seconds{0});
  CHECK(c.ca_file.empty());
  CHECK_FALSE(c.cluster_tls.enabled());
  CHECK(c.sandbox.state_dir == sandbox::box_config{}.state_dir);
  CHECK(c.sandbox.box_count == sandbox::box_config{}.box_count);
  CHECK(c.sandbox.first_uid == sandbox::box_config{}.first_uid);
  CHECK(c.sandbox.cgroup_parent == sandbox::box_config{}.cgroup_parent);
}

TEST_CASE("limits items the worker does not set default to zero, false and empty",
          "[worker][config]") {
  auto c = read_ok(without("limits") + "limits:\n  time: 5\n");
  CHECK(c.limits.time == 5);
  CHECK(c.limits.wall_time == 0);
  CHECK(c.limits.stack_size == 0);
  CHECK(c.limits.memory == 0);
  CHECK_FALSE(c.limits.disk_quotas);
  CHECK(c.limits.disk_size == 0);
  CHECK(c.limits.disk_files == 0);
  CHECK(c.limits.environ_variables.empty());
  CHECK(c.limits.bound_directories.empty());
}

TEST_CASE("every optional key is read", "[worker][config]") {
  auto c = read_ok(minimal + R"(worker-description: peers_worker_1
broker-ping-interval: 250
max-broker-liveness: 9
working-directory: /var/recodex-worker-wd
file-cache:
  cache-dir: /var/recodex-worker-cache
  max-size: 2GiB
  max-age: 7d
logger:
  file: /var/log/recodex/worker
  level: info
  max-size: 2MiB
  rotations: 5
judges-dir: /usr/bin
slots: 4
parallel-tasks: true
progress-batch-window: 0
ca-file: /etc/ssl/our-ca.pem
sandbox:
  state-dir: /run/boxes
  box-count: 16
  first-uid: 70000
  cgroup-parent: workers
cluster-tls:
  certificate: /etc/recodex/tls/worker.pem
  key: /etc/recodex/tls/worker.key
  ca-file: /etc/recodex/tls/ca.pem
)");
  CHECK(c.description == "peers_worker_1");
  CHECK(c.broker_ping_interval == std::chrono::milliseconds{250});
  CHECK(c.max_broker_liveness == 9);
  CHECK(c.working_directory == "/var/recodex-worker-wd");
  CHECK(c.cache_dir == "/var/recodex-worker-cache");
  CHECK(c.cache_max_size == 2ull << 30);
  CHECK(c.cache_max_age == std::chrono::seconds{7 * 86400});
  CHECK(c.logging.file == "/var/log/recodex/worker");
  CHECK(c.logging.level == "info");
  CHECK(c.logging.max_size == 2u << 20);
  CHECK(c.logging.rotations == 5);
  CHECK(c.judges_dir == "/usr/bin");
  CHECK(c.slots == 4);
  CHECK(c.parallel_tasks);
  CHECK(c.progress_batch_window == std::chrono::milliseconds{0});
  CHECK(c.ca_file == "/etc/ssl/our-ca.pem");
  CHECK(c.sandbox.state_dir == "/run/boxes");
  CHECK(c.sandbox.box_count == 16);
  CHECK(c.sandbox.first_uid == 70000);
  CHECK(c.sandbox.cgroup_parent == "workers");
  CHECK(c.cluster_tls.certificate == "/etc/recodex/tls/worker.pem");
  CHECK(c.cluster_tls.key == "/etc/recodex/tls/worker.key");
  CHECK(c.cluster_tls.ca_file == "/etc/recodex/tls/ca.pem");
  CHECK(c.cluster_tls.enabled());
}

TEST_CASE("each missing required key is reported by name", "[worker][config]") {
  const char* keys[] = {"worker-id",         "broker-uri",            "headers",
                        "hwgroup",           "file-managers",         "limits",
                        "max-output-length", "max-carboncopy-length", "cleanup-submission"};
  for (const char* key : keys) {
    INFO(key);
    auto r = read(without(key));
    REQUIRE(r.errors.size() == 1);
    CHECK(r.describe(r.errors[0]) == std::string{"config.yml: "} + key +
                                         ": required key is missing");
  }
}

TEST_CASE("a file with several problems reports all of them with key and line",
          "[worker][config]") {
  auto r = read(R"(worker-id: seven
broker-uri: [a]
headers: 3
hwgroup: group1
file-managers:
  - username: re
limits:
  time: soon
max-output-length: lots
max-carboncopy-length: 1MiB
cleanup-submission: maybe
slots: 0
)");
  INFO(all_errors(r));
  CHECK(has_problem(r, "config.yml:1: worker-id: expected an integer"));
  CHECK(has_problem(r, "config.yml:2: broker-uri: expected a string, got a list"));
  CHECK(has_problem(r, "config.yml:3: headers: expected a mapping"));
  CHECK(has_problem(r, "config.yml:6: file-managers[0].hostname: required key is missing"));
  CHECK(has_problem(r, "line 8: limits.time: expected a non-negative number of seconds"));
  CHECK(has_problem(r, "config.yml:9: max-output-length: expected a size in bytes"));
  CHECK(has_problem(r, "config.yml:11: cleanup-submission: expected true or false"));
  CHECK(has_problem(r, "config.yml:12: slots: expected an integer from 1 to 256"));
  CHECK(r.errors.size() == 8);
}

TEST_CASE("bad values of the optional keys are refused", "[worker][config]") {
  struct row {
    std::string yaml;
    std::string problem;
  };
  const row rows[] = {
      {"broker-ping-interval: 0\n", "broker-ping-interval: expected an integer from 1"},
      {"max-broker-liveness: -1\n", "max-broker-liveness: expected an integer from 1"},
      {"worker-description: [x]\n", "worker-description: expected a string"},
      {"logger:\n  level: loud\n", "logger.level: expected one of"},
      {"logger:\n  rotations: many\n", "logger.rotations: expected an integer"},
      {"judges-dir: judges\n", "judges-dir: must be an absolute path"},
      {"slots: 300\n", "slots: expected an integer from 1 to 256"},
      {"parallel-tasks: 2\n", "parallel-tasks: expected true or false"},
      {"progress-batch-window: -5\n", "progress-batch-window: expected an integer from 0"},
      {"file-cache:\n  max-size: big\n", "file-cache.max-size: expected a size"},
      {"file-cache:\n  max-age: forever\n", "file-cache.max-age: expected seconds"},
      {"ca-file: {a: b}\n", "ca-file: expected a string, got a mapping"},
      {"sandbox:\n  state-dir: run\n", "sandbox.state-dir: must be an absolute path"},
      {"sandbox:\n  box-count: 0\n", "sandbox.box-count: expected an integer from 1"},
      {"sandbox:\n  first-uid: 0\n", "sandbox.first-uid: expected an integer from 1"},
      {"slots: 3\nsandbox:\n  box-count: 2\n", "slots: each slot needs its own box"},
      {"headers:\n  env: [{a: b}]\n", "headers.env[0]: expected a scalar value"},
  };
  for (const auto& row : rows) {
    INFO(row.yaml);
    auto r = read(without(row.yaml.substr(0, row.yaml.find(':'))) + row.yaml);
    INFO(all_errors(r));
    CHECK(r.errors.size() == 1);
    CHECK(has_problem(r, row.problem));
  }
}

TEST_CASE("limits are checked by the job-config rules", "[worker][config]") {
  const std::string rows[] = {
      "limits:\n  memory: -5\n",
      "limits:\n  disk-quotas: perhaps\n",
      "limits:\n  environ-variable: [a]\n",
      "limits:\n  bound-directories:\n    - mode: rw\n",
      "limits: 5\n",
  };
  for (const auto& yaml : rows) {
    INFO(yaml);
    auto r = read(without("limits") + yaml);
    INFO(all_errors(r));
    REQUIRE(r.errors.size() == 1);
    CHECK(r.describe(r.errors[0]).find("line ") != std::string::npos);
    CHECK(r.describe(r.errors[0]).find("limits") != std::string::npos);
  }
}

TEST_CASE("unknown keys are warnings, not errors", "[worker][config]") {
  auto r = read(minimal + "colour: blue\nfile-cache:\n  cache-dir: /c\n  size: 1\n"
                          "file-managers-extra: 1\n");
  CHECK(r.errors.empty());
  std::vector<std::string> keys;
  for (const auto& w : r.warnings)
    keys.push_back(w.key);
  CHECK(keys == std::vector<std::string>{"colour", "file-cache.size", "file-managers-extra"});
  CHECK(r.describe(r.warnings[0]) == "config.yml:27: colour: unknown key (ignored)");
}

TEST_CASE("broken YAML and a missing file are errors", "[worker][config]") {
  auto broken = read_worker_config("a: [b\n", "config.yml", "/x");
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code == errc::invalid_argument);
  auto missing = read_worker_config_file("/nonexistent/config.yml", "/x");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::not_found);
}

TEST_CASE("the evaluator's settings come from the worker config", "[worker][config]") {
  auto c = read_ok(minimal + "working-directory: /wd\njudges-dir: /j\n"
                             "file-cache:\n  max-size: 1MiB\n  max-age: 1h\n");
  auto e = evaluator_config(c, "/tmp");
  CHECK(e.worker_id == 7);
  CHECK(e.hwgroup == "group1");
  CHECK(e.working_directory == "/wd");
  CHECK(e.judges_dir == "/j");
  CHECK(e.temp_dir == "/tmp");
  CHECK(e.default_limits == c.limits);
  CHECK(e.max_output_length == 4096);
  CHECK(e.max_carboncopy_length == 1048576);
  CHECK(e.cleanup_submission);
  CHECK(e.cache_max_size == 1u << 20);
  CHECK(e.cache_max_age == std::chrono::seconds{3600});
}
