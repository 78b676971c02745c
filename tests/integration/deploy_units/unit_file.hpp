// A systemd unit file read the way the service manager reads it, as far as the units test needs:
// [Section] headers, Key=Value lines, `#`/`;` comments, backslash continuations; a key may be
// given several times (After=, SystemCallFilter=). Plus the value syntaxes the test checks:
// time spans (TimeoutStopSec=) and signal names (KillSignal=).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::testing {

struct unit_file {
  // section -> key -> every assignment in file order
  std::map<std::string, std::map<std::string, std::vector<std::string>>> sections;
  // Lines the service manager would reject or ignore ("line 7: ..."), empty for a clean file.
  std::vector<std::string> problems;

  // The last assignment (what systemd uses for a single-valued key).
  std::optional<std::string> value(const std::string& section, const std::string& key) const;
  // Every word of every assignment of a list key; an empty assignment clears the list.
  std::vector<std::string> words(const std::string& section, const std::string& key) const;
};

unit_file parse_unit_file(std::string_view text);

// "30", "30s", "1min 30s", "500ms"; nullopt for anything else (infinity included: the test
// wants a bound).
std::optional<std::chrono::milliseconds> parse_time_span(const std::string& text);

// "SIGTERM", "TERM" or a number; nullopt for an unknown name.
std::optional<int> parse_signal(const std::string& text);

// Splits a command line on blanks, honouring double quotes (all our ExecStart= lines need).
std::vector<std::string> split_command(const std::string& line);

} // namespace recodex::testing
