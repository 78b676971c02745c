// The command line every daemon shares: `-c/--config <file>` and `-h/--help`. Like the ReCodEx
// daemons, the config file defaults to ./config.yml when -c is absent.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace recodex::nodes {

// Returns the -c argument (nullopt when absent). Prints `help_text` and exits 0 on --help;
// prints a one-line error naming the argument and exits 2 on anything else.
std::optional<std::string> parse_config_option(int argc, char** argv, std::string_view program,
                                               std::string_view help_text);

// A verb's flags were wrong; `message` says how (the verb prints it with a pointer to --help).
struct usage_problem {
  std::string message;
};

// The value of `flag` as a whole number in [min, max]; throws usage_problem otherwise.
unsigned long bounded_number(const std::string& flag, const std::string& text, unsigned long min,
                             unsigned long max);

} // namespace recodex::nodes
