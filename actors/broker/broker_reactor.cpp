// The reactor: sockets, poll loop, perform(commands), commit. Handlers follow a job's flow:
// client frames, worker frames, face inputs, tick; commit writes everything one wake-up decided.
#include "actors/broker/broker_reactor.hpp"

#include "actors/bridge/router_io.hpp"
#include "actors/bridge/wakeup_queue.hpp"
#include "actors/broker/broker_core.hpp"
#include "actors/broker/journal_syncer.hpp"
#include "messages/wire/client_codec.hpp"
#include "messages/wire/monitor_codec.hpp"
#include "messages/wire/worker_codec.hpp"

#include <atomic>
#include <deque>
#include <future>
#include <limits>
#include <spdlog/spdlog.h>
#include <thread>
#include <pthread.h>
#include <unistd.h>

namespace recodex::broker {

namespace {

time_point now() { return std::chrono::steady_clock::now(); }

std::string job_tag(const std::string& id) { return "[job " + wire::printable(id) + "]"; }

// ZeroMQ identities are binary (hex); native workers' ids are ours and readable.
std::string worker_name(const std::string& id) { return is_native_worker_id(id) ? id : wire::to_hex(id); }

// Frame 0 of every outgoing ROUTER message is the peer's routing id.
wire::frames routed(const std::string& identity, wire::frames body) {
  body.insert(body.begin(), identity);
  return body;
}

std::optional<zmq::socket_t> open_socket(zmq::context_t& context, const std::string& endpoint,
                                         std::string& bound, result<void>& status, bool bind = true) {
  if (endpoint.empty() || !status)
    return std::nullopt;
  zmq::socket_t socket{context, zmq::socket_type::router};
  bridge::socket_options options;
  options.endpoint = endpoint;
  options.bind = bind;
  auto opened = bridge::open_router(socket, options);
  if (!opened) {
    status = opened.error();
    return std::nullopt;
  }
  bound = std::move(opened).value();
  return socket;
}

} // namespace

struct broker_reactor::impl {
  reactor_options options;
  broker_core core;
  std::optional<journal> log;
  zmq::context_t context{1};
  std::optional<zmq::socket_t> clients;
  std::optional<zmq::socket_t> workers;
  std::optional<zmq::socket_t> monitor; // connects to the ReCodEx monitor
  std::string client_bound;
  std::string worker_bound;
  std::string monitor_connected;
  std::unique_ptr<bridge::wakeup_queue<face_input>> inbox;
  std::atomic<bool> stopping{false};
  // close_intake(): the loop stops taking input but settled reports, commits what is pending, and
  // then sets `intake_closed`.
  std::atomic<bool> closing{false};
  bool intake_closing_done = false;
  std::promise<void> intake_closed_promise;
  std::shared_future<void> intake_closed = intake_closed_promise.get_future().share();
  std::thread thread;
  deliver_fn deliver;

  // What the current wake-up decided, written by commit().
  std::vector<wire::frames> to_clients;
  std::vector<wire::frames> to_workers;
  std::vector<wire::frames> to_monitor_socket; // the ReCodEx monitor's socket; never waits either
  std::vector<face_output> to_face;
  // Progress for CAF-native monitors (through the face): it promises nothing, so it never waits
  // for a sync (a FINISHED held behind the sync of its job's completion would be lost with a
  // crash in between, and the restarted broker drops the worker's repetition of it as stale).
  std::vector<face_output> to_monitors;
  bool must_sync = false; // the journal holds accepts or completions not yet on disk
  // Group commit off this thread: outputs that wait for the journal sequence they need, in
  // order (later outputs wait behind earlier ones, so no client sees answers reordered).
  struct held_outputs {
    std::uint64_t sequence = 0;
    std::vector<wire::frames> clients;
    std::vector<face_output> face;
  };
  std::unique_ptr<journal_syncer> syncer;
  std::deque<held_outputs> held;
  std::uint64_t requested = 0;
  // Reused buffers.
  std::vector<face_input> inputs;
  std::vector<wire::frames> received;

  impl(reactor_options o, std::optional<journal> j) : options(std::move(o)), core(options.core), log(std::move(j)) {}

  // -- perform: the only place that sends, journals or logs decisions --

  template <class T>
  void to_worker(const std::string& worker_id, T&& message, wire::frames (*encode)(const T&)) {
    if (is_native_worker_id(worker_id))
      to_face.emplace_back(std::forward<T>(message));
    else if (workers)
      to_workers.push_back(routed(worker_id, encode(message)));
  }

  struct performer {
    impl& r;
    std::optional<eval_reply>* reply;

    void operator()(send_job& x) {
      // Logging arguments are built only when the level is on: this runs once per job.
      if (spdlog::should_log(spdlog::level::debug))
        spdlog::debug("{} sent to worker {}", job_tag(x.assignment.job_id), worker_name(x.assignment.worker_id));
      auto id = x.assignment.worker_id;
      r.to_worker(id, std::move(x.assignment), &wire::encode_assignment);
    }
    void operator()(send_pong& x) {
      r.to_worker(x.worker_id, worker_pong{x.worker_id}, +[](const worker_pong&) { return wire::encode_pong(); });
    }
    void operator()(send_intro& x) {
      r.to_worker(x.worker_id, worker_intro{x.worker_id}, +[](const worker_intro&) { return wire::encode_intro(); });
    }
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
      if (r.monitor)
        r.to_monitor_socket.push_back(routed(std::string{wire::monitor_identity}, wire::encode_monitor_progress(x.update)));
      if (r.options.progress_wanted)
        r.to_monitors.emplace_back(std::move(x.update));
    }
    void operator()(notify_job_status& x) {
      if (spdlog::should_log(spdlog::level::info))
        spdlog::info("{} reported {} {}", job_tag(x.report.job_id), to_string(x.report.status), x.report.message);
      if (r.options.reports_wanted)
        r.to_face.emplace_back(std::move(x.report));
    }
    void operator()(notify_error& x) {
      spdlog::warn("error reported: {}", x.message);
      if (r.options.reports_wanted)
        r.to_face.emplace_back(error_report{std::move(x.message)});
    }
    void operator()(journal_accept& x) {
      if (!r.log)
        return;
      if (auto done = r.log->accepted(x.request, false); !done)
        spdlog::error("{} not journaled: {}", job_tag(x.request.job_id), done.error().message);
      r.must_sync = true;
    }
    void operator()(journal_assign& x) {
      if (r.log)
        if (auto done = r.log->assigned(x.job_id, x.failures); !done)
          spdlog::error("{} assignment not journaled: {}", job_tag(x.job_id), done.error().message);
    }
    void operator()(journal_finish& x) {
      if (!r.log)
        return;
      // With a notifier the report is kept until it is settled (sent again after a restart).
      if (auto done = r.log->finished(x.report, r.options.reports_wanted); !done)
        spdlog::error("{} completion not journaled: {}", job_tag(x.report.job_id),
                      done.error().message);
      // On disk before the report leaves: a machine crash must not make a restarted broker
      // run the job again.
      r.must_sync = true;
    }
    void operator()(journal_settled& x) {
      if (spdlog::should_log(spdlog::level::debug))
        spdlog::debug("{} report settled", job_tag(x.job_id));
      if (r.log)
        if (auto done = r.log->delivered(x.job_id); !done)
          spdlog::error("{} delivery not journaled: {}", job_tag(x.job_id), done.error().message);
    }
    void operator()(forget_worker& x) {
      spdlog::info("[worker {}] left the registry", worker_name(x.worker_id));
      if (!r.core.knows_worker(x.worker_id) && is_native_worker_id(x.worker_id))
        r.to_face.emplace_back(forget_native{x.worker_id});
    }
    void operator()(log_warning& x) { spdlog::warn("{}", x.text); }
  };

  void perform(commands&& out, std::optional<eval_reply>* reply = nullptr) {
    performer p{*this, reply};
    for (auto& cmd : out)
      std::visit(p, cmd);
  }

  eval_reply decide_job(job_request request, time_point t) {
    std::optional<eval_reply> reply;
    perform(core.on_job(std::move(request), t), &reply);
    return reply ? std::move(*reply) : eval_reply{false, "internal error: no decision"};
  }

  void freeze(bool frozen) {
    spdlog::info("broker {}", frozen ? "frozen" : "unfrozen");
    perform(core.on_freeze(frozen));
  }

  // -- clients (core API) --

  void on_client_message(wire::frames& in, time_point t) {
    if (in.empty())
      return;
    auto identity = std::move(in.front());
    wire::frames body(std::make_move_iterator(in.begin() + 1), std::make_move_iterator(in.end()));
    // `ack` goes out before anything is validated, as the core API expects.
    bool eval = wire::is_eval(body);
    if (eval)
      to_clients.push_back(routed(identity, wire::encode_ack()));
    auto decoded = wire::decode_client_message(body);
    if (!decoded) {
      if (eval) {
        spdlog::warn("[client {}] malformed eval: {}", wire::to_hex(identity), decoded.error().message);
        to_clients.push_back(routed(identity, wire::encode_reject("Malformed eval: " + decoded.error().message)));
      } else if (spdlog::should_log(spdlog::level::debug)) {
        spdlog::debug("[client {}] ignored: {}", wire::to_hex(identity), decoded.error().message);
      }
      return;
    }
    std::visit(
      [&](auto& message) {
        using type = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<type, job_request>) {
          to_clients.push_back(routed(identity, wire::encode_eval_reply(decide_job(std::move(message), t))));
        } else if constexpr (std::is_same_v<type, get_runtime_stats>) {
          to_clients.push_back(routed(identity, wire::encode_runtime_stats(core.stats())));
        } else {
          freeze(message.frozen);
          to_clients.push_back(routed(identity, wire::encode_ack()));
        }
      },
      decoded.value());
  }

  // -- workers (ZeroMQ and native) --

  void worker_init(worker_info& info, time_point t) {
    spdlog::info("[worker {}] init hwgroup {}{}", worker_name(info.id), info.hwgroup,
                 info.current_job.empty() ? "" : ", running " + info.current_job);
    perform(core.on_worker_init(std::move(info), t));
  }

  void worker_done_from(const std::string& id, job_done& done, time_point t) {
    if (spdlog::should_log(spdlog::level::info))
      spdlog::info("{} done {} by worker {}", job_tag(done.job_id), to_string(done.status), worker_name(id));
    perform(core.on_worker_done(id, std::move(done), t));
  }

  void on_worker_message(wire::frames& in, time_point t) {
    if (in.empty())
      return;
    auto identity = std::move(in.front());
    if (is_native_worker_id(identity)) {
      spdlog::warn("[worker {}] identity reserved for native workers: ignored", wire::printable(identity));
      return;
    }
    wire::frames body(std::make_move_iterator(in.begin() + 1), std::make_move_iterator(in.end()));
    auto decoded = wire::decode_worker_message(identity, body);
    if (!decoded) {
      if (spdlog::should_log(spdlog::level::debug))
        spdlog::debug("[worker {}] ignored: {}", wire::to_hex(identity), decoded.error().message);
      return;
    }
    std::visit([&](auto& message) { on_worker_event(message, t); }, decoded.value());
  }

  void on_worker_event(worker_info& x, time_point t) { worker_init(x, t); }
  void on_worker_event(worker_ping& x, time_point t) { perform(core.on_worker_ping(x.worker_id, t)); }
  void on_worker_event(worker_progress& x, time_point t) {
    perform(core.on_worker_progress(x.worker_id, std::move(x.update), t));
  }
  void on_worker_event(worker_done& x, time_point t) { worker_done_from(x.worker_id, x.done, t); }

  // -- the monitor: a ReCodEx monitor sends nothing; whatever arrives is read and dropped --

  void on_monitor_message(wire::frames&, time_point) {}

  // -- the face --

  void on_face_input(face_input& input, time_point t) {
    if (intake_closing_done && !std::holds_alternative<report_settled>(input))
      return; // stopping: only settled reports are still journaled
    std::visit(
      [&](auto& x) {
        using type = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<type, report_settled>) {
          perform(core.on_report_settled(x.job_id));
        } else if constexpr (std::is_same_v<type, native_down>) {
          perform(core.on_worker_down(x.worker_id, t));
        } else if constexpr (std::is_same_v<type, caf_eval>) {
          to_face.emplace_back(eval_answer{x.ticket, decide_job(std::move(x.request), t)});
        } else if constexpr (std::is_same_v<type, caf_stats>) {
          to_face.emplace_back(stats_answer{x.ticket, core.stats()});
        } else if constexpr (std::is_same_v<type, caf_freeze>) {
          freeze(x.frozen);
          to_face.emplace_back(freeze_answer{x.ticket, x.frozen});
        } else {
          on_worker_event(x, t);
        }
      },
      input);
  }

  // -- the loop --

  // Everything one wake-up decided leaves here. Workers' evals first: they promise nothing to
  // anyone, so workers run while the journal syncs. `accept`s and reports (which promise the job
  // is on disk, or finished for good) wait for the sync that covers them, on the syncer thread.
  void commit() {
    for (auto& m : to_workers)
      bridge::send_message(*workers, m);
    to_workers.clear();
    for (auto& m : to_monitor_socket)
      bridge::send_message(*monitor, m);
    to_monitor_socket.clear();
    if (must_sync && log) {
      must_sync = false;
      int fd = syncer ? ::dup(log->native_handle()) : -1;
      if (fd >= 0) {
        syncer->request(++requested, fd);
      } else if (auto synced = log->sync(); !synced) {
        spdlog::error("journal fsync failed: {}", synced.error().message);
      }
    }
    if (requested > released) {
      if (!to_monitors.empty() && deliver)
        deliver(std::move(to_monitors));
      to_monitors.clear();
      if (!to_clients.empty() || !to_face.empty())
        held.push_back({requested, std::move(to_clients), std::move(to_face)});
      to_clients.clear();
      to_face.clear();
      return;
    }
    // Nothing waits: one batch for the face.
    to_face.insert(to_face.end(), std::make_move_iterator(to_monitors.begin()),
                   std::make_move_iterator(to_monitors.end()));
    to_monitors.clear();
    send_now(to_clients, to_face);
  }

  void send_now(std::vector<wire::frames>& frames, std::vector<face_output>& face) {
    for (auto& m : frames)
      bridge::send_message(*clients, m);
    frames.clear();
    if (!face.empty() && deliver)
      deliver(std::move(face));
    face.clear();
  }

  // The journal is on disk up to `sequence`: what waited for it leaves, in order.
  void release(std::uint64_t sequence) {
    released = std::max(released, sequence);
    while (!held.empty() && held.front().sequence <= released) {
      send_now(held.front().clients, held.front().face);
      held.pop_front();
    }
  }
  std::uint64_t released = 0;

  template <class Handler>
  void drain(zmq::socket_t& socket, time_point t, Handler handle) {
    bridge::receive_ready(socket, max_batch, received);
    for (auto& message : received)
      (this->*handle)(message, t);
    received.clear();
  }

  // What is decided leaves now; one synchronous sync covers everything still held.
  void flush_synced() {
    commit();
    if (log)
      if (auto synced = log->sync(); !synced)
        spdlog::error("journal fsync failed: {}", synced.error().message);
    release(std::numeric_limits<std::uint64_t>::max());
  }

  // close_intake(): what is decided leaves now, synced, before close_intake() returns.
  void close_the_intake() {
    flush_synced();
    intake_closing_done = true;
    intake_closed_promise.set_value();
  }

  void loop() {
    std::vector<zmq::pollitem_t> items{{nullptr, inbox->fd(), ZMQ_POLLIN, 0}};
    int client_index = -1, worker_index = -1, syncer_index = -1;
    if (syncer) {
      syncer_index = static_cast<int>(items.size());
      items.push_back({nullptr, syncer->fd(), ZMQ_POLLIN, 0});
    }
    if (workers) {
      worker_index = static_cast<int>(items.size());
      items.push_back({static_cast<void*>(*workers), 0, ZMQ_POLLIN, 0});
    }
    if (clients) {
      client_index = static_cast<int>(items.size());
      items.push_back({static_cast<void*>(*clients), 0, ZMQ_POLLIN, 0});
    }
    int monitor_index = -1;
    if (monitor) {
      monitor_index = static_cast<int>(items.size());
      items.push_back({static_cast<void*>(*monitor), 0, ZMQ_POLLIN, 0});
    }
    // After close_intake() only the inbox and the syncer are polled.
    const std::size_t intake_items = syncer ? 2 : 1;
    auto next_tick = now() + options.tick;
    while (!stopping.load()) {
      if (closing.load() && !intake_closing_done)
        close_the_intake();
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - now());
      if (intake_closing_done)
        wait = std::chrono::milliseconds{-1}; // no ticks any more: wait for the inbox
      try {
        zmq::poll(items.data(), intake_closing_done ? intake_items : items.size(),
                  intake_closing_done ? wait : std::max(wait, std::chrono::milliseconds{0}));
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) {
          spdlog::error("broker poll failed: {}", e.what());
          break;
        }
      }
      auto t = now();
      if (syncer_index >= 0 && (items[syncer_index].revents & ZMQ_POLLIN))
        release(syncer->take_finished());
      if (items[0].revents & ZMQ_POLLIN) {
        inbox->take(inputs);
        for (auto& input : inputs)
          on_face_input(input, t);
        inputs.clear();
      }
      if (!intake_closing_done) {
        // Workers first: a `done` frees a worker for the evals read below.
        if (worker_index >= 0 && (items[worker_index].revents & ZMQ_POLLIN))
          drain(*workers, t, &impl::on_worker_message);
        if (client_index >= 0 && (items[client_index].revents & ZMQ_POLLIN))
          drain(*clients, t, &impl::on_client_message);
        if (monitor_index >= 0 && (items[monitor_index].revents & ZMQ_POLLIN))
          drain(*monitor, t, &impl::on_monitor_message);
        if (t >= next_tick) {
          perform(core.on_tick(t));
          next_tick = t + options.tick;
        }
      }
      commit();
    }
    // Last words; a close_intake() racing the stop returns too.
    if (intake_closing_done)
      flush_synced();
    else
      close_the_intake();
  }
};

broker_reactor::broker_reactor(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}

broker_reactor::~broker_reactor() { stop(); }

result<std::unique_ptr<broker_reactor>> broker_reactor::open(reactor_options options, std::optional<journal> log) {
  auto p = std::make_unique<impl>(std::move(options), std::move(log));
  RECODEX_TRY(inbox, bridge::wakeup_queue<face_input>::create());
  p->inbox = std::move(inbox);
  result<void> status = ok();
  p->workers = open_socket(p->context, p->options.worker_endpoint, p->worker_bound, status);
  p->clients = open_socket(p->context, p->options.client_endpoint, p->client_bound, status);
  p->monitor = open_socket(p->context, p->options.monitor_endpoint, p->monitor_connected, status, false);
  if (!status)
    return status.error();
  if (p->log) {
    RECODEX_TRY(syncer, journal_syncer::start());
    p->syncer = std::move(syncer);
  }
  if (p->log) {
    recovered_state state{p->log->recovered(), {}, p->log->recently_finished()};
    if (p->options.reports_wanted)
      state.undelivered = p->log->undelivered();
    else if (!p->log->undelivered().empty())
      spdlog::warn(
          "journal: {} reports owed to the web application are kept until a notifier is configured",
          p->log->undelivered().size());
    if (!state.jobs.empty() || !state.undelivered.empty())
      spdlog::info("journal: recovered {} unfinished jobs, {} reports to send again",
                   state.jobs.size(), state.undelivered.size());
    // The outputs wait for the first commit on the reactor thread.
    if (!state.jobs.empty() || !state.undelivered.empty() || !state.finished.empty())
      p->perform(p->core.recover(std::move(state), now()));
  }
  return std::unique_ptr<broker_reactor>(new broker_reactor(std::move(p)));
}

void broker_reactor::run(deliver_fn deliver) {
  impl_->deliver = std::move(deliver);
  impl_->thread = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "broker-reactor"); // per-thread CPU figures
    impl_->loop();
  });
}

void broker_reactor::post(face_input input) { impl_->inbox->push(std::move(input)); }

void broker_reactor::close_intake() {
  if (!impl_ || !impl_->thread.joinable() || impl_->stopping.load())
    return;
  impl_->closing.store(true);
  impl_->inbox->wake();
  impl_->intake_closed.wait();
}

void broker_reactor::stop() {
  if (!impl_ || impl_->stopping.exchange(true))
    return;
  impl_->inbox->wake();
  if (impl_->thread.joinable())
    impl_->thread.join();
  impl_->deliver = nullptr; // it holds the face: no cycle once stopped
  if (impl_->log)
    (void) impl_->log->sync();
}

std::uint16_t broker_reactor::client_port() const { return bridge::port_of(impl_->client_bound); }
std::uint16_t broker_reactor::worker_port() const { return bridge::port_of(impl_->worker_bound); }

} // namespace recodex::broker
