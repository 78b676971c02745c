// Tests judges/judge_options.hpp: every option of the token judge, its range and the conflict
// rules, log-limit suffixes, and the legacy judges' switch bundles.
#include "judges/judge_options.hpp"

#include <catch2/catch.hpp>

using namespace recodex::judges;

namespace {
using args = std::vector<std::string>;
}

TEST_CASE("token judge defaults follow the spec", "[judges][options]") {
  auto r = parse_token_judge_args({"e", "a"});
  REQUIRE(r);
  const auto& o = r.value();
  CHECK_FALSE(o.ignore_empty_lines);
  CHECK_FALSE(o.allow_comments);
  CHECK_FALSE(o.ignore_line_ends);
  CHECK_FALSE(o.ignore_trailing_whitespace);
  CHECK_FALSE(o.case_insensitive);
  CHECK_FALSE(o.numeric);
  CHECK(o.float_tolerance == 0.0001);
  CHECK_FALSE(o.shuffled_tokens);
  CHECK_FALSE(o.shuffled_lines);
  CHECK(o.token_lcs_approx_max_window == 11);
  CHECK_FALSE(o.has_log_limit);
  CHECK(o.expected_file == "e");
  CHECK(o.actual_file == "a");
}

TEST_CASE("every boolean option of the token judge sets its field", "[judges][options]") {
  struct row {
    std::string name;
    bool token_judge_options::*field;
  };
  const row rows[] = {
    {"--ignore-empty-lines", &token_judge_options::ignore_empty_lines},
    {"--allow-comments", &token_judge_options::allow_comments},
    {"--ignore-line-ends", &token_judge_options::ignore_line_ends},
    {"--ignore-trailing-whitespace", &token_judge_options::ignore_trailing_whitespace},
    {"--case-insensitive", &token_judge_options::case_insensitive},
    {"--numeric", &token_judge_options::numeric},
    {"--shuffled-tokens", &token_judge_options::shuffled_tokens},
    {"--shuffled-lines", &token_judge_options::shuffled_lines},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    auto parsed = parse_token_judge_args({r.name, "e", "a"});
    REQUIRE(parsed);
    CHECK(parsed.value().*r.field);
    // Options may also follow the files.
    auto after = parse_token_judge_args({"e", "a", r.name});
    REQUIRE(after);
    CHECK(after.value().*r.field);
  }
}

TEST_CASE("value options accept their ranges and reject everything else", "[judges][options]") {
  struct row {
    args input;
    bool good;
    std::string error_part;
  };
  const row rows[] = {
    {{"--float-tolerance", "0"}, true, ""},
    {{"--float-tolerance", "0.9"}, true, ""},
    {{"--float-tolerance=0.5"}, true, ""},
    {{"--float-tolerance", "0.91"}, false, "between 0 and 0.9"},
    {{"--float-tolerance", "-0.1"}, false, "between 0 and 0.9"},
    {{"--float-tolerance", "nan"}, false, "expects a number"},
    {{"--float-tolerance", "1e999"}, false, "expects a number"},
    {{"--float-tolerance", "abc"}, false, "expects a number"},
    {{"--float-tolerance", ""}, false, "empty value"},
    {{"--token-lcs-approx-max-window", "0"}, true, ""},
    {{"--token-lcs-approx-max-window", "255"}, true, ""},
    {{"--token-lcs-approx-max-window", "256"}, false, "between 0 and 255"},
    {{"--token-lcs-approx-max-window", "-1"}, false, "non-negative integer"},
    {{"--token-lcs-approx-max-window", "3x"}, false, "non-negative integer"},
    {{"--log-limit", "0"}, true, ""},
    {{"--log-limit", "4k"}, true, ""},
    {{"--log-limit", "1T"}, true, ""},
    {{"--log-limit", "4K"}, false, "non-negative integer"},
    {{"--log-limit", "k"}, false, "empty value"},
    {{"--log-limit", "99999999999999999999"}, false, "too large"},
    {{"--log-limit", "99999999999T"}, false, "too large"},
    {{"--log-limit", "1", "--log-limit", "2"}, false, "more than once"},
    {{"--numeric=yes"}, false, "takes no value"},
    {{"--numeric", "--numeric"}, true, ""},
    {{"--nonsense"}, false, "Unknown option '--nonsense'"},
    {{"-x"}, false, "Unknown option '-x'"},
  };
  for (const auto& r : rows) {
    args input = r.input;
    input.push_back("e");
    input.push_back("a");
    INFO(Catch::Detail::stringify(input));
    auto parsed = parse_token_judge_args(input);
    CHECK(static_cast<bool>(parsed) == r.good);
    if (!parsed) {
      CHECK_THAT(parsed.error().message, Catch::Contains(r.error_part));
    }
  }
}

TEST_CASE("a value option at the end without its value is refused", "[judges][options]") {
  auto r = parse_token_judge_args({"e", "a", "--float-tolerance"});
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("expects a value"));
}

TEST_CASE("conflicting options are refused in either order", "[judges][options]") {
  const std::pair<std::string, std::string> conflicts[] = {
    {"--ignore-empty-lines", "--ignore-line-ends"},
    {"--ignore-empty-lines", "--ignore-trailing-whitespace"},
    {"--ignore-line-ends", "--ignore-trailing-whitespace"},
    {"--shuffled-lines", "--ignore-line-ends"},
  };
  for (const auto& [a, b] : conflicts) {
    INFO(a << " " << b);
    auto ab = parse_token_judge_args({a, b, "e", "a"});
    auto ba = parse_token_judge_args({b, a, "e", "a"});
    REQUIRE_FALSE(ab);
    REQUIRE_FALSE(ba);
    CHECK_THAT(ab.error().message, Catch::Contains("conflicts with"));
  }
  // Pairs that are fine together.
  CHECK(parse_token_judge_args({"--shuffled-lines", "--shuffled-tokens", "--ignore-empty-lines",
                                "--allow-comments", "--numeric", "--case-insensitive", "e", "a"}));
  CHECK(parse_token_judge_args({"--ignore-line-ends", "--shuffled-tokens", "e", "a"}));
}

TEST_CASE("the token judge needs exactly two files", "[judges][options]") {
  CHECK_FALSE(parse_token_judge_args({}));
  CHECK_FALSE(parse_token_judge_args({"e"}));
  CHECK_FALSE(parse_token_judge_args({"e", "a", "x"}));
  auto dashed = parse_token_judge_args({"--", "--odd", "a"});
  REQUIRE(dashed);
  CHECK(dashed.value().expected_file == "--odd");
}

TEST_CASE("log limits take k, M, G and T as powers of 1024", "[judges][options]") {
  CHECK(parse_log_limit("0").value() == 0);
  CHECK(parse_log_limit("17").value() == 17);
  CHECK(parse_log_limit("4k").value() == 4096);
  CHECK(parse_log_limit("3M").value() == 3u << 20);
  CHECK(parse_log_limit("2G").value() == std::uint64_t{2} << 30);
  CHECK(parse_log_limit("5T").value() == std::uint64_t{5} << 40);
  CHECK_FALSE(parse_log_limit(""));
  CHECK_FALSE(parse_log_limit("1.5k"));
  CHECK_FALSE(parse_log_limit("1kk"));
}

TEST_CASE("legacy judges take one switch bundle and two files", "[judges][options]") {
  auto plain = parse_normal_judge_args({"e", "a"});
  REQUIRE(plain);
  CHECK_FALSE(plain.value().newlines_are_whitespace);
  CHECK_FALSE(plain.value().real_numbers);
  for (auto flags : {"-rn", "-nr"}) {
    auto rn = parse_normal_judge_args({flags, "e", "a"});
    REQUIRE(rn);
    CHECK(rn.value().newlines_are_whitespace);
    CHECK(rn.value().real_numbers);
  }
  CHECK(parse_normal_judge_args({"-n", "e", "a"}).value().newlines_are_whitespace);
  CHECK(parse_normal_judge_args({"-r", "e", "a"}).value().real_numbers);
  CHECK_FALSE(parse_normal_judge_args({"-i", "e", "a"}));
  CHECK_FALSE(parse_normal_judge_args({"e"}));

  auto all = parse_shuffle_judge_args({"-nir", "e", "a"});
  REQUIRE(all);
  CHECK(all.value().ignore_newlines);
  CHECK(all.value().shuffled_tokens);
  CHECK(all.value().shuffled_rows);
  CHECK(parse_shuffle_judge_args({"-i", "e", "a"}).value().shuffled_tokens);
  CHECK_FALSE(parse_shuffle_judge_args({"-x", "e", "a"}));
  CHECK_FALSE(parse_shuffle_judge_args({"-i", "e", "a", "b"}));
}
