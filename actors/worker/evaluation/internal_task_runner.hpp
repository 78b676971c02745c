// The ten internal tasks of 5.5 (cp, mkdir, rename, rm, archivate, extract, fetch, truncate,
// exists, dumpdir) run on the host, not in the sandbox, so every path argument is checked to
// stay inside the job's own directories (lexically and after resolving symlinks) before any
// file is touched. `fetch` goes through a callback so this room stays free of HTTP and caches.
#pragma once

#include "actors/worker/evaluation/archive_extractor.hpp"
#include "actors/worker/evaluation/fwd.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace recodex::worker {

struct internal_task_context {
  // Absolute host directories a task may read and write (SOURCE_DIR, RESULT_DIR, the job's
  // temp dir).
  std::vector<std::filesystem::path> allowed_roots;
  // The same with their symlinks resolved, in the same order (resolve_roots()); empty: resolved
  // at each check. Only the job's own directories below the worker's root-owned ones are roots,
  // which nothing the job runs can replace, so resolving them once per job is enough.
  std::vector<std::filesystem::path> real_roots;
  // Puts the file `name` of the job's file collector at `destination` (the worker cache).
  std::function<result<void>(const std::string& name, const std::filesystem::path& destination)>
      fetch;
  // Optional: told the names of the fetches that come next, so their copies can be made ahead
  // (fetch_stager.hpp); `fetch` still puts each file in place at its turn.
  std::function<void(const std::vector<std::string>& names)> stage_fetches;
  extract_options extract; // limits of the `extract` task
};

// What a task did: FAILED tasks carry the message for result.yml; `exists` also sets stderr.
struct internal_task_outcome {
  bool ok = true;
  std::string error_message;
  std::optional<std::string> stderr_text;
};

// Runs one internal task whose arguments are already substituted (5.3) and whose argument
// count was validated (validate_internal_task). Never throws.
internal_task_outcome run_internal_task(internal_task_kind kind,
                                        const std::vector<std::string>& args,
                                        const internal_task_context& context);

// Fills context.real_roots from context.allowed_roots.
void resolve_roots(internal_task_context& context);

// True when `path` (absolute) lies inside one of `roots`, both lexically and once existing
// symlinks along it are resolved. `real_roots`, when given, are `roots` resolved.
bool is_inside_roots(const std::filesystem::path& path,
                     const std::vector<std::filesystem::path>& roots,
                     const std::vector<std::filesystem::path>& real_roots = {});

} // namespace recodex::worker
