// The embedded harness: an actor system with the chosen actors of this project running in the
// test's process, on loopback ports the OS picks, over a temporary data directory; all of it is
// torn down in the destructor. Later issues add their actors (broker, workers, monitor) here.
#pragma once

#include "actors/filestore/filestore_actor.hpp"
#include "tests/harness/temp_directory.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace recodex::storage {
class data_store;
}

namespace recodex::testing {

struct embedded_options {
  bool filestore = true;          // the file-store actor over the temp data directory
  bool publish_filestore = false; // ... also reachable through the middleman on 127.0.0.1:0
  bool http_fileserver = false;   // the HTTP file server on 127.0.0.1:0
  std::optional<std::string> http_username; // Basic auth for the HTTP file server
  std::optional<std::string> http_password;
};

class embedded_system {
public:
  explicit embedded_system(embedded_options options = {});
  ~embedded_system();
  embedded_system(const embedded_system&) = delete;
  embedded_system& operator=(const embedded_system&) = delete;

  caf::actor_system& system();
  const std::filesystem::path& data_dir() const { return data_dir_.path(); }
  storage::data_store& store() const;

  filestore_actor filestore() const;
  std::uint16_t filestore_port() const; // middleman port when published, else 0
  std::string fileserver_url() const;   // http://127.0.0.1:<port> when started, else ""

private:
  struct parts;
  temp_directory data_dir_;
  std::unique_ptr<parts> parts_;
};

} // namespace recodex::testing
