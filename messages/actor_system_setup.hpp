// What every actor system of this project needs: our message types, the middleman (the
// distributed engine), and a renderer for errors of category "recodex".
#pragma once

#include <caf/fwd.hpp>

namespace recodex {

void configure_actor_system(caf::actor_system_config& cfg);

} // namespace recodex
