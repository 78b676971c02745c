// The `recodex-sandbox` command line, isolate's option names and units: parsed into run_options
// by a pure function so every option is unit tested without running anything.
#pragma once

#include "messages/result.hpp"
#include "sandbox/sandbox.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace recodex::sandbox {

enum class cli_action : unsigned char { run, help, check };
std::string_view to_string(cli_action a);

struct cli_request {
  cli_action action = cli_action::run;
  std::optional<int> box_id; // --box-id: which lock/uid to take (default: the first free one)
  std::string meta_path;     // --meta; empty = meta lines go to stderr
  run_options options;
};

// Looks up a host environment variable for `--env=NAME` (inherit); nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

result<cli_request> parse_cli(const std::vector<std::string>& args, const env_lookup& lookup);

std::string cli_help();

} // namespace recodex::sandbox
