// The broker shell: state, perform(commands), handlers in the order a job flows, spawn.
#include "actors/broker/broker_actor.hpp"

#include "actors/broker/broker_core.hpp"
#include "actors/broker/journal.hpp"
#include "actors/bridge/bridge_actors.hpp"
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

struct broker_state {
  std::unique_ptr<broker_core> core;
  std::optional<journal> log;
  broker_actor_config config;
  caf::actor worker_bridge;
  // Native workers: id <-> handle.
  std::unordered_map<std::string, caf::actor> native;
  std::unordered_map<caf::actor_addr, std::string> native_ids;
  std::uint64_t next_native = 0;
  // Group commit: accepts waiting for the journal's fsync.
  std::vector<std::pair<caf::typed_response_promise<eval_reply>, eval_reply>> pending;
  bool flush_scheduled = false;
  static inline const char* name = "broker";
};

using broker_actor = caf::stateful_actor<broker_state>;

time_point now() { return std::chrono::steady_clock::now(); }

std::string job_tag(const std::string& id) { return "[job " + wire::printable(id) + "]"; }

// ZeroMQ identities are binary (hex); native workers' ids are ours and readable.
std::string worker_name(const std::string& id) {
  return id.compare(0, 4, "caf:") == 0 ? id : wire::to_hex(id);
}

// -- perform: the only place that sends, monitors or logs decisions --

struct performer {
  broker_actor* self;
  std::optional<eval_reply>* reply;

  broker_state& st() { return self->state; }

  void to_worker(const std::string& worker_id, caf::message msg) {
    if (auto i = st().native.find(worker_id); i != st().native.end())
      self->send(i->second, std::move(msg));
    else if (st().worker_bridge)
      self->send(st().worker_bridge, std::move(msg));
  }

  void operator()(send_job& x) {
    spdlog::debug("{} sent to worker {}", job_tag(x.assignment.job_id), worker_name(x.assignment.worker_id));
    auto id = x.assignment.worker_id;
    to_worker(id, caf::make_message(std::move(x.assignment)));
  }
  void operator()(send_pong& x) { to_worker(x.worker_id, caf::make_message(worker_pong{x.worker_id})); }
  void operator()(send_intro& x) { to_worker(x.worker_id, caf::make_message(worker_intro{x.worker_id})); }
  void operator()(reply_accept& x) {
    spdlog::info("{} accepted", job_tag(x.job_id));
    if (reply)
      *reply = eval_reply{true, ""};
  }
  void operator()(reply_reject& x) {
    spdlog::info("{} rejected: {}", job_tag(x.job_id), x.reason);
    if (reply)
      *reply = eval_reply{false, x.reason};
  }
  void operator()(send_progress& x) {
    for (auto& m : st().config.monitors)
      self->send(m, x.update);
  }
  void operator()(notify_job_status& x) {
    spdlog::info("{} reported {} {}", job_tag(x.report.job_id), to_string(x.report.status), x.report.message);
    if (st().config.notifier)
      self->send(st().config.notifier, std::move(x.report));
  }
  void operator()(notify_error& x) {
    spdlog::warn("error reported: {}", x.message);
    if (st().config.notifier)
      self->send(st().config.notifier, error_report{std::move(x.message)});
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

void perform(broker_actor* self, commands& out, std::optional<eval_reply>* reply = nullptr) {
  performer p{self, reply};
  for (auto& cmd : out)
    std::visit(p, cmd);
}

// A worker message's sender: the ZeroMQ bridge (id in the message) or a native worker (id
// given by the broker, its actor monitored).
std::string worker_id_of(broker_actor* self, const std::string& claimed) {
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

void flush_journal(broker_actor* self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.log)
    if (auto r = st.log->sync(); !r)
      spdlog::error("journal fsync failed: {}", r.error().message);
  auto pending = std::move(st.pending);
  st.pending.clear();
  for (auto& [promise, reply] : pending)
    promise.deliver(std::move(reply));
}

caf::behavior broker_behavior(broker_actor* self, std::shared_ptr<broker_actor_config> config,
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
  });
  self->attach_functor([=] {
    if (self->state.log)
      (void) self->state.log->sync();
  });
  self->send(self, tick_atom::value);
  return {
    // -- intake: the client bridge or a CAF client --
    [=](job_request& request) -> caf::typed_response_promise<eval_reply> {
      auto promise = self->make_response_promise<eval_reply>();
      std::optional<eval_reply> reply;
      auto out = self->state.core->on_job(std::move(request), now());
      perform(self, out, &reply);
      if (!reply)
        reply = eval_reply{false, "internal error: no decision"};
      if (reply->accepted && self->state.log) {
        // Group commit: answer after one fsync for every eval now in the mailbox.
        self->state.pending.emplace_back(promise, std::move(*reply));
        if (!self->state.flush_scheduled) {
          self->state.flush_scheduled = true;
          self->send(self, flush_atom::value);
        }
      } else {
        promise.deliver(std::move(*reply));
      }
      return promise;
    },
    [=](flush_atom) { flush_journal(self); },
    [=](const get_runtime_stats&) { return self->state.core->stats(); },
    [=](const set_frozen& x) {
      spdlog::info("broker {}", x.frozen ? "frozen" : "unfrozen");
      auto out = self->state.core->on_freeze(x.frozen);
      perform(self, out);
      return x;
    },
    // -- workers: the worker bridge or native workers --
    [=](worker_info& info) {
      info.id = worker_id_of(self, info.id);
      spdlog::info("[worker {}] init hwgroup {}{}", worker_name(info.id), info.hwgroup,
                   info.current_job.empty() ? "" : ", running " + info.current_job);
      auto out = self->state.core->on_worker_init(std::move(info), now());
      perform(self, out);
    },
    [=](const worker_ping& ping) {
      auto out = self->state.core->on_worker_ping(worker_id_of(self, ping.worker_id), now());
      perform(self, out);
    },
    [=](worker_progress& p) {
      auto out = self->state.core->on_worker_progress(worker_id_of(self, p.worker_id), std::move(p.update), now());
      perform(self, out);
    },
    [=](worker_done& d) {
      auto id = worker_id_of(self, d.worker_id);
      spdlog::info("{} done {} by worker {}", job_tag(d.done.job_id), to_string(d.done.status), worker_name(id));
      auto out = self->state.core->on_worker_done(id, std::move(d.done), now());
      perform(self, out);
    },
    // -- timers --
    [=](tick_atom) {
      auto out = self->state.core->on_tick(now());
      perform(self, out);
      if (self->state.log && self->state.pending.empty())
        (void) self->state.log->sync();
      self->delayed_send(self, self->state.config.tick, tick_atom::value);
    },
    // -- wiring --
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
