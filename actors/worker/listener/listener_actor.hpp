// The worker's listener: registers with the broker (`init`), keeps the link alive with pings and
// reconnects with back-off when the broker goes silent or away, hands each accepted assignment
// to the evaluator and forwards the evaluator's progress and `done` to the broker in order.
// The evaluator receives job_assignment (from the listener) and answers the listener with
// `progress` messages and finally one `job_done` (messages/job_messages.hpp). The transport is
// chosen by broker_uri: tcp:// (ZeroMQ DEALER, ReCodEx frames) or caf:// (our broker over the
// middleman). The listener never evaluates anything; it stops (closing its socket) on an exit
// message. Decisions live in listener_core.hpp.
#pragma once

#include "actors/worker/listener/listener_config.hpp"
#include "messages/result.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace recodex::worker {

// Fails when broker_uri is malformed; connection problems are retried, never reported here.
result<caf::actor> spawn_listener(caf::actor_system& sys, listener_config config,
                                  caf::actor evaluator);

} // namespace recodex::worker
