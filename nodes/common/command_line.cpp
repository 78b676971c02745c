// -c/--config and -h/--help for the daemons.
#include "nodes/common/command_line.hpp"

#include <cstdlib>
#include <exception>
#include <iostream>

namespace recodex::nodes {

std::optional<std::string> parse_config_option(int argc, char** argv, std::string_view program,
                                               std::string_view help_text) {
  std::optional<std::string> config_file;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << help_text;
      std::exit(0);
    }
    if ((arg == "-c" || arg == "--config") && i + 1 < argc) {
      config_file = argv[++i];
      continue;
    }
    std::cerr << program << ": unknown or incomplete argument '" << arg << "' (see --help)\n";
    std::exit(2);
  }
  return config_file;
}

unsigned long bounded_number(const std::string& flag, const std::string& text, unsigned long min,
                             unsigned long max) {
  try {
    std::size_t used = 0;
    auto n = std::stoul(text, &used);
    if (used == text.size() && n >= min && n <= max)
      return n;
  } catch (const std::exception&) {
  }
  throw usage_problem{flag + " expects a number from " + std::to_string(min) + " to " +
                      std::to_string(max) + ", got '" + text + "'"};
}

} // namespace recodex::nodes
