// The broker actor: the CAF shell around broker_core. It receives batches of evals and worker
// messages from the ZeroMQ bridges (answering each with at most one batch per bridge), single
// job_request / get_runtime_stats / set_frozen from CAF clients and the client bridge, and
// worker messages from native workers over the middleman (whom it monitors: a down_msg is an
// immediate death); it sends assignments, progress (to the monitors) and reports (to the
// notifier). With a journal, `accept` is answered only once the job is on disk (one fsync per
// batch of evals in the mailbox). It never touches a socket.
#pragma once

#include "actors/broker/broker_config.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace recodex::broker {

struct broker_actor_config {
  broker_config core;
  std::filesystem::path journal;    // empty: no durability
  std::vector<caf::actor> monitors; // receive `progress`
  caf::actor notifier;              // receives job_status_report / error_report; may be null
  std::chrono::milliseconds tick{100};
};

// Opens the journal (replaying it) and spawns the broker. Fails when the journal cannot be
// opened. The worker bridge introduces itself (actors/bridge/bridge_actors.hpp).
caf::expected<caf::actor> spawn_broker(caf::actor_system& sys, broker_actor_config config);

} // namespace recodex::broker
