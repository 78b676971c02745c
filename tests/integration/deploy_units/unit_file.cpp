// The unit-file reader of the units test (see unit_file.hpp): deliberately small, covering the
// syntax deploy/systemd uses and reporting anything else as a problem rather than guessing.
#include "tests/integration/deploy_units/unit_file.hpp"

#include <cctype>
#include <csignal>
#include <sstream>

namespace recodex::testing {

namespace {

std::string trim(std::string_view s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos)
    return {};
  auto end = s.find_last_not_of(" \t\r");
  return std::string{s.substr(begin, end - begin + 1)};
}

} // namespace

std::optional<std::string> unit_file::value(const std::string& section,
                                            const std::string& key) const {
  auto s = sections.find(section);
  if (s == sections.end())
    return std::nullopt;
  auto k = s->second.find(key);
  if (k == s->second.end() || k->second.empty())
    return std::nullopt;
  return k->second.back();
}

std::vector<std::string> unit_file::words(const std::string& section,
                                          const std::string& key) const {
  std::vector<std::string> out;
  auto s = sections.find(section);
  if (s == sections.end() || s->second.count(key) == 0)
    return out;
  for (const auto& assignment : s->second.at(key)) {
    if (assignment.empty())
      out.clear();
    for (auto& word : split_command(assignment))
      out.push_back(word);
  }
  return out;
}

unit_file parse_unit_file(std::string_view text) {
  unit_file out;
  std::string section;
  std::istringstream lines{std::string{text}};
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const int first_line = number;
    // A trailing backslash joins the next line (with a blank in between, as systemd does).
    while (!line.empty() && line.back() == '\\') {
      line.pop_back();
      std::string next;
      if (!std::getline(lines, next))
        break;
      ++number;
      line += " " + next;
    }
    auto stripped = trim(line);
    if (stripped.empty() || stripped[0] == '#' || stripped[0] == ';')
      continue;
    const auto where = "line " + std::to_string(first_line) + ": ";
    if (stripped.front() == '[') {
      if (stripped.back() != ']') {
        out.problems.push_back(where + "unterminated section header '" + stripped + "'");
        continue;
      }
      section = stripped.substr(1, stripped.size() - 2);
      out.sections[section];
      continue;
    }
    auto equals = stripped.find('=');
    if (equals == std::string::npos) {
      out.problems.push_back(where + "not Key=Value: '" + stripped + "'");
      continue;
    }
    if (section.empty()) {
      out.problems.push_back(where + "assignment before any [Section]");
      continue;
    }
    out.sections[section][trim(stripped.substr(0, equals))].push_back(
        trim(stripped.substr(equals + 1)));
  }
  return out;
}

std::optional<std::chrono::milliseconds> parse_time_span(const std::string& text) {
  using namespace std::chrono;
  std::istringstream in{text};
  std::string token;
  milliseconds total{0};
  bool any = false;
  while (in >> token) {
    std::size_t digits = 0;
    while (digits < token.size() && std::isdigit(static_cast<unsigned char>(token[digits])))
      ++digits;
    if (digits == 0)
      return std::nullopt;
    const long long n = std::stoll(token.substr(0, digits));
    const auto unit = token.substr(digits);
    if (unit == "ms" || unit == "msec")
      total += milliseconds{n};
    else if (unit.empty() || unit == "s" || unit == "sec" || unit == "second" || unit == "seconds")
      total += seconds{n};
    else if (unit == "m" || unit == "min" || unit == "minute" || unit == "minutes")
      total += minutes{n};
    else if (unit == "h" || unit == "hr" || unit == "hour" || unit == "hours")
      total += hours{n};
    else
      return std::nullopt;
    any = true;
  }
  if (!any)
    return std::nullopt;
  return total;
}

std::optional<int> parse_signal(const std::string& text) {
  static const std::map<std::string, int> names{
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
      {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"CONT", SIGCONT}};
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])))
    return std::stoi(text);
  auto name = text.rfind("SIG", 0) == 0 ? text.substr(3) : text;
  auto found = names.find(name);
  if (found == names.end())
    return std::nullopt;
  return found->second;
}

std::vector<std::string> split_command(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  bool quoted = false, in_word = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
      in_word = true;
    } else if (!quoted && (c == ' ' || c == '\t')) {
      if (in_word)
        out.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word)
    out.push_back(word);
  return out;
}

} // namespace recodex::testing
