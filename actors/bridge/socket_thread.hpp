// One ZeroMQ socket on its own thread: what every bridge actor stands on. The thread polls the
// socket and an eventfd; frames received go to a callback (the bridge actor's mailbox), frames
// queued with send() from any thread are written after the eventfd wakes the poll, so a reply
// never waits for a poll timeout (notes/toolchain-and-sandbox.md section 5).
// ZeroMQ stays out of this header: frames are std::string lists, ROUTER identity first.
#pragma once

#include "actors/bridge/socket_options.hpp"
#include "messages/result.hpp"
#include "messages/wire/frames.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace recodex::bridge {

class socket_thread {
public:
  // Receives every message ready at one wake-up (at most max_batch), in order.
  using deliver_fn = std::function<void(std::vector<wire::frames>&&)>;

  // Creates a ROUTER (or DEALER) socket and binds or connects it, reporting failures (address in use,
  // bad endpoint) at once. The thread starts with run().
  static result<std::unique_ptr<socket_thread>> open(const socket_options& options);

  ~socket_thread();
  socket_thread(const socket_thread&) = delete;
  socket_thread& operator=(const socket_thread&) = delete;

  void run(deliver_fn deliver);

  // Thread-safe; frame 0 is the routing id of the peer (ROUTER only).
  void send(wire::frames message);
  // Thread-safe; all messages in order, with one lock and at most one wake-up of the thread.
  void send(std::vector<wire::frames>&& messages);

  // Bound on one delivered batch: a flood of input must not starve queued replies.
  static constexpr int max_batch = 4096;

  // Stops and joins the thread (idempotent).
  void stop();

  // The bound endpoint with the port the OS picked, e.g. tcp://0.0.0.0:41234.
  const std::string& endpoint() const { return endpoint_; }
  std::uint16_t port() const;

private:
  struct impl;
  explicit socket_thread(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
  std::string endpoint_;
};

} // namespace recodex::bridge
