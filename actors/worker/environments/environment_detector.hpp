// Which environments this host has, and the worker `headers` that advertise them (spec 2.1:
// one `env=<id>` frame per environment). Detection never uses a shell: it checks that the probe
// program is an executable file and, when the definition asks for it, runs it directly
// (fork + exec, no PATH search) with a timeout.
#pragma once

#include "actors/worker/environments/fwd.hpp"

#include <string>
#include <utility>
#include <vector>

namespace recodex::worker {

// Why `definition` is not usable here; empty when it is installed.
std::string why_not_installed(const environment_definition& definition);

// The definitions that are installed, in the given order.
std::vector<environment_definition>
installed_environments(const std::vector<environment_definition>& definitions);

// {"env", id} per definition, ready to be merged into the worker's `headers`.
std::vector<std::pair<std::string, std::string>>
environment_headers(const std::vector<environment_definition>& installed);

} // namespace recodex::worker
