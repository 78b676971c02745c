// The monitor's CAF shell: feeds monitor_core with what the broker (CAF or ZeroMQ), the
// browser sessions and a one-second tick report, and performs its commands (texts and closes
// go to the WebSocket server as one batch per input; drops are logged).
#include "actors/monitor/monitor_actor.hpp"

#include "actors/bridge/socket_thread.hpp"
#include "actors/monitor/monitor_core.hpp"
#include "actors/monitor/websocket_server.hpp"
#include "messages/wire/frames.hpp"
#include "messages/wire/monitor_codec.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <memory>

namespace recodex::monitor {

namespace {

// Shell-internal messages (local only: sent by the server thread and the actor itself).
using subscribe_atom = caf::atom_constant<caf::atom("monsub")>;
using closed_atom = caf::atom_constant<caf::atom("monclosed")>;
using tick_atom = caf::atom_constant<caf::atom("montick")>;

constexpr auto tick_interval = std::chrono::seconds{1};

std::shared_ptr<spdlog::logger> logger() {
  auto l = spdlog::get("monitor");
  return l ? l : spdlog::default_logger();
}

struct monitor_state {
  std::unique_ptr<monitor_core> core;
  std::shared_ptr<websocket_server> server;
  std::shared_ptr<bridge::socket_thread> socket;
  std::function<void()> on_exit_requested;
  static inline const char* name = "recodex.monitor";

  ~monitor_state() {
    // The threads call into this actor's mailbox; they end with it.
    if (socket)
      socket->stop();
    if (server)
      server->stop();
  }
};

using monitor_pointer = caf::stateful_actor<monitor_state>*;

// -- perform: the only place that sends to sessions or logs decisions --

struct performer {
  monitor_pointer self;
  std::vector<session_op> ops;

  void operator()(send_text& x) { ops.push_back(session_op{x.session, false, std::move(x.text)}); }
  void operator()(close_session& x) { ops.push_back(session_op{x.session, true, {}}); }
  void operator()(shut_down&) {
    logger()->info("monitor: control message 0/exit received, stopping");
    if (self->state.on_exit_requested)
      self->state.on_exit_requested();
    else
      self->quit();
  }
  void operator()(channel_dropped& x) {
    logger()->debug("[job {}] channel dropped ({})", x.channel, to_string(x.reason));
  }
  void operator()(replay_trimmed& x) {
    logger()->warn("[job {}] replay buffer full: forgetting its oldest messages", x.channel);
  }
};

void perform(monitor_pointer self, commands out) {
  performer p{self, {}};
  for (auto& c : out)
    std::visit(p, c);
  if (!p.ops.empty() && self->state.server)
    self->state.server->perform(std::move(p.ops));
}

void append(commands& all, commands more) {
  all.insert(all.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

caf::behavior monitor_behaviour(monitor_pointer self, std::shared_ptr<websocket_server> server,
                                std::shared_ptr<bridge::socket_thread> socket,
                                monitor_config config) {
  self->state.core = std::make_unique<monitor_core>(config.core);
  self->state.server = std::move(server);
  self->state.socket = std::move(socket);
  self->state.on_exit_requested = std::move(config.on_exit_requested);
  self->delayed_send(self, tick_interval, tick_atom::value);
  return {
    // From our broker (its monitors list) or anyone holding the typed handle.
    [=](progress& update) {
      perform(self, self->state.core->on_progress(update, self->clock().now()));
    },
    // From the ZeroMQ socket thread: [identity, job_id, command, (task_id, task_state)].
    [=](std::vector<wire::frames>& batch) {
      commands out;
      auto now = self->clock().now();
      for (auto& message : batch) {
        if (message.empty())
          continue;
        message.erase(message.begin()); // the broker's routing id
        auto update = wire::decode_monitor_progress(message);
        if (!update) {
          logger()->warn("monitor: malformed message ignored: {}", update.error().message);
          continue;
        }
        append(out, self->state.core->on_progress(update.value(), now));
      }
      perform(self, std::move(out));
    },
    // From the WebSocket server: a browser's first text message.
    [=](subscribe_atom, std::uint64_t session, std::string& channel) {
      logger()->debug("[job {}] browser session {} subscribed", channel, session);
      perform(self, self->state.core->on_subscribe(session, channel));
    },
    // From the WebSocket server: a session ended (closed, failed, or too slow).
    [=](closed_atom, std::uint64_t session) {
      perform(self, self->state.core->on_session_closed(session));
    },
    // From ourselves, every second: channel expiry.
    [=](tick_atom) {
      perform(self, self->state.core->on_tick(self->clock().now()));
      self->delayed_send(self, tick_interval, tick_atom::value);
    },
  };
}

} // namespace

result<monitor_handle> spawn_monitor(caf::actor_system& sys, monitor_config config) {
  websocket_server_options ws{config.websocket_host, config.websocket_port,
                              config.max_session_queue_bytes};
  auto server = websocket_server::open(ws);
  if (!server)
    return server.error();
  std::shared_ptr<websocket_server> shared_server = std::move(server.value());

  std::shared_ptr<bridge::socket_thread> socket;
  if (!config.zeromq_host.empty()) {
    bridge::socket_options zo;
    zo.endpoint = "tcp://" + config.zeromq_host + ":" + std::to_string(config.zeromq_port);
    zo.bind = true;
    zo.identity = std::string{wire::monitor_identity};
    zo.max_message_size = 1024 * 1024;
    auto opened = bridge::socket_thread::open(zo);
    if (!opened)
      return opened.error();
    socket = std::move(opened.value());
  }

  monitor_handle handle;
  handle.websocket_port = shared_server->port();
  handle.zeromq_port = socket ? socket->port() : 0;
  auto actor = sys.spawn(monitor_behaviour, shared_server, socket, std::move(config));
  handle.actor = caf::actor_cast<monitor_actor>(actor);

  websocket_server_callbacks callbacks;
  callbacks.on_subscribe = [actor](std::uint64_t session, std::string channel) {
    caf::anon_send(actor, subscribe_atom::value, session, std::move(channel));
  };
  callbacks.on_closed = [actor](std::uint64_t session) {
    caf::anon_send(actor, closed_atom::value, session);
  };
  shared_server->run(std::move(callbacks));
  if (socket)
    socket->run([actor](std::vector<wire::frames>&& batch) {
      caf::anon_send(actor, std::move(batch));
    });
  return handle;
}

} // namespace recodex::monitor
