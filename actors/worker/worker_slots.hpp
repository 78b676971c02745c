// What every composition of worker slots shares (the recodex-worker node and the embedded
// system): the env=<id> headers of the installed environments, starting one slot (its
// evaluator and the listener that feeds it), and stopping slots with a grace period for jobs
// still running. No caf/all.hpp here.
#pragma once

#include "actors/worker/evaluator_actor.hpp"
#include "actors/worker/listener/listener_config.hpp"
#include "messages/job_messages.hpp"
#include "messages/result.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <filesystem>
#include <vector>

namespace recodex::worker {

// {"env", id} for every environment defined in `dir` that is installed here; the ones that are
// not are logged with the reason. Fails when the definitions cannot be loaded.
result<header_list> installed_environment_headers(const std::filesystem::path& dir);

struct worker_slot {
  caf::actor evaluator;
  caf::actor listener;
};

// Spawns the slot's evaluator and its listener; when the listener cannot start (a bad
// broker_uri), the evaluator is stopped again and the error says so.
result<worker_slot> start_worker_slot(caf::actor_system& sys, evaluator_parts parts, listener_config listener);

// Sends every slot an exit and waits up to `grace` for the evaluators to end (one blocked in a
// job sees its exit only when the job ends). False when some are still running: the caller
// abandons them (the broker re-queues a job whose worker vanished).
bool stop_worker_slots(caf::actor_system& sys, const std::vector<worker_slot>& slots,
                       std::chrono::milliseconds grace);

} // namespace recodex::worker
