// The worker's real file_transfer (spec 4.3): blocking HTTP/1.1 over TCP or TLS (verification
// on, system CAs plus an optional `ca-file`), Basic auth from `file-managers`, redirects
// followed, bodies streamed between socket and disk in 64 KiB pieces (constant memory at any
// size), every connect bounded by connect_timeout and every read or write by idle_timeout.
// Safe to share between evaluator slots: each call uses its own connection; idle keep-alive
// connections wait in a small per-host pool (taken and returned under a mutex) for the next call.
#pragma once

#include "actors/worker/evaluation/file_transfer.hpp"
#include "actors/worker/transfer/transfer_config.hpp"
#include "messages/result.hpp"

#include <memory>

namespace recodex::worker {

class http_file_transfer final : public file_transfer {
public:
  // Fails when `ca_file` is set but cannot be loaded.
  static result<std::unique_ptr<http_file_transfer>> create(transfer_config config);
  ~http_file_transfer() override;

  // Errors read "GET <url>: <cause>", the cause being e.g. "HTTP 404 Not Found",
  // "Connection refused", "timed out after 60 s" or "more than 5 redirects".
  result<void> download(const std::string& url, const std::filesystem::path& file) override;
  result<void> upload(const std::string& url, const std::filesystem::path& file) override;

  struct impl;

private:
  explicit http_file_transfer(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

} // namespace recodex::worker
