// Submissions, their archives and evaluation results under the data directory:
//   submits/<user_id>/<course>/<submit_id>/...  a submission with an owner
//   submits/@unowned/<submit_id>/...            one without (the ReCodEx POST /submissions/<id>),
//                                               once files are added to it: a new one is
//                                               stored whole as its archive (store_new_unowned)
//   submits/@index/<submit_id>       where an owned submission lives ('@' is never in an id);
//                                    older stores also list unowned ones at submits/<submit_id>/
//   submit_archives/<submit_id>.zip  files at the archive root, job-config.yml included
//   results/<id>.zip
//   temp/                            scratch space, see temp_cleaner.hpp
// Every file is written through atomic_file_writer, so readers never see partial files.
#pragma once

#include "messages/result.hpp"
#include "storage/atomic_file.hpp"
#include "storage/zip_reader.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::storage {

struct submission_owner {
  std::string user_id;
  std::string course;
};

class submission_store {
public:
  // Creates submits/, submit_archives/, results/ and temp/ when missing.
  static result<submission_store> open(std::filesystem::path data_dir,
                                       std::uint64_t max_file_size = atomic_file_writer::unlimited);

  // Starts writing one file of a submission; ids, owner parts and the relative path are
  // validated (invalid_argument). Writing a file invalidates a cached archive. The writer's
  // synced commit (alone, or with the request's other files in commit_all) also makes the names
  // of the directories this call made durable, the submission's own included.
  result<atomic_file_writer>
  begin_submission_file(std::string_view submit_id, std::string_view relative_path,
                        const std::optional<submission_owner>& owner = std::nullopt) const;
  // A new submission without an owner, stored whole as its archive (synced): the archive is what
  // workers download, and one file and one name cost two fsyncs where a directory of files
  // costs one per file and per directory. False (nothing written) when the id is taken (the
  // caller then adds the files one by one) or the names do not fit one tree.
  result<bool> store_new_unowned(std::string_view submit_id,
                                 const std::vector<zip_file>& files) const;

  result<void>
  put_submission_file(std::string_view submit_id, std::string_view relative_path,
                      std::string_view content,
                      const std::optional<submission_owner>& owner = std::nullopt) const;

  // Where a submission's files are (not_found when it has none).
  result<std::filesystem::path> submission_dir(std::string_view submit_id) const;

  // The zip of a submission with its files at the archive root, built with libarchive on first
  // request and cached in submit_archives/; an archive stored with begin_archive is served as is.
  result<std::filesystem::path> archive(std::string_view submit_id) const;
  result<atomic_file_writer> begin_archive(std::string_view submit_id) const;

  // results/<id>.zip: streamed upload, and lookup (not_found when absent).
  result<atomic_file_writer> begin_result(std::string_view id) const;
  result<std::filesystem::path> result_file(std::string_view id) const;

  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::filesystem::path temp_dir() const { return data_dir_ / "temp"; }

private:
  submission_store(std::filesystem::path data_dir, std::uint64_t max_file_size);
  std::filesystem::path data_dir_;
  std::uint64_t max_file_size_;
};

} // namespace recodex::storage
