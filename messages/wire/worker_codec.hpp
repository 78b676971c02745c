// Frames of the worker <-> broker link, port 9657 (spec section 2): `init`, `ping`, `progress`,
// `done` from the worker; `eval`, `pong`, `intro` from the broker. Both directions are here so
// fake workers in tests and benches, and the native worker's ZeroMQ mode, share the layout.
#pragma once

#include "messages/wire/frames.hpp"

#include <string_view>
#include <variant>

namespace recodex::wire {

// -- worker -> broker --

using worker_message = std::variant<worker_info, worker_ping, worker_progress, worker_done>;

// Decodes one message of the worker whose ROUTER identity is `identity` (stored as the worker
// id in every decoded value).
result<worker_message> decode_worker_message(std::string_view identity, const frames& in);

// init, <hwgroup>, k=v..., "", description=<text>[, current_job=<id>]
frames encode_init(const worker_info& info);
frames encode_ping();
// progress, <job>, <command>  or  progress, <job>, TASK, <task_id>, <task_state>
frames encode_progress(const progress& update);
// done, <job>, <status>, <message>
frames encode_done(const job_done& done);

// -- broker -> worker --

using broker_message = std::variant<job_assignment, worker_pong, worker_intro>;

result<broker_message> decode_broker_message(std::string_view identity, const frames& in);

// eval, <job_id>, payload... (the client's payload frames verbatim)
frames encode_assignment(const job_assignment& assignment);
frames encode_pong();
frames encode_intro();

// A TASK progress carries task_id and task_state; any other has two frames after `progress`.
bool has_task_fields(const progress& update);

} // namespace recodex::wire
