// Tests judges/token_compare.hpp: the number syntax, the float tolerance formula at its edges,
// case-insensitivity, shuffled tokens and the LCS approximation window.
#include "judges/token_compare.hpp"

#include <catch2/catch.hpp>

using namespace recodex::judges;

namespace {

compare_options numeric(double tolerance = 0.0001) {
  compare_options o;
  o.numbers = number_mode::tolerance;
  o.float_tolerance = tolerance;
  return o;
}

segment line_of(std::initializer_list<std::string_view> tokens) {
  segment s;
  for (auto t : tokens) {
    s.tokens.push_back({static_cast<std::uint32_t>(s.text.size()), static_cast<std::uint32_t>(t.size())});
    s.text += t;
  }
  return s;
}

} // namespace

TEST_CASE("every enumerator of the judges has a name", "[judges]") {
  for (auto m : {number_mode::text, number_mode::tolerance, number_mode::legacy_relative})
    CHECK(to_string(m) != "unknown");
  for (auto k : {number_kind::none, number_kind::integer, number_kind::real})
    CHECK(to_string(k) != "unknown");
}

TEST_CASE("only decimal notation is a number", "[judges][compare]") {
  struct row {
    std::string token;
    number_kind kind;
  };
  const row rows[] = {
    {"0", number_kind::integer},      {"-0", number_kind::integer},
    {"+17", number_kind::integer},    {"007", number_kind::integer},
    {"9223372036854775807", number_kind::integer},
    {"9223372036854775808", number_kind::real}, // beyond 64 bits: compared as a real
    {"1.5", number_kind::real},       {"-.5", number_kind::real},
    {"5.", number_kind::real},        {"1e5", number_kind::real},
    {"1E-5", number_kind::real},      {"-0.0", number_kind::real},
    {"1e308", number_kind::real},     {"1e-400", number_kind::real}, // underflow is 0
    {"1e400", number_kind::none},     {"inf", number_kind::none},
    {"-inf", number_kind::none},      {"nan", number_kind::none},
    {"infinity", number_kind::none},  {"0x10", number_kind::none},
    {"1e", number_kind::none},        {"1e+", number_kind::none},
    {".", number_kind::none},         {"-", number_kind::none},
    {"+", number_kind::none},         {"", number_kind::none},
    {"1,5", number_kind::none},       {"12a", number_kind::none},
    {"1.2.3", number_kind::none},     {"--1", number_kind::none},
    {std::string(31, '1'), number_kind::real},
    {std::string(32, '1'), number_kind::none}, // 32 characters and more are text
  };
  for (const auto& r : rows) {
    INFO(r.token);
    CHECK(parse_number(r.token).kind == r.kind);
  }
}

TEST_CASE("numeric tokens follow the spec's tolerance formula", "[judges][compare]") {
  struct row {
    std::string a, b;
    double tolerance;
    bool equal;
  };
  const row rows[] = {
    {"1", "1", 0.0001, true},
    {"1", "2", 0.9, false},            // two integers: exact, whatever the tolerance
    {"1000000", "1000001", 0.1, false},
    {"007", "7", 0.0001, true},
    {"+7", "7", 0.0001, true},
    {"1", "1.0", 0.0001, true},        // an integer and a real compare as reals
    {"2", "2.0001", 0.0001, true},     // |d|/4.0001 = 2.5e-5
    {"1.0", "1.0003", 0.0001, false},  // 0.0003/2.0003 = 1.5e-4
    {"1.0", "1.0002", 0.0001, true},   // 0.0002/2.0002 = 9.999e-5
    {"0", "0.0", 0.0001, true},
    {"0.0", "-0.0", 0.0, true},        // negative zero equals zero
    {"-0", "0", 0.0, true},
    {"0", "0.000000005", 0.0001, true}, // near zero the denominator is max(tol, 1e-4)
    {"0", "0.00000002", 0.0, false},   // tolerance 0: exactly equal only
    {"0", "0.9e-8", 0.0001, true},     // 0.9e-8 / 1e-4 = 0.9e-4
    {"0", "2e-8", 0.0001, false},
    {"0.0", "0.01", 0.5, true},        // 0.01 / max(0.01, 0.5) = 0.02
    {"-1.5", "1.5", 0.9, false},       // 3 / 3 = 1
    {"1e300", "1.00001e300", 0.0001, true},
    {"1e308", "1.7e308", 0.9, true},   // |a|+|b| would overflow a double: computed halved
    {"1e308", "1.7e308", 0.0001, false},
    {"-1.7e308", "1.7e308", 0.9, false},
    {"1e400", "1e400", 0.0001, true},  // overflowing values are text
    {"1e400", "2e400", 0.9, false},
    {"1e400", "1.0e400", 0.9, false},
    {"inf", "inf", 0.0001, true},
    {"inf", "INF", 0.0001, false},
    {"nan", "nan", 0.0001, true},      // text, so nan equals itself
    {"1.5", "abc", 0.9, false},
    {"1.5", "1.5x", 0.9, false},
    {std::string(31, '1') + "", "1" + std::string(30, '1') + "", 0.0001, true},
    {"1" + std::string(31, '0'), "1" + std::string(30, '0') + ".0", 0.0001, false}, // >= 32: text
    {"9223372036854775808", "9223372036854775809", 0.0001, true}, // beyond 64 bits: reals
  };
  for (const auto& r : rows) {
    INFO(r.a << " vs " << r.b << " tol " << r.tolerance);
    CHECK(tokens_equal(r.a, r.b, numeric(r.tolerance)) == r.equal);
    CHECK(tokens_equal(r.b, r.a, numeric(r.tolerance)) == r.equal);
  }
  // Without --numeric numbers are text.
  CHECK_FALSE(tokens_equal("1", "1.0", compare_options{}));
  CHECK_FALSE(tokens_equal("-0", "0", compare_options{}));
}

TEST_CASE("the legacy relative error is 1e-5 with an absolute floor of 1e-30", "[judges][compare]") {
  compare_options o;
  o.numbers = number_mode::legacy_relative;
  CHECK(tokens_equal("1.0", "1.000009", o));
  CHECK_FALSE(tokens_equal("1.0", "1.00002", o));
  CHECK(tokens_equal("1e-31", "-1e-31", o));
  CHECK_FALSE(tokens_equal("1e-20", "2e-20", o));
  CHECK(tokens_equal("3", "3", o));
}

TEST_CASE("case-insensitive comparison folds ASCII letters only", "[judges][compare]") {
  compare_options o;
  o.case_insensitive = true;
  CHECK(tokens_equal("HeLLo", "hello", o));
  CHECK_FALSE(tokens_equal("hello", "hell", o));
  CHECK_FALSE(tokens_equal("\xc3\x89", "\xc3\xa9", o)); // É vs é: bytes, not letters
  CHECK_FALSE(tokens_equal("HeLLo", "hello", compare_options{}));
  std::string long_a(40, 'A'), long_b(40, 'a');
  CHECK(tokens_equal(long_a, long_b, o));
}

TEST_CASE("shuffled tokens compare lines as multisets", "[judges][compare]") {
  compare_options o;
  o.shuffled_tokens = true;
  CHECK(line_errors(line_of({"a", "b", "c"}), line_of({"c", "a", "b"}), o) == 0);
  CHECK(line_errors(line_of({"a", "a", "b"}), line_of({"a", "b", "b"}), o) == 2);
  CHECK(line_errors(line_of({"a"}), line_of({}), o) == 1);
  o.case_insensitive = true;
  CHECK(line_errors(line_of({"A", "b"}), line_of({"B", "a"}), o) == 0);
  o.numbers = number_mode::tolerance;
  CHECK(line_errors(line_of({"1", "2.5", "x"}), line_of({"2.50001", "x", "1.0"}), o) == 0);
  CHECK(line_errors(line_of({"1", "2"}), line_of({"2", "1"}), o) == 0);
  CHECK(line_errors(line_of({"1000000"}), line_of({"1000001"}), o) == 2); // integers stay exact
  CHECK(line_errors(line_of({"1.0", "3.0"}), line_of({"3.00001", "0.99999"}), o) == 0);
  CHECK(line_errors(line_of({"1.0", "3.0"}), line_of({"3.1", "0.99999"}), o) == 2);
}

TEST_CASE("ordered lines count errors with a banded token LCS", "[judges][compare]") {
  compare_options o;
  auto a = line_of({"a", "b", "c", "d"});
  CHECK(line_errors(a, line_of({"a", "b", "c", "d"}), o) == 0);
  CHECK(line_errors(a, line_of({"a", "x", "c", "d"}), o) == 2);
  CHECK(line_errors(a, line_of({"b", "c", "d"}), o) == 1);
  CHECK(line_errors(a, line_of({}), o) == 4);
  // One token inserted at the front: within the window the rest still pairs up ...
  auto shifted = line_of({"x", "a", "b", "c", "d"});
  o.lcs_window = 1;
  CHECK(line_errors(a, shifted, o) == 1);
  // ... with a window of 0 only equal positions pair.
  o.lcs_window = 0;
  CHECK(line_errors(a, shifted, o) == 9);
  auto moved = line_of({"c", "d", "x", "y", "a", "b"});
  o.lcs_window = 11;
  CHECK(line_errors(a, moved, o) == 6); // exact LCS = 2 ("c d" or "a b")
  o.lcs_window = 1;
  CHECK(line_errors(a, moved, o) >= 6); // the band only finds a lower bound of the LCS
  auto open = line_of({"a"});
  open.ends_line = false;
  CHECK(line_errors(line_of({"a"}), open, compare_options{}) == 1);
}
