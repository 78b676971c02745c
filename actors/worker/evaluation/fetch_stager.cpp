#include "actors/worker/evaluation/fetch_stager.hpp"

#include <algorithm>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

namespace recodex::worker {

namespace fs = std::filesystem;

fetch_stager::fetch_stager(fs::path staging_dir, copier copy)
    : dir_(std::move(staging_dir)), copy_(std::move(copy)) {}

fetch_stager::~fetch_stager() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  if (!thread_.joinable())
    return; // nothing was ever staged
  thread_.join();
  std::error_code ignored;
  fs::remove_all(dir_, ignored); // copies no fetch took
}

fs::path fetch_stager::staged_path(std::uint64_t id) const {
  return dir_ / ("staged-" + std::to_string(id));
}

void fetch_stager::stage(const std::vector<std::string>& names) {
  if (names.empty())
    return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& name : names)
      queue_.push_back({next_id_++, name});
    if (!thread_.joinable())
      thread_ = std::thread([this] { serve(); });
  }
  changed_.notify_all();
}

std::optional<std::uint64_t> fetch_stager::take_ready(const std::string& name) {
  auto it = ready_.find(name);
  if (it == ready_.end())
    return std::nullopt;
  auto id = it->second;
  ready_.erase(it);
  return id;
}

bool fetch_stager::place(const std::string& name, const fs::path& destination) {
  std::optional<std::uint64_t> id;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    auto queued_copy = std::find_if(queue_.begin(), queue_.end(),
                                    [&](const queued& q) { return q.name == name; });
    id = take_ready(name);
    if (!id && queued_copy != queue_.end()) {
      queue_.erase(queued_copy); // not started: the fetch copies it sooner than the queue would
      return false;
    }
    if (!id && copying_ && copying_->name == name) {
      changed_.wait(lock, [&] { return !copying_ || copying_->name != name; });
      id = take_ready(name);
    }
  }
  if (!id)
    return false;
  const auto staged = staged_path(*id);
  std::error_code ec;
  if (destination.has_parent_path())
    fs::create_directories(destination.parent_path(), ec);
  if (!ec && ::rename(staged.c_str(), destination.c_str()) == 0)
    return true;
  // Another file system, or a destination a file cannot replace: the fetch copies as usual
  // (and reports what is wrong with the destination).
  fs::remove(staged, ec);
  return false;
}

void fetch_stager::serve() {
  ::pthread_setname_np(::pthread_self(), "fetch-stager"); // per-thread CPU figures
  // Below the box preparation (the launcher, the next box's init), which the next task waits
  // for first; a copy that is not ready in time is made by its fetch.
  (void) ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
  std::unique_lock<std::mutex> lock(mutex_);
  bool dir_made = false;
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_)
      return;
    copying_ = queue_.front();
    queue_.pop_front();
    lock.unlock();
    const auto target = staged_path(copying_->id);
    std::error_code ec;
    if (!dir_made)
      dir_made = fs::create_directories(dir_, ec) || fs::is_directory(dir_, ec);
    auto copied = dir_made ? copy_(copying_->name, target)
                           : result<bool>{make_error(errc::io_error, "no staging directory")};
    // A failed copy is not an error of the job: its fetch copies as usual and reports then.
    lock.lock();
    if (copied && copied.value())
      ready_.emplace(copying_->name, copying_->id);
    copying_.reset();
    changed_.notify_all();
  }
}

} // namespace recodex::worker
