// The ZeroMQ socket thread of every bridge. Theory of operation: one thread owns the socket
// (ZeroMQ sockets are not thread-safe); it blocks in zmq::poll on the socket and an eventfd.
// Other threads append outgoing messages to a wakeup_queue (mutex + eventfd); the thread takes
// them all at once and sends them. Incoming messages are read in batches
// and handed to the deliver callback, which must not block (it enqueues into a CAF mailbox).
#include "actors/bridge/socket_thread.hpp"

#include "actors/bridge/router_io.hpp"
#include "actors/bridge/wakeup_queue.hpp"

#include <atomic>
#include <pthread.h>
#include <thread>
#include <vector>

namespace recodex::bridge {

struct socket_thread::impl {
  zmq::context_t context{1};
  zmq::socket_t socket;
  std::unique_ptr<wakeup_queue<wire::frames>> outbox;
  std::vector<wire::frames> sending; // the socket thread's side of the outbox swap
  std::atomic<bool> stopping{false};
  std::thread thread;

  explicit impl(socket_kind kind)
    : socket{context, kind == socket_kind::dealer ? zmq::socket_type::dealer : zmq::socket_type::router} {}

  void flush() {
    outbox->take(sending);
    for (auto& message : sending)
      send_message(socket, message);
    sending.clear();
  }

  void loop(const deliver_fn& deliver) {
    zmq::pollitem_t items[] = {{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0},
                               {nullptr, outbox->fd(), ZMQ_POLLIN, 0}};
    while (!stopping.load()) {
      try {
        zmq::poll(items, 2, std::chrono::milliseconds{-1});
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR)
          continue;
        break;
      }
      if (items[1].revents & ZMQ_POLLIN)
        flush();
      if (items[0].revents & ZMQ_POLLIN) {
        // Everything ready now (bounded), delivered as one message: under load one mailbox
        // enqueue (and at most one scheduler wake-up) carries many ZeroMQ messages, and queued
        // replies are not starved by a flood of input.
        std::vector<wire::frames> batch;
        receive_ready(socket, max_batch, batch);
        if (!batch.empty())
          deliver(std::move(batch));
      }
    }
    flush();
  }
};

socket_thread::socket_thread(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}

socket_thread::~socket_thread() { stop(); }

result<std::unique_ptr<socket_thread>> socket_thread::open(const socket_options& options) {
  auto p = std::make_unique<impl>(options.kind);
  RECODEX_TRY(outbox, wakeup_queue<wire::frames>::create());
  p->outbox = std::move(outbox);
  RECODEX_TRY(bound, open_router(p->socket, options));
  std::unique_ptr<socket_thread> result{new socket_thread(std::move(p))};
  result->endpoint_ = std::move(bound);
  return result;
}

void socket_thread::run(deliver_fn deliver) {
  impl_->thread = std::thread([this, deliver = std::move(deliver)] {
    ::pthread_setname_np(::pthread_self(), "zmq-bridge"); // per-thread CPU figures
    impl_->loop(deliver);
  });
}

void socket_thread::send(wire::frames message) { impl_->outbox->push(std::move(message)); }

void socket_thread::send(std::vector<wire::frames>&& messages) { impl_->outbox->push(std::move(messages)); }

void socket_thread::stop() {
  if (!impl_)
    return;
  impl_->stopping = true;
  impl_->outbox->wake();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

std::uint16_t socket_thread::port() const { return port_of(endpoint_); }

} // namespace recodex::bridge
