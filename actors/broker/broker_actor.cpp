// The broker's CAF face: state, the reactor's outputs, handlers for CAF peers, spawn.
//
// Reports and their settlement: a report goes to the notifier as a request, which the notifier
// answers once it is through with the report: `true` when the web application took it (at the
// first attempt or a retry), `false` when it gave the report up after its last attempt (logged
// there; ReCodEx drops such a report too). Only then does the face tell the reactor, which
// journals the delivery record; a report without one is sent again after a restart
// (at-least-once). So a broker killed at any point before that record (before the first
// attempt, during the retries' back-off, while the web application answers) sends the report
// again after its restart instead of losing it, and one killed between the web application's
// 2xx and the record sends it twice. An error instead of an answer (the notifier's drain ran
// out of time, the notifier is gone) journals nothing: the report is sent again after a restart.
//
// Stopping: close_broker closes the reactor's intake and passes its last outputs on; the node
// then drains the notifier, whose answers this face still journals; stop_broker waits at most
// report_wait for answers still missing, stops the reactor and ends the face.
#include "actors/broker/broker_actor.hpp"

#include "actors/broker/broker_reactor.hpp"
#include "actors/broker/journal.hpp"
#include "messages/type_ids.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <unordered_map>

// Local-only: from the reactor thread to the face, never serialised.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(recodex::broker::face_outputs)

namespace recodex::broker {

namespace {

// close_broker's and stop_broker's requests, and the face's notes to itself that the reactor's
// last outputs have been performed.
using close_atom = caf::atom_constant<caf::atom("brclose")>;
using closed_atom = caf::atom_constant<caf::atom("brclosed")>;
using stop_atom = caf::atom_constant<caf::atom("brstop")>;
using stopped_atom = caf::atom_constant<caf::atom("brstopped")>;
// The face's deadline for the notifier's last answers at a stop.
using drained_atom = caf::atom_constant<caf::atom("brdrained")>;

struct face_state {
  std::shared_ptr<broker_reactor> reactor;
  std::vector<caf::actor> monitors;
  caf::actor notifier;
  // Native workers: id <-> handle.
  std::unordered_map<std::string, caf::actor> native;
  std::unordered_map<caf::actor_addr, std::string> native_ids;
  std::uint64_t next_native = 0;
  // CAF requests waiting for the reactor, by ticket.
  std::uint64_t next_ticket = 0;
  std::unordered_map<std::uint64_t, caf::typed_response_promise<eval_reply>> evals;
  std::unordered_map<std::uint64_t, caf::typed_response_promise<runtime_stats>> stats;
  std::unordered_map<std::uint64_t, caf::typed_response_promise<set_frozen>> freezes;
  std::vector<caf::response_promise> closing; // close_broker's, answered once the last outputs left
  caf::response_promise stopping;             // stop_broker's, answered when the face ends
  bool finishing = false;                     // stopping: waiting for the notifier's last answers
  std::uint64_t reports_unanswered = 0;
  std::chrono::milliseconds report_wait{2000};
  static inline const char* name = "broker";
};

using face_self = caf::stateful_actor<face_state>*;

// A worker message's sender is a native worker: the face names it (once) and monitors it.
// Whatever id it claims is ignored, so no peer can speak for another worker; a message without
// a sender (anon_send) names no one the broker could answer or watch, and is dropped.
std::optional<std::string> native_id_of(face_self self) {
  auto sender = caf::actor_cast<caf::actor>(self->current_sender());
  auto& st = self->state;
  if (!sender) {
    spdlog::warn("worker message without a sender: ignored");
    return std::nullopt;
  }
  if (auto i = st.native_ids.find(sender.address()); i != st.native_ids.end())
    return i->second;
  auto id = "caf:" + std::to_string(st.next_native++) + "@" + to_string(sender.node());
  st.native_ids.emplace(sender.address(), id);
  st.native.emplace(id, sender);
  self->monitor(sender);
  return id;
}

// Posts a native worker's message under the id the face gave it.
template <class T>
void post_from_native(face_self self, T& message, std::string T::*id_field) {
  if (auto id = native_id_of(self)) {
    message.*id_field = std::move(*id);
    self->state.reactor->post(std::move(message));
  }
}

template <class Map, class T>
void answer(Map& waiting, std::uint64_t ticket, T&& value) {
  if (auto i = waiting.find(ticket); i != waiting.end()) {
    i->second.deliver(std::forward<T>(value));
    waiting.erase(i);
  }
}

// Performs one output of the reactor.
struct output_performer {
  face_self self;
  face_state& st() { return self->state; }

  template <class T>
  void to_native(const std::string& worker_id, T& message) {
    if (auto i = st().native.find(worker_id); i != st().native.end())
      self->send(i->second, std::move(message));
  }
  void operator()(job_assignment& x) { to_native(x.worker_id, x); }
  void operator()(worker_pong& x) { to_native(x.worker_id, x); }
  void operator()(worker_intro& x) { to_native(x.worker_id, x); }
  void operator()(forget_native& x) {
    if (auto i = st().native.find(x.worker_id); i != st().native.end()) {
      self->demonitor(i->second);
      st().native_ids.erase(i->second.address());
      st().native.erase(i);
    }
  }
  void operator()(progress& x) {
    for (auto& m : st().monitors)
      self->send(m, x);
  }
  void operator()(job_status_report& x) {
    if (!st().notifier)
      return;
    auto job_id = x.job_id;
    ++st().reports_unanswered;
    // `settled`: the notifier answered (delivered or given up; it logs which).
    auto answered = [s = self, job_id](bool settled) {
      auto& state = s->state;
      if (settled)
        state.reactor->post(report_settled{job_id});
      --state.reports_unanswered;
      if (state.finishing && state.reports_unanswered == 0)
        s->send(s, drained_atom::value);
    };
    // The handlers outlive this performer: they capture the actor, never `this`.
    self->request(st().notifier, caf::infinite, std::move(x))
        .then([answered](bool) { answered(true); },
              [answered, s = self, job_id](caf::error& e) {
                spdlog::warn("[job {}] the notifier is not through with the report ({}): it is "
                             "sent again after a restart",
                             job_id, s->system().render(e));
                answered(false);
              });
  }
  void operator()(error_report& x) {
    if (st().notifier)
      self->send(st().notifier, std::move(x));
  }
  void operator()(eval_answer& x) { answer(st().evals, x.ticket, std::move(x.reply)); }
  void operator()(stats_answer& x) { answer(st().stats, x.ticket, std::move(x.stats)); }
  void operator()(freeze_answer& x) { answer(st().freezes, x.ticket, set_frozen{x.frozen}); }
};

bool from_this_node(face_self self) {
  auto sender = self->current_sender();
  return !sender || sender->node() == self->node();
}

template <class T, class Map>
caf::typed_response_promise<T> wait_for(face_self self, Map& waiting, std::uint64_t& ticket) {
  auto promise = self->make_response_promise<T>();
  ticket = self->state.next_ticket++;
  waiting.emplace(ticket, promise);
  return promise;
}

caf::behavior face_behavior(face_self self, std::shared_ptr<broker_reactor> reactor,
                            std::vector<caf::actor> monitors, caf::actor notifier,
                            std::chrono::milliseconds report_wait) {
  auto& st = self->state;
  st.reactor = std::move(reactor);
  st.monitors = std::move(monitors);
  st.notifier = std::move(notifier);
  st.report_wait = report_wait;
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& s = self->state;
    auto i = s.native_ids.find(msg.source);
    if (i == s.native_ids.end())
      return;
    auto id = i->second;
    spdlog::info("[worker {}] native worker down: {}", id, to_string(msg.reason));
    s.native.erase(id);
    s.native_ids.erase(i);
    s.reactor->post(native_down{id});
  });
  self->attach_functor([reactor = st.reactor] { reactor->stop(); });
  return {
      // -- CAF clients --
      [=](job_request& request) {
        std::uint64_t ticket = 0;
        auto promise = wait_for<eval_reply>(self, self->state.evals, ticket);
        self->state.reactor->post(caf_eval{ticket, std::move(request)});
        return promise;
      },
      [=](const get_runtime_stats&) {
        std::uint64_t ticket = 0;
        auto promise = wait_for<runtime_stats>(self, self->state.stats, ticket);
        self->state.reactor->post(caf_stats{ticket});
        return promise;
      },
      [=](const set_frozen& x) {
        std::uint64_t ticket = 0;
        auto promise = wait_for<set_frozen>(self, self->state.freezes, ticket);
        self->state.reactor->post(caf_freeze{ticket, x.frozen});
        return promise;
      },
      // -- native workers (the face names them) --
      [=](worker_info& x) { post_from_native(self, x, &worker_info::id); },
      [=](worker_ping& x) { post_from_native(self, x, &worker_ping::worker_id); },
      [=](worker_progress& x) { post_from_native(self, x, &worker_progress::worker_id); },
      [=](worker_done& x) { post_from_native(self, x, &worker_done::worker_id); },
      // -- the reactor --
      [=](face_outputs& batch) {
        output_performer perform{self};
        for (auto& item : batch.items)
          std::visit(perform, item);
      },
      // -- shutdown (local only: a remote peer must not stop the broker) --
      // close_intake() returns after the reactor's last commit (idempotent); the outputs it
      // handed over are in the mailbox before the note the face sends itself, so they reach
      // workers, monitors and the notifier first.
      [=](close_atom) {
        if (!from_this_node(self))
          return;
        self->state.reactor->close_intake();
        self->state.closing.push_back(self->make_response_promise());
        self->send(self, closed_atom::value);
      },
      [=](closed_atom) {
        for (auto& p : self->state.closing)
          p.deliver(true);
        self->state.closing.clear();
      },
      [=](stop_atom) {
        if (!from_this_node(self))
          return;
        self->state.reactor->close_intake();
        self->state.stopping = self->make_response_promise();
        self->send(self, stopped_atom::value);
      },
      [=](stopped_atom) {
        // The last reports are with the notifier: its answers are journaled (else those reports
        // would be sent again at the next start), for a bounded time.
        auto& s = self->state;
        s.finishing = true;
        if (s.reports_unanswered == 0)
          self->send(self, drained_atom::value);
        else
          self->delayed_send(self, s.report_wait, drained_atom::value);
      },
      [=](drained_atom) {
        auto& s = self->state;
        if (!s.finishing || !s.stopping.pending())
          return;
        if (s.reports_unanswered > 0)
          spdlog::warn("{} reports not answered by the notifier at the stop: they are sent again "
                       "at the next start",
                       s.reports_unanswered);
        s.reactor->stop();
        s.stopping.deliver(true);
        self->quit(caf::exit_reason::user_shutdown);
      },
  };
}

} // namespace

result<spawned_broker> spawn_broker(caf::actor_system& sys, broker_actor_config config) {
  std::optional<journal> log;
  if (!config.journal.empty()) {
    auto opened = journal::open(config.journal);
    if (!opened)
      return make_error(opened.error().code, "cannot open journal: " + opened.error().message);
    log.emplace(std::move(opened).value());
  }
  reactor_options options;
  options.core = config.core;
  options.client_endpoint = config.client_endpoint;
  options.worker_endpoint = config.worker_endpoint;
  options.monitor_endpoint = config.monitor_endpoint;
  options.tick = config.tick;
  options.progress_wanted = !config.monitors.empty();
  options.reports_wanted = static_cast<bool>(config.notifier);
  RECODEX_TRY(opened, broker_reactor::open(std::move(options), std::move(log)));
  std::shared_ptr<broker_reactor> reactor{std::move(opened)};
  spawned_broker out;
  out.actor =
      sys.spawn(face_behavior, reactor, config.monitors, config.notifier, config.report_wait);
  out.handle = caf::actor_cast<broker_handle>(out.actor);
  out.client_port = reactor->client_port();
  out.worker_port = reactor->worker_port();
  reactor->run([face = out.actor](std::vector<face_output>&& items) {
    caf::anon_send(face, face_outputs{std::move(items)});
  });
  return out;
}

void close_broker(caf::actor_system& sys, const spawned_broker& broker, std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  self->request(broker.actor, timeout, close_atom::value)
    .receive([](bool) {}, [&](caf::error& e) { spdlog::error("broker close: {}", sys.render(e)); });
}

void stop_broker(caf::actor_system& sys, const spawned_broker& broker, std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  self->request(broker.actor, timeout, stop_atom::value)
    .receive([](bool) {}, [&](caf::error& e) { spdlog::error("broker stop: {}", sys.render(e)); });
}

} // namespace recodex::broker
