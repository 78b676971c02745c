// Where the client finds the system: the broker's client port, the file server (with its
// Basic credentials), the monitor's WebSocket, the runtime environment definitions, and how
// long it waits for each. Defaults are the embedded system's loopback ports (`recodex serve`).
// A YAML file (keys below) and command-line flags override them, in that order.
#pragma once

#include "messages/result.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace recodex::client {

struct client_config {
  std::string broker = "tcp://127.0.0.1:9658";      // broker: ZeroMQ client ROUTER
  std::string fileserver = "http://127.0.0.1:9999"; // file server base URL
  std::string username = "re";                      // file server Basic auth
  std::string password = "codex";
  std::string monitor = "ws://127.0.0.1:4567";      // monitor WebSocket
  std::filesystem::path environments_dir;           // empty: default_environments_dir()
  std::chrono::milliseconds connect_timeout{3000};  // TCP connect, broker ack
  std::chrono::milliseconds request_timeout{30000}; // one HTTP exchange, broker answer
  std::chrono::milliseconds job_timeout{300000};    // following a job until it ends
};

// A data directory shipped with the binaries (environments, examples): the first that exists
// of <executable dir>/<name>, <executable dir>/../share/recodex/<name>,
// <executable dir>/../deploy/<name>, and `source_dir` (the source tree's copy).
std::filesystem::path shipped_dir(const std::string& name, const std::filesystem::path& source_dir);

// shipped_dir("environments", deploy/environments of the source tree).
std::filesystem::path default_environments_dir();

// The environments directory `config` means.
std::filesystem::path environments_dir(const client_config& config);

// Reads a client YAML file over `base`:
//   broker: tcp://host:port         fileserver: http://host:port
//   username: re    password: codex monitor: ws://host:port
//   environments-dir: DIR (relative to the file)
//   timeouts: {connect: ms, request: ms, job: ms}
// Errors read "<file>:<line>: <key>: <what>"; unknown keys are errors.
result<client_config> parse_client_config(std::string_view yaml_text, const std::string& name,
                                          client_config base = {});
result<client_config> load_client_config(const std::filesystem::path& file,
                                         client_config base = {});

} // namespace recodex::client
