// Helpers shared by the judges' unit tests: run a judge over two strings replayed in chunks.
#pragma once

#include "judges/token_judge.hpp"

#include <ostream>
#include <string>

namespace recodex::judges::testing {

struct judged {
  verdict outcome = verdict::wrong;
  std::string log;
  bool failed = false;
  std::string error;
  std::uint64_t lines_skipped = 0; // by the byte lane (the expected reader's count)

  bool operator==(const judged& o) const {
    return outcome == o.outcome && log == o.log && failed == o.failed && error == o.error;
  }
};

inline std::ostream& operator<<(std::ostream& os, const judged& j) {
  os << "{" << to_string(j.outcome) << ", log \"" << j.log << "\"";
  if (j.failed)
    os << ", failed: " << j.error;
  return os << ", " << j.lines_skipped << " lines skipped}";
}

// `buffer_bytes` is the readers' read buffer (0: the default), so tests can put line and
// buffer boundaries anywhere.
inline judged judge_strings(const std::string& expected, const std::string& actual,
                            const token_judge_options& options, std::size_t chunk,
                            judge_limits limits = {}, std::size_t buffer_bytes = 0) {
  memory_source e{expected, chunk};
  memory_source a{actual, chunk};
  reader_options reading = reader_options_for(options, limits);
  if (buffer_bytes)
    reading.buffer_bytes = buffer_bytes;
  line_reader re{e, reading};
  line_reader ra{a, reading};
  judged out;
  {
    diff_log log{[&](std::string_view s) { out.log += s; },
                 options.has_log_limit ? options.log_limit : std::numeric_limits<std::uint64_t>::max()};
    auto c = compare_options_for(options);
    auto r = options.shuffled_lines ? judge_shuffled_lines(re, ra, c, log, limits)
                                    : judge_ordered(re, ra, c, log, limits);
    if (r) {
      out.outcome = r.value();
    } else {
      out.failed = true;
      out.error = r.error().message;
    }
  }
  out.lines_skipped = re.lines_skipped();
  return out;
}

// Parses an option list the way the executable does, with two dummy file names appended.
inline token_judge_options options_of(std::vector<std::string> args) {
  args.push_back("expected");
  args.push_back("actual");
  auto parsed = parse_token_judge_args(args);
  if (!parsed)
    throw std::runtime_error("bad test options: " + parsed.error().message);
  return parsed.value();
}

} // namespace recodex::judges::testing
