// What the broker's reactor (the thread that owns the ZeroMQ client and worker sockets, the
// core and the journal: broker_reactor.hpp) and its CAF face (broker_actor.hpp) exchange
// inside one process. Inputs are what arrived over CAF (native workers, CAF clients, down
// messages); outputs are what must leave over CAF (native workers, monitors, the notifier,
// answers to CAF requests). CAF requests are matched to answers by a ticket the face chooses.
// Never serialised: not in the type-id block.
#pragma once

#include "messages/job_messages.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace recodex::broker {

// -- face -> reactor --

// A native worker's actor is down (the face monitors them).
struct native_down {
  std::string worker_id;
};
struct caf_eval {
  std::uint64_t ticket = 0;
  job_request request;
};
struct caf_stats {
  std::uint64_t ticket = 0;
};
struct caf_freeze {
  std::uint64_t ticket = 0;
  bool frozen = false;
};
// The notifier is through with a job's report: delivered, or given up after its last attempt
// (see broker_actor.cpp). Either way the report is not sent again after a restart.
struct report_settled {
  std::string job_id;
};

// Worker messages carry the id the face gave the native worker ("caf:...").
using face_input = std::variant<worker_info, worker_ping, worker_progress, worker_done, native_down,
                                caf_eval, caf_stats, caf_freeze, report_settled>;

// -- reactor -> face --

struct eval_answer {
  std::uint64_t ticket = 0;
  eval_reply reply;
};
struct stats_answer {
  std::uint64_t ticket = 0;
  runtime_stats stats;
};
struct freeze_answer {
  std::uint64_t ticket = 0;
  bool frozen = false;
};
// A native worker left the registry: stop monitoring it.
struct forget_native {
  std::string worker_id;
};

// job_assignment / worker_pong / worker_intro go to the native worker named in them; progress
// to every monitor; job_status_report / error_report to the notifier.
using face_output = std::variant<job_assignment, worker_pong, worker_intro, forget_native, progress,
                                 job_status_report, error_report, eval_answer, stats_answer, freeze_answer>;

// One reactor wake-up's outputs, in decision order: one CAF message.
struct face_outputs {
  std::vector<face_output> items;
};

// Native workers' ids: ZeroMQ identities with this prefix are refused, so no ZeroMQ peer can
// speak for a native worker.
inline bool is_native_worker_id(const std::string& id) { return id.compare(0, 4, "caf:") == 0; }

} // namespace recodex::broker
