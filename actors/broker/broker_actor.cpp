// The broker shell: state, perform(commands), handlers in the order a job flows, spawn.
#include "actors/broker/broker_actor.hpp"

#include "actors/broker/broker_core.hpp"
#include "actors/broker/journal.hpp"
#include "actors/bridge/bridge_messages.hpp"
#include "messages/type_ids.hpp"
#include "messages/wire/frames.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <unordered_map>

namespace recodex::broker {

namespace {

using tick_atom = caf::atom_constant<caf::atom("brtick")>;
using flush_atom = caf::atom_constant<caf::atom("brflush")>;

// An answer waiting for the journal's fsync: to a CAF client's promise, or to a client of the
// client bridge (by routing id).
struct pending_reply {
  caf::typed_response_promise<eval_reply> promise; // unused when via_bridge
  bool via_bridge = false;
  std::string client;
  eval_reply reply;
};

struct broker_state {
  std::unique_ptr<broker_core> core;
  std::optional<journal> log;
  broker_actor_config config;
  caf::actor worker_bridge;
  caf::actor client_bridge; // the sender of client_evals
  // What the current message decided for each bridge, sent as one message when it is handled
  // (flush_bridges): one mailbox push and one socket-thread wake-up per batch, not per frame.
  bridge::worker_commands to_workers;
  bridge::client_replies to_clients;
  // Native workers: id <-> handle.
  std::unordered_map<std::string, caf::actor> native;
  std::unordered_map<caf::actor_addr, std::string> native_ids;
  std::uint64_t next_native = 0;
  // Group commit: accepts waiting for the journal's fsync.
  std::vector<pending_reply> pending;
  bool flush_scheduled = false;
  static inline const char* name = "broker";
};

using broker_self = caf::stateful_actor<broker_state>*;

time_point now() { return std::chrono::steady_clock::now(); }

std::string job_tag(const std::string& id) { return "[job " + wire::printable(id) + "]"; }

template <class... Ts>
void tell(broker_self self, const caf::actor& dest, Ts&&... xs) {
  self->send(dest, std::forward<Ts>(xs)...);
}

// ZeroMQ identities are binary (hex); native workers' ids are ours and readable.
std::string worker_name(const std::string& id) {
  return id.compare(0, 4, "caf:") == 0 ? id : wire::to_hex(id);
}

// -- perform: the only place that sends, monitors or logs decisions --

struct performer {
  broker_self self;
  std::optional<eval_reply>* reply;

  broker_state& st() { return self->state; }

  // Native workers get a message each; ZeroMQ workers' commands are batched for the bridge.
  template <class T>
  void to_worker(const std::string& worker_id, T&& msg) {
    if (auto i = st().native.find(worker_id); i != st().native.end())
      tell(self, i->second, std::forward<T>(msg));
    else if (st().worker_bridge)
      st().to_workers.commands.emplace_back(std::forward<T>(msg));
  }

  void operator()(send_job& x) {
    // Logging arguments are built only when the level is on: this runs once per job.
    if (spdlog::should_log(spdlog::level::debug))
      spdlog::debug("{} sent to worker {}", job_tag(x.assignment.job_id), worker_name(x.assignment.worker_id));
    auto id = x.assignment.worker_id;
    to_worker(id, std::move(x.assignment));
  }
  void operator()(send_pong& x) { to_worker(x.worker_id, worker_pong{x.worker_id}); }
  void operator()(send_intro& x) { to_worker(x.worker_id, worker_intro{x.worker_id}); }
  void operator()(reply_accept& x) {
    if (spdlog::should_log(spdlog::level::info))
      spdlog::info("{} accepted", job_tag(x.job_id));
    if (reply)
      *reply = eval_reply{true, ""};
  }
  void operator()(reply_reject& x) {
    if (spdlog::should_log(spdlog::level::info))
      spdlog::info("{} rejected: {}", job_tag(x.job_id), x.reason);
    if (reply)
      *reply = eval_reply{false, x.reason};
  }
  void operator()(send_progress& x) {
    for (auto& m : st().config.monitors)
      tell(self, m, x.update);
  }
  void operator()(notify_job_status& x) {
    if (spdlog::should_log(spdlog::level::info))
      spdlog::info("{} reported {} {}", job_tag(x.report.job_id), to_string(x.report.status), x.report.message);
    if (st().config.notifier)
      tell(self, st().config.notifier, std::move(x.report));
  }
  void operator()(notify_error& x) {
    spdlog::warn("error reported: {}", x.message);
    if (st().config.notifier)
      tell(self, st().config.notifier, error_report{std::move(x.message)});
  }
  void operator()(journal_accept& x) {
    if (st().log)
      if (auto r = st().log->accepted(x.request, false); !r)
        spdlog::error("{} not journaled: {}", job_tag(x.request.job_id), r.error().message);
  }
  void operator()(journal_assign& x) {
    if (st().log)
      if (auto r = st().log->assigned(x.job_id, x.failures); !r)
        spdlog::error("{} assignment not journaled: {}", job_tag(x.job_id), r.error().message);
  }
  void operator()(journal_finish& x) {
    if (st().log)
      if (auto r = st().log->finished(x.job_id); !r)
        spdlog::error("{} completion not journaled: {}", job_tag(x.job_id), r.error().message);
  }
  void operator()(forget_worker& x) {
    spdlog::info("[worker {}] left the registry", worker_name(x.worker_id));
    if (st().core->knows_worker(x.worker_id))
      return; // replaced by a new record under the same id
    if (auto i = st().native.find(x.worker_id); i != st().native.end()) {
      self->demonitor(i->second);
      st().native_ids.erase(i->second.address());
      st().native.erase(i);
    }
  }
  void operator()(log_warning& x) { spdlog::warn("{}", x.text); }
};

void perform(broker_self self, commands& out, std::optional<eval_reply>* reply = nullptr) {
  performer p{self, reply};
  for (auto& cmd : out)
    std::visit(p, cmd);
}

// A worker message's sender: the ZeroMQ bridge (id in the message) or a native worker (id
// given by the broker, its actor monitored).
std::string worker_id_of(broker_self self, const std::string& claimed) {
  auto sender = caf::actor_cast<caf::actor>(self->current_sender());
  if (!sender || sender == self->state.worker_bridge)
    return claimed;
  auto& st = self->state;
  if (auto i = st.native_ids.find(sender.address()); i != st.native_ids.end())
    return i->second;
  auto id = "caf:" + std::to_string(st.next_native++) + "@" + to_string(sender.node());
  st.native_ids.emplace(sender.address(), id);
  st.native.emplace(id, sender);
  self->monitor(sender);
  return id;
}

// Sends what the current message decided for the bridges, one message per bridge. Every
// handler ends with it, so a batch in costs at most one batch out per bridge.
void flush_bridges(broker_self self) {
  auto& st = self->state;
  if (!st.to_workers.commands.empty()) {
    tell(self, st.worker_bridge, std::move(st.to_workers));
    st.to_workers.commands.clear();
  }
  if (!st.to_clients.replies.empty()) {
    if (st.client_bridge)
      tell(self, st.client_bridge, std::move(st.to_clients));
    st.to_clients.replies.clear();
  }
}

void flush_journal(broker_self self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.log)
    if (auto r = st.log->sync(); !r)
      spdlog::error("journal fsync failed: {}", r.error().message);
  auto pending = std::move(st.pending);
  st.pending.clear();
  for (auto& p : pending) {
    if (p.via_bridge)
      st.to_clients.replies.emplace_back(std::move(p.client), std::move(p.reply));
    else
      p.promise.deliver(std::move(p.reply));
  }
  flush_bridges(self);
}

// One eval through the core. With a journal, an accept waits for the group commit's fsync;
// a reject behind a waiting answer waits too, so each client gets its answers in order.
void decide_job(broker_self self, job_request request, pending_reply answer, time_point t) {
  auto& st = self->state;
  std::optional<eval_reply> reply;
  auto out = st.core->on_job(std::move(request), t);
  perform(self, out, &reply);
  answer.reply = reply ? std::move(*reply) : eval_reply{false, "internal error: no decision"};
  if (st.log && (answer.reply.accepted || !st.pending.empty())) {
    st.pending.push_back(std::move(answer));
    if (!st.flush_scheduled) {
      st.flush_scheduled = true;
      self->send(self, flush_atom::value);
    }
  } else if (answer.via_bridge) {
    st.to_clients.replies.emplace_back(std::move(answer.client), std::move(answer.reply));
  } else {
    answer.promise.deliver(std::move(answer.reply));
  }
}

// -- worker inputs, shared by the bridge's batches and native workers' single messages --

void worker_init(broker_self self, worker_info& info, time_point t) {
  spdlog::info("[worker {}] init hwgroup {}{}", worker_name(info.id), info.hwgroup,
               info.current_job.empty() ? "" : ", running " + info.current_job);
  auto out = self->state.core->on_worker_init(std::move(info), t);
  perform(self, out);
}

void worker_ping_from(broker_self self, const std::string& id, time_point t) {
  auto out = self->state.core->on_worker_ping(id, t);
  perform(self, out);
}

void worker_progress_from(broker_self self, const std::string& id, progress& update, time_point t) {
  auto out = self->state.core->on_worker_progress(id, std::move(update), t);
  perform(self, out);
}

void worker_done_from(broker_self self, const std::string& id, job_done& done, time_point t) {
  if (spdlog::should_log(spdlog::level::info))
    spdlog::info("{} done {} by worker {}", job_tag(done.job_id), to_string(done.status), worker_name(id));
  auto out = self->state.core->on_worker_done(id, std::move(done), t);
  perform(self, out);
}

// Dispatches one event of a worker_events batch (the bridge vouches for the ids).
struct bridge_event {
  broker_self self;
  time_point t;
  void operator()(worker_info& x) { worker_init(self, x, t); }
  void operator()(worker_ping& x) { worker_ping_from(self, x.worker_id, t); }
  void operator()(worker_progress& x) { worker_progress_from(self, x.worker_id, x.update, t); }
  void operator()(worker_done& x) { worker_done_from(self, x.worker_id, x.done, t); }
};

caf::behavior broker_behavior(broker_self self, std::shared_ptr<broker_actor_config> config,
                              std::shared_ptr<std::optional<journal>> opened) {
  auto& st = self->state;
  st.config = *config;
  st.core = std::make_unique<broker_core>(config->core);
  st.log = std::move(*opened);
  if (st.log && !st.log->recovered().empty()) {
    auto jobs = st.log->recovered();
    spdlog::info("journal: recovered {} unfinished jobs", jobs.size());
    auto out = st.core->recover(std::move(jobs), now());
    perform(self, out);
    // Nothing to flush yet: no bridge has introduced itself, so jobs stay queued.
  }
  self->set_down_handler([=](caf::down_msg& msg) {
    auto i = self->state.native_ids.find(msg.source);
    if (i == self->state.native_ids.end())
      return;
    auto id = i->second;
    spdlog::info("[worker {}] native worker down: {}", id, to_string(msg.reason));
    auto out = self->state.core->on_worker_down(id, now());
    perform(self, out);
    self->state.native_ids.erase(msg.source);
    self->state.native.erase(id);
    flush_bridges(self);
  });
  self->attach_functor([=] {
    if (self->state.log)
      (void) self->state.log->sync();
  });
  self->send(self, tick_atom::value);
  return {
    // -- intake --
    // From a CAF client (one eval, answered through a promise).
    [=](job_request& request) -> caf::typed_response_promise<eval_reply> {
      pending_reply answer;
      answer.promise = self->make_response_promise<eval_reply>();
      auto promise = answer.promise;
      decide_job(self, std::move(request), std::move(answer), now());
      flush_bridges(self);
      return promise;
    },
    // From the client bridge: the evals of one socket wake-up.
    [=](bridge::client_evals& batch) {
      self->state.client_bridge = caf::actor_cast<caf::actor>(self->current_sender());
      auto t = now();
      for (auto& [client, request] : batch.evals) {
        pending_reply answer;
        answer.via_bridge = true;
        answer.client = std::move(client);
        decide_job(self, std::move(request), std::move(answer), t);
      }
      flush_bridges(self);
    },
    // Self-sent after evals were journaled: fsync, then answer them all.
    [=](flush_atom) { flush_journal(self); },
    // From the client bridge or a CAF client.
    [=](const get_runtime_stats&) { return self->state.core->stats(); },
    [=](const set_frozen& x) {
      spdlog::info("broker {}", x.frozen ? "frozen" : "unfrozen");
      auto out = self->state.core->on_freeze(x.frozen);
      perform(self, out);
      flush_bridges(self);
      return x;
    },
    // -- workers --
    // From the worker bridge: the messages of one socket wake-up.
    [=](bridge::worker_events& batch) {
      bridge_event dispatch{self, now()};
      for (auto& event : batch.events)
        std::visit(dispatch, event);
      flush_bridges(self);
    },
    // From native workers (or anyone else speaking for one: worker_id_of decides).
    [=](worker_info& info) {
      info.id = worker_id_of(self, info.id);
      worker_init(self, info, now());
      flush_bridges(self);
    },
    [=](const worker_ping& ping) {
      worker_ping_from(self, worker_id_of(self, ping.worker_id), now());
      flush_bridges(self);
    },
    [=](worker_progress& p) {
      worker_progress_from(self, worker_id_of(self, p.worker_id), p.update, now());
      flush_bridges(self);
    },
    [=](worker_done& d) {
      worker_done_from(self, worker_id_of(self, d.worker_id), d.done, now());
      flush_bridges(self);
    },
    // -- timers --
    [=](tick_atom) {
      auto out = self->state.core->on_tick(now());
      perform(self, out);
      flush_bridges(self);
      if (self->state.log && self->state.pending.empty())
        (void) self->state.log->sync();
      self->delayed_send(self, self->state.config.tick, tick_atom::value);
    },
    // -- wiring --
    // From the worker bridge, before any worker message.
    [=](bridge::worker_bridge_atom, const caf::actor& bridge) { self->state.worker_bridge = bridge; },
  };
}

} // namespace

caf::expected<caf::actor> spawn_broker(caf::actor_system& sys, broker_actor_config config) {
  auto opened = std::make_shared<std::optional<journal>>();
  if (!config.journal.empty()) {
    auto j = journal::open(config.journal);
    if (!j)
      return caf::make_error(caf::sec::runtime_error, "cannot open journal: " + j.error().message);
    opened->emplace(std::move(j).value());
  }
  auto shared = std::make_shared<broker_actor_config>(std::move(config));
  return sys.spawn(broker_behavior, shared, opened);
}

} // namespace recodex::broker
