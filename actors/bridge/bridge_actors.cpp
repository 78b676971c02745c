// The three bridge actors. Each handler: frames in -> typed message out, or typed message in
// -> frames out; the socket thread does the I/O.
#include "actors/bridge/bridge_actors.hpp"

#include "actors/bridge/bridge_messages.hpp"
#include "actors/bridge/socket_thread.hpp"
#include "messages/type_ids.hpp"
#include "messages/wire/client_codec.hpp"
#include "messages/wire/monitor_codec.hpp"
#include "messages/wire/worker_codec.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace recodex::bridge {

namespace {

using socket_ptr = std::shared_ptr<socket_thread>;

// Frame 0 of every outgoing ROUTER message is the peer's routing id.
wire::frames routed(const std::string& identity, wire::frames body) {
  body.insert(body.begin(), identity);
  return body;
}

struct bridge_state {
  socket_ptr socket;
  static inline const char* name = "zmq_bridge";
};

using bridge_actor = caf::stateful_actor<bridge_state>;

// Stops the socket thread when the actor goes away, whatever the reason.
void stop_on_exit(bridge_actor* self) {
  self->attach_functor([socket = self->state.socket] { socket->stop(); });
}

// -- client bridge (core API, port 9658) --

// One wake-up's worth of work: frames for the socket (acks and immediate rejects, written with
// one eventfd write) and evals for the broker (one message).
struct client_batch {
  std::vector<wire::frames> out;
  bridge::client_evals evals;
};

void on_client_message(bridge_actor* self, const caf::actor& broker, wire::frames& in,
                       client_batch& batch);

void send_evals(bridge_actor* self, const caf::actor& broker, client_batch& batch) {
  if (batch.evals.evals.empty())
    return;
  self->send(broker, std::move(batch.evals));
  batch.evals.evals.clear();
}

caf::behavior client_bridge(bridge_actor* self, socket_ptr socket, caf::actor broker) {
  self->state.socket = std::move(socket);
  stop_on_exit(self);
  return {
    // From the socket thread: a batch of [identity, frames...].
    [=](std::vector<wire::frames>& in) {
      client_batch batch;
      batch.out.reserve(in.size());
      for (auto& message : in)
        on_client_message(self, broker, message, batch);
      // Acks first: each client sees `ack` before its `accept`/`reject`, which the broker can
      // only send after it got the evals.
      self->state.socket->send(std::move(batch.out));
      send_evals(self, broker, batch);
    },
    // From the broker: the answers to client_evals.
    [=](bridge::client_replies& replies) {
      std::vector<wire::frames> out;
      out.reserve(replies.replies.size());
      for (auto& [identity, reply] : replies.replies)
        out.push_back(routed(identity, wire::encode_eval_reply(reply)));
      self->state.socket->send(std::move(out));
    },
  };
}

void on_client_message(bridge_actor* self, const caf::actor& broker, wire::frames& in,
                       client_batch& batch) {
  if (in.empty())
    return;
  auto identity = std::move(in.front());
  wire::frames body(std::make_move_iterator(in.begin() + 1), std::make_move_iterator(in.end()));
  // `ack` goes out before anything is validated, as the core API expects.
  bool eval = wire::is_eval(body);
  if (eval)
    batch.out.push_back(routed(identity, wire::encode_ack()));
  auto decoded = wire::decode_client_message(body);
  if (!decoded) {
    if (eval) {
      spdlog::warn("[client {}] malformed eval: {}", wire::to_hex(identity), decoded.error().message);
      batch.out.push_back(routed(identity, wire::encode_reject("Malformed eval: " + decoded.error().message)));
    } else if (spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug("[client {}] ignored: {}", wire::to_hex(identity), decoded.error().message);
    }
    return;
  }
  if (auto* request = std::get_if<job_request>(&decoded.value())) {
    batch.evals.evals.emplace_back(std::move(identity), std::move(*request));
    return;
  }
  // Stats and freeze are rare: a request each, after the evals that arrived before them.
  send_evals(self, broker, batch);
  auto reply_to = [self, identity](wire::frames frames) {
    self->state.socket->send(routed(identity, std::move(frames)));
  };
  std::visit(
    [&](auto& message) {
      using type = std::decay_t<decltype(message)>;
      if constexpr (std::is_same_v<type, job_request>) {
        // handled above
      } else if constexpr (std::is_same_v<type, get_runtime_stats>) {
        self->request(broker, caf::infinite, message)
          .then([=](const runtime_stats& s) { reply_to(wire::encode_runtime_stats(s)); },
                [](caf::error&) {});
      } else {
        self->request(broker, caf::infinite, message)
          .then([=](const set_frozen&) { reply_to(wire::encode_ack()); }, [](caf::error&) {});
      }
    },
    decoded.value());
}

// -- worker bridge (ReCodEx workers, port 9657) --

// Frames of one worker command, frame 0 the worker's routing id.
struct encode_worker_command {
  wire::frames operator()(const job_assignment& a) const { return routed(a.worker_id, wire::encode_assignment(a)); }
  wire::frames operator()(const worker_pong& p) const { return routed(p.worker_id, wire::encode_pong()); }
  wire::frames operator()(const worker_intro& p) const { return routed(p.worker_id, wire::encode_intro()); }
};

caf::behavior worker_bridge(bridge_actor* self, socket_ptr socket, caf::actor broker) {
  self->state.socket = std::move(socket);
  stop_on_exit(self);
  self->send(broker, bridge::worker_bridge_atom::value, caf::actor_cast<caf::actor>(self));
  return {
    // From the socket thread: a batch of [identity, frames...], to the broker as one message.
    [=](std::vector<wire::frames>& batch) {
      bridge::worker_events events;
      events.events.reserve(batch.size());
      for (auto& in : batch) {
        if (in.empty())
          continue;
        auto identity = std::move(in.front());
        // The broker names native (CAF) workers "caf:..."; a ZeroMQ peer choosing such an
        // identity could otherwise speak for one of them.
        if (identity.compare(0, 4, "caf:") == 0) {
          spdlog::warn("[worker {}] identity reserved for native workers: ignored", wire::printable(identity));
          continue;
        }
        wire::frames body(std::make_move_iterator(in.begin() + 1), std::make_move_iterator(in.end()));
        auto decoded = wire::decode_worker_message(identity, body);
        if (!decoded) {
          if (spdlog::should_log(spdlog::level::debug))
            spdlog::debug("[worker {}] ignored: {}", wire::to_hex(identity), decoded.error().message);
          continue;
        }
        std::visit([&](auto& message) { events.events.emplace_back(std::move(message)); }, decoded.value());
      }
      if (!events.events.empty())
        self->send(broker, std::move(events));
    },
    // From the broker: everything it decided while handling one message.
    [=](bridge::worker_commands& cmds) {
      std::vector<wire::frames> out;
      out.reserve(cmds.commands.size());
      for (auto& cmd : cmds.commands)
        out.push_back(std::visit(encode_worker_command{}, cmd));
      self->state.socket->send(std::move(out));
    },
  };
}

// -- monitor bridge (ReCodEx monitor, connects to port 7894) --

caf::behavior monitor_bridge(bridge_actor* self, socket_ptr socket) {
  self->state.socket = std::move(socket);
  stop_on_exit(self);
  return {
    [=](const progress& p) {
      self->state.socket->send(routed(std::string{wire::monitor_identity}, wire::encode_monitor_progress(p)));
    },
    // Whatever a monitor might send back is ignored.
    [=](std::vector<wire::frames>&) {},
  };
}

// Opens the socket, spawns the actor, then starts the thread delivering into its mailbox.
template <class F, class... Ts>
result<bridge_handle> spawn_bridge(caf::actor_system& sys, const socket_options& options, F fun,
                                   Ts&&... xs) {
  RECODEX_TRY(opened, socket_thread::open(options));
  socket_ptr socket{std::move(opened)};
  auto actor = sys.spawn(fun, socket, std::forward<Ts>(xs)...);
  socket->run([actor](std::vector<wire::frames>&& batch) { caf::anon_send(actor, std::move(batch)); });
  return bridge_handle{actor, options.bind ? socket->port() : std::uint16_t{0}};
}

} // namespace

result<bridge_handle> spawn_client_bridge(caf::actor_system& sys, caf::actor broker,
                                          const std::string& endpoint) {
  socket_options options;
  options.endpoint = endpoint;
  return spawn_bridge(sys, options, client_bridge, std::move(broker));
}

result<bridge_handle> spawn_worker_bridge(caf::actor_system& sys, caf::actor broker,
                                          const std::string& endpoint) {
  socket_options options;
  options.endpoint = endpoint;
  return spawn_bridge(sys, options, worker_bridge, std::move(broker));
}

result<bridge_handle> spawn_monitor_bridge(caf::actor_system& sys, const std::string& endpoint) {
  socket_options options;
  options.endpoint = endpoint;
  options.bind = false;
  return spawn_bridge(sys, options, monitor_bridge);
}

} // namespace recodex::bridge
