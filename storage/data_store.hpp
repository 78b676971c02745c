// A data directory opened as a whole: blobs (tasks/), submissions and results, task versions
// (tasks.git). The file server and the file-store actor share one instance; every part is safe
// to use from several threads.
#pragma once

#include "messages/result.hpp"
#include "storage/blob_store.hpp"
#include "storage/submission_store.hpp"
#include "storage/task_repository.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>

namespace recodex::storage {

class data_store {
public:
  // Creates the layout when missing. `max_file_size` bounds every stored blob and file.
  static result<std::shared_ptr<data_store>> open(const std::filesystem::path& data_dir,
                                                  std::uint64_t max_file_size = blob_store::unlimited);

  const blob_store& blobs() const { return blobs_; }
  const submission_store& submissions() const { return submissions_; }
  task_repository& tasks() const { return *tasks_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }

  data_store(std::filesystem::path data_dir, blob_store blobs, submission_store submissions,
             std::unique_ptr<task_repository> tasks);

private:
  std::filesystem::path data_dir_;
  blob_store blobs_;
  submission_store submissions_;
  std::unique_ptr<task_repository> tasks_; // refers to blobs_: declared after it
};

} // namespace recodex::storage
