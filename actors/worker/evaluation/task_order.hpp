// The execution order of a job's tasks (5.4): by priority, highest first, ties by position in
// the file, each task preceded by its not yet emitted dependencies in the same order.
#pragma once

#include "actors/worker/evaluation/fwd.hpp"
#include "messages/result.hpp"

#include <cstddef>
#include <vector>

namespace recodex::worker {

// Indices into `tasks` in execution order. Errors, all ending the job with INTERNAL_ERROR:
// a repeated task-id (errc::already_exists), a dependency on an unknown task-id
// (errc::not_found), a dependency cycle (errc::conflict; the message lists the cycle).
result<std::vector<std::size_t>> order_tasks(const std::vector<task_metadata>& tasks);

} // namespace recodex::worker
