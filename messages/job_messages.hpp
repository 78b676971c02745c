// Typed messages of the job flow: client -> broker -> worker -> broker -> monitor / notifier.
// The ZeroMQ bridges build them from ReCodEx frames (messages/wire/), native workers send them
// over the middleman, and the broker core consumes them. Plain values with CAF 0.17 inspect
// overloads, comparable and printable so tests compare whole values.
#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace recodex {

// -- vocabulary --

// One `key=value` header frame. Order is kept as received: headers are a multimap in ReCodEx
// (a worker may offer several `env` values), so they travel as a list, not a map.
struct header {
  std::string key;
  std::string value;

  friend bool operator==(const header& a, const header& b) {
    return a.key == b.key && a.value == b.value;
  }
  friend bool operator!=(const header& a, const header& b) { return !(a == b); }
  friend bool operator<(const header& a, const header& b) {
    return std::tie(a.key, a.value) < std::tie(b.key, b.value);
  }
};

using header_list = std::vector<header>;

// The three statuses a worker reports in `done`; anything else is rejected by the codec.
enum class job_status : std::uint8_t { ok, failed, internal_error };

// The wire spelling: "OK", "FAILED", "INTERNAL_ERROR".
inline std::string to_string(job_status status) {
  switch (status) {
    case job_status::ok:
      return "OK";
    case job_status::failed:
      return "FAILED";
    case job_status::internal_error:
      return "INTERNAL_ERROR";
  }
  return "UNKNOWN";
}

// -- client -> broker --

// `eval`: a job with its matching headers (incl. `meta.*`, which never match) and the opaque
// payload frames that go to the worker verbatim.  -> eval_reply
struct job_request {
  std::string job_id;
  header_list headers;
  std::vector<std::string> payload;

  friend bool operator==(const job_request& a, const job_request& b) {
    return a.job_id == b.job_id && a.headers == b.headers && a.payload == b.payload;
  }
};

// The broker's answer to an eval (`accept`, or `reject` with its reason).
struct eval_reply {
  bool accepted = false;
  std::string reason;

  friend bool operator==(const eval_reply& a, const eval_reply& b) {
    return a.accepted == b.accepted && a.reason == b.reason;
  }
};

// `get-runtime-stats`.  -> runtime_stats
struct get_runtime_stats {
  friend bool operator==(const get_runtime_stats&, const get_runtime_stats&) { return true; }
};

struct runtime_stats {
  std::uint64_t evaluated_jobs = 0;
  std::uint64_t failed_jobs = 0;
  std::uint64_t idle_worker_count = 0;
  std::uint64_t jobs_in_progress = 0;
  std::uint64_t queued_jobs = 0;
  std::uint64_t worker_count = 0;
  bool frozen = false;

  friend bool operator==(const runtime_stats& a, const runtime_stats& b) {
    return std::tie(a.evaluated_jobs, a.failed_jobs, a.idle_worker_count, a.jobs_in_progress,
                    a.queued_jobs, a.worker_count, a.frozen)
           == std::tie(b.evaluated_jobs, b.failed_jobs, b.idle_worker_count, b.jobs_in_progress,
                       b.queued_jobs, b.worker_count, b.frozen);
  }
};

// `freeze` (true) / `unfreeze` (false).  -> set_frozen (echoed once applied, i.e. `ack`)
struct set_frozen {
  bool frozen = true;

  friend bool operator==(const set_frozen& a, const set_frozen& b) { return a.frozen == b.frozen; }
};

// -- worker -> broker --

// `init`: a worker offers itself. `id` is the worker's transport identity (the ZeroMQ routing
// id, or one the broker gives a native worker); an empty current_job means "idle".
struct worker_info {
  std::string id;
  std::string hwgroup;
  header_list headers;
  std::string description;
  std::string current_job;

  friend bool operator==(const worker_info& a, const worker_info& b) {
    return std::tie(a.id, a.hwgroup, a.headers, a.description, a.current_job)
           == std::tie(b.id, b.hwgroup, b.headers, b.description, b.current_job);
  }
};

// `ping`: the worker is alive.
struct worker_ping {
  std::string worker_id;

  friend bool operator==(const worker_ping& a, const worker_ping& b) {
    return a.worker_id == b.worker_id;
  }
};

// `done`.
struct job_done {
  std::string job_id;
  job_status status = job_status::ok;
  std::string message;

  friend bool operator==(const job_done& a, const job_done& b) {
    return std::tie(a.job_id, a.status, a.message) == std::tie(b.job_id, b.status, b.message);
  }
};

// A `done` with the identity of the worker that sent it.
struct worker_done {
  std::string worker_id;
  job_done done;

  friend bool operator==(const worker_done& a, const worker_done& b) {
    return a.worker_id == b.worker_id && a.done == b.done;
  }
};

// One progress event of a job, as the monitor receives it: `command` is DOWNLOADED, STARTED,
// TASK, ENDED, ... (or FAILED / ABORTED from the broker); task_id and task_state are set only
// for TASK.
struct progress {
  std::string job_id;
  std::string command;
  std::string task_id;
  std::string task_state;

  friend bool operator==(const progress& a, const progress& b) {
    return std::tie(a.job_id, a.command, a.task_id, a.task_state)
           == std::tie(b.job_id, b.command, b.task_id, b.task_state);
  }
};

// A `progress` with the identity of the worker that sent it (it also proves the worker alive).
struct worker_progress {
  std::string worker_id;
  progress update;

  friend bool operator==(const worker_progress& a, const worker_progress& b) {
    return a.worker_id == b.worker_id && a.update == b.update;
  }
};

// Several progress events of one job in order, from a slot's evaluator to its listener
// (actors/worker/progress_relay.hpp): a job's ~25 events then cost the listener, the broker and
// the monitors a few messages instead of one each.
struct progress_batch {
  std::vector<progress> updates;

  friend bool operator==(const progress_batch& a, const progress_batch& b) {
    return a.updates == b.updates;
  }
};

// -- broker -> worker --

// `eval` to one worker: the job id and the client's payload frames verbatim.
struct job_assignment {
  std::string worker_id;
  std::string job_id;
  std::vector<std::string> payload;

  friend bool operator==(const job_assignment& a, const job_assignment& b) {
    return std::tie(a.worker_id, a.job_id, a.payload) == std::tie(b.worker_id, b.job_id, b.payload);
  }
};

// `pong`: the broker knows the worker.
struct worker_pong {
  std::string worker_id;

  friend bool operator==(const worker_pong& a, const worker_pong& b) {
    return a.worker_id == b.worker_id;
  }
};

// `intro`: the broker does not know the worker; it must send `init` again.
struct worker_intro {
  std::string worker_id;

  friend bool operator==(const worker_intro& a, const worker_intro& b) {
    return a.worker_id == b.worker_id;
  }
};

// -- broker -> notifier (HTTP callbacks to the web application) --

// POST <address>/job-status/<job_id> with status OK, or FAILED and a message.
struct job_status_report {
  std::string job_id;
  job_status status = job_status::ok;
  std::string message;

  friend bool operator==(const job_status_report& a, const job_status_report& b) {
    return std::tie(a.job_id, a.status, a.message) == std::tie(b.job_id, b.status, b.message);
  }
};

// POST <address>/error with a message that concerns no job.
struct error_report {
  std::string message;

  friend bool operator==(const error_report& a, const error_report& b) {
    return a.message == b.message;
  }
};

// -- inspection (CAF 0.17 signature) --

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, header& x) {
  return f(caf::meta::type_name("header"), x.key, x.value);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_request& x) {
  return f(caf::meta::type_name("job_request"), x.job_id, x.headers, x.payload);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eval_reply& x) {
  return f(caf::meta::type_name("eval_reply"), x.accepted, x.reason);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_runtime_stats&) {
  return f(caf::meta::type_name("get_runtime_stats"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, runtime_stats& x) {
  return f(caf::meta::type_name("runtime_stats"), x.evaluated_jobs, x.failed_jobs,
           x.idle_worker_count, x.jobs_in_progress, x.queued_jobs, x.worker_count, x.frozen);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_frozen& x) {
  return f(caf::meta::type_name("set_frozen"), x.frozen);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_info& x) {
  return f(caf::meta::type_name("worker_info"), x.id, x.hwgroup, x.headers, x.description,
           x.current_job);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_ping& x) {
  return f(caf::meta::type_name("worker_ping"), x.worker_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_done& x) {
  return f(caf::meta::type_name("job_done"), x.job_id, x.status, x.message);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_done& x) {
  return f(caf::meta::type_name("worker_done"), x.worker_id, x.done);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, progress& x) {
  return f(caf::meta::type_name("progress"), x.job_id, x.command, x.task_id, x.task_state);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_progress& x) {
  return f(caf::meta::type_name("worker_progress"), x.worker_id, x.update);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, progress_batch& x) {
  return f(caf::meta::type_name("progress_batch"), x.updates);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_assignment& x) {
  return f(caf::meta::type_name("job_assignment"), x.worker_id, x.job_id, x.payload);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_pong& x) {
  return f(caf::meta::type_name("worker_pong"), x.worker_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_intro& x) {
  return f(caf::meta::type_name("worker_intro"), x.worker_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_status_report& x) {
  return f(caf::meta::type_name("job_status_report"), x.job_id, x.status, x.message);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, error_report& x) {
  return f(caf::meta::type_name("error_report"), x.message);
}

} // namespace recodex
