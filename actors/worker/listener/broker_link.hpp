// The listener's transport to the broker, chosen by broker-uri (broker_endpoint.hpp). Both kinds
// deliver what the broker says to the listener actor's mailbox as job_assignment, worker_pong
// and worker_intro, so the listener (and the evaluator behind it) never knows which one is used:
// - ZeroMQ (zeromq_link.cpp): a DEALER on its own thread speaking the ReCodEx frames; open()
//   is a new socket (a new identity for the broker), close() drops it at once (linger 0).
// - CAF (caf_link.cpp): the broker actor reached through the middleman; the listener actor is
//   the sender the broker names and monitors. A failed connect or the broker's down_msg is a
//   lost link, handled like lost liveness.
// Used from the listener actor's thread only.
#pragma once

#include "actors/worker/listener/broker_endpoint.hpp"
#include "messages/job_messages.hpp"

#include <caf/fwd.hpp>
#include <functional>
#include <memory>
#include <variant>

namespace recodex::worker {

// What the listener sends: init, ping, progress, done.
using outbound_message = std::variant<worker_info, worker_ping, progress, job_done>;

class broker_link {
public:
  virtual ~broker_link() = default;

  // Connects (asynchronously where the transport needs it). Failures are reported through the
  // on_lost callback given at creation.
  virtual void open() = 0;
  // Stops receiving and drops unsent messages; idempotent.
  virtual void close() = 0;
  virtual void send(outbound_message message) = 0;
  // A down_msg reached the listener: true (and the link closed) when it was the broker's.
  virtual bool broker_down(const caf::actor_addr& source) = 0;
};

using link_lost_fn = std::function<void()>;

// `self` is the listener actor: inbound messages go to its mailbox, CAF sends come from it.
std::unique_ptr<broker_link> make_zeromq_link(const broker_endpoint& endpoint,
                                              caf::event_based_actor* self, link_lost_fn on_lost);
std::unique_ptr<broker_link> make_caf_link(const broker_endpoint& endpoint,
                                           caf::event_based_actor* self, link_lost_fn on_lost);

} // namespace recodex::worker
