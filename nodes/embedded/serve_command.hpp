// The `serve` verb of `recodex`: runs the embedded system (embedded_system.hpp) until SIGINT or
// SIGTERM, after printing one line per component with where it listens. It blocks the stop
// signals itself, so the caller must not have started any thread before calling it.
#pragma once

#include <string>
#include <vector>

namespace recodex::embedded {

extern const char* const serve_usage;

// `args` are the verb's arguments (after "serve"). Exit codes: 0 after a signal, 1 when a
// component cannot start, 2 for usage errors.
int serve_command(const std::vector<std::string>& args);

} // namespace recodex::embedded
