// Frames of the broker -> monitor link (spec section 3.2): `<job_id>, <command>` or
// `<job_id>, TASK, <task_id>, <task_state>`, after the routing frame `recodex-monitor`, which
// the bridge adds. The decoder is what a monitor does with what its ROUTER received.
#pragma once

#include "messages/wire/frames.hpp"

namespace recodex::wire {

// The routing id the ReCodEx monitor binds with; the broker's ROUTER prefixes it.
inline constexpr std::string_view monitor_identity = "recodex-monitor";

frames encode_monitor_progress(const progress& update);

// 2 frames (job, command) or 4 (job, command, task_id, task_state).
result<progress> decode_monitor_progress(const frames& in);

} // namespace recodex::wire
