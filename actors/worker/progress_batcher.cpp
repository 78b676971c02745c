#include "actors/worker/progress_batcher.hpp"

namespace recodex::worker {

bool ends_job(const progress& update) {
  return update.command == "FINISHED" || update.command == "ABORTED";
}

bool progress_batcher::add(progress update, clock::time_point now) {
  if (held_.empty())
    first_held_at_ = now;
  const bool last_of_job = ends_job(update);
  held_.push_back(std::move(update));
  return last_of_job || window_.count() <= 0 || due(now);
}

std::optional<progress_batcher::clock::time_point> progress_batcher::deadline() const {
  if (held_.empty())
    return std::nullopt;
  return first_held_at_ + window_;
}

bool progress_batcher::due(clock::time_point now) const {
  auto at = deadline();
  return at && now >= *at;
}

std::vector<progress> progress_batcher::take() {
  std::vector<progress> out;
  out.swap(held_);
  return out;
}

} // namespace recodex::worker
