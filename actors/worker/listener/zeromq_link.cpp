// The ZeroMQ transport: a DEALER (actors/bridge/socket_thread.hpp) connected to a ReCodEx
// broker. Frames are encoded and decoded with messages/wire/worker_codec.hpp; the socket
// thread decodes what arrives and posts the typed message to the listener's mailbox (a frame
// sequence that is not a broker message is logged and dropped).
#include "actors/bridge/socket_thread.hpp"
#include "actors/worker/listener/broker_link.hpp"
#include "messages/type_ids.hpp"
#include "messages/wire/worker_codec.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace recodex::worker {

namespace {

struct encoder {
  wire::frames operator()(const worker_info& x) const { return wire::encode_init(x); }
  wire::frames operator()(const worker_ping&) const { return wire::encode_ping(); }
  wire::frames operator()(const progress& x) const { return wire::encode_progress(x); }
  wire::frames operator()(const job_done& x) const { return wire::encode_done(x); }
};

class zeromq_link final : public broker_link {
public:
  zeromq_link(broker_endpoint endpoint, caf::event_based_actor* self, link_lost_fn on_lost)
      : endpoint_(std::move(endpoint)), listener_(self->address()), on_lost_(std::move(on_lost)) {}

  ~zeromq_link() override { close(); }

  void open() override {
    close();
    bridge::socket_options options;
    options.endpoint = endpoint_.zeromq_uri();
    options.bind = false;
    options.kind = bridge::socket_kind::dealer;
    auto opened = bridge::socket_thread::open(options);
    if (!opened) {
      spdlog::warn("listener: {}", opened.error().message);
      on_lost_();
      return;
    }
    socket_ = std::move(opened).value();
    socket_->run(
        [listener = listener_](std::vector<wire::frames>&& batch) { deliver(listener, batch); });
  }

  void close() override {
    if (socket_) {
      socket_->stop();
      socket_.reset();
    }
  }

  void send(outbound_message message) override {
    if (socket_)
      socket_->send(std::visit(encoder{}, message));
  }

  bool broker_down(const caf::actor_addr&) override { return false; }

private:
  // Runs on the socket thread: only decoding and mailbox posts.
  static void deliver(const caf::actor_addr& listener, std::vector<wire::frames>& batch) {
    auto target = caf::actor_cast<caf::actor>(listener);
    if (!target)
      return;
    for (auto& message : batch) {
      auto decoded = wire::decode_broker_message("", message);
      if (!decoded) {
        spdlog::warn("listener: broker message ignored: {}", decoded.error().message);
        continue;
      }
      std::visit([&](auto& x) { caf::anon_send(target, std::move(x)); }, decoded.value());
    }
  }

  broker_endpoint endpoint_;
  caf::actor_addr listener_;
  link_lost_fn on_lost_;
  std::unique_ptr<bridge::socket_thread> socket_;
};

} // namespace

std::unique_ptr<broker_link> make_zeromq_link(const broker_endpoint& endpoint,
                                              caf::event_based_actor* self, link_lost_fn on_lost) {
  return std::make_unique<zeromq_link>(endpoint, self, std::move(on_lost));
}

} // namespace recodex::worker
