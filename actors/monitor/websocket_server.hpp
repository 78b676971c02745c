// The monitor's browser front: one TCP port serving the progress page (web/, compiled in) over
// HTTP and the ReCodEx WebSocket protocol on any path (spec 3.3). Sessions live on one Asio
// thread; the monitor actor learns of subscriptions and closes through callbacks and answers
// with batches of outgoing operations. Each session has a bounded write queue: a browser that
// falls behind by more than the bound is closed with a reason, so it never holds up others.
// Beast stays in websocket_server.cpp (slow to compile); this header names none of it.
#pragma once

#include "messages/result.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace recodex::monitor {

struct websocket_server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 4567; // 0: any free port
  std::size_t max_queue_bytes = 1024 * 1024;
};

// Called on the server thread; they must not block (they enqueue into the actor's mailbox).
struct websocket_server_callbacks {
  std::function<void(std::uint64_t session, std::string channel)> on_subscribe;
  std::function<void(std::uint64_t session)> on_closed;
};

// One operation for one session: send a text, or close normally once what is queued is sent.
struct session_op {
  std::uint64_t session = 0;
  bool close = false;
  std::string text;
};

class websocket_server {
public:
  // Binds, reporting at once an address that cannot be bound. Nothing is accepted before run().
  static result<std::unique_ptr<websocket_server>> open(websocket_server_options options);

  // Starts the server thread.
  void run(websocket_server_callbacks callbacks);

  ~websocket_server();
  websocket_server(const websocket_server&) = delete;
  websocket_server& operator=(const websocket_server&) = delete;

  // Thread-safe. Operations for one session are performed in the order given; operations for
  // sessions that are gone are dropped.
  void perform(std::vector<session_op> ops);

  std::uint16_t port() const;

  // Closes every session and joins the thread (idempotent).
  void stop();

  // Defined in the .cpp (its sessions name it).
  struct impl;

private:
  explicit websocket_server(std::shared_ptr<impl> impl);
  std::shared_ptr<impl> impl_;
};

} // namespace recodex::monitor
