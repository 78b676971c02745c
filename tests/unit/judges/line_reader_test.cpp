// Tests judges/line_reader.hpp: one row per input and option set, each replayed in chunks of
// 1, 2, 5, 64 and 4096 bytes; segments are rendered as "line:tok,tok;" ('>' marks a line that
// continues in the next segment). The byte lane's rows also run with read buffers of 1 to 64 KiB.
#include "judges/line_reader.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

using namespace recodex::judges;

namespace {

std::string render(const std::string& input, reader_options options, std::size_t chunk) {
  memory_source source{input, chunk};
  line_reader reader{source, options};
  std::string out;
  segment s;
  for (;;) {
    auto has = reader.next(s);
    REQUIRE(has);
    if (!has.value())
      break;
    out += std::to_string(s.line_number) + ":";
    for (std::size_t i = 0; i < s.size(); ++i)
      out += (i ? "," : "") + std::string{s.token(i)};
    out += s.ends_line ? ";" : ">";
  }
  return out;
}

reader_options opts(bool empty, bool comments, bool line_ends, bool trailing) {
  reader_options o;
  o.ignore_empty_lines = empty;
  o.allow_comments = comments;
  o.ignore_line_ends = line_ends;
  o.ignore_trailing_whitespace = trailing;
  return o;
}

} // namespace

TEST_CASE("the reader splits lines and tokens the same way under every chunking",
          "[judges][reader]") {
  struct row {
    std::string input;
    reader_options options;
    std::string expected;
  };
  const auto plain = opts(false, false, false, false);
  const row rows[] = {
    {"", plain, ""},
    {"\n", plain, "1:;"},
    {"a", plain, "1:a;"},
    {"a\n", plain, "1:a;"},
    {"a\n\n", plain, "1:a;2:;"},
    {"  a \t b\r\nc\n", plain, "1:a,b;2:c;"},
    {"a\n\n  \nb\n", plain, "1:a;2:;3:;4:b;"},
    {"a\n\n  \nb\n", opts(true, false, false, false), "1:a;4:b;"},
    {"a\n\n  \nb\n\n \n", opts(false, false, false, true), "1:a;2:;3:;4:b;"},
    {"\n\na\n", opts(false, false, false, true), "1:;2:;3:a;"},
    {"a\n\n#x\n\nb\n", opts(false, true, false, true), "1:a;2:;4:;5:b;"},
    {"#c\na #b\n #not\n", opts(false, true, false, false), "2:a,#b;3:#not;"},
    {"#only", opts(false, true, false, false), ""},
    {"a b\n\nc\n d", opts(false, false, true, false), "1:a,b,c,d;"},
    {"\n\n  x\ny", opts(false, false, true, false), "3:x,y;"},
    {" \n\t\n", opts(false, false, true, false), ""},
    {"#c\na\n#d\nb", opts(false, true, true, false), "2:a,b;"},
    {std::string{"\x01\xff\x00z\n", 5}, plain, std::string{"1:\x01\xff\x00z;", 7}},
  };
  auto chunk = GENERATE(1, 2, 5, 64, 4096);
  for (const auto& r : rows) {
    INFO("input: " << Catch::Detail::stringify(r.input) << " chunk " << chunk);
    CHECK(render(r.input, r.options, chunk) == r.expected);
  }
}

TEST_CASE("long lines come out in bounded segments", "[judges][reader]") {
  auto chunk = GENERATE(1, 5, 64, 4096);
  reader_options o;
  o.max_segment_tokens = 3;
  CHECK(render("a b c d e f g\nh\n", o, chunk) == "1:a,b,c>1:d,e,f>1:g;2:h;");
  CHECK(render("a b c\n", o, chunk) == "1:a,b,c;");
  o.max_segment_bytes = 4;
  o.max_segment_tokens = 100;
  // A token larger than the byte cap is cut; both files are cut alike.
  CHECK(render("abcdefghij k\n", o, chunk) == "1:abcd>1:efgh>1:ij,k;");
}

TEST_CASE("raw text for the log keeps the line as written, capped", "[judges][reader]") {
  auto chunk = GENERATE(1, 2, 5, 64, 4096);
  reader_options o;
  o.max_raw_bytes = 8;
  const std::string input = "  a  b\r\n0123456789\n";
  memory_source source{input, static_cast<std::size_t>(chunk)};
  line_reader reader{source, o};
  segment s;
  REQUIRE(reader.next(s).value());
  CHECK(s.raw_for_log() == "  a  b");
  REQUIRE(reader.next(s).value());
  CHECK(s.raw_for_log() == "01234567...");
  CHECK_FALSE(reader.next(s).value());
}

TEST_CASE("a megabyte-long line is read with bounded memory", "[judges][reader]") {
  std::string big;
  for (int i = 0; i < 200000; ++i)
    big += "12345 ";
  memory_source source{big, 4096};
  line_reader reader{source, reader_options{}};
  segment s;
  std::size_t tokens = 0, segments = 0, largest = 0;
  while (reader.next(s).value()) {
    tokens += s.size();
    ++segments;
    largest = std::max(largest, s.text.capacity());
  }
  CHECK(tokens == 200000);
  CHECK(segments == (200000 + 4095) / 4096);
  CHECK(largest < 64 * 1024);
}

namespace {

// Runs the byte lane once on two readers, then renders what each still hands out.
struct lane_outcome {
  std::uint64_t skipped;
  std::string expected_rest, actual_rest;
};

// Renders what `reader` still hands out, leaving out segments of lines before `first_line`.
std::string render_rest(line_reader& reader, std::uint64_t first_line = 0) {
  std::string out;
  segment s;
  for (;;) {
    auto has = reader.next(s);
    REQUIRE(has);
    if (!has.value())
      return out;
    if (s.line_number < first_line)
      continue;
    out += std::to_string(s.line_number) + ":";
    for (std::size_t i = 0; i < s.size(); ++i)
      out += (i ? "," : "") + std::string{s.token(i)};
    out += s.ends_line ? ";" : ">";
  }
}

lane_outcome run_lane(const std::string& expected, const std::string& actual,
                      reader_options options, std::size_t chunk, bool whole_lines = false,
                      std::size_t segments_first = 0) {
  memory_source e{expected, chunk}, a{actual, chunk};
  line_reader re{e, options}, ra{a, options};
  segment s;
  for (std::size_t i = 0; i < segments_first; ++i) {
    REQUIRE(re.next(s).value());
    REQUIRE(ra.next(s).value());
  }
  auto skipped = line_reader::skip_identical_lines(re, ra, whole_lines);
  REQUIRE(skipped);
  CHECK(re.lines_skipped() == skipped.value());
  return {skipped.value(), render_rest(re), render_rest(ra)};
}

} // namespace

TEST_CASE("the byte lane skips the identical lines up to the last token line before a difference",
          "[judges][reader][lane]") {
  struct row {
    std::string expected, actual;
    reader_options options;
    std::uint64_t skipped;
    std::string expected_rest, actual_rest;
  };
  const auto plain = opts(false, false, false, false);
  const auto trailing = opts(false, false, false, true);
  const auto comments = opts(false, true, false, false);
  const row rows[] = {
    {"a\nb c\nd\nX\n", "a\nb c\nd\nY\n", plain, 3, "4:X;", "4:Y;"},
    {"a\nb\n", "a\nb\n", plain, 2, "", ""},
    // A last line without '\n' is not known to be complete: the tokenizer reads it.
    {"a\nb", "a\nb", plain, 1, "2:b;", "2:b;"},
    {"a\nb", "a\nbc", plain, 1, "2:b;", "2:bc;"},
    // Empty lines before the difference are read, since whether they count depends on it.
    {"a\n\n \nX\n", "a\n\n \nY\n", plain, 1, "2:;3:;4:X;", "2:;3:;4:Y;"},
    {"a\n\n", "a\n\nb\n", trailing, 1, "", "2:;3:b;"},
    {"a\n\nb\n\nX\n", "a\n\nb\n\n", trailing, 3, "4:;5:X;", ""},
    {"a\n\n", "a\n\nb\n", opts(true, false, false, false), 1, "", "3:b;"},
    {"#c\na\n#d\nX", "#c\na\n#d\nY", comments, 2, "4:X;", "4:Y;"},
    {"#c\nX", "#c\nY", plain, 1, "2:X;", "2:Y;"},
    {"#c\nX", "#c\nY", comments, 0, "2:X;", "2:Y;"},
    // A difference inside the first line, or one only in whitespace: nothing to skip.
    {"abc def\nz\n", "abc deg\nz\n", plain, 0, "1:abc,def;2:z;", "1:abc,deg;2:z;"},
    {"a\r\nb\n", "a\nb\n", plain, 0, "1:a;2:b;", "1:a;2:b;"},
    {"", "", plain, 0, "", ""},
    {"", "a\n", plain, 0, "", "1:a;"},
    {"a\n", "", plain, 0, "1:a;", ""},
    // Line ends are whitespace there: segments follow token counts, not lines.
    {"a\nb\nX\n", "a\nb\nY\n", opts(false, false, true, false), 0, "1:a,b,X;", "1:a,b,Y;"},
  };
  auto chunk = GENERATE(1, 2, 5, 64, 4096);
  auto buffer = GENERATE(std::size_t{1}, std::size_t{3}, std::size_t{8}, std::size_t{64 * 1024});
  for (const auto& r : rows) {
    INFO("expected: " << Catch::Detail::stringify(r.expected)
                      << "\nactual: " << Catch::Detail::stringify(r.actual) << "\nchunk " << chunk
                      << " buffer " << buffer);
    reader_options o = r.options;
    o.buffer_bytes = buffer;
    auto out = run_lane(r.expected, r.actual, o, chunk);
    if (buffer == 64 * 1024) {
      CHECK(out.skipped == r.skipped);
      CHECK(out.expected_rest == r.expected_rest);
      CHECK(out.actual_rest == r.actual_rest);
    } else {
      // A buffer shorter than a line stops the lane before that line; whatever was skipped,
      // the rest is what reading everything hands out after the skipped lines.
      CHECK(out.skipped <= r.skipped);
      memory_source e{r.expected, static_cast<std::size_t>(chunk)};
      memory_source a{r.actual, static_cast<std::size_t>(chunk)};
      line_reader re{e, o}, ra{a, o};
      CHECK(out.expected_rest == render_rest(re, out.skipped + 1));
      CHECK(out.actual_rest == render_rest(ra, out.skipped + 1));
    }
  }
}

TEST_CASE("the byte lane crosses buffer boundaries and stops at lines longer than the buffer",
          "[judges][reader][lane]") {
  auto chunk = GENERATE(1, 3, 7, 4096);
  reader_options o;
  o.buffer_bytes = 16;
  // Lines of 6 bytes after first lines of different lengths: the 16-byte buffers end inside
  // lines, at different places on each side.
  std::string same;
  for (int i = 10; i < 60; ++i)
    same += "ab " + std::to_string(i) + "\n";
  auto out = run_lane("x\n" + same + "X\n", "x y z\n" + same + "Y\n", o, chunk, false, 1);
  CHECK(out.skipped == 50);
  CHECK(out.expected_rest == "52:X;");
  CHECK(out.actual_rest == "52:Y;");
  // A 20-byte line does not fit: the lane stops before it.
  auto long_line = run_lane("ab\n0123456789 0123456789\nc\nX", "ab\n0123456789 0123456789\nc\nY",
                            o, chunk);
  CHECK(long_line.skipped == 1);
  CHECK(long_line.expected_rest == "2:0123456789,0123456789;3:c;4:X;");
  CHECK(long_line.actual_rest == "2:0123456789,0123456789;3:c;4:Y;");
}

TEST_CASE("the byte lane waits for a clean line start on both sides", "[judges][reader][lane]") {
  auto chunk = GENERATE(1, 5, 4096);
  reader_options o;
  o.max_segment_tokens = 1;
  // After the first segment of line 1 both readers are inside that line.
  auto inside = run_lane("a b\nc\nX\n", "a b\nc\nY\n", o, chunk, false, 1);
  CHECK(inside.skipped == 0);
  CHECK(inside.expected_rest == "1:b;2:c;3:X;");
  // After the whole of line 1 they are at the start of line 2.
  auto after = run_lane("a b\nc\nX\n", "a b\nc\nY\n", o, chunk, false, 2);
  CHECK(after.skipped == 1);
  CHECK(after.expected_rest == "3:X;");
}

TEST_CASE("the byte lane refuses readers whose options differ or that may cut whole lines",
          "[judges][reader][lane]") {
  memory_source e1{"a\nX\n", 4096}, a1{"a\nY\n", 4096};
  line_reader plain{e1, reader_options{}};
  reader_options empty;
  empty.ignore_empty_lines = true;
  line_reader other{a1, empty};
  CHECK(line_reader::skip_identical_lines(plain, other, false).value() == 0);

  // Whole lines: caps below the buffer size could have cut a skipped line into an error.
  reader_options capped;
  capped.max_segment_tokens = 100;
  CHECK(run_lane("a\nX\n", "a\nY\n", capped, 4096, true).skipped == 0);
  CHECK(run_lane("a\nX\n", "a\nY\n", capped, 4096, false).skipped == 1);
  reader_options wide;
  wide.max_segment_tokens = wide.max_segment_bytes = wide.buffer_bytes;
  CHECK(run_lane("a\nX\n", "a\nY\n", wide, 4096, true).skipped == 1);
}

TEST_CASE("newlines are counted exactly at every length and alignment", "[judges][reader][lane]") {
  // Every byte value next to newlines, at every offset, so no byte is mistaken for '\n'.
  std::string bytes;
  for (int round = 0; round < 3; ++round)
    for (int c = 0; c < 256; ++c) {
      bytes += static_cast<char>(c);
      if ((c + round) % 5 == 0)
        bytes += '\n';
    }
  for (std::size_t from = 0; from < 9; ++from)
    for (std::size_t n = 0; from + n <= bytes.size(); n += 1 + n / 8) {
      auto naive = static_cast<std::uint64_t>(
          std::count(bytes.begin() + static_cast<std::ptrdiff_t>(from),
                     bytes.begin() + static_cast<std::ptrdiff_t>(from + n), '\n'));
      INFO("from " << from << " n " << n);
      REQUIRE(count_newlines(bytes.data() + from, n) == naive);
    }
}
