// Registers the type-id block and loads the middleman into an actor system config.
#include "messages/actor_system_setup.hpp"

#include "messages/type_ids.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/message.hpp>
#include <caf/thread_hook.hpp>

#include <pthread.h>
#include <string>

namespace recodex {

namespace {

// CAF 0.17 does not name its scheduler's threads, which inherit the name of the thread that
// started them (often "caf.multiplexer"): every CAF thread but the clock is named "caf.thread"
// here, so that per-thread CPU figures (bench_system --threads, top -H) show CAF's work as one.
class name_caf_threads final : public caf::thread_hook {
public:
  void init(caf::actor_system&) override {}
  void thread_started() override {
    char name[16] = {};
    ::pthread_getname_np(::pthread_self(), name, sizeof name);
    if (std::string(name) != "caf.clock")
      ::pthread_setname_np(::pthread_self(), "caf.thread");
  }
  void thread_terminates() override {}
};

} // namespace

void configure_actor_system(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::recodex>();
  cfg.load<caf::io::middleman>();
  cfg.add_thread_hook<name_caf_threads>();
  cfg.add_error_category(caf::atom("recodex"),
                         [](std::uint8_t code, caf::atom_value, const caf::message& context) {
                           std::string text{to_string(static_cast<errc>(code))};
                           if (context.match_elements<std::string>()) {
                             text += ": ";
                             text += context.get_as<std::string>(0);
                           }
                           return text;
                         });
}

void sleep_when_idle(caf::actor_system_config& cfg) {
  cfg.set("work-stealing.aggressive-poll-attempts", 500);
  cfg.set("work-stealing.moderate-poll-attempts", 0);
}

} // namespace recodex
