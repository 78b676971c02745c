// The listener's CAF shell: feeds listener_core with the broker's messages (from either
// transport), the evaluator's reports and its own timer, and performs the commands. The timer is
// a self-sent message carrying the deadline it was set for, so a superseded one is recognised.
#include "actors/worker/listener/listener_actor.hpp"

#include "actors/worker/listener/broker_link.hpp"
#include "actors/worker/listener/listener_core.hpp"
#include "messages/type_ids.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <optional>
#include <spdlog/spdlog.h>

namespace recodex::worker {

namespace {

using tick_atom = caf::atom_constant<caf::atom("lsntick")>;
using link_lost_atom = caf::atom_constant<caf::atom("lsnlost")>;

struct listener_state {
  std::unique_ptr<listener_core> core;
  std::unique_ptr<broker_link> link;
  caf::actor evaluator;
  std::optional<time_point> timer; // deadline of the pending tick
  static inline const char* name = "listener";
};

using listener_self = caf::stateful_actor<listener_state>*;

time_point now() {
  return std::chrono::steady_clock::now();
}

// -- perform: the only place that sends or logs decisions --

struct performer {
  listener_self self;

  broker_link& link() { return *self->state.link; }

  void operator()(open_link&) { link().open(); }
  void operator()(close_link&) { link().close(); }
  void operator()(send_init& x) {
    spdlog::info("listener: init as hwgroup {}{}", x.info.hwgroup,
                 x.info.current_job.empty() ? "" : ", current job " + x.info.current_job);
    link().send(std::move(x.info));
  }
  void operator()(send_ping&) { link().send(worker_ping{}); }
  void operator()(send_progress& x) { link().send(std::move(x.update)); }
  void operator()(send_done& x) {
    spdlog::info("[job {}] done {}", x.done.job_id, to_string(x.done.status));
    link().send(std::move(x.done));
  }
  void operator()(start_job& x) {
    spdlog::info("[job {}] assigned", x.assignment.job_id);
    self->send(self->state.evaluator, std::move(x.assignment));
  }
  void operator()(log_warning& x) { spdlog::warn("listener: {}", x.text); }
  void operator()(log_info& x) { spdlog::info("listener: {}", x.text); }
};

// Keeps exactly one tick pending for the core's next wake-up.
void schedule(listener_self self) {
  auto& st = self->state;
  auto next = st.core->next_wakeup();
  if (st.timer && *st.timer <= next)
    return;
  st.timer = next;
  auto delay = std::max(next - now(), time_point::duration::zero());
  // Rounded up: a tick that came a microsecond early would only be re-armed.
  self->delayed_send(self, std::chrono::ceil<std::chrono::microseconds>(delay), tick_atom::value,
                     static_cast<std::int64_t>(next.time_since_epoch().count()));
}

void perform(listener_self self, commands out) {
  performer p{self};
  for (auto& cmd : out)
    std::visit(p, cmd);
  schedule(self);
}

caf::behavior listener_behavior(listener_self self, std::shared_ptr<listener_config> config,
                                broker_endpoint endpoint, caf::actor evaluator) {
  auto& st = self->state;
  st.core = std::make_unique<listener_core>(*config);
  st.evaluator = std::move(evaluator);
  // Deferred through the mailbox: a link may fail inside open(), i.e. inside perform().
  auto on_lost = [self] { self->send(self, link_lost_atom::value); };
  st.link = endpoint.transport == broker_transport::caf ? make_caf_link(endpoint, self, on_lost)
                                                        : make_zeromq_link(endpoint, self, on_lost);
  spdlog::info("listener: broker {} ({}), hwgroup {}, ping every {} ms, liveness {}",
               config->broker_uri, to_string(endpoint.transport), config->hwgroup,
               config->ping_interval.count(), config->max_liveness);
  self->set_down_handler([=](caf::down_msg& msg) {
    if (self->state.link->broker_down(msg.source))
      perform(self, self->state.core->on_link_lost(now()));
  });
  // The state's destructor also closes the link (a ZeroMQ socket stops with its thread), for
  // any other way the actor ends.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    self->state.link->close();
    self->quit(msg.reason);
  });
  perform(self, st.core->start(now()));
  return {
      // -- from the broker (either transport) --
      [=](job_assignment& a) {
        perform(self, self->state.core->on_assignment(std::move(a), now()));
      },
      [=](const worker_pong&) { perform(self, self->state.core->on_pong(now())); },
      [=](const worker_intro&) { perform(self, self->state.core->on_intro(now())); },
      // -- from the evaluator, in order --
      [=](progress& p) { perform(self, self->state.core->on_progress(std::move(p))); },
      [=](progress_batch& batch) {
        for (auto& p : batch.updates)
          perform(self, self->state.core->on_progress(std::move(p)));
      },
      [=](job_done& d) { perform(self, self->state.core->on_done(std::move(d))); },
      // -- from the link and the timer --
      [=](link_lost_atom) { perform(self, self->state.core->on_link_lost(now())); },
      [=](tick_atom, std::int64_t deadline) {
        auto& timer = self->state.timer;
        if (timer && timer->time_since_epoch().count() == deadline)
          timer.reset();
        perform(self, self->state.core->on_timer(now()));
      },
  };
}

} // namespace

result<caf::actor> spawn_listener(caf::actor_system& sys, listener_config config,
                                  caf::actor evaluator) {
  RECODEX_TRY(endpoint, parse_broker_uri(config.broker_uri));
  if (config.max_liveness == 0 || config.ping_interval.count() <= 0)
    return make_error(errc::invalid_argument,
                      "listener: ping interval and max liveness must be positive");
  return sys.spawn(listener_behavior, std::make_shared<listener_config>(std::move(config)),
                   endpoint, std::move(evaluator));
}

} // namespace recodex::worker
