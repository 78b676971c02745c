// Settings of the HTTP file server (http_server.hpp): where it listens, where the data lives,
// who may use it and how much it accepts. A plain struct with the defaults in the initialisers;
// nodes/recodex-fileserver fills it from YAML and the embedded harness fills it by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace recodex {

struct filestore_credentials {
  std::string username;
  std::string password;
};

struct filestore_config {
  std::string listen_address = "127.0.0.1"; // loopback unless configured otherwise
  std::uint16_t port = 9999;                // 0 picks a free port; read it back with port()
  std::filesystem::path data_dir = "./var";
  std::optional<filestore_credentials> auth;            // HTTP Basic on every route when set
  std::uint64_t max_upload_size = 256ull * 1024 * 1024; // request body bytes
  std::chrono::seconds temp_max_age = std::chrono::hours(24);
  std::chrono::seconds temp_clean_interval = std::chrono::hours(1);
  unsigned io_threads = 0;       // 0 = std::thread::hardware_concurrency()
  unsigned blocking_threads = 0; // fsync, git and archive work; 0 = max(4, 2 * io threads)
  std::chrono::seconds idle_timeout = std::chrono::seconds(60); // keep-alive and stalled peers
  std::chrono::seconds stop_timeout = std::chrono::seconds(10); // in-flight grace on stop()
};

} // namespace recodex
