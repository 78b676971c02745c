// Token and line comparison: exact, ASCII case-insensitive, numeric (integers exactly, floats
// within the spec's tolerance), ordered lines with a banded token LCS (the approximation window)
// and shuffled lines as multisets. Pure functions of the tokens: no I/O.
#pragma once

#include "judges/line_reader.hpp"

#include <cstdint>
#include <string_view>

namespace recodex::judges {

enum class number_mode : std::uint8_t {
  text,             // tokens are only text
  tolerance,        // recodex-token-judge --numeric: |a-b|/max(|a|+|b|, max(tol,1e-4)) <= tol
  legacy_relative,  // recodex-judge-normal -r: |a-b| <= 1e-5 * max(|a|,|b|), |a-b| <= 1e-30 always ok
};
std::string_view to_string(number_mode mode);

enum class number_kind : std::uint8_t { none, integer, real };
std::string_view to_string(number_kind kind);

struct parsed_number {
  number_kind kind = number_kind::none;
  long long integer = 0;
  double real = 0.0;
};

// Decimal notation only: [+-]digits is an integer (if it fits 64 bits, otherwise a real);
// [+-](digits[.digits]|.digits)([eE][+-]digits) is a real. "inf", "nan", hex floats, tokens of
// 32 or more characters and values that overflow a double are not numbers (compared as text).
parsed_number parse_number(std::string_view token);

struct compare_options {
  bool case_insensitive = false;
  number_mode numbers = number_mode::text;
  double float_tolerance = 0.0001;
  bool shuffled_tokens = false;
  unsigned lcs_window = 11;
};

bool reals_equal(double a, double b, const compare_options& options);
bool tokens_equal(std::string_view a, std::string_view b, const compare_options& options);

// Number of unpaired tokens between two segments (0 = they match). A differing `ends_line`
// counts one. Ordered: tokens are paired by an LCS restricted to |i-j| <= lcs_window (0 pairs
// only equal positions). Shuffled: a multiset match, floats paired greedily in sorted order.
std::uint64_t line_errors(const segment& expected, const segment& actual,
                          const compare_options& options);
bool lines_equal(const segment& expected, const segment& actual, const compare_options& options);

} // namespace recodex::judges
