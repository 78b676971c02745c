// Command lines of every judge, parsed into plain structs with the spec's defaults, ranges and
// conflict rules (spec section 8). Parsing never exits or prints: bad arguments come back as
// errors and the executables turn them into "Error: ..." plus usage on stderr and exit 2.
#pragma once

#include "messages/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::judges {

// -- recodex-token-judge --
struct token_judge_options {
  bool ignore_empty_lines = false;
  bool allow_comments = false;
  bool ignore_line_ends = false;
  bool ignore_trailing_whitespace = false;
  bool case_insensitive = false;
  bool numeric = false;
  double float_tolerance = 0.0001;   // [0, 0.9]
  bool shuffled_tokens = false;
  bool shuffled_lines = false;
  unsigned token_lcs_approx_max_window = 11; // [0, 255]
  bool has_log_limit = false;
  std::uint64_t log_limit = 0;       // bytes, only when has_log_limit
  std::string expected_file;
  std::string actual_file;
};

result<token_judge_options> parse_token_judge_args(const std::vector<std::string>& args);
std::string token_judge_usage(std::string_view program);

// "4k" -> 4096; suffixes k, M, G, T are powers of 1024.
result<std::uint64_t> parse_log_limit(std::string_view text);

// -- recodex-judge-normal: [-n|-r|-rn] <file1> <file2> --
struct normal_judge_options {
  bool newlines_are_whitespace = false; // -n
  bool real_numbers = false;            // -r
  std::string expected_file;
  std::string actual_file;
};
result<normal_judge_options> parse_normal_judge_args(const std::vector<std::string>& args);

// -- recodex-judge-shuffle: [-[n][i][r]] <f1> <f2> --
struct shuffle_judge_options {
  bool ignore_newlines = false; // n
  bool shuffled_tokens = false; // i: tokens in a row may be permuted
  bool shuffled_rows = false;   // r: rows may be permuted
  std::string expected_file;
  std::string actual_file;
};
result<shuffle_judge_options> parse_shuffle_judge_args(const std::vector<std::string>& args);

} // namespace recodex::judges
