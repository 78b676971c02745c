// Tests judges/line_reader.hpp: one row per input and option set, each replayed in chunks of
// 1, 2, 5, 64 and 4096 bytes; segments are rendered as "line:tok,tok;" ('>' marks a line that
// continues in the next segment).
#include "judges/line_reader.hpp"

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
