// The monitor bridge: progress in -> monitor frames out; the socket thread does the I/O.
#include "actors/bridge/bridge_actors.hpp"

#include "actors/bridge/socket_thread.hpp"
#include "messages/type_ids.hpp"
#include "messages/wire/monitor_codec.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace recodex::bridge {

namespace {

using socket_ptr = std::shared_ptr<socket_thread>;

struct bridge_state {
  socket_ptr socket;
  static inline const char* name = "zmq_bridge";
};

using bridge_actor = caf::stateful_actor<bridge_state>;

// Stops the socket thread when the actor goes away, whatever the reason.
void stop_on_exit(bridge_actor* self) {
  self->attach_functor([socket = self->state.socket] { socket->stop(); });
}

// -- monitor bridge (ReCodEx monitor, connects to port 7894) --

caf::behavior monitor_bridge(bridge_actor* self, socket_ptr socket) {
  self->state.socket = std::move(socket);
  stop_on_exit(self);
  return {
    [=](const progress& p) {
      auto frames = wire::encode_monitor_progress(p);
      frames.insert(frames.begin(), std::string{wire::monitor_identity}); // the ROUTER's routing id
      self->state.socket->send(std::move(frames));
    },
    // Whatever a monitor might send back is ignored.
    [=](std::vector<wire::frames>&) {},
  };
}

} // namespace

result<bridge_handle> spawn_monitor_bridge(caf::actor_system& sys, const std::string& endpoint) {
  socket_options options;
  options.endpoint = endpoint;
  options.bind = false;
  RECODEX_TRY(opened, socket_thread::open(options));
  socket_ptr socket{std::move(opened)};
  auto actor = sys.spawn(monitor_bridge, socket);
  // Opens the socket, spawns the actor, then starts the thread delivering into its mailbox.
  socket->run([actor](std::vector<wire::frames>&& batch) { caf::anon_send(actor, std::move(batch)); });
  return bridge_handle{actor, 0};
}

} // namespace recodex::bridge
