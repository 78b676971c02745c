// recodex-fileserver: the HTTP file store as its own process. Reads the YAML config (every
// problem reported at once, unknown keys only warned about), sets up logging, starts the server
// and prints its URL on stdout as one line, then waits for SIGINT or SIGTERM and stops cleanly.
// Exit codes: 0 after a signal, 1 when the server cannot start, 2 for usage or config errors.
#include "actors/filestore/filestore_config.hpp"
#include "actors/filestore/http_server.hpp"
#include "nodes/common/config_reader.hpp"
#include "nodes/common/logging.hpp"
#include "nodes/common/stop_signals.hpp"

#include <charconv>
#include <cstdio>
#include <iostream>
#include <optional>
#include <spdlog/spdlog.h>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace {

using recodex::filestore_config;
using recodex::nodes::config_reader;
using recodex::nodes::logging_config;

constexpr const char* program = "recodex-fileserver";

constexpr const char* help_text =
    R"(Usage: recodex-fileserver [-c <config.yml>] [--data-dir <dir>] [--port <n>]

Serves the ReCodEx file store over HTTP: submission archives, results and
SHA-1-named task files (current /v1/worker-files routes and the legacy
fileserver routes), plus versioned tasks under /v1/tasks.

Options:
  -c, --config <file>   YAML configuration (keys below); without it, defaults
  --data-dir <dir>      overrides data-dir
  --port <n>            overrides listen.port (0 picks a free port)
  -h, --help            this text

Configuration keys (default in brackets):
  listen:
    address             IP address to bind [127.0.0.1]
    port                TCP port, 0 = any free port [9999]
  data-dir              data directory: tasks/, submits/, submit_archives/,
                        results/, temp/, tasks.git [./var]
  auth:                 HTTP Basic credentials required on every route when set
    username            [none]
    password            [none]
  max-upload-size       largest request body, bytes or with a unit such as
                        256MiB [256MiB]
  temp-max-age          age after which temp/ entries are erased, seconds or
                        with a unit (s, m, h, d) [24h]
  temp-clean-interval   how often temp/ is cleaned [1h]
  io-threads            HTTP threads, 0 = one per core [0]
  logger:
    file                log file (rotated); empty = stderr only [empty]
    level               trace, debug, info, warn, error, critical, off [info]
    max-size            bytes per log file before rotation [10MiB]
    rotations           rotated log files kept [3]

On start the server prints one line on stdout:
  recodex-fileserver listening on http://<address>:<port>
SIGINT or SIGTERM stop it gracefully (exit 0).
)";

struct options {
  std::optional<std::string> config_file;
  std::optional<std::string> data_dir;
  std::optional<std::uint16_t> port;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << program << ": " << message << "\n"
            << "Try '" << program << " --help'.\n";
  std::exit(2);
}

options parse_arguments(int argc, char** argv) {
  options out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        usage_error("option " + arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << help_text;
      std::exit(0);
    } else if (arg == "-c" || arg == "--config") {
      out.config_file = value();
    } else if (arg == "--data-dir") {
      out.data_dir = value();
    } else if (arg == "--port") {
      std::string text = value();
      unsigned port = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port > 65535)
        usage_error("--port expects a number from 0 to 65535, got '" + text + "'");
      out.port = static_cast<std::uint16_t>(port);
    } else {
      usage_error("unknown argument '" + arg + "'");
    }
  }
  return out;
}

// Every key of the file server's YAML, into the server's and the logger's config structs.
void read_config(config_reader& reader, filestore_config& config, logging_config& logging) {
  if (auto address = reader.string("listen.address"))
    config.listen_address = *address;
  if (auto port = reader.integer("listen.port", 0, 65535))
    config.port = static_cast<std::uint16_t>(*port);
  if (auto dir = reader.string("data-dir")) {
    if (dir->empty())
      reader.problem("data-dir", "must not be empty");
    else
      config.data_dir = *dir;
  }
  auto username = reader.string("auth.username");
  auto password = reader.string("auth.password");
  if (username && password)
    config.auth = recodex::filestore_credentials{*username, *password};
  else if (username || password)
    reader.problem("auth", "username and password must be given together");
  if (username && username->find(':') != std::string::npos)
    reader.problem("auth.username", "must not contain ':' (HTTP Basic separates with it)");
  if (auto size = reader.size("max-upload-size", 1))
    config.max_upload_size = *size;
  if (auto age = reader.seconds("temp-max-age", 1))
    config.temp_max_age = *age;
  if (auto interval = reader.seconds("temp-clean-interval", 1))
    config.temp_clean_interval = *interval;
  if (auto threads = reader.integer("io-threads", 0, 256))
    config.io_threads = static_cast<unsigned>(*threads);
  recodex::nodes::read_logging_config(reader, logging);
}

// Many keep-alive clients need descriptors: use the hard limit.
void raise_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

void log_effective_config(const filestore_config& c, const logging_config& l,
                          const std::string& url) {
  auto log = spdlog::get("filestore");
  log->info("effective configuration:\n"
            "  listen:              {}\n"
            "  data-dir:            {}\n"
            "  auth:                {}\n"
            "  max-upload-size:     {} bytes\n"
            "  temp-max-age:        {} s\n"
            "  temp-clean-interval: {} s\n"
            "  io-threads:          {}\n"
            "  logger:              level {}, file {}",
            url, c.data_dir.string(),
            c.auth ? "HTTP Basic, user '" + c.auth->username + "'" : std::string("none"),
            c.max_upload_size, c.temp_max_age.count(), c.temp_clean_interval.count(),
            c.io_threads == 0 ? std::string("one per core") : std::to_string(c.io_threads), l.level,
            l.file.empty() ? std::string("(stderr only)") : l.file);
}

} // namespace

int main(int argc, char** argv) {
  // First, before any thread exists: see stop_signals.hpp.
  const sigset_t stop_signals = recodex::nodes::block_stop_signals();

  options opts = parse_arguments(argc, argv);

  filestore_config config;
  logging_config logging;
  std::vector<std::string> warnings;
  if (opts.config_file) {
    auto reader = config_reader::from_file(*opts.config_file);
    if (!reader) {
      std::cerr << program << ": " << reader.error().message << "\n";
      return 2;
    }
    read_config(reader.value(), config, logging);
    if (!reader.value().errors().empty()) {
      for (const auto& problem : reader.value().errors())
        std::cerr << program << ": " << reader.value().describe(problem) << "\n";
      std::cerr << program << ": " << reader.value().errors().size()
                << " configuration problem(s); not starting\n";
      return 2;
    }
    for (const auto& unknown : reader.value().unknown_keys())
      warnings.push_back(reader.value().describe(unknown));
  }
  if (opts.data_dir)
    config.data_dir = *opts.data_dir;
  if (opts.port)
    config.port = *opts.port;

  if (auto r = recodex::nodes::setup_logging(logging, {"filestore"}); !r) {
    std::cerr << program << ": " << r.error().message << "\n";
    return 2;
  }
  auto log = spdlog::get("filestore");
  for (const auto& w : warnings)
    log->warn("{}", w);
  raise_file_limit();

  auto server = recodex::http_file_server::start(config);
  if (!server) {
    log->error("cannot start: {}", server.error().message);
    std::cerr << program << ": cannot start: " << server.error().message << "\n";
    return 1;
  }
  log_effective_config(config, logging, server.value()->url());
  std::cout << program << " listening on " << server.value()->url() << std::endl;

  int signal_number = recodex::nodes::wait_for_stop_signal(stop_signals);
  log->info("received {}, stopping", recodex::nodes::stop_signal_name(signal_number));
  server.value()->stop();
  spdlog::shutdown();
  return 0;
}
