// The results zip; the zip writing itself is shared with the submission archives (storage/).
#include "actors/worker/transfer/results_archive.hpp"

#include "storage/atomic_file.hpp"
#include "storage/zip_writer.hpp"

namespace recodex::worker {

namespace {
constexpr const char* results_zip_name = "result.zip";
}

result<std::filesystem::path> pack_results(const std::filesystem::path& result_dir) {
  if (!std::filesystem::is_directory(result_dir))
    return make_error(errc::not_found,
                      "cannot pack results: " + result_dir.string() + " is not a directory");
  // Listed before the zip's temporary file appears in the same directory.
  RECODEX_TRY(files,
              storage::list_regular_files(result_dir, [](const std::filesystem::path& relative) {
                return relative == results_zip_name;
              }));
  for (auto& file : files)
    file.name = "result/" + file.name;
  auto target = result_dir / results_zip_name;
  RECODEX_TRY(writer, storage::atomic_file_writer::create(target));
  RECODEX_TRY_VOID(storage::write_zip(writer, files, target));
  // Uploaded right away; a crash before that re-runs the job, so no fsync.
  return writer.commit(storage::durability::unsynced);
}

} // namespace recodex::worker
