// deploy/systemd, checked without systemd: each unit file is read and held against
// deploy/systemd/README.md (daemon, config, user, the directories its config writes to) and
// against its daemon (the stop signal it handles, the time it may take to stop);
// systemd-analyze verifies the files when installed; and every ExecStart= runs for real in a
// temporary root laid out as the README installs it (unit_root.hpp), each daemon checked up on
// loopback and stopped with the unit's KillSignal within its TimeoutStopSec. Ports are 0 in the
// configs and read back from the daemons' stdout.
#include "tests/harness/child_process.hpp"
#include "tests/harness/http_client.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/harness/zmq_peers.hpp"
#include "tests/integration/deploy_units/unit_file.hpp"
#include "tests/integration/deploy_units/unit_root.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <netinet/in.h>
#include <set>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using recodex::testing::child_process;
using recodex::testing::documented_unit;
using recodex::testing::expand_specifiers;
using recodex::testing::install_guide;
using recodex::testing::unit_file;
using recodex::testing::unit_root;

const fs::path source_dir{RECODEX_SOURCE_DIR};
const fs::path units_dir = source_dir / "deploy" / "systemd";
const fs::path bin_dir{RECODEX_BIN_DIR};

std::string read_text(const fs::path& path) {
  std::ifstream in{path};
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

install_guide guide() {
  return recodex::testing::read_install_guide(read_text(units_dir / "README.md"));
}

std::vector<std::string> unit_names() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(units_dir))
    if (entry.path().extension() == ".service")
      out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

unit_file load_unit(const std::string& name) {
  auto unit = recodex::testing::parse_unit_file(read_text(units_dir / name));
  INFO(name << ": " << Catch::Detail::stringify(unit.problems));
  REQUIRE(unit.problems.empty());
  return unit;
}

const documented_unit& documented(const install_guide& g, const std::string& name) {
  for (const auto& u : g.units)
    if (u.unit == name)
      return u;
  FAIL(name << " is not in the table of units of deploy/systemd/README.md");
  throw std::logic_error("unreachable");
}

// broker, monitor, fileserver, worker: the README's name for the daemon of a unit.
std::string daemon_of(const documented_unit& u) {
  return u.binary.substr(std::string{"recodex-"}.size());
}

int kill_signal(const unit_file& unit) {
  auto name = unit.value("Service", "KillSignal").value_or("SIGTERM"); // systemd's default
  auto number = recodex::testing::parse_signal(name);
  INFO("KillSignal=" << name);
  REQUIRE(number.has_value());
  return *number;
}

std::chrono::milliseconds stop_timeout(const unit_file& unit) {
  auto text = unit.value("Service", "TimeoutStopSec");
  REQUIRE(text.has_value()); // systemd's default (90 s) is nobody's decision
  auto span = recodex::testing::parse_time_span(*text);
  INFO("TimeoutStopSec=" << *text);
  REQUIRE(span.has_value());
  return *span;
}

std::uint16_t port_after_last_colon(const std::string& line) {
  return static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
}

bool accepts_connection(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// One unit's daemon, started from its ExecStart=.
struct running_unit {
  std::string name; // recodex-worker@1.service
  unit_file unit;
  std::unique_ptr<child_process> process;

  // stdout lines starting with each prefix (the daemons print one per endpoint), in any order.
  std::map<std::string, std::string> await_lines(const std::vector<std::string>& prefixes) {
    std::map<std::string, std::string> seen;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (seen.size() < prefixes.size() && std::chrono::steady_clock::now() < deadline) {
      auto line = process->read_line(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!line)
        break;
      for (const auto& p : prefixes)
        if (line->rfind(p, 0) == 0)
          seen[p] = *line;
    }
    INFO(name << " did not print " << Catch::Detail::stringify(prefixes) << "; stdout:\n"
              << process->stdout_text() << "stderr:\n"
              << process->stderr_text());
    REQUIRE(seen.size() == prefixes.size());
    return seen;
  }

  // As `systemctl stop` does: KillSignal= to the main process, then up to TimeoutStopSec for it
  // to exit (after which systemd would send SIGKILL: here, a failure).
  void stop() {
    const int signal_number = kill_signal(unit);
    const auto timeout = stop_timeout(unit);
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(::kill(process->pid(), signal_number) == 0);
    auto status = process->wait_exit(timeout);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    INFO(name << " stderr:\n" << process->stderr_text());
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    std::cout << name << ": stopped by " << ::strsignal(signal_number) << " in " << took.count()
              << " ms (exit " << *status << ", TimeoutStopSec " << timeout.count() << " ms)\n";
  }
};

running_unit start_unit(const unit_root& root, const std::string& file,
                        const std::string& instance = {}) {
  running_unit out;
  out.name = instance.empty() ? file : file.substr(0, file.find('@') + 1) + instance + ".service";
  out.unit = load_unit(file);
  // ConditionPathExists= (the worker's config): systemd would skip the start without it.
  for (const auto& condition : out.unit.sections["Unit"]["ConditionPathExists"]) {
    INFO(out.name << ": ConditionPathExists=" << condition);
    REQUIRE(fs::exists(root.map(expand_specifiers(condition, instance))));
  }
  auto argv = root.command(out.unit, instance);
  INFO(out.name << ": " << Catch::Detail::stringify(argv));
  out.process = std::make_unique<child_process>(argv);
  return out;
}

// The monitor, broker and file server units, started in their After= order as the README
// installs them, each daemon's endpoints read back.
struct service_units {
  unit_root root{guide(), bin_dir, source_dir};
  running_unit monitor, broker, fileserver;
  std::uint16_t websocket_port = 0, monitor_port = 0, clients_port = 0, workers_port = 0,
                fileserver_port = 0;

  service_units() {
    root.install();
    const auto& g = root.guide();
    root.configure(documented(g, "recodex-monitor.service").config, "monitor", "",
                   {{"websocket_uri", "[127.0.0.1, 0]"}, {"zeromq_uri", "[127.0.0.1, 0]"}});
    monitor = start_unit(root, "recodex-monitor.service");
    auto m = monitor.await_lines({"websocket ws://", "zeromq tcp://"});
    websocket_port = port_after_last_colon(m["websocket ws://"]);
    monitor_port = port_after_last_colon(m["zeromq tcp://"]);

    root.configure(documented(g, "recodex-broker.service").config, "broker", "",
                   {{"clients.port", "0"},
                    {"workers.port", "0"},
                    {"monitor.port", std::to_string(monitor_port)}});
    broker = start_unit(root, "recodex-broker.service");
    auto b = broker.await_lines({"clients tcp://", "workers tcp://"});
    clients_port = port_after_last_colon(b["clients tcp://"]);
    workers_port = port_after_last_colon(b["workers tcp://"]);

    root.configure(documented(g, "recodex-fileserver.service").config, "fileserver", "",
                   {{"listen.port", "0"}});
    fileserver = start_unit(root, "recodex-fileserver.service");
    fileserver_port = port_after_last_colon(
        fileserver.await_lines({"recodex-fileserver listening on http://"}).begin()->second);
  }
};

std::string help_of(const std::string& binary) {
  child_process help({(bin_dir / binary).string(), "--help"});
  auto status = help.wait_exit(10s);
  REQUIRE(status == std::optional<int>{0});
  return help.stdout_text() + help.stderr_text();
}

bool under(const std::string& path, const std::string& dir) {
  return path.rfind(dir + "/", 0) == 0;
}

} // namespace

TEST_CASE("every unit in deploy/systemd runs the daemon, config and user its README documents",
          "[deploy][systemd]") {
  const auto g = guide();
  const auto names = unit_names();
  REQUIRE(names.size() == g.units.size());
  for (const auto& name : names) {
    INFO(name);
    const auto& doc = documented(g, name);
    const auto unit = load_unit(name);
    CHECK(!unit.value("Unit", "Description").value_or("").empty());
    CHECK(unit.value("Service", "Type").value_or("simple") ==
          "simple"); // no sd_notify in the daemons
    CHECK(unit.value("Install", "WantedBy") == std::optional<std::string>{"multi-user.target"});

    auto exec = recodex::testing::split_command(unit.value("Service", "ExecStart").value_or(""));
    REQUIRE(exec.size() >= 3);
    CHECK(exec[0] == "/usr/local/bin/" + doc.binary);
    CHECK(fs::exists(bin_dir / doc.binary));
    auto config = std::find(exec.begin(), exec.end(), "-c");
    REQUIRE(config != exec.end());
    REQUIRE(config + 1 != exec.end());
    CHECK(*(config + 1) == doc.config);
    // The README installs that config (instance 1 for the template).
    bool installed = false;
    for (const auto& step : g.steps)
      installed = installed || step.destination == expand_specifiers(doc.config, "1");
    CHECK(installed);

    const auto restart = unit.value("Service", "Restart").value_or("no");
    CHECK((restart == "on-failure" || restart == "always"));
    CHECK(unit.value("Service", "RestartSec").has_value());
    CHECK(unit.value("Service", "User").value_or("root") == doc.user);
    if (doc.user != "root")
      CHECK(unit.value("Service", "Group") == std::optional<std::string>{doc.user});
    CHECK(unit.value("Service", "LimitNOFILE").has_value());
  }
}

TEST_CASE("every unit stops its daemon with a signal the daemon handles, within a TimeoutStopSec "
          "above the daemon's own stop bound",
          "[deploy][systemd]") {
  const auto g = guide();
  // What each daemon may take after the signal: the broker lets callbacks retry for
  // notifier.drain_timeout (deploy/broker.yml); the worker abandons a running job after 5 s
  // (shutdown_grace in nodes/recodex-worker.cpp).
  const auto broker_yaml = YAML::LoadFile((source_dir / "deploy" / "broker.yml").string());
  const std::map<std::string, std::chrono::milliseconds> bound{
      {"broker", std::chrono::milliseconds{broker_yaml["notifier"]["drain_timeout"].as<long>()}},
      {"worker", 5s},
      {"monitor", 0ms},
      {"fileserver", 0ms}};
  for (const auto& name : unit_names()) {
    INFO(name);
    const auto& doc = documented(g, name);
    const auto unit = load_unit(name);
    const int signal_number = kill_signal(unit);
    // The daemon's --help names the signals that stop it cleanly ("SIGINT or SIGTERM stop ...").
    const std::string signal_name = std::string{"SIG"} + ::sigabbrev_np(signal_number);
    CHECK_THAT(help_of(doc.binary), Catch::Contains(signal_name));
    CHECK(stop_timeout(unit) >= bound.at(daemon_of(doc)) + 5s);
    // KillMode=process would leave the daemon's children behind at a stop.
    const auto mode = unit.value("Service", "KillMode").value_or("control-group");
    CHECK((mode == "control-group" || mode == "mixed"));
  }
}

TEST_CASE("the worker template gives each instance its own config, state directory, box and "
          "working directories, and starts after the broker",
          "[deploy][systemd]") {
  const auto g = guide();
  const auto worker = load_unit("recodex-worker@.service");
  CHECK_THAT(worker.value("Service", "ExecStart").value_or(""), Catch::Contains("%i"));
  CHECK_THAT(worker.value("Service", "StateDirectory").value_or(""), Catch::Contains("%i"));
  CHECK_THAT(worker.value("Unit", "ConditionPathExists").value_or(""), Catch::Contains("%i"));
  const auto after = worker.words("Unit", "After");
  CHECK(std::find(after.begin(), after.end(), "recodex-broker.service") != after.end());
  const auto broker_after = load_unit("recodex-broker.service").words("Unit", "After");
  CHECK(std::find(broker_after.begin(), broker_after.end(), "recodex-monitor.service") !=
        broker_after.end());

  // Two instances never share a worker-id (the box of their first slot) or a directory.
  const auto one = g.edits_of("worker", "1"), two = g.edits_of("worker", "2");
  REQUIRE(one.count("worker-id") == 1);
  CHECK(one.at("worker-id") == "1");
  REQUIRE(one.size() >= 3);
  for (const auto& [key, value] : one) {
    INFO(key);
    CHECK(value != two.at(key));
  }
}

TEST_CASE("every path a daemon writes, configured as the README says, lies in a directory its "
          "unit creates for it, and units sharing a directory run as one user",
          "[deploy][systemd]") {
  const auto g = guide();
  std::map<std::string, std::set<std::string>> users_of_directory;
  for (const auto& name : unit_names()) {
    INFO(name);
    const auto& doc = documented(g, name);
    const auto unit = load_unit(name);
    // The directories systemd creates and owns for the unit (all it may write under
    // ProtectSystem=strict, besides a private /tmp that is gone at the next start).
    std::vector<std::string> writable;
    for (auto [key, base] :
         {std::pair{"StateDirectory", "/var/lib/"}, std::pair{"LogsDirectory", "/var/log/"},
          std::pair{"RuntimeDirectory", "/run/"}})
      for (const auto& dir : unit.words("Service", key)) {
        writable.push_back(base + expand_specifiers(dir, "1"));
        // systemd chowns such a directory to the unit's user at every start.
        users_of_directory[base + dir.substr(0, dir.find('/'))].insert(doc.user);
      }
    for (const auto& dir : unit.words("Service", "ReadWritePaths"))
      writable.push_back(dir);
    const auto edits = g.edits_of(daemon_of(doc), "1");
    CHECK(!edits.empty());
    for (const auto& [key, value] : edits) {
      if (value.empty() || value[0] != '/')
        continue;
      INFO(key << ": " << value << " (writable: " << Catch::Detail::stringify(writable) << ")");
      CHECK(std::any_of(writable.begin(), writable.end(),
                        [&](const std::string& dir) { return value == dir || under(value, dir); }));
    }
  }
  for (const auto& [dir, users] : users_of_directory) {
    INFO(dir << " is chowned at each start to " << Catch::Detail::stringify(users));
    CHECK(users.size() == 1);
  }
}

TEST_CASE("systemd-analyze verify accepts every unit, the worker template as an instance",
          "[deploy][systemd]") {
  fs::path analyze;
  for (const char* candidate : {"/usr/bin/systemd-analyze", "/bin/systemd-analyze"})
    if (fs::exists(candidate))
      analyze = candidate;
  if (analyze.empty()) {
    WARN("SKIPPED: systemd-analyze is not installed (Debian package systemd)");
    return;
  }
  // verify insists that ExecStart= exists: the install path points at the build tree here.
  recodex::testing::temp_directory dir{"recodex-units-verify"};
  std::vector<std::string> argv{analyze.string(), "verify", "--man=no"};
  for (const auto& name : unit_names()) {
    auto text = read_text(units_dir / name);
    const std::string from = "/usr/local/bin/";
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at))
      text.replace(at, from.size(), bin_dir.string() + "/");
    std::ofstream{dir / name} << text;
    argv.push_back((dir / name).string());
  }
  argv.push_back((dir / "recodex-worker@1.service").string()); // loads the template beside it
  child_process verify(argv);
  auto status = verify.wait_exit(60s);
  const auto output = verify.stdout_text() + verify.stderr_text();
  INFO(output);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
  // verify exits 0 after mere warnings (an unknown key, a bad signal name): any line about our
  // units fails the test.
  CHECK_THAT(output, !Catch::Contains("recodex-"));
}

TEST_CASE("the monitor, broker and file server units start their daemons as installed, which "
          "come up on loopback and stop cleanly on the unit's KillSignal within TimeoutStopSec",
          "[deploy][systemd][process]") {
  service_units s;
  CHECK(accepts_connection(s.websocket_port));
  CHECK(accepts_connection(s.monitor_port));
  CHECK(accepts_connection(s.clients_port));
  CHECK(accepts_connection(s.workers_port));
  auto health = recodex::testing::http_request(s.fileserver_port, "GET", "/health", {},
                                               {recodex::testing::basic_auth("re", "codex")});
  CHECK(health.status == 200);

  // What each daemon wrote went where the README points it, as the unit's user.
  const auto& g = s.root.guide();
  for (const auto& [daemon, key] :
       {std::pair{"monitor", "logger.file"}, std::pair{"broker", "journal"},
        std::pair{"fileserver", "data-dir"}}) {
    const auto path = s.root.map(g.edits_of(daemon, "").at(key));
    INFO(daemon << " " << key << ": " << path);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(st.st_uid == s.root.service_uid());
  }

  s.fileserver.stop();
  s.broker.stop();
  s.monitor.stop();
}

TEST_CASE("two recodex-worker@ instances run side by side with their own boxes and directories, "
          "register with the broker unit's broker and stop cleanly",
          "[deploy][systemd][process][root]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: recodex-worker@.service runs as root (the sandbox), the test does not");
    return;
  }
  service_units s;
  const auto& g = s.root.guide();
  const auto config = documented(g, "recodex-worker@.service").config;
  // config-1.yml is installed; a second slot is a copy with its own edits (README: Worker slots).
  fs::copy_file(s.root.map(expand_specifiers(config, "1")),
                s.root.map(expand_specifiers(config, "2")));
  std::vector<running_unit> workers;
  for (const std::string instance : {"1", "2"}) {
    s.root.configure(
        expand_specifiers(config, instance), "worker", instance,
        {{"broker-uri", "tcp://127.0.0.1:" + std::to_string(s.workers_port)},
         {"file-managers", "[{hostname: 'http://127.0.0.1:" + std::to_string(s.fileserver_port) +
                               "', username: re, password: codex}]"},
         // the sandbox's default, written out so that it maps into the root
         {"sandbox.state-dir", "/run/recodex-sandbox"}});
    workers.push_back(start_unit(s.root, "recodex-worker@.service", instance));
    workers.back().await_lines({"worker " + instance + " slot 0 -> tcp://127.0.0.1:"});
  }

  recodex::testing::dealer client{s.clients_port};
  CHECK(recodex::testing::await_runtime_stat(client, "worker-count", 2, 20s));
  CHECK(recodex::testing::runtime_stat(client, "worker-count") == std::optional<std::uint64_t>{2});

  for (const std::string instance : {"1", "2"}) {
    INFO("instance " << instance);
    // Its own box (worker-id) in the shared state directory, its own working directory and cache.
    CHECK(fs::exists(s.root.map("/run/recodex-sandbox/box-" + instance + ".lock")));
    const auto edits = g.edits_of("worker", instance);
    CHECK(fs::is_directory(s.root.map(edits.at("file-cache.cache-dir"))));
  }

  for (auto& w : workers)
    w.stop();
  s.fileserver.stop();
  s.broker.stop();
  s.monitor.stop();
}
