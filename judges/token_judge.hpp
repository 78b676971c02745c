// The token judge's algorithms over two line_readers: ordered comparison (a streaming fast path,
// and after a mismatch a line LCS over bounded windows that writes the diff log) and shuffled
// lines (every line is held, capped at max_held_bytes per file; beyond it the judge fails with
// exit 2 rather than exhausting memory).
#pragma once

#include "judges/diff_log.hpp"
#include "judges/judge_options.hpp"
#include "judges/line_reader.hpp"
#include "judges/token_compare.hpp"

namespace recodex::judges {

enum class verdict : std::uint8_t { correct, wrong };
std::string_view to_string(verdict v);

struct judge_limits {
  std::size_t window_lines = 100;        // lines per side in one LCS window
  std::size_t window_tokens = 10000;     // tokens per side in one LCS window
  std::size_t max_held_bytes = std::size_t{256} << 20; // shuffled lines / shuffled tokens
  bool byte_lane = true; // ordered: skip byte-identical lines untokenized (tests compare to off)
};

result<verdict> judge_ordered(line_reader& expected, line_reader& actual,
                              const compare_options& options, diff_log& log,
                              const judge_limits& limits = {});
result<verdict> judge_shuffled_lines(line_reader& expected, line_reader& actual,
                                     const compare_options& options, diff_log& log,
                                     const judge_limits& limits = {});

// The reader and comparer settings the token judge derives from its options.
reader_options reader_options_for(const token_judge_options& options, const judge_limits& limits = {});
compare_options compare_options_for(const token_judge_options& options);

// Opens both files and runs the ordered or the shuffled-lines algorithm.
result<verdict> judge_files(const std::string& expected_path, const std::string& actual_path,
                            const reader_options& reading, const compare_options& comparing,
                            bool shuffled_lines, diff_log& log, const judge_limits& limits = {});

// Opens both files and judges them; the executable only prints the outcome.
result<verdict> run_token_judge(const token_judge_options& options, diff_log& log);

} // namespace recodex::judges
