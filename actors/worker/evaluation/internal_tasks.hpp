// The worker's internal tasks (5.5) as data: their names and how many arguments each takes.
// Their implementations live elsewhere; this room only decides whether a task can be built.
#pragma once

#include "actors/worker/evaluation/fwd.hpp"
#include "messages/result.hpp"

#include <cstddef>
#include <limits>
#include <optional>
#include <string_view>

namespace recodex::worker {

enum class internal_task_kind {
  cp,
  mkdir,
  rename,
  rm,
  archivate,
  extract,
  fetch,
  truncate,
  exists,
  dumpdir,
};
std::string_view to_string(internal_task_kind kind);

inline constexpr std::size_t unbounded_args = std::numeric_limits<std::size_t>::max();

struct internal_task_rule {
  internal_task_kind kind;
  std::size_t min_args;
  std::size_t max_args; // unbounded_args when any number from min_args up is taken
  std::string_view usage;
};

// The rule for a `cmd.bin` name (exact, case-sensitive), or nullopt.
std::optional<internal_task_rule> find_internal_task(std::string_view bin);

// For a task without a sandbox: its kind, or an error ending the job with INTERNAL_ERROR (an
// unknown name is errc::not_found, a wrong argument count errc::conflict). Never call it for
// external tasks.
result<internal_task_kind> validate_internal_task(const task_metadata& task);

} // namespace recodex::worker
