// Packing RESULT_DIR for upload (spec 6.2): every regular file below it, recursively, goes into
// RESULT_DIR/result.zip as `result/<relative path>` with mode 0644, so the API reads
// result/result.yml. Symlinks are not followed (a task could point one anywhere) and nothing but
// regular files is packed; an older result.zip is left out and replaced atomically.
#pragma once

#include "messages/result.hpp"

#include <filesystem>

namespace recodex::worker {

// The zip's path; an error (a job failure) when the directory cannot be read or the zip written.
result<std::filesystem::path> pack_results(const std::filesystem::path& result_dir);

} // namespace recodex::worker
