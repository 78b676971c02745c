// ZeroMQ ROUTER/DEALER plumbing shared by every thread that owns such a socket (socket_thread and the
// broker's reactor): open with our options, read what is ready in bounded batches, write
// multi-part messages. Included by .cpp files only (it brings in zmq.hpp).
#pragma once

#include "actors/bridge/socket_options.hpp"
#include "messages/result.hpp"
#include "messages/wire/frames.hpp"

#include <zmq.hpp>

#include <vector>

namespace recodex::bridge {

// Sets linger 0, the message size bound and high water marks, the identity, then binds or
// connects. Returns the bound endpoint (with the port the OS picked) or the connect endpoint.
result<std::string> open_router(zmq::socket_t& socket, const socket_options& options);

// Appends every message ready now (at most max) to `out`, frame 0 the routing id; never blocks
// for a first part.
void receive_ready(zmq::socket_t& socket, int max, std::vector<wire::frames>& out);

// Sends one message; a message ROUTER cannot route is dropped, never an error.
void send_message(zmq::socket_t& socket, const wire::frames& message);

} // namespace recodex::bridge
