// The CAF transport: our broker actor, published on the broker's cluster port, reached with an
// asynchronous middleman connect (the listener never blocks its scheduler thread). Messages
// sent before the connect completes are kept and sent, in order, once it does. The broker
// names the listener by its actor and monitors it, so the listener's death or a broken
// connection re-queues its job at once (ARCHITECTURE section 7); the listener monitors the
// broker in turn and treats its down_msg like lost liveness.
#include "actors/worker/listener/broker_link.hpp"
#include "messages/type_ids.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#if __has_include(<caf/openssl/manager.hpp>)
#include <caf/openssl/manager.hpp>
#define RECODEX_CAF_OPENSSL_HEADERS 1
#endif
#include <cstdint>
#include <spdlog/spdlog.h>
#include <vector>

namespace recodex::worker {

namespace {

// A connect that neither succeeds nor fails in this time counts as failed.
constexpr auto connect_timeout = std::chrono::seconds(10);

class caf_link final : public broker_link {
public:
  caf_link(broker_endpoint endpoint, caf::event_based_actor* self, link_lost_fn on_lost)
      : endpoint_(std::move(endpoint)), self_(self), on_lost_(std::move(on_lost)) {}

  void open() override {
    close();
    auto attempt = ++attempt_;
    // The OpenSSL module, when the node loaded it (cluster TLS), connects with the same protocol.
    auto& sys = self_->system();
#ifdef RECODEX_CAF_OPENSSL_HEADERS
    auto mm = sys.has_openssl_manager() ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
#else
    auto mm = sys.middleman().actor_handle();
#endif
    self_->request(mm, connect_timeout, caf::connect_atom::value, endpoint_.host, endpoint_.port)
        .then(
            [this, attempt](const caf::node_id&, caf::strong_actor_ptr& broker,
                            const std::set<std::string>&) {
              if (attempt != attempt_)
                return; // closed or re-opened meanwhile
              if (!broker) {
                lost("nothing is published at " + where());
                return;
              }
              connected(caf::actor_cast<caf::actor>(std::move(broker)));
            },
            [this, attempt](caf::error& e) {
              if (attempt == attempt_)
                lost("cannot connect to " + where() + ": " + self_->system().render(e));
            });
  }

  void close() override {
    ++attempt_;
    pending_.clear();
    if (broker_) {
      self_->demonitor(broker_);
      broker_ = nullptr;
    }
  }

  void send(outbound_message message) override {
    if (broker_)
      std::visit([this](auto& x) { deliver(x); }, message);
    else
      pending_.push_back(std::move(message));
  }

  bool broker_down(const caf::actor_addr& source) override {
    if (!broker_ || source != broker_.address())
      return false;
    broker_ = nullptr;
    ++attempt_;
    pending_.clear();
    return true;
  }

private:
  void connected(caf::actor broker) {
    broker_ = std::move(broker);
    self_->monitor(broker_);
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& message : pending)
      send(std::move(message));
  }

  void lost(const std::string& why) {
    spdlog::warn("listener: {}", why);
    pending_.clear();
    on_lost_();
  }

  std::string where() const { return endpoint_.host + ":" + std::to_string(endpoint_.port); }

  // The broker names native workers itself: the ids stay empty.
  void deliver(const worker_info& x) { self_->send(broker_, x); }
  void deliver(const worker_ping&) { self_->send(broker_, worker_ping{}); }
  void deliver(const progress& x) { self_->send(broker_, worker_progress{"", x}); }
  void deliver(const job_done& x) { self_->send(broker_, worker_done{"", x}); }

  broker_endpoint endpoint_;
  caf::event_based_actor* self_;
  link_lost_fn on_lost_;
  caf::actor broker_;
  std::uint64_t attempt_ = 0;
  std::vector<outbound_message> pending_;
};

} // namespace

std::unique_ptr<broker_link> make_caf_link(const broker_endpoint& endpoint,
                                           caf::event_based_actor* self, link_lost_fn on_lost) {
  return std::make_unique<caf_link>(endpoint, self, std::move(on_lost));
}

} // namespace recodex::worker
