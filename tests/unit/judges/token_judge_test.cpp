// Tests judges/token_judge.hpp: verdicts and the exact diff log for one row per case, with
// both files replayed in chunks of 1, 2, 5, 64 and 4096 bytes.
#include "judge_test_support.hpp"

#include <catch2/catch.hpp>

using namespace recodex::judges;
using namespace recodex::judges::testing;

namespace {

struct row {
  std::vector<std::string> options;
  std::string expected, actual;
  verdict outcome;
  std::string log;
};

void check_rows(const std::vector<row>& rows) {
  auto chunk = GENERATE(1, 2, 5, 64, 4096);
  for (const auto& r : rows) {
    INFO(Catch::Detail::stringify(r.options) << "\nexpected: " << Catch::Detail::stringify(r.expected)
                                             << "\nactual: " << Catch::Detail::stringify(r.actual)
                                             << "\nchunk " << chunk);
    auto out = judge_strings(r.expected, r.actual, options_of(r.options), chunk);
    REQUIRE_FALSE(out.failed);
    CHECK(out.outcome == r.outcome);
    CHECK(out.log == r.log);
  }
}

constexpr auto ok = verdict::correct;
constexpr auto bad = verdict::wrong;

} // namespace

TEST_CASE("verdict names", "[judges]") {
  CHECK(to_string(verdict::correct) == "correct");
  CHECK(to_string(verdict::wrong) == "wrong");
}

TEST_CASE("ordered comparison and its diff log", "[judges][judge]") {
  check_rows({
    {{}, "", "", ok, ""},
    {{}, "a b\nc\n", "a  b\t\nc", ok, ""},
    {{}, "a\n", "b\n", bad, "-1: a\n+1: b\n"},
    {{}, "a\nb\nc\nd\ne\n", "a\nx\nc\ne\nf\n", bad, "-2: b\n+2: x\n-4: d\n+5: f\n"},
    {{}, "a\nb\n", "a\n", bad, "-2: b\n"},
    {{}, "a\n", "a\nb\n", bad, "+2: b\n"},
    {{}, "", "x\n", bad, "+1: x\n"},
    {{}, "x y z w\n", "x y q w\n", bad, "-1: x y z w\n+1: x y q w\n"},
    {{}, "a\nsame\n", "b\nsame\nextra\n", bad, "-1: a\n+1: b\n+3: extra\n"},
    {{}, "1 2\n", "1 2 3\n", bad, "-1: 1 2\n+1: 1 2 3\n"},
    {{}, "a\n", "a\n\n", bad, "+2: \n"},
    {{"--ignore-trailing-whitespace"}, "9 5 4\n", "9 5 4 \n \n\n ", ok, ""},
    {{}, "9 5 4\n", "9 5 4 \n \n\n ", bad, "+2:  \n+3: \n+4:  \n"},
    {{"--ignore-trailing-whitespace"}, "a\n\nb\n", "a\nb\n", bad, "-2: \n"},
    {{"--ignore-empty-lines"}, "a\n\nb\n", "a\nb\n\n\n", ok, ""},
    {{"--ignore-line-ends"}, "a b\nc\n", "a\nb c\n", ok, ""},
    {{"--ignore-line-ends"}, "a b\nc\n", "a\nb d\n", bad, "-1: \n+1: \n"},
    {{"--allow-comments"}, "# header\na\n", "a\n# trailer\n", ok, ""},
    {{}, "# header\na\n", "a\n", bad, "-1: # header\n"},
    {{"--case-insensitive"}, "Hello World\n", "hello WORLD\n", ok, ""},
    {{}, "Hello\n", "hello\n", bad, "-1: Hello\n+1: hello\n"},
    {{"--numeric"}, "1 2.5 x\n", "1 2.50001 x\n", ok, ""},
    {{"--numeric"}, "3\n", "3.0\n", ok, ""},
    {{"--numeric", "--float-tolerance", "0"}, "2.5\n", "2.50001\n", bad, "-1: 2.5\n+1: 2.50001\n"},
    {{"--numeric", "--float-tolerance", "0.1"}, "10.0\n", "11.0\n", ok, ""},
    {{"--shuffled-tokens"}, "a b c\nd e\n", "c a b\ne d\n", ok, ""},
    {{"--shuffled-tokens"}, "a b c\n", "c a a\n", bad, "-1: a b c\n+1: c a a\n"},
    {{"--shuffled-tokens", "--ignore-line-ends"}, "a b\nc d\n", "d c b a", ok, ""},
    {{"--shuffled-tokens", "--numeric", "--allow-comments"}, "#x\n1 2.0\n", "2 1\n", ok, ""},
    {{}, "a\r\nb\r\n", "a\nb\n", ok, ""},
  });
}

TEST_CASE("shuffled lines match lines in any order", "[judges][judge]") {
  check_rows({
    {{"--shuffled-lines"}, "a\nb\nc\n", "c\na\nb\n", ok, ""},
    {{"--shuffled-lines"}, "a\nb\nb\n", "b\na\na\n", bad, "-3: b\n+3: a\n"},
    {{"--shuffled-lines"}, "a\nb\n", "b\n", bad, "-1: a\n"},
    {{"--shuffled-lines", "--shuffled-tokens"}, "a b\nc d\n", "d c\nb a\n", ok, ""},
    {{"--shuffled-lines", "--case-insensitive"}, "A\nb\n", "B\na\n", ok, ""},
    {{"--shuffled-lines", "--numeric"}, "x 1.0\nx 2.0\n", "x 2.00001\nx 1\n", ok, ""},
    {{"--shuffled-lines", "--numeric"}, "x 1.0\n", "x 1.1\n", bad, "-1: x 1.0\n+1: x 1.1\n"},
    {{"--shuffled-lines", "--ignore-empty-lines"}, "a\n\nb\n", "b\na\n", ok, ""},
    {{"--shuffled-lines"}, "a\n\nb\n", "b\na\n", bad, "-2: \n"},
    {{"--shuffled-lines", "--allow-comments"}, "#c\na\nb\n", "b\n#d\na\n", ok, ""},
  });
}

TEST_CASE("the log limit keeps whole lines and stops the judge", "[judges][judge]") {
  auto chunk = GENERATE(1, 64, 4096);
  std::string e, a;
  for (int i = 0; i < 100; ++i) {
    e += "line " + std::to_string(i) + "\n";
    a += "other " + std::to_string(i) + "\n";
  }
  auto all = judge_strings(e, a, options_of({}), chunk);
  CHECK(all.outcome == verdict::wrong);
  CHECK(all.log.size() > 1000);
  auto limited = judge_strings(e, a, options_of({"--log-limit", "30"}), chunk);
  CHECK(limited.outcome == verdict::wrong);
  // Lines sharing under two thirds of their tokens are not paired: diff-style "-" block first.
  CHECK(limited.log == "-1: line 0\n-2: line 1\n"); // 22 bytes; the next line would pass 30
  auto none = judge_strings(e, a, options_of({"--log-limit", "0"}), chunk);
  CHECK(none.outcome == verdict::wrong);
  CHECK(none.log.empty());
  auto k = judge_strings(e, a, options_of({"--log-limit", "1k"}), chunk);
  CHECK(k.log.size() <= 1024);
  CHECK(k.log.size() > 1000);
}

TEST_CASE("a difference far into a long input is found and logged alone", "[judges][judge]") {
  std::string e, a;
  for (int i = 0; i < 5000; ++i) {
    e += std::to_string(i) + " x y\n";
    a += (i == 4321 ? std::string{"4321 x z"} : std::to_string(i) + " x y") + "\n";
  }
  auto out = judge_strings(e, a, options_of({}), 4096);
  CHECK(out.outcome == verdict::wrong);
  CHECK(out.log == "-4322: 4321 x y\n+4322: 4321 x z\n");
}

// A block of extra lines smaller than the window (100 lines) is logged alone; a larger block is
// still a wrong answer but its log lists both sides from there on (a documented approximation).
TEST_CASE("windows realign after a block of extra lines", "[judges][judge]") {
  std::string e, a;
  for (int i = 0; i < 300; ++i) {
    e += "l" + std::to_string(i) + "\n";
    a += "l" + std::to_string(i) + "\n";
    if (i == 10)
      for (int j = 0; j < 60; ++j)
        a += "extra\n";
  }
  auto out = judge_strings(e, a, options_of({}), 64);
  CHECK(out.outcome == verdict::wrong);
  std::string expected_log;
  for (int j = 0; j < 60; ++j)
    expected_log += "+" + std::to_string(12 + j) + ": extra\n";
  CHECK(out.log == expected_log);
}

TEST_CASE("binary garbage is judged, not crashed on", "[judges][judge]") {
  std::string garbage;
  std::uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245 + 12345;
    garbage += static_cast<char>(x >> 24);
  }
  for (auto opts : std::vector<std::vector<std::string>>{
         {}, {"--numeric"}, {"--shuffled-tokens", "--numeric"}, {"--shuffled-lines"},
         {"--ignore-line-ends", "--case-insensitive"}}) {
    INFO(Catch::Detail::stringify(opts));
    auto same = judge_strings(garbage, garbage, options_of(opts), 4096);
    CHECK_FALSE(same.failed);
    CHECK(same.outcome == verdict::correct);
    auto different = judge_strings(garbage, garbage.substr(0, 15000) + "\n\x01", options_of(opts), 4096);
    CHECK_FALSE(different.failed);
    CHECK(different.outcome == verdict::wrong);
  }
}

TEST_CASE("shuffled comparison refuses lines beyond its memory bound", "[judges][judge]") {
  judge_limits small;
  small.max_held_bytes = 1024;
  std::string big(4000, 'a');
  auto tokens = judge_strings(big + "\n", big + "\n", options_of({"--shuffled-tokens"}), 4096, small);
  CHECK(tokens.failed);
  CHECK_THAT(tokens.error, Catch::Contains("too long"));
  std::string many;
  for (int i = 0; i < 200; ++i)
    many += "token\n";
  auto lines = judge_strings(many, many, options_of({"--shuffled-lines"}), 4096, small);
  CHECK(lines.failed);
  CHECK_THAT(lines.error, Catch::Contains("--shuffled-lines"));
}
