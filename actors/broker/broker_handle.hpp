// The broker's public CAF interface: what native workers and CAF clients may send it, only
// types of the type-id block (messages/type_ids.hpp), so a remote node can remote_actor it
// with this handle. Native workers send worker_info (the broker names them and monitors their
// actor), worker_ping, worker_progress and worker_done, and receive job_assignment,
// worker_pong and worker_intro; clients send job_request, get_runtime_stats and set_frozen.
// The reactor's local batches go to the same actor through its internal untyped handle.
#pragma once

#include "messages/job_messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace recodex::broker {

using broker_handle = caf::typed_actor<caf::replies_to<job_request>::with<eval_reply>,
                                       caf::replies_to<get_runtime_stats>::with<runtime_stats>,
                                       caf::replies_to<set_frozen>::with<set_frozen>,
                                       caf::reacts_to<worker_info>, caf::reacts_to<worker_ping>,
                                       caf::reacts_to<worker_progress>, caf::reacts_to<worker_done>>;

} // namespace recodex::broker
