// Token and line comparison (see token_compare.hpp). The numeric syntax is checked by hand
// before strtod so that "inf", "nan" and hex floats, which strtod accepts, stay text.
#include "judges/token_compare.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace recodex::judges {

std::string_view to_string(number_mode mode) {
  switch (mode) {
    case number_mode::text: return "text";
    case number_mode::tolerance: return "tolerance";
    case number_mode::legacy_relative: return "legacy_relative";
  }
  return "unknown";
}

std::string_view to_string(number_kind kind) {
  switch (kind) {
    case number_kind::none: return "none";
    case number_kind::integer: return "integer";
    case number_kind::real: return "real";
  }
  return "unknown";
}

namespace {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

} // namespace

parsed_number parse_number(std::string_view t) {
  parsed_number out;
  if (t.empty() || t.size() >= 32)
    return out;
  std::size_t i = 0;
  if (t[i] == '+' || t[i] == '-')
    ++i;
  std::size_t int_digits = 0;
  while (i < t.size() && is_digit(t[i]))
    ++i, ++int_digits;
  bool is_integer = int_digits > 0 && i == t.size();
  std::size_t frac_digits = 0;
  if (!is_integer) {
    if (i < t.size() && t[i] == '.') {
      ++i;
      while (i < t.size() && is_digit(t[i]))
        ++i, ++frac_digits;
    }
    if (int_digits + frac_digits == 0)
      return out;
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
      ++i;
      if (i < t.size() && (t[i] == '+' || t[i] == '-'))
        ++i;
      std::size_t exp_digits = 0;
      while (i < t.size() && is_digit(t[i]))
        ++i, ++exp_digits;
      if (exp_digits == 0)
        return out;
    }
    if (i != t.size())
      return out;
  }
  char buf[32];
  std::memcpy(buf, t.data(), t.size());
  buf[t.size()] = '\0';
  if (is_integer) {
    errno = 0;
    long long v = std::strtoll(buf, nullptr, 10);
    if (errno != ERANGE) {
      out.kind = number_kind::integer;
      out.integer = v;
      out.real = static_cast<double>(v);
      return out;
    }
    // Too large for 64 bits: compared as a real below.
  }
  double v = std::strtod(buf, nullptr);
  if (!std::isfinite(v))
    return out; // "1e999" overflows; no meaningful tolerance exists, so it stays text
  out.kind = number_kind::real;
  out.real = v;
  return out;
}

bool reals_equal(double a, double b, const compare_options& options) {
  if (options.numbers == number_mode::legacy_relative) {
    double diff = std::fabs(a / 2 - b / 2) * 2;
    if (diff <= 1e-30)
      return true;
    return diff <= 1e-5 * std::max(std::fabs(a), std::fabs(b));
  }
  // The spec's formula |a-b| / max(|a|+|b|, max(tol, 1e-4)); the floor keeps values near zero
  // from dividing by ~0. Both sides are halved so that values near DBL_MAX cannot overflow.
  double half_diff = std::fabs(a / 2 - b / 2);
  double half_denominator =
      std::max(std::fabs(a) / 2 + std::fabs(b) / 2, std::max(options.float_tolerance, 1e-4) / 2);
  return half_diff / half_denominator <= options.float_tolerance;
}

namespace {

bool text_equal(std::string_view a, std::string_view b, bool case_insensitive) {
  if (a.size() != b.size())
    return false;
  if (!case_insensitive)
    return std::memcmp(a.data(), b.data(), a.size()) == 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

} // namespace

bool tokens_equal(std::string_view a, std::string_view b, const compare_options& options) {
  if (options.numbers != number_mode::text && a.size() < 32 && b.size() < 32) {
    if (a == b)
      return true;
    parsed_number x = parse_number(a);
    if (x.kind != number_kind::none) {
      parsed_number y = parse_number(b);
      if (x.kind == number_kind::integer && y.kind == number_kind::integer)
        return x.integer == y.integer;
      if (y.kind != number_kind::none)
        return reals_equal(x.real, y.real, options);
    }
  }
  return text_equal(a, b, options.case_insensitive);
}

namespace {

std::uint64_t ordered_errors(const segment& a, const segment& b, const compare_options& options) {
  const std::size_t n = a.size(), m = b.size();
  if (n == m) {
    std::size_t i = 0;
    while (i < n && tokens_equal(a.token(i), b.token(i), options))
      ++i;
    if (i == n)
      return 0;
  }
  if (n == 0 || m == 0)
    return n + m;
  // Banded LCS: cell (i, j) exists only for |i - j| <= w. Cells left of the band carry the
  // value from the row above, cells right of it the value to their left: both are lower bounds,
  // so the error count is an upper bound of the exact one.
  const std::size_t w = options.lcs_window;
  std::vector<std::uint32_t> prev(m + 1, 0), cur(m + 1, 0);
  for (std::size_t i = 1; i <= n; ++i) {
    std::size_t lo = i > w ? i - w : 1;
    std::size_t hi = std::min(m, i + w);
    if (lo > m) {
      std::swap(prev, cur);
      continue;
    }
    cur[lo - 1] = prev[lo - 1];
    for (std::size_t j = lo; j <= hi; ++j) {
      if (tokens_equal(a.token(i - 1), b.token(j - 1), options))
        cur[j] = prev[j - 1] + 1;
      else
        cur[j] = std::max(prev[j], cur[j - 1]);
    }
    if (hi < m)
      cur[hi + 1] = std::max(cur[hi], prev[hi + 1]);
    std::swap(prev, cur);
  }
  std::uint32_t lcs = 0;
  for (auto v : prev)
    lcs = std::max(lcs, v);
  return n + m - 2 * static_cast<std::uint64_t>(lcs);
}

struct real_item {
  double value;
  bool from_integer;
};

// Counts elements of two sorted ranges that have no equal partner.
template <class T>
std::uint64_t unmatched_sorted(std::vector<T>& a, std::vector<T>& b, std::vector<T>* left_a,
                               std::vector<T>* left_b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::size_t i = 0, j = 0;
  std::uint64_t unmatched = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i] < b[j])) {
      if (left_a) left_a->push_back(a[i]);
      ++i, ++unmatched;
    } else if (i == a.size() || b[j] < a[i]) {
      if (left_b) left_b->push_back(b[j]);
      ++j, ++unmatched;
    } else {
      ++i, ++j;
    }
  }
  return unmatched;
}

std::uint64_t shuffled_errors(const segment& a, const segment& b, const compare_options& options) {
  std::vector<std::string> text[2];
  std::vector<long long> ints[2];
  std::vector<real_item> reals[2];
  const segment* sides[2] = {&a, &b};
  for (int s = 0; s < 2; ++s) {
    for (std::size_t i = 0; i < sides[s]->size(); ++i) {
      std::string_view tok = sides[s]->token(i);
      if (options.numbers != number_mode::text) {
        parsed_number p = parse_number(tok);
        if (p.kind == number_kind::integer) {
          ints[s].push_back(p.integer);
          continue;
        }
        if (p.kind == number_kind::real) {
          reals[s].push_back({p.real, false});
          continue;
        }
      }
      std::string t{tok};
      if (options.case_insensitive)
        for (auto& c : t)
          c = lower(c);
      text[s].push_back(std::move(t));
    }
  }
  std::uint64_t errors = unmatched_sorted<std::string>(text[0], text[1], nullptr, nullptr);
  std::vector<long long> left[2];
  unmatched_sorted(ints[0], ints[1], &left[0], &left[1]);
  // Integers left over may still pair with reals ("2" with "2.0"), never with each other.
  for (int s = 0; s < 2; ++s)
    for (long long v : left[s])
      reals[s].push_back({static_cast<double>(v), true});
  for (auto& r : reals)
    std::sort(r.begin(), r.end(), [](const real_item& x, const real_item& y) { return x.value < y.value; });
  std::size_t i = 0, j = 0;
  std::uint64_t paired = 0;
  while (i < reals[0].size() && j < reals[1].size()) {
    const auto& x = reals[0][i];
    const auto& y = reals[1][j];
    if (!(x.from_integer && y.from_integer) && reals_equal(x.value, y.value, options)) {
      ++i, ++j, ++paired;
    } else if (x.value < y.value) {
      ++i;
    } else {
      ++j;
    }
  }
  errors += reals[0].size() + reals[1].size() - 2 * paired;
  return errors;
}

} // namespace

std::uint64_t line_errors(const segment& expected, const segment& actual,
                          const compare_options& options) {
  std::uint64_t errors = expected.ends_line != actual.ends_line ? 1 : 0;
  errors += options.shuffled_tokens ? shuffled_errors(expected, actual, options)
                                    : ordered_errors(expected, actual, options);
  return errors;
}

bool lines_equal(const segment& expected, const segment& actual, const compare_options& options) {
  if (expected.ends_line != actual.ends_line || (!options.shuffled_tokens && expected.size() != actual.size()))
    return false;
  if (options.shuffled_tokens)
    return shuffled_errors(expected, actual, options) == 0;
  for (std::size_t i = 0; i < expected.size(); ++i)
    if (!tokens_equal(expected.token(i), actual.token(i), options))
      return false;
  return true;
}

} // namespace recodex::judges
