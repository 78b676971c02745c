// Opens the parts of a data directory in dependency order (tasks.git needs the blob store).
#include "storage/data_store.hpp"

namespace recodex::storage {

data_store::data_store(std::filesystem::path data_dir, blob_store blobs,
                       submission_store submissions, std::unique_ptr<task_repository> tasks)
    : data_dir_(std::move(data_dir)), blobs_(std::move(blobs)),
      submissions_(std::move(submissions)), tasks_(std::move(tasks)) {}

result<std::shared_ptr<data_store>> data_store::open(const std::filesystem::path& data_dir,
                                                     std::uint64_t max_file_size) {
  RECODEX_TRY(blobs, blob_store::open(data_dir / "tasks", max_file_size));
  RECODEX_TRY(submissions, submission_store::open(data_dir, max_file_size));
  // The repository keeps a reference to the blob store, so it is opened against the copy that
  // the data_store will own: build the store first, then attach the repository.
  auto store = std::make_shared<data_store>(data_dir, std::move(blobs), std::move(submissions),
                                            nullptr);
  RECODEX_TRY(tasks, task_repository::open(data_dir / "tasks.git", store->blobs_));
  store->tasks_ = std::move(tasks);
  return store;
}

} // namespace recodex::storage
