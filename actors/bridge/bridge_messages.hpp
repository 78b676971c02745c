// What the bridges and the broker actor exchange inside one process: one message per socket
// wake-up in each direction instead of one per ZeroMQ message. Under load a wake-up of the
// client or worker socket thread carries many frames; handing them over as one batch costs one
// mailbox enqueue (and at most one scheduler wake-up), and the broker answers a batch with at
// most one batch per bridge, which the bridge writes with one eventfd write.
// These never cross a process boundary (native workers and CAF clients use the single messages
// of messages/job_messages.hpp), so they are not in the type-id block.
#pragma once

#include "messages/job_messages.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace recodex::bridge {

// The worker bridge's first message to the broker, `(worker_bridge_atom, self)`: from then on
// the broker knows where worker_commands go. Sent before the bridge handles any frame, so no
// worker message can overtake it.
using worker_bridge_atom = caf::atom_constant<caf::atom("brbridge")>;

// Client bridge -> broker: the well-formed evals of one wake-up, each with the routing id of
// the client that sent it, in arrival order.
struct client_evals {
  std::vector<std::pair<std::string, job_request>> evals;
};

// Broker -> client bridge: `accept` / `reject` for evals of client_evals, in decision order
// (per client, the order of its evals).
struct client_replies {
  std::vector<std::pair<std::string, eval_reply>> replies;
};

// Worker bridge -> broker: the decoded messages of one wake-up, in arrival order.
using worker_event = std::variant<worker_info, worker_ping, worker_progress, worker_done>;
struct worker_events {
  std::vector<worker_event> events;
};

// Broker -> worker bridge: what to send to ZeroMQ workers, in order.
using worker_command = std::variant<job_assignment, worker_pong, worker_intro>;
struct worker_commands {
  std::vector<worker_command> commands;
};

} // namespace recodex::bridge

// Local-only: moved between actors of one process, never serialised.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(recodex::bridge::client_evals)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(recodex::bridge::client_replies)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(recodex::bridge::worker_events)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(recodex::bridge::worker_commands)
