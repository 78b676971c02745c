#include "tests/integration/worker_e2e/e2e_system.hpp"

#include "storage/sha1.hpp"
#include "storage/zip_reader.hpp"
#include "tests/harness/http_client.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace recodex::testing {

using namespace std::chrono_literals;

namespace {

const std::string bin_dir = RECODEX_BIN_DIR;

std::uint16_t port_after_last_colon(const std::string& line) {
  return static_cast<std::uint16_t>(std::stoul(line.substr(line.rfind(':') + 1)));
}

// "cluster <port>" or "cluster <port> tls".
std::uint16_t port_after_first_space(const std::string& line) {
  return static_cast<std::uint16_t>(std::stoul(line.substr(line.find(' ') + 1)));
}

std::string expect_line(child_process& node, const std::string& needle, const std::string& what) {
  auto line = node.wait_for_line(needle, 20s);
  if (!line)
    throw std::runtime_error(what + " did not print '" + needle + "'; stderr:\n" + node.stderr_text());
  return *line;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

header_list auth() { return {basic_auth("re", "codex")}; }

// A run task's limits: tight enough that the planted loop and allocation are caught fast.
// (No `parallel`: a job may not ask for more than the worker's default, and 0 means unlimited.)
const char* run_limits = R"(      limits:
        - hw-group-id: group1
          time: 0.5
          wall-time: 1.5
          memory: 65536
)";

std::string job_config(const std::string& job_id, std::uint16_t fileserver_port,
                       const std::vector<std::pair<sum_test, std::pair<std::string, std::string>>>& tests, bool log) {
  std::ostringstream y;
  y << "submission:\n"
    << "  job-id: " << job_id << "\n"
    << "  log: " << (log ? "true" : "false") << "\n"
    << "  file-collector: http://127.0.0.1:" << fileserver_port << "/tasks\n"
    << "  hw-groups: [group1]\n"
    << "tasks:\n"
    << "  - task-id: build\n"
    << "    type: initiation\n"
    << "    priority: 100\n"
    << "    cmd:\n"
    << "      bin: /usr/bin/gcc\n"
    << "      args: [-O2, -o, prog, sum.c]\n"
    << "    sandbox:\n"
    << "      name: isolate\n"
    << "      output: true\n"
    << "      chdir: ${EVAL_DIR}\n"
    << "      limits:\n"
    << "        - hw-group-id: group1\n"
    << "          time: 10\n"
    << "          wall-time: 20\n"
    << "          memory: 524288\n"
    << "          parallel: 0\n";
  for (const auto& [test, hashes] : tests) {
    const auto& t = test.name;
    y << "  - task-id: fetch-in-" << t << "\n"
      << "    priority: 42\n"
      << "    dependencies: [build]\n"
      << "    cmd:\n"
      << "      bin: fetch\n"
      << "      args: [" << hashes.first << ", \"${SOURCE_DIR}/" << t << ".in\"]\n"
      << "  - task-id: fetch-ref-" << t << "\n"
      << "    priority: 42\n"
      << "    dependencies: [build]\n"
      << "    cmd:\n"
      << "      bin: fetch\n"
      << "      args: [" << hashes.second << ", \"${SOURCE_DIR}/" << t << ".ref\"]\n"
      << "  - task-id: run-" << t << "\n"
      << "    test-id: " << t << "\n"
      << "    type: execution\n"
      << "    priority: 90\n"
      << "    dependencies: [fetch-in-" << t << "]\n"
      << "    cmd:\n"
      << "      bin: ./prog\n"
      << "    sandbox:\n"
      << "      name: isolate\n"
      << "      stdin: ${EVAL_DIR}/" << t << ".in\n"
      << "      stdout: ${EVAL_DIR}/" << t << ".out\n"
      << "      chdir: ${EVAL_DIR}\n"
      << run_limits
      << "  - task-id: judge-" << t << "\n"
      << "    test-id: " << t << "\n"
      << "    type: evaluation\n"
      << "    priority: 80\n"
      << "    dependencies: [run-" << t << ", fetch-ref-" << t << "]\n"
      << "    cmd:\n"
      << "      bin: ${JUDGES_DIR}/recodex-token-judge\n"
      << "      args: [--log-limit, 4k, --ignore-trailing-whitespace, \"${EVAL_DIR}/" << t << ".ref\", \"${EVAL_DIR}/"
      << t << ".out\"]\n"
      << "    sandbox:\n"
      << "      name: isolate\n"
      << "      output: true\n"
      << "      chdir: ${EVAL_DIR}\n";
  }
  return y.str();
}

std::string scalar(const YAML::Node& node, const char* key) {
  return node[key] ? node[key].as<std::string>() : std::string{};
}

} // namespace

std::vector<sum_test> five_verdict_tests() {
  return {{"T1", "3 4\n", "7\n"},
          {"T2", "42 1\n", "43\n"},
          {"T3", "-1 0\n", "-1\n"},
          {"T4", "-2 0\n", "-2\n"},
          {"T5", "-3 0\n", "-3\n"}};
}

e2e_system::e2e_system(e2e_options options) : options_(options) {
  if (options_.cluster_tls)
    certificate_.emplace();
  start_fileserver();
  start_broker();
  client_ = std::make_unique<dealer>(clients_port_);
}

void e2e_system::start_fileserver() {
  fileserver_ = std::make_unique<child_process>(std::vector<std::string>{
      bin_dir + "/recodex-fileserver", "-c", std::string(RECODEX_SOURCE_DIR) + "/deploy/fileserver.yml",
      "--data-dir", (dir_ / "store").string(), "--port", std::to_string(fileserver_port_)});
  fileserver_port_ = port_after_last_colon(expect_line(*fileserver_, "listening on", "recodex-fileserver"));
}

void e2e_system::stop_fileserver() {
  if (!fileserver_->terminate(10s))
    throw std::runtime_error("recodex-fileserver did not exit within 10 s of SIGTERM");
}

// The first start takes free ports (0); a restart asks for the same ones again.
void e2e_system::start_broker() {
  auto broker_config = dir_ / "broker.yml";
  std::ostringstream y;
  y << "clients: {address: 127.0.0.1, port: " << clients_port_ << "}\n"
    << "workers: {address: 127.0.0.1, port: " << workers_port_ << ", max_liveness: 4, max_request_failures: "
    << options_.max_request_failures << ", ping_interval: 100}\n"
    << "monitor: {address: 127.0.0.1, port: " << monitor_.port() << "}\n"
    << "logger: {level: info}\n"
    << "cluster: {port: " << cluster_port_ << (certificate_ ? ", " + tls_yaml("") : "") << "}\n"
    << "recovery_grace: " << options_.recovery_grace_ms << "\n"
    << "notifier: {address: \"http://127.0.0.1:" << reports_.port() << "/reports\", port: " << reports_.port()
    << ", username: re, password: codex}\n";
  if (options_.journal)
    y << "journal: " << (dir_ / "broker.journal").string() << "\n";
  write_file(broker_config, y.str());
  broker_ = std::make_unique<child_process>(
      std::vector<std::string>{bin_dir + "/recodex-broker", "-c", broker_config.string()});
  clients_port_ = port_after_last_colon(expect_line(*broker_, "clients tcp://", "recodex-broker"));
  workers_port_ = port_after_last_colon(expect_line(*broker_, "workers tcp://", "recodex-broker"));
  cluster_port_ = port_after_first_space(expect_line(*broker_, "cluster ", "recodex-broker"));
}

void e2e_system::kill_broker() { broker_->kill9(); }

void e2e_system::restart_broker() { start_broker(); }

e2e_system::~e2e_system() = default;

std::string e2e_system::tls_yaml(const std::string& section) const {
  auto keys = "certificate: " + certificate_->certificate_file().string() + ", key: " +
              certificate_->private_key_file().string() + ", ca-file: " + certificate_->certificate_file().string();
  return section.empty() ? keys : section + ": {" + keys + "}\n";
}

std::size_t e2e_system::start_worker(unsigned worker_id, worker_transport transport, const std::string& extra_yaml) {
  return launch_worker(worker_id, transport, extra_yaml, certificate_.has_value());
}

std::size_t e2e_system::start_plain_caf_worker(unsigned worker_id) {
  return launch_worker(worker_id, worker_transport::caf, {}, false);
}

std::size_t e2e_system::launch_worker(unsigned worker_id, worker_transport transport, const std::string& extra_yaml,
                                      bool with_tls) {
  auto id = std::to_string(worker_id);
  auto config = dir_ / ("worker-" + id + ".yml");
  std::string uri = transport == worker_transport::zeromq
                        ? "tcp://127.0.0.1:" + std::to_string(workers_port_)
                        : "caf://127.0.0.1:" + std::to_string(cluster_port_);
  write_file(config, "worker-id: " + id + "\n"
                     "worker-description: e2e worker " + id + "\n"
                     "broker-uri: " + uri + "\n"
                     "broker-ping-interval: 100\n"
                     "max-broker-liveness: 4\n"
                     "headers:\n"
                     "  env: [c-gcc-linux]\n"
                     "  threads: 1\n"
                     "hwgroup: group1\n"
                     "working-directory: " + (dir_ / ("worker-" + id)).string() + "\n"
                     "file-managers:\n"
                     "  - hostname: http://127.0.0.1:" + std::to_string(fileserver_port_) + "\n"
                     "    username: re\n"
                     "    password: codex\n"
                     "file-cache:\n"
                     "  cache-dir: " + (dir_ / "cache").string() + "\n"
                     "logger:\n"
                     "  level: debug\n"
                     "limits:\n"
                     "  time: 30\n"
                     "  wall-time: 60\n"
                     "  extra-time: 2\n"
                     "  memory: 1048576\n"
                     "  extra-memory: 64\n"
                     "  parallel: 0\n"
                     "  environ-variable:\n"
                     "    HOME: /box\n"
                     "    PATH: /usr/bin:/bin\n"
                     "max-output-length: 4096\n"
                     "max-carboncopy-length: 1048576\n"
                     "cleanup-submission: true\n" +
                     (with_tls && transport == worker_transport::caf ? tls_yaml("cluster-tls") : "") + extra_yaml);
  workers_.push_back(std::make_unique<child_process>(
      std::vector<std::string>{bin_dir + "/recodex-worker", "-c", config.string()}));
  return workers_.size() - 1;
}

void e2e_system::kill_worker(std::size_t index) { workers_.at(index)->kill9(); }

bool e2e_system::wait_for_workers(std::uint64_t count, std::chrono::milliseconds timeout) {
  return await_runtime_stat(*client_, "worker-count", count, timeout);
}

std::string e2e_system::put_task_file(const std::string& content) {
  auto hash = storage::sha1_hex(content);
  auto reply = http_request(fileserver_port_, "PUT", "/tasks/" + hash, content, auth());
  if (reply.status >= 300)
    throw std::runtime_error("PUT /tasks/" + hash + ": HTTP " + std::to_string(reply.status) + " " + reply.body);
  return hash;
}

namespace {

void post_submission(std::uint16_t fileserver_port, const std::string& job_id,
                     const std::vector<form_part>& parts) {
  auto headers = auth();
  headers.push_back(multipart_content_type());
  auto reply = http_request(fileserver_port, "POST", "/submissions/" + job_id, multipart_body(parts), headers);
  if (reply.status >= 300)
    throw std::runtime_error("POST /submissions/" + job_id + ": HTTP " + std::to_string(reply.status) + " " +
                             reply.body);
}

// Fetch one task file into the job, then cat it in the sandbox: the cheapest job that still
// touches the file server, the worker's cache and a box.
std::string tiny_job_config(const std::string& job_id, std::uint16_t fileserver_port, const std::string& input_hash) {
  std::ostringstream y;
  y << "submission:\n"
    << "  job-id: " << job_id << "\n"
    << "  file-collector: http://127.0.0.1:" << fileserver_port << "/tasks\n"
    << "  hw-groups: [group1]\n"
    << "tasks:\n"
    << "  - task-id: fetch\n"
    << "    priority: 2\n"
    << "    cmd:\n"
    << "      bin: fetch\n"
    << "      args: [" << input_hash << ", \"${SOURCE_DIR}/in.txt\"]\n"
    << "  - task-id: run\n"
    << "    test-id: T1\n"
    << "    type: execution\n"
    << "    priority: 1\n"
    << "    dependencies: [fetch]\n"
    << "    cmd:\n"
    << "      bin: /bin/cat\n"
    << "    sandbox:\n"
    << "      name: isolate\n"
    << "      stdin: ${EVAL_DIR}/in.txt\n"
    << "      output: true\n"
    << "      chdir: ${EVAL_DIR}\n"
    << run_limits;
  return y.str();
}

} // namespace

void e2e_system::submit_sum_job(const std::string& job_id, const std::string& source,
                                const std::vector<sum_test>& tests, bool log) {
  upload_sum_job(job_id, source, tests, log);
  send_eval_expecting_accept(job_id);
}

void e2e_system::upload_sum_job(const std::string& job_id, const std::string& source,
                                const std::vector<sum_test>& tests, bool log) {
  std::vector<std::pair<sum_test, std::pair<std::string, std::string>>> stored;
  for (const auto& t : tests)
    stored.push_back({t, {put_task_file(t.input), put_task_file(t.reference)}});
  post_submission(fileserver_port_, job_id,
                  {{"job-config.yml", job_config(job_id, fileserver_port_, stored, log), "job-config.yml"},
                   {"sum.c", source, "sum.c"}});
}

void e2e_system::upload_tiny_job(const std::string& job_id, const std::string& input_hash) {
  post_submission(fileserver_port_, job_id,
                  {{"job-config.yml", tiny_job_config(job_id, fileserver_port_, input_hash), "job-config.yml"},
                   {"readme.txt", "a tiny job\n", "readme.txt"}});
}

void e2e_system::send_eval(const std::string& job_id) {
  auto base = "http://127.0.0.1:" + std::to_string(fileserver_port_);
  client_->send({"eval", job_id, "hwgroup=group1", "env=c-gcc-linux", "", base + "/submission_archives/" + job_id + ".zip",
                 base + "/results/" + job_id + ".zip"});
}

void e2e_system::send_eval_expecting_accept(const std::string& job_id) {
  send_eval(job_id);
  // Generous: an accept waits for the journal's fsync, which a loaded machine can hold up.
  auto ack = client_->recv(20s);
  auto answer = client_->recv(20s);
  auto text = [](const std::optional<frames>& m) {
    std::string line;
    for (const auto& frame : m.value_or(frames{"(nothing)"}))
      line += " '" + frame + "'";
    return line;
  };
  if (!ack || ack->front() != "ack" || !answer || answer->front() != "accept")
    throw std::runtime_error("the broker did not ack + accept job " + job_id + ": got" + text(ack) + " and" +
                             text(answer));
}

std::size_t e2e_system::collect_accepts(std::size_t count, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t accepts = 0;
  while (accepts < count && std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto reply = client_->recv(std::max(left, std::chrono::milliseconds{1}));
    if (!reply || reply->empty())
      continue;
    if (reply->front() == "reject")
      break;
    if (reply->front() == "accept")
      ++accepts;
  }
  return accepts;
}

std::pair<int, std::string> e2e_system::get(const std::string& target) {
  auto reply = http_request(fileserver_port_, "GET", target, {}, auth());
  return {reply.status, reply.body};
}

std::string e2e_system::logs() {
  std::string out;
  auto tail = [&](const char* name, child_process& node) {
    node.collect_output(std::chrono::milliseconds{100});
    const auto& text = node.stderr_text();
    out += std::string("--- ") + name + " stderr (last 4000 bytes) ---\n" +
           text.substr(text.size() > 4000 ? text.size() - 4000 : 0) + "\n";
  };
  tail("fileserver", *fileserver_);
  tail("broker", *broker_);
  for (auto& w : workers_)
    tail("worker", *w);
  return out;
}

std::string e2e_system::progress_line(const std::vector<std::string>& frames) const {
  std::string line;
  for (std::size_t i = 1; i < frames.size(); ++i)
    line += (i > 1 ? " " : "") + frames[i];
  return line;
}

bool e2e_system::receive_progress(std::chrono::milliseconds timeout) {
  auto frames = monitor_.recv(timeout);
  if (!frames)
    return false;
  if (frames->empty())
    return true;
  auto line = progress_line(*frames);
  history_[frames->front()].push_back(line);
  backlog_[frames->front()].push_back(line);
  return true;
}

std::vector<std::string> e2e_system::follow_until(const std::string& job_id, const std::string& last,
                                                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto& seen = backlog_[job_id];
    for (std::size_t i = 0; i < seen.size(); ++i)
      if (seen[i] == last) {
        std::vector<std::string> upto(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        seen.erase(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        return upto;
      }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return {};
    receive_progress(left);
  }
}

bool e2e_system::wait_for_progress(const std::string& job_id, const std::string& wanted,
                                   std::chrono::milliseconds timeout) {
  auto seen = follow_until(job_id, wanted, timeout);
  return !seen.empty();
}

const std::vector<std::string>& e2e_system::history(const std::string& job_id) { return history_[job_id]; }

std::size_t e2e_system::count_progress(const std::string& job_id, const std::string& state) {
  const auto& h = history(job_id);
  return static_cast<std::size_t>(std::count(h.begin(), h.end(), state));
}

std::vector<std::string> e2e_system::wait_until_ended(const std::vector<std::string>& job_ids,
                                                      std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto open_jobs = [&] {
    std::vector<std::string> open;
    for (const auto& job : job_ids)
      if (count_progress(job, "FINISHED") == 0 && count_progress(job, "FAILED") == 0)
        open.push_back(job);
    return open;
  };
  for (auto open = open_jobs(); !open.empty(); open = open_jobs()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return open;
    // Drain everything that is already there before counting again.
    while (receive_progress(std::min(left, std::chrono::milliseconds{200})) &&
           std::chrono::steady_clock::now() < deadline) {
    }
  }
  return {};
}

void e2e_system::drain_progress(std::chrono::milliseconds duration) {
  auto deadline = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < deadline)
    receive_progress(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
}

std::optional<std::string> e2e_system::result_file(const std::string& job_id, const std::string& entry) {
  auto reply = http_request(fileserver_port_, "GET", "/results/" + job_id + ".zip", {}, auth());
  if (reply.status != 200)
    return std::nullopt;
  auto member = storage::read_zip_member(reply.body, entry);
  return member ? std::move(member).value() : std::nullopt;
}

std::optional<parsed_results> e2e_system::results(const std::string& job_id) {
  auto text = result_file(job_id, "result/result.yml");
  if (!text)
    return std::nullopt;
  auto doc = YAML::Load(*text);
  parsed_results out;
  out.job_id = scalar(doc, "job-id");
  out.hw_group = scalar(doc, "hw-group");
  for (const auto& entry : doc["results"]) {
    task_outcome task;
    auto id = scalar(entry, "task-id");
    task.status = scalar(entry, "status");
    if (auto sandbox = entry["sandbox_results"]) {
      task.sandbox_status = scalar(sandbox, "status");
      task.exitcode = sandbox["exitcode"] ? sandbox["exitcode"].as<int>() : 0;
    }
    if (auto output = entry["output"])
      task.stdout_text = scalar(output, "stdout");
    out.order.push_back(id);
    out.tasks[id] = task;
  }
  return out;
}

} // namespace recodex::testing
