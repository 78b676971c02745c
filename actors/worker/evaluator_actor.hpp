// The evaluator actor: one per worker slot, on its own thread (detached) because a job blocks
// it for as long as its tasks run. The listener sends it a job_assignment; it evaluates the job
// with its job_evaluator (spec 6.3), sends the listener one `progress` per state as it happens
// and finally the job's `job_done`. A second assignment waits in the mailbox until the first is
// done. It owns its slot's sandbox box and never talks to the broker itself.
#pragma once

#include "actors/worker/evaluation/file_transfer.hpp"
#include "actors/worker/evaluation/job_evaluator.hpp"
#include "sandbox/sandbox.hpp"
#include "storage/worker_cache.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace recodex::worker {

// What one slot evaluates with. The transfer and the cache are shared by every slot.
struct evaluator_parts {
  job_evaluator_config config;
  sandbox::box box; // the slot's leased box
  std::shared_ptr<file_transfer> transfer;
  std::shared_ptr<const storage::worker_cache> cache;
  results_packer pack;
};

caf::actor spawn_evaluator(caf::actor_system& sys, evaluator_parts parts);

} // namespace recodex::worker
