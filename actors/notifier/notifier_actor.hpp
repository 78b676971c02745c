// The notifier actor: receives job_status_report and error_report from the broker and POSTs
// them to the web application (spec 2.9) on its own thread (a detached actor), so a slow or
// absent web application never blocks the broker. Failed attempts (connection errors, HTTP >=
// 400) are retried after 1, 2, 4 s; after the last attempt the report is logged and dropped.
#pragma once

#include "actors/notifier/notifier_config.hpp"
#include "messages/result.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace recodex::notifier {

// Fails when the address is not an http(s) URL. An empty address gives a null actor (off).
result<caf::actor> spawn_notifier(caf::actor_system& sys, notifier_config config);

} // namespace recodex::notifier
