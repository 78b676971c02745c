// The notifier actor: receives job_status_report and error_report from the broker and POSTs
// them to the web application (spec 2.9) on its own thread (a detached actor), so a slow or
// absent web application never blocks the broker. Failed attempts (connection errors, HTTP >=
// 400) are retried after 1, 2, 4 s; after the last attempt the report is logged and given up
// (as ReCodEx does). A job_status_report sent as a request is answered once, with the final
// outcome: `true` when the web application took it (maybe after retries), `false` when it was
// given up; an error when a drain ended with the report still waiting for a retry (it is not
// through: the broker keeps it and sends it again after a restart). Error reports get no answer.
// At shutdown, drain_notifier gives the reports waiting for a retry a bounded time to get out.
#pragma once

#include "actors/notifier/notifier_config.hpp"
#include "messages/result.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>

namespace recodex::notifier {

// Fails when the address is not an http(s) URL. An empty address gives a null actor (off).
result<caf::actor> spawn_notifier(caf::actor_system& sys, notifier_config config);

// Blocks until the reports the notifier holds for a retry are delivered, out of attempts, or
// `budget` is spent, and returns how many were dropped. Send it after the last report: those
// still in the notifier's mailbox get their first attempt before the drain starts, which may
// take up to `slack` more (one attempt's timeout). A null notifier drains at once.
std::uint64_t drain_notifier(caf::actor_system& sys, const caf::actor& notifier, std::chrono::milliseconds budget,
                             std::chrono::milliseconds slack);

} // namespace recodex::notifier
