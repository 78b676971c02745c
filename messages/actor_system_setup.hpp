// What every actor system of this project needs: our message types, the middleman (the
// distributed engine), and a renderer for errors of category "recodex".
#pragma once

#include <caf/fwd.hpp>

namespace recodex {

void configure_actor_system(caf::actor_system_config& cfg);

// CAF's default idle policy polls for about 25 ms after every message (500 sleeps of 50 us on
// each scheduler thread). On a worker those wake-ups compete with the sandboxed programs for the
// cores; spin briefly, then sleep on the scheduler's condition variable, which every enqueue
// from outside signals.
void sleep_when_idle(caf::actor_system_config& cfg);

} // namespace recodex
