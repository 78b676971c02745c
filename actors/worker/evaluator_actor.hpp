// The evaluator actor: one per worker slot, on its own thread (detached) because a job blocks
// it for as long as its tasks run. The listener sends it a job_assignment; it evaluates the job
// with its job_evaluator (spec 6.3), sends the listener its progress states in order as
// `progress_batch`es (held at most progress_window, see progress_relay.hpp) and finally the
// job's `job_done`. A second assignment waits in the mailbox until the first is
// done. It owns its slot's sandbox box and never talks to the broker itself.
#pragma once

#include "actors/worker/evaluation/file_transfer.hpp"
#include "actors/worker/evaluation/job_evaluator.hpp"
#include "actors/worker/progress_batcher.hpp"
#include "messages/result.hpp"
#include "sandbox/sandbox.hpp"
#include "storage/worker_cache.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>
#include <vector>

namespace recodex::worker {

// What one slot evaluates with. The transfer and the cache are shared by every slot.
struct evaluator_parts {
  job_evaluator_config config;
  sandbox::box box; // the slot's leased box
  std::shared_ptr<file_transfer> transfer;
  std::shared_ptr<const storage::worker_cache> cache;
  results_packer pack;
  // parallel-tasks: more boxes for the independent tasks of a job (lease_task_boxes); empty =
  // the job's tasks run one at a time in `box`.
  std::vector<sandbox::box> task_boxes{};
  // How long a progress event may wait for others to leave with it (progress_batcher.hpp);
  // zero sends each event alone.
  std::chrono::milliseconds progress_window = default_progress_window;
};

// How many task boxes each slot gets besides its own box, and what for. With parallel-tasks and
// more than one core per slot they are lanes, so that all slots' lanes together use the host's
// `cores` at most (cores / slots - 1); otherwise one box prepares the next task while the
// current one runs (job_evaluator_config::parallel_tasks false).
struct slot_task_boxes {
  unsigned count = 0;
  bool parallel = false;
};
slot_task_boxes task_boxes_per_slot(bool parallel_tasks, unsigned slots, unsigned cores);

// Leases `count` task boxes for the slot whose box is `slot_box`: ids from the top of the range
// down (worker ids lease theirs from the bottom), skipping busy ones, each running as
// `slot_box`'s uid because all of a job's tasks work in one directory. Fails with `conflict`
// when fewer than `count` are free.
result<std::vector<sandbox::box>> lease_task_boxes(const sandbox::box_config& config,
                                                   const sandbox::box& slot_box,
                                                   unsigned count);

caf::actor spawn_evaluator(caf::actor_system& sys, evaluator_parts parts);

} // namespace recodex::worker
