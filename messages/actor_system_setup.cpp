// Registers the type-id block and loads the middleman into an actor system config.
#include "messages/actor_system_setup.hpp"

#include "messages/type_ids.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/message.hpp>

#include <string>

namespace recodex {

void configure_actor_system(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::recodex>();
  cfg.load<caf::io::middleman>();
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
