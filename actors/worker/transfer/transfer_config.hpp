// What the worker's HTTP client is told by the worker config (spec 7): the `file-managers`
// credentials, an extra trusted CA file (`ca-file`) and its time limits.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace recodex::worker {

// One `file-managers` entry: Basic auth for every URL that starts with `hostname` (4.3).
struct file_manager {
  std::string hostname; // a URL prefix, e.g. "https://files.example.org"
  std::string username;
  std::string password;

  friend bool operator==(const file_manager& a, const file_manager& b) {
    return a.hostname == b.hostname && a.username == b.username && a.password == b.password;
  }
};

struct transfer_config {
  std::vector<file_manager> file_managers;
  std::string ca_file; // PEM certificates trusted besides the system's; empty: system only
  std::chrono::seconds connect_timeout{30};
  std::chrono::seconds idle_timeout{60}; // longest wait for any single read or write
  unsigned max_redirects = 5;
  bool reuse_connections = true; // keep-alive per host between calls
};

} // namespace recodex::worker
