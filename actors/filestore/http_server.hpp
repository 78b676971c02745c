// The HTTP file server (the door of this room for nodes and the embedded harness): Boost.Beast
// behind a pimpl, so includers see neither Beast nor Asio. start() opens the storage under
// config.data_dir, binds, and serves on its own threads until stop() or destruction; it serves
// the ReCodEx worker-file and legacy fileserver routes and our versioned-task API (route.hpp).
#pragma once

#include "actors/filestore/filestore_config.hpp"
#include "messages/result.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace recodex::storage {
class data_store;
}

namespace recodex {

class http_file_server {
public:
  // Fails with a message naming the address or directory when the storage cannot be opened or
  // the address cannot be bound.
  static result<std::unique_ptr<http_file_server>> start(const filestore_config& config);
  // Serves a data store that is already open (shared with the file-store actor).
  static result<std::unique_ptr<http_file_server>>
  start(const filestore_config& config, std::shared_ptr<storage::data_store> store);

  ~http_file_server(); // stop()s

  // The bound port (the real one when the config asked for 0).
  std::uint16_t port() const;
  // "http://<address>:<port>"
  std::string url() const;

  // Stops accepting, lets requests in flight finish (up to config.stop_timeout), closes idle
  // connections and joins every thread. Idempotent.
  void stop();

  http_file_server(const http_file_server&) = delete;
  http_file_server& operator=(const http_file_server&) = delete;

private:
  struct impl;
  explicit http_file_server(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

} // namespace recodex
