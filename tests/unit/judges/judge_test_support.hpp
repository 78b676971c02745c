// Helpers shared by the judges' unit tests: run a judge over two strings replayed in chunks.
#pragma once

#include "judges/token_judge.hpp"

#include <string>

namespace recodex::judges::testing {

struct judged {
  verdict outcome = verdict::wrong;
  std::string log;
  bool failed = false;
  std::string error;
};

inline judged judge_strings(const std::string& expected, const std::string& actual,
                            const token_judge_options& options, std::size_t chunk,
                            judge_limits limits = {}) {
  memory_source e{expected, chunk};
  memory_source a{actual, chunk};
  line_reader re{e, reader_options_for(options, limits)};
  line_reader ra{a, reader_options_for(options, limits)};
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
