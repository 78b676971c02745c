// What the file server does with a request, apart from HTTP framing: authenticate, route, and
// turn the route into storage calls. Beast-free so the logic reads without socket code; the
// session (http_server.cpp) feeds it a request head and gets back one of three decisions:
//   reply      answered at once (errors, status page, files opened for sendfile),
//   upload     a sink for the request body, streamed chunk by chunk, then finish()ed,
//   deferred   work that may block (git, building an archive), run off the io threads.
#pragma once

#include "actors/filestore/filestore_config.hpp"
#include "actors/filestore/route.hpp"
#include "messages/result.hpp"
#include "storage/file_io.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace recodex::storage {
class data_store;
}

namespace recodex::filestore {

// Files being served travel as owned descriptors (storage's, so both rooms share one).
using storage::unique_fd;

struct reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body; // in-memory body; ignored when `file` is set
  unique_fd file;   // when set, the body is the first file_size bytes of this file
  std::uint64_t file_size = 0;
  std::string allow;      // Allow header of a 405
  bool challenge = false; // a 401 that carries WWW-Authenticate
};

// The parts of a request the handler looks at; views into the parser's header, valid during
// handle() only.
struct request_head {
  http_method method = http_method::get;
  std::string_view target;
  std::string_view content_type;
  std::string_view authorization;
  std::string_view accept;
  std::optional<std::uint64_t> content_length; // nullopt for chunked bodies
};

// A request body on its way to storage. write() runs on an io thread and must not block for
// long; finish() may (fsync, git) and runs on the blocking pool. Nothing is visible to other
// clients before finish() succeeds; destroying an unfinished upload discards it.
class upload {
public:
  virtual ~upload() = default;
  virtual result<void> write(std::string_view data) = 0;
  virtual reply finish() = 0;
  // The answer after write() failed with `e` (an upload may know a more precise one).
  virtual reply failure(const error& e);
};

using deferred = std::function<reply()>;
using decision = std::variant<reply, std::unique_ptr<upload>, deferred>;

// Counters the status page shows; the server updates them.
struct server_stats {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::int64_t> connections_open{0};
};

class request_handler {
public:
  // Opens the storage under config.data_dir: blobs in tasks/, submissions and results at the
  // root, task versions in tasks.git.
  static result<std::unique_ptr<request_handler>> open(const filestore_config& config,
                                                       const server_stats& stats);
  // Serves a store opened elsewhere (shared with the file-store actor); config.data_dir is
  // then only reported.
  static result<std::unique_ptr<request_handler>> open(const filestore_config& config,
                                                       const server_stats& stats,
                                                       std::shared_ptr<storage::data_store> store);
  ~request_handler();

  // Thread-safe. Never throws for anything a client sends.
  decision handle(const request_head& head) const;

  // Erases old entries of temp/ and stale blob temporaries; returns a line for the log.
  std::string clean_temporaries() const;

  const filestore_config& config() const;

private:
  struct impl;
  explicit request_handler(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

// {"error": message, "code": code} with the status that fits the error code.
reply error_reply(const error& e);
reply error_reply(unsigned status, std::string_view code, std::string_view message);

} // namespace recodex::filestore
