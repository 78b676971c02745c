// The ZeroMQ socket thread of every bridge. Theory of operation: one thread owns the socket
// (ZeroMQ sockets are not thread-safe); it blocks in zmq::poll on the socket and an eventfd.
// Other threads append outgoing messages to a mutex-protected vector and write the eventfd;
// the thread swaps the vector out and sends everything. Incoming messages are read in batches
// and handed to the deliver callback, which must not block (it enqueues into a CAF mailbox).
#include "actors/bridge/socket_thread.hpp"

#include <zmq.hpp>

#include <atomic>
#include <mutex>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace recodex::bridge {

struct socket_thread::impl {
  zmq::context_t context{1};
  zmq::socket_t socket;
  int wake_fd = -1;
  std::mutex mutex;
  std::vector<wire::frames> outbox;
  std::vector<wire::frames> sending; // the socket thread's side of the outbox swap
  std::atomic<bool> stopping{false};
  std::thread thread;

  explicit impl(socket_kind kind)
    : socket{context, kind == socket_kind::dealer ? zmq::socket_type::dealer : zmq::socket_type::router} {}

  ~impl() {
    if (wake_fd >= 0)
      ::close(wake_fd);
  }

  void wake() {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  void flush() {
    // Swapping with a kept vector reuses both buffers' capacity: no allocation per wake-up.
    {
      std::lock_guard<std::mutex> guard{mutex};
      sending.swap(outbox);
    }
    for (auto& message : sending) {
      for (std::size_t i = 0; i < message.size(); ++i) {
        auto flags = i + 1 < message.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
        try {
          socket.send(zmq::buffer(message[i]), flags);
        } catch (const zmq::error_t&) {
          // ROUTER drops what it cannot route; a send error here must not kill the bridge.
          break;
        }
      }
    }
    sending.clear();
  }

  void loop(const deliver_fn& deliver) {
    zmq::pollitem_t items[] = {{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0},
                               {nullptr, wake_fd, ZMQ_POLLIN, 0}};
    while (!stopping.load()) {
      try {
        zmq::poll(items, 2, std::chrono::milliseconds{-1});
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR)
          continue;
        break;
      }
      if (items[1].revents & ZMQ_POLLIN) {
        std::uint64_t count = 0;
        [[maybe_unused]] auto n = ::read(wake_fd, &count, sizeof count);
        flush();
      }
      if (items[0].revents & ZMQ_POLLIN) {
        // Everything ready now (bounded), delivered as one message: under load one mailbox
        // enqueue (and at most one scheduler wake-up) carries many ZeroMQ messages, and queued
        // replies are not starved by a flood of input.
        std::vector<wire::frames> batch;
        for (int i = 0; i < max_batch; ++i) {
          wire::frames message;
          zmq::message_t part;
          bool more = true;
          bool got = false;
          try {
            while (more) {
              auto r = socket.recv(part, message.empty() ? zmq::recv_flags::dontwait
                                                         : zmq::recv_flags::none);
              if (!r)
                break;
              got = true;
              message.emplace_back(part.data<char>(), part.size());
              more = part.more();
            }
          } catch (const zmq::error_t&) {
            break;
          }
          if (!got)
            break;
          batch.push_back(std::move(message));
        }
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
  p->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (p->wake_fd < 0)
    return make_errno_error(errno, "cannot create an eventfd");
  std::string bound;
  try {
    p->socket.set(zmq::sockopt::linger, 0);
    p->socket.set(zmq::sockopt::maxmsgsize, options.max_message_size);
    p->socket.set(zmq::sockopt::sndhwm, 100000);
    p->socket.set(zmq::sockopt::rcvhwm, 100000);
    if (!options.identity.empty())
      p->socket.set(zmq::sockopt::routing_id, options.identity);
    if (options.bind) {
      p->socket.bind(options.endpoint);
      bound = p->socket.get(zmq::sockopt::last_endpoint);
    } else {
      p->socket.connect(options.endpoint);
      bound = options.endpoint;
    }
  } catch (const zmq::error_t& e) {
    return make_error(errc::unavailable, "cannot " + std::string(options.bind ? "bind " : "connect ")
                                           + options.endpoint + ": " + e.what());
  }
  std::unique_ptr<socket_thread> result{new socket_thread(std::move(p))};
  result->endpoint_ = std::move(bound);
  return result;
}

void socket_thread::run(deliver_fn deliver) {
  impl_->thread = std::thread([this, deliver = std::move(deliver)] { impl_->loop(deliver); });
}

void socket_thread::send(wire::frames message) {
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> guard{impl_->mutex};
    was_empty = impl_->outbox.empty();
    impl_->outbox.push_back(std::move(message));
  }
  // A non-empty outbox means a wake-up is already pending: the thread takes it all at once.
  if (was_empty)
    impl_->wake();
}

void socket_thread::send(std::vector<wire::frames>&& messages) {
  if (messages.empty())
    return;
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> guard{impl_->mutex};
    was_empty = impl_->outbox.empty();
    if (was_empty)
      impl_->outbox.swap(messages);
    else
      impl_->outbox.insert(impl_->outbox.end(), std::make_move_iterator(messages.begin()),
                           std::make_move_iterator(messages.end()));
  }
  if (was_empty)
    impl_->wake();
}

void socket_thread::stop() {
  if (!impl_)
    return;
  impl_->stopping = true;
  impl_->wake();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

std::uint16_t socket_thread::port() const {
  auto colon = endpoint_.rfind(':');
  if (colon == std::string::npos)
    return 0;
  try {
    return static_cast<std::uint16_t>(std::stoul(endpoint_.substr(colon + 1)));
  } catch (...) {
    return 0;
  }
}

} // namespace recodex::bridge
