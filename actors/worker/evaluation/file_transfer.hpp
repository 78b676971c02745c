// How the evaluator moves files over the network (spec 4.3): the submission archive and `fetch`
// files come down, the results zip goes up. An interface so the job lifecycle is tested with an
// in-memory fake; the worker's real one speaks HTTP(S) with Basic auth chosen from
// `file-managers` (actors/worker/transfer/).
#pragma once
#include "messages/result.hpp"

#include <filesystem>
#include <string>

namespace recodex::worker {

class file_transfer {
public:
  virtual ~file_transfer() = default;

  // GET `url` into `file` (created or truncated). On any failure (connection, HTTP >= 400,
  // short body) the partial file is removed and the error names the URL and the cause.
  virtual result<void> download(const std::string& url, const std::filesystem::path& file) = 0;

  // PUT the bytes of `file` to `url` as a raw body with a known Content-Length.
  virtual result<void> upload(const std::string& url, const std::filesystem::path& file) = 0;
};

} // namespace recodex::worker
