// recodex-judge-normal and recodex-judge-shuffle: the legacy CLIs mapped onto the token judge's
// machinery. They print "1.000000"/"0.000000" without a newline, exit 0/1/2, and log nothing.
// One source, two executables: RECODEX_LEGACY_SHUFFLE selects the command line.
#include "judges/judge_options.hpp"
#include "judges/token_judge.hpp"

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

using namespace recodex::judges;

namespace {

#ifdef RECODEX_LEGACY_SHUFFLE
constexpr const char* usage = "Usage: recodex-judge-shuffle [-[n][i][r]] <file1> <file2>\n"
                              "  n  newlines are whitespace\n"
                              "  i  tokens in a row may be permuted\n"
                              "  r  rows may be permuted\n";

recodex::result<verdict> run(const std::vector<std::string>& args, bool& usage_error) {
  auto parsed = parse_shuffle_judge_args(args);
  if (!parsed) {
    usage_error = true;
    return parsed.error();
  }
  const auto& o = parsed.value();
  reader_options reading;
  reading.ignore_line_ends = o.ignore_newlines;
  reading.ignore_trailing_whitespace = !o.ignore_newlines;
  compare_options comparing;
  // With newlines ignored the file is one row, so permuted rows mean permuted tokens.
  comparing.shuffled_tokens = o.shuffled_tokens || (o.ignore_newlines && o.shuffled_rows);
  bool shuffled_lines = o.shuffled_rows && !o.ignore_newlines;
  if (comparing.shuffled_tokens || shuffled_lines) {
    judge_limits limits;
    reading.max_segment_tokens = limits.max_held_bytes;
    reading.max_segment_bytes = limits.max_held_bytes;
  }
  diff_log quiet{nullptr, 0};
  return judge_files(o.expected_file, o.actual_file, reading, comparing, shuffled_lines, quiet);
}
#else
constexpr const char* usage = "Usage: recodex-judge-normal [-n|-r|-rn] <file1> <file2>\n"
                              "  n  newlines are whitespace\n"
                              "  r  real-number tokens (relative error 1e-5)\n";

recodex::result<verdict> run(const std::vector<std::string>& args, bool& usage_error) {
  auto parsed = parse_normal_judge_args(args);
  if (!parsed) {
    usage_error = true;
    return parsed.error();
  }
  const auto& o = parsed.value();
  reader_options reading;
  reading.ignore_line_ends = o.newlines_are_whitespace;
  reading.ignore_trailing_whitespace = !o.newlines_are_whitespace;
  compare_options comparing;
  comparing.numbers = o.real_numbers ? number_mode::legacy_relative : number_mode::text;
  diff_log quiet{nullptr, 0};
  return judge_files(o.expected_file, o.actual_file, reading, comparing, false, quiet);
}
#endif

} // namespace

int main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    bool usage_error = false;
    auto outcome = run(args, usage_error);
    if (!outcome) {
      if (usage_error) {
        std::fprintf(stderr, "Error: %s\n%s", outcome.error().message.c_str(), usage);
        return 2;
      }
      std::fputs("0.000000", stdout);
      std::fprintf(stderr, "Error: %s\n", outcome.error().message.c_str());
      return 2;
    }
    bool correct = outcome.value() == verdict::correct;
    std::fputs(correct ? "1.000000" : "0.000000", stdout);
    return correct ? 0 : 1;
  } catch (const std::exception& e) {
    std::fputs("0.000000", stdout);
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 2;
  }
}
