// The broker node's actors: the reactor (broker_reactor.hpp: ZeroMQ clients, workers and the
// ReCodEx monitor, the core, the journal, on one thread) and its CAF face, which stands for the
// broker towards native workers over the middleman (whom it names and monitors: a down_msg is
// an immediate death), CAF clients (job_request / get_runtime_stats / set_frozen answered
// through promises), CAF-native monitors (progress) and the notifier (reports). The face
// decides nothing: it posts what arrives to the reactor and performs the reactor's outputs.
#pragma once

#include "actors/broker/broker_config.hpp"
#include "actors/broker/broker_handle.hpp"
#include "messages/result.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace recodex::broker {

struct broker_actor_config {
  broker_config core;
  std::filesystem::path journal;    // empty: no durability
  std::vector<caf::actor> monitors; // CAF-native monitors: receive `progress` through the face
  caf::actor notifier;              // receives job_status_report / error_report; may be null
  // At stop_broker, how long the face still waits for the notifier's final answers (a report
  // without one is sent again at the next start). After a drain of the notifier (the node's
  // order) none is missing.
  std::chrono::milliseconds report_wait{2000};
  std::chrono::milliseconds tick{100};
  // tcp://<address>:<port> of the ZeroMQ ROUTERs to bind (port 0: any); empty: none.
  std::string client_endpoint;
  std::string worker_endpoint;
  // tcp://<host>:<port> of the ReCodEx monitor's ROUTER: the reactor connects a ROUTER and
  // writes progress to it itself (no CAF hop); empty: none.
  std::string monitor_endpoint;
};

struct spawned_broker {
  caf::actor actor;          // internal handle: also takes the reactor's local batches
  broker_handle handle;      // the public interface, for publish() and CAF peers
  std::uint16_t client_port = 0;
  std::uint16_t worker_port = 0;
};

// Opens the journal (replaying it), binds the ZeroMQ sockets and spawns the face; the reactor
// stops when the face terminates. Fails when the journal cannot be opened or a socket bound.
result<spawned_broker> spawn_broker(caf::actor_system& sys, broker_actor_config config);

// The first half of a stop: closes the reactor's intake (its last decisions are committed) and
// lets the face pass the last outputs on (reports to the notifier included); the face still
// journals the notifier's answers. Blocks until done or timeout. Idempotent.
void close_broker(caf::actor_system& sys, const spawned_broker& broker, std::chrono::milliseconds timeout);

// Closes as above if that has not happened, waits up to report_wait for the notifier's answers
// still missing, stops the reactor and terminates the face; blocks until done or timeout.
void stop_broker(caf::actor_system& sys, const spawned_broker& broker, std::chrono::milliseconds timeout);

} // namespace recodex::broker
