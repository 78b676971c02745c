// Tests judges/token_judge.hpp: verdicts and the exact diff log for one row per case, with
// both files replayed in chunks of 1, 2, 5, 64 and 4096 bytes. The byte lane's cases compare
// the judge with the lane to the same judge with it off (every line tokenized) under every option
// set, small read buffers and edits at every byte offset.
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

// -- the byte lane: after a difference, byte-identical lines are skipped untokenized --

namespace {

// Lines of every kind the options care about: words in mixed case, integers and reals, empty
// and blank lines, comments and a Windows line end.
std::string block_line(int i) {
  if (i % 7 == 3)
    return "";
  if (i % 11 == 5)
    return "  \t";
  if (i % 13 == 6)
    return "# note " + std::to_string(i);
  if (i % 17 == 8)
    return "crlf " + std::to_string(i) + "\r";
  return std::to_string(i) + " Alpha beta " + std::to_string(i % 10) + ".5 gamma";
}

std::string block(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i)
    out += block_line(i) + "\n";
  return out;
}

// The same judge with the lane off is the reference: the path that tokenizes every line.
judged reference(const std::string& e, const std::string& a, const token_judge_options& o,
                 std::size_t chunk, std::size_t buffer, judge_limits off = {}) {
  off.byte_lane = false;
  return judge_strings(e, a, o, chunk, off, buffer);
}

} // namespace

TEST_CASE("a difference on line 1 followed by identical lines is logged alone, lines skipped",
          "[judges][judge][lane]") {
  auto chunk = GENERATE(1, 64, 4096);
  auto buffer = GENERATE(std::size_t{40}, std::size_t{100}, std::size_t{0});
  INFO("chunk " << chunk << " buffer " << buffer);
  const std::string same = block(1, 3000);
  const std::string e = "first line\n" + same, a = "the first line differs\n" + same;
  auto out = judge_strings(e, a, options_of({}), chunk, {}, buffer);
  CHECK_FALSE(out.failed);
  CHECK(out.outcome == verdict::wrong);
  CHECK(out.log == "-1: first line\n+1: the first line differs\n");
  CHECK(out == reference(e, a, options_of({}), chunk, buffer));
  // The first window (100 lines per side) is tokenized; the rest goes by bytes, line by line
  // where lines are longer than the buffer allows.
  CHECK(out.lines_skipped > 2800);
}

TEST_CASE("differences on line 1 and much later are both found after the lane resumes",
          "[judges][judge][lane]") {
  auto chunk = GENERATE(1, 64, 4096);
  auto buffer = GENERATE(std::size_t{33}, std::size_t{0});
  INFO("chunk " << chunk << " buffer " << buffer);
  const std::string e = "one\n" + block(1, 1500) + "1500 Alpha beta 0.5 gamma\n" + block(1501, 3000) +
                        "last\n";
  const std::string a = "uno\n" + block(1, 1500) + "1500 Alpha beta 0.5 delta\n" + block(1501, 3000) +
                        "last\nextra\n";
  auto out = judge_strings(e, a, options_of({}), chunk, {}, buffer);
  CHECK(out.outcome == verdict::wrong);
  CHECK(out.log == "-1: one\n+1: uno\n"
                   "-1501: 1500 Alpha beta 0.5 gamma\n+1501: 1500 Alpha beta 0.5 delta\n"
                   "+3002: extra\n");
  CHECK(out == reference(e, a, options_of({}), chunk, buffer));
  CHECK(out.lines_skipped > 2500);
  // Under the log limit the judge still stops at the first window that fills the log.
  auto limited = judge_strings(e, a, options_of({"--log-limit", "20"}), chunk, {}, buffer);
  CHECK(limited.log == "-1: one\n+1: uno\n");
  CHECK(limited == reference(e, a, options_of({"--log-limit", "20"}), chunk, buffer));
}

TEST_CASE("a difference anywhere relative to buffer boundaries gives the reference outcome",
          "[judges][judge][lane]") {
  // One edit at every byte offset of the second half of the input, each judged with small
  // buffers (the lane stops and resumes at every boundary) and compared with the reference.
  // Windows of 8 lines let the lane start well before the edits.
  judge_limits limits;
  limits.window_lines = 8;
  const std::string head = "start here\n" + block(1, 30);
  const std::string tail = block(30, 60);
  std::size_t checked = 0;
  for (std::size_t buffer : {std::size_t{16}, std::size_t{29}, std::size_t{64}}) {
    for (std::size_t at = 0; at < tail.size(); ++at) {
      for (int edit = 0; edit < 3; ++edit) {
        std::string changed = tail;
        if (edit == 0)
          changed[at] = changed[at] == 'Z' ? 'Y' : 'Z';
        else if (edit == 1)
          changed.insert(at, "\n");
        else
          changed.erase(at, 1);
        const std::string e = head + tail, a = "start there\n" + block(1, 30) + changed;
        INFO("buffer " << buffer << " offset " << at << " edit " << edit);
        auto out = judge_strings(e, a, options_of({}), 4096, limits, buffer);
        REQUIRE(out == reference(e, a, options_of({}), 4096, buffer, limits));
        CHECK(out.lines_skipped > 0);
        ++checked;
      }
    }
  }
  CHECK(checked > 2000);
}

TEST_CASE("every option set gives the reference outcome with the lane", "[judges][judge][lane]") {
  const std::vector<std::string> flags = {
    "--ignore-empty-lines", "--allow-comments", "--ignore-line-ends",
    "--ignore-trailing-whitespace", "--case-insensitive", "--numeric", "--shuffled-tokens",
    "--shuffled-lines"};
  const std::vector<std::vector<std::string>> extras = {
    {}, {"--float-tolerance", "0"}, {"--log-limit", "100"}, {"--token-lcs-approx-max-window", "0"}};
  // Windows of 8 lines keep the thousands of runs below fast; blocks are longer than that.
  judge_limits limits;
  limits.window_lines = 8;
  const std::string same = block(1, 40);
  struct input {
    std::string name, expected, actual;
  };
  const std::vector<input> inputs = {
    {"line 1 differs", "first\n" + same, "second\n" + same},
    // Differences that some options forgive: case, number format, spacing, token order,
    // a Windows line end; then a real one, and empty lines at the end of one file only.
    {"forgivable differences",
     "first\n" + same + "Mixed Case\n" + same + "1.5 2\n" + same + "a  b\n" + same + "x y z\n" +
         same + "dos\n" + same + "real\n" + same,
     "second\n" + same + "mixed CASE\n" + same + "1.500001 2\n" + same + "a b \n" + same +
         "z y x\n" + same + "dos\r\n" + same + "REAL!\n" + same + "\n\n  \n"},
    // Lines inserted and deleted next to identical blocks.
    {"insertions and deletions",
     "first\n" + same + "gone 1\ngone 2\n" + same + "tail",
     "second\nnew 1\nnew 2\nnew 3\n" + same + same + "tail\n"},
    // Empty lines and comments right before differences and at the ends.
    {"empty lines before differences",
     "first\n" + same + "\n\n# c\n\nX\n" + same + "end\n\n\n",
     "second\n" + same + "\n\n# c\n\nY\n" + same + "end\n\n\nmore\n"},
  };
  std::size_t sets = 0;
  for (std::size_t mask = 0; mask < (1u << flags.size()); ++mask) {
    // Each flag set once plain and once with one of the valued options, in turn.
    for (const auto& extra : {extras[0], extras[1 + mask % (extras.size() - 1)]}) {
      std::vector<std::string> args = extra;
      for (std::size_t f = 0; f < flags.size(); ++f)
        if (mask & (1u << f))
          args.push_back(flags[f]);
      auto with_files = args;
      with_files.push_back("e");
      with_files.push_back("a");
      if (!parse_token_judge_args(with_files))
        continue; // a conflicting pair
      ++sets;
      const auto options = options_of(args);
      for (const auto& in : inputs) {
        for (auto [chunk, buffer] : {std::pair<std::size_t, std::size_t>{4096, 0},
                                     {1, 7},
                                     {64, 50}}) {
          INFO(Catch::Detail::stringify(args) << "\n" << in.name << ", chunk " << chunk
                                              << " buffer " << buffer);
          auto out = judge_strings(in.expected, in.actual, options, chunk, limits, buffer);
          REQUIRE(out == reference(in.expected, in.actual, options, chunk, buffer, limits));
          // Ordered line modes must actually have used the lane.
          if (!options.shuffled_lines && !options.ignore_line_ends && buffer == 0 &&
              !out.failed && !(options.has_log_limit))
            CHECK(out.lines_skipped > 0);
        }
      }
    }
  }
  CHECK(sets > 100);
}

TEST_CASE("shuffled tokens still reject an overlong line after the lane", "[judges][judge][lane]") {
  // With segment caps below the buffer size the lane stays off for shuffled tokens: the line
  // too long to compare whole is still read, and still an error, as without the lane.
  judge_limits small;
  small.max_held_bytes = 1024;
  const std::string big(4000, 'a');
  const std::string e = "x\n" + block(1, 300) + big + "\n", a = "y\n" + block(1, 300) + big + "\n";
  auto out = judge_strings(e, a, options_of({"--shuffled-tokens"}), 4096, small);
  CHECK(out.failed);
  CHECK_THAT(out.error, Catch::Contains("too long"));
  small.byte_lane = false;
  CHECK(out == judge_strings(e, a, options_of({"--shuffled-tokens"}), 4096, small));
}
