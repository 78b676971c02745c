// Tests judges/legacy.hpp: the comment filter and the passthrough replay, each input replayed
// in chunks of 1, 2, 5, 64 and 4096 bytes.
#include "judges/legacy.hpp"

#include <catch2/catch.hpp>

using namespace recodex::judges;

namespace {

std::string filter(const std::string& input, std::size_t chunk) {
  comment_filter f;
  std::string out;
  for (std::size_t i = 0; i < input.size(); i += chunk)
    f.feed(std::string_view{input}.substr(i, chunk), out);
  f.finish(out);
  return out;
}

struct replay {
  recodex::result<int> code = 0;
  std::string out, err;
};

replay run(const std::string& record, std::size_t chunk) {
  memory_source source{record, chunk};
  replay r;
  r.code = replay_passthrough(
      source, [&](std::string_view s) { r.out += s; }, [&](std::string_view s) { r.err += s; });
  return r;
}

} // namespace

TEST_CASE("the filter strips // comments and comment-only lines", "[judges][legacy]") {
  const std::pair<std::string, std::string> rows[] = {
    {"", ""},
    {"a\nb\n", "a\nb\n"},
    {"int x; // note\n", "int x; \n"},
    {"// whole line\nx\n", "x\n"},
    {"   \t// indented comment\nx\n", "x\n"},
    {"  x\n", "  x\n"},
    {"a/b\n", "a/b\n"},
    {"a/\n", "a/\n"},
    {"/\n", "/\n"},
    {"x//", "x"},
    {"//", ""},
    {"  ", "  "},
    {"a//b//c\nd\n", "a\nd\n"},
    {"url http://x\n", "url http:\n"},
    {"\n\n", "\n\n"},
    {"  /x\n", "  /x\n"},
  };
  auto chunk = GENERATE(1, 2, 5, 64, 4096);
  for (const auto& [input, expected] : rows) {
    INFO(Catch::Detail::stringify(input) << " chunk " << chunk);
    CHECK(filter(input, chunk) == expected);
  }
}

TEST_CASE("passthrough replays the exit code, stdout and stderr", "[judges][legacy]") {
  auto chunk = GENERATE(1, 2, 5, 64, 4096);
  auto r = run("3\naGkK\nZXJyCg==\n", chunk);
  REQUIRE(r.code);
  CHECK(r.code.value() == 3);
  CHECK(r.out == "hi\n");
  CHECK(r.err == "err\n");

  auto code_only = run("0\n", chunk);
  REQUIRE(code_only.code);
  CHECK(code_only.code.value() == 0);
  CHECK(code_only.out.empty());

  auto no_newline = run("255\nYQ==", chunk);
  REQUIRE(no_newline.code);
  CHECK(no_newline.code.value() == 255);
  CHECK(no_newline.out == "a");

  auto empty_stdout = run("1\n\nYWI=\n", chunk);
  REQUIRE(empty_stdout.code);
  CHECK(empty_stdout.err == "ab");

  for (std::string bad : {"", "\n", "256\n", "-1\n", "x\n", "1\nabc\n", "1\na$==\n", "1\nYQ==YQ==\n",
                          "1\n=AAA\n", "99999999999999999999\n"}) {
    INFO(Catch::Detail::stringify(bad));
    CHECK_FALSE(run(bad, chunk).code);
  }
}
