// The broker's engine: one thread that owns the ZeroMQ client ROUTER (core API), worker ROUTER
// and monitor ROUTER sockets, the pure core and the journal, and polls the sockets plus an
// eventfd for input from the CAF face. A job costs two thread hand-overs inside the broker
// (ZeroMQ io thread -> reactor -> io thread) instead of four through separate bridge threads and
// a CAF scheduler thread (bench/broker/REPORT.md); so does a progress message on its way from a
// ZeroMQ worker to the ReCodEx monitor (the reactor writes it to the monitor socket itself; only
// CAF-native monitors get it through the face).
// Each wake-up: take the face's inputs, read what is ready on the sockets (bounded), feed the
// core, run the liveness tick when due, then commit: fsync the journal when it holds accepts or
// completions (group commit: one fsync per wake-up, on the syncer thread; `accept`s and what
// goes to the face wait for it, evals to ZeroMQ workers and progress for the monitors do not:
// they promise nothing), write the frames, and hand the face one batch of outputs (two when
// progress passes outputs that wait). Stopping takes two steps: close_intake() (last commit;
// the notifier's answers about settled reports are still journaled), then stop().
// ZeroMQ and CAF stay out of this header.
#pragma once

#include "actors/broker/broker_config.hpp"
#include "actors/broker/face_messages.hpp"
#include "actors/broker/journal.hpp"
#include "messages/result.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace recodex::broker {

struct reactor_options {
  broker_config core;
  // tcp://<address>:<port> to bind (port 0: any free port); empty: no such socket.
  std::string client_endpoint;
  std::string worker_endpoint;
  // tcp://<host>:<port> of the ReCodEx monitor's ROUTER, which a ROUTER of ours connects to and
  // sends progress to, routed to `recodex-monitor` (spec 3.2; dropped while no monitor is
  // connected, as in ReCodEx); empty: none.
  std::string monitor_endpoint;
  // Liveness checks and the end of the recovery grace period.
  std::chrono::milliseconds tick{100};
  // Whether the face has (CAF-native) monitors / a notifier: outputs nobody receives are not
  // handed over (each hand-over wakes a CAF thread).
  bool progress_wanted = true;
  bool reports_wanted = true;
};

class broker_reactor {
public:
  // Receives one wake-up's outputs; called on the reactor thread, must not block.
  using deliver_fn = std::function<void(std::vector<face_output>&&)>;

  // Binds the sockets (failures such as an address in use are reported here) and feeds the
  // journal's unfinished jobs to the core. The thread starts with run().
  static result<std::unique_ptr<broker_reactor>> open(reactor_options options, std::optional<journal> log);

  ~broker_reactor();
  broker_reactor(const broker_reactor&) = delete;
  broker_reactor& operator=(const broker_reactor&) = delete;

  void run(deliver_fn deliver);
  // Thread-safe.
  void post(face_input input);
  // The first half of a stop: no more input from the sockets, the ticks or the face except
  // report_settled; commits and syncs what is pending and returns once its outputs went to
  // `deliver`. The thread stays to journal settled reports until stop(). Idempotent.
  void close_intake();
  // Commits what is pending, stops and joins the thread (idempotent).
  void stop();

  std::uint16_t client_port() const;
  std::uint16_t worker_port() const;

  // Bound on the messages read from one socket per wake-up: a flood on one socket must not
  // starve the other or the replies.
  static constexpr int max_batch = 4096;

private:
  struct impl;
  explicit broker_reactor(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

} // namespace recodex::broker
