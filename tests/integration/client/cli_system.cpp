#include "tests/integration/client/cli_system.hpp"

#include <fstream>
#include <stdexcept>
#include <thread>

namespace recodex::testing {

using namespace std::chrono_literals;

namespace {

const std::string bin_dir = RECODEX_BIN_DIR;
const std::string source_dir = RECODEX_SOURCE_DIR;

std::uint16_t port_after_last_colon(const std::string& line) {
  return static_cast<std::uint16_t>(std::stoul(line.substr(line.rfind(':') + 1)));
}

std::string expect_line(child_process& node, const std::string& needle, const std::string& what) {
  auto line = node.wait_for_line(needle, 20s);
  if (!line)
    throw std::runtime_error(what + " did not print '" + needle + "'; stderr:\n" +
                             node.stderr_text());
  return *line;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

} // namespace

cli_run run_recodex(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{bin_dir + "/recodex"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_to_end(argv, timeout);
}

cli_system::cli_system(bool full) {
  fileserver_ = std::make_unique<child_process>(std::vector<std::string>{
      bin_dir + "/recodex-fileserver", "-c", source_dir + "/deploy/fileserver.yml", "--data-dir",
      (dir_ / "store").string(), "--port", "0"});
  fileserver_port_ =
      port_after_last_colon(expect_line(*fileserver_, "listening on", "recodex-fileserver"));
  if (!full)
    return;

  write_file(dir_ / "monitor.yml", "websocket_uri: [127.0.0.1, 0]\n"
                                   "zeromq_uri: [127.0.0.1, 0]\n"
                                   "logger: {file: '" +
                                       (dir_ / "monitor.log").string() + "', level: info}\n");
  monitor_ = std::make_unique<child_process>(std::vector<std::string>{
      bin_dir + "/recodex-monitor", "-c", (dir_ / "monitor.yml").string()});
  websocket_port_ =
      port_after_last_colon(expect_line(*monitor_, "websocket ws://", "recodex-monitor"));
  zeromq_port_ = port_after_last_colon(expect_line(*monitor_, "zeromq tcp://", "recodex-monitor"));

  write_file(dir_ / "broker.yml",
             "clients: {address: 127.0.0.1, port: 0}\n"
             "workers: {address: 127.0.0.1, port: 0, max_liveness: 4, max_request_failures: 3,"
             " ping_interval: 1000}\n"
             "monitor: {address: 127.0.0.1, port: " +
                 std::to_string(zeromq_port_) +
                 "}\n"
                 "logger: {level: info}\n");
  broker_ = std::make_unique<child_process>(
      std::vector<std::string>{bin_dir + "/recodex-broker", "-c", (dir_ / "broker.yml").string()});
  clients_port_ = port_after_last_colon(expect_line(*broker_, "clients tcp://", "recodex-broker"));
  workers_port_ = port_after_last_colon(expect_line(*broker_, "workers tcp://", "recodex-broker"));
}

cli_system::~cli_system() = default;

void cli_system::start_worker(unsigned worker_id) {
  const auto id = std::to_string(worker_id);
  const auto config = dir_ / ("worker-" + id + ".yml");
  write_file(config, "worker-id: " + id +
                         "\n"
                         "worker-description: cli test worker " +
                         id +
                         "\n"
                         "broker-uri: tcp://127.0.0.1:" +
                         std::to_string(workers_port_) +
                         "\n"
                         "broker-ping-interval: 1000\n"
                         "max-broker-liveness: 4\n"
                         "headers: {threads: 1}\n"
                         "hwgroup: group1\n"
                         "working-directory: " +
                         (dir_ / ("worker-" + id)).string() +
                         "\n"
                         "file-managers:\n"
                         "  - {hostname: '" +
                         fileserver_url() +
                         "', username: re, password: codex}\n"
                         "file-cache: {cache-dir: " +
                         (dir_ / "cache").string() +
                         "}\n"
                         "logger: {level: info}\n"
                         "limits:\n"
                         "  time: 30\n"
                         "  wall-time: 60\n"
                         "  extra-time: 2\n"
                         "  memory: 1048576\n"
                         "  extra-memory: 64\n"
                         "  parallel: 0\n"
                         "  environ-variable: {HOME: /box, PATH: '/usr/bin:/bin'}\n"
                         "max-output-length: 4096\n"
                         "max-carboncopy-length: 1048576\n"
                         "cleanup-submission: true\n"
                         "environments-dir: " +
                         source_dir + "/deploy/environments\n");
  workers_.push_back(std::make_unique<child_process>(
      std::vector<std::string>{bin_dir + "/recodex-worker", "-c", config.string()}));
}

bool cli_system::wait_for_workers(int count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto stats = run({"broker", "stats"}, 10s);
    auto at = stats.out.find("worker-count");
    if (stats.exit_code == 0 && at != std::string::npos &&
        std::stoi(stats.out.substr(stats.out.find_first_not_of(' ', at + 12))) >= count)
      return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::string cli_system::fileserver_url() const {
  return "http://127.0.0.1:" + std::to_string(fileserver_port_);
}

cli_run cli_system::run(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  std::vector<std::string> flags{"--fileserver", fileserver_url()};
  if (broker_)
    flags.insert(flags.end(), {"--broker", "tcp://127.0.0.1:" + std::to_string(clients_port_),
                               "--monitor", "ws://127.0.0.1:" + std::to_string(websocket_port_)});
  args.insert(args.begin(), flags.begin(), flags.end());
  return run_recodex(args, timeout);
}

std::string cli_system::logs() {
  std::string out;
  auto tail = [&](const char* name, child_process* node) {
    if (!node)
      return;
    node->collect_output(100ms);
    const auto& text = node->stderr_text();
    out += std::string("--- ") + name + " stderr (last 3000 bytes) ---\n" +
           text.substr(text.size() > 3000 ? text.size() - 3000 : 0) + "\n";
  };
  tail("fileserver", fileserver_.get());
  tail("monitor", monitor_.get());
  tail("broker", broker_.get());
  for (auto& w : workers_)
    tail("worker", w.get());
  return out;
}

} // namespace recodex::testing
