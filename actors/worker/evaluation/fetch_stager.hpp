// Copies the cache entries of the fetch tasks that come next into a staging directory while a
// sandboxed program runs, on a thread of its own, so that each of those fetches is a rename at
// its turn instead of a copy on the job's critical path. Nothing enters the job's directories
// early: a staged copy sits outside them until its fetch runs (the fetch validates its
// destination as always, then renames the copy there). A name that is not cached is not staged
// (its fetch downloads it as always), and a fetch whose copy is not ready yet takes it over
// itself rather than wait behind other copies.
#pragma once

#include "messages/result.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace recodex::worker {

class fetch_stager {
public:
  // Puts the cached entry `name` at `file`: true when done, false when `name` is not cached.
  using copier =
      std::function<result<bool>(const std::string& name, const std::filesystem::path& file)>;

  // `staging_dir` must be on the file system of the fetches' destinations (else each fetch
  // copies as usual); it is created on first use and emptied by the destructor.
  fetch_stager(std::filesystem::path staging_dir, copier copy);
  ~fetch_stager();
  fetch_stager(const fetch_stager&) = delete;
  fetch_stager& operator=(const fetch_stager&) = delete;

  // Queues one copy per name (a name twice: two copies).
  void stage(const std::vector<std::string>& names);

  // Moves a staged copy of `name` to `destination` (parents created): true when done.
  // Waits for a copy in progress; a copy still queued is cancelled (false: the caller fetches).
  bool place(const std::string& name, const std::filesystem::path& destination);

private:
  struct queued {
    std::uint64_t id;
    std::string name;
  };
  void serve();
  std::filesystem::path staged_path(std::uint64_t id) const;
  std::optional<std::uint64_t> take_ready(const std::string& name); // mutex_ held

  std::filesystem::path dir_;
  copier copy_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<queued> queue_;
  std::optional<queued> copying_;
  std::multimap<std::string, std::uint64_t> ready_;
  std::uint64_t next_id_ = 0;
  bool stopping_ = false;
  std::thread thread_; // started by the first stage()
};

} // namespace recodex::worker
