// Tests nodes/common/config_reader.hpp (the file server's YAML reading, shared by every node):
// typed reads by key path, every problem collected with its line, unknown keys, and the size
// and duration syntaxes as tables.
#include "nodes/common/config_reader.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using recodex::errc;
using recodex::nodes::config_problem;
using recodex::nodes::config_reader;
using recodex::nodes::parse_seconds;
using recodex::nodes::parse_size;
using namespace std::chrono_literals;

namespace Catch {
template <> struct StringMaker<config_problem> {
  static std::string convert(const config_problem& p) {
    return "{" + p.key + " @" + std::to_string(p.line) + ": " + p.message + "}";
  }
};
} // namespace Catch

namespace {

config_reader load(const std::string& yaml) {
  auto r = config_reader::from_string(yaml, "test.yml");
  REQUIRE(r.has_value());
  return std::move(r.value());
}

} // namespace

TEST_CASE("values are read by key path with their types", "[nodes][config]") {
  auto reader = load("listen:\n"
                     "  address: 0.0.0.0\n"
                     "  port: 8080\n"
                     "data-dir: /srv/data\n"
                     "max-upload-size: 64MiB\n"
                     "temp-max-age: 2h\n"
                     "flag: yes\n"
                     "empty: ~\n");
  CHECK(reader.string("listen.address") == "0.0.0.0");
  CHECK(reader.integer("listen.port", 0, 65535) == 8080);
  CHECK(reader.string("data-dir") == "/srv/data");
  CHECK(reader.size("max-upload-size") == 64u * 1024 * 1024);
  CHECK(reader.seconds("temp-max-age") == 7200s);
  CHECK(reader.boolean("flag") == true);
  CHECK(reader.string("empty") == std::nullopt); // null counts as absent
  CHECK(reader.string("absent") == std::nullopt);
  CHECK(reader.integer("listen.absent", 0, 1) == std::nullopt);
  CHECK(reader.string("nothing.below.here") == std::nullopt);
  CHECK(reader.has("listen.port"));
  CHECK_FALSE(reader.has("listen.nope"));
  CHECK(reader.errors().empty());
  CHECK(reader.unknown_keys().empty());
}

TEST_CASE("every problem is collected with its key path and line", "[nodes][config]") {
  auto reader = load("listen:\n"               // 1
                     "  port: 99999\n"         // 2
                     "  address: [1, 2]\n"     // 3
                     "max-upload-size: lots\n" // 4
                     "temp-max-age: 5 weeks\n" // 5
                     "flag: maybe\n"           // 6
                     "logger: 3\n"             // 7
                     "count: 1.5\n");          // 8
  CHECK_FALSE(reader.integer("listen.port", 0, 65535));
  CHECK_FALSE(reader.string("listen.address"));
  CHECK_FALSE(reader.size("max-upload-size"));
  CHECK_FALSE(reader.seconds("temp-max-age"));
  CHECK_FALSE(reader.boolean("flag"));
  CHECK_FALSE(reader.string("logger.file"));
  CHECK_FALSE(reader.string("logger.level")); // the bad section is reported once
  CHECK_FALSE(reader.integer("count", 0, 10));
  reader.problem("listen.port", "clashes with something");
  auto expected = std::vector<config_problem>{
      {"listen.port", 2, "expected an integer from 0 to 65535, got '99999'"},
      {"listen.address", 3, "expected a string, got a list"},
      {"max-upload-size", 4, "expected a size in bytes such as 1048576 or 256MiB, got 'lots'"},
      {"temp-max-age", 5,
       "expected seconds or a duration such as 30s, 15m, 24h or 7d, got '5 weeks'"},
      {"flag", 6, "expected true or false, got 'maybe'"},
      {"logger", 7, "expected a mapping, got '3'"},
      {"count", 8, "expected an integer from 0 to 10, got '1.5'"},
      {"listen.port", 2, "clashes with something"},
  };
  CHECK(reader.errors() == expected);
  CHECK(reader.describe(expected[0]) ==
        "test.yml:2: listen.port: expected an integer from 0 to 65535, got '99999'");
  CHECK(reader.describe(config_problem{"auth", 0, "incomplete"}) == "test.yml: auth: incomplete");
}

TEST_CASE("range limits of sizes and durations are checked", "[nodes][config]") {
  auto reader = load("a: 0\nb: 0s\n");
  CHECK_FALSE(reader.size("a", 1));
  CHECK_FALSE(reader.seconds("b", 1));
  REQUIRE(reader.errors().size() == 2);
  CHECK(reader.errors()[0].message == "must be at least 1 bytes, got '0'");
  CHECK(reader.errors()[1].message == "must be at least 1 s, got '0s'");
}

TEST_CASE("keys nobody asked for are reported with their lines", "[nodes][config]") {
  auto reader = load("listen:\n"
                     "  port: 1\n"
                     "  backlog: 5\n"
                     "frobnicate: true\n"
                     "logger:\n"
                     "  level: info\n"
                     "extra:\n"
                     "  nested: 1\n");
  reader.integer("listen.port", 0, 65535);
  reader.string("logger.level");
  reader.string("logger.file");
  auto expected = std::vector<config_problem>{{"listen.backlog", 3, "unknown key (ignored)"},
                                              {"frobnicate", 4, "unknown key (ignored)"},
                                              {"extra", 7, "unknown key (ignored)"}};
  CHECK(reader.unknown_keys() == expected);
  CHECK(reader.errors().empty()); // unknown keys are warnings, not errors
}

TEST_CASE("documents that are not YAML mappings are refused with a line", "[nodes][config]") {
  auto broken = config_reader::from_string("a: [1, 2\nb: 3\n", "broken.yml");
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error().code == errc::invalid_argument);
  CHECK_THAT(broken.error().message, Catch::StartsWith("broken.yml:"));
  CHECK_THAT(broken.error().message, Catch::Contains("not valid YAML"));

  auto list = load("- a\n- b\n");
  REQUIRE(list.errors().size() == 1);
  CHECK(list.errors()[0].message == "the document must be a mapping of keys to values");

  auto empty = load("");
  CHECK(empty.errors().empty());
  CHECK(empty.string("x") == std::nullopt);

  auto missing = config_reader::from_file("/nonexistent/config.yml");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == errc::not_found);
  CHECK(missing.error().message == "config file /nonexistent/config.yml does not exist");
}

TEST_CASE("sizes are plain bytes or numbers with binary or decimal units", "[nodes][config]") {
  struct row {
    std::string text;
    std::optional<std::uint64_t> bytes;
  };
  constexpr std::uint64_t ki = 1024;
  auto rows = std::vector<row>{
      {"0", 0},
      {"1048576", 1048576},
      {"256MiB", 256 * ki * ki},
      {"256 MiB", 256 * ki * ki},
      {" 1GiB ", ki * ki * ki},
      {"1g", ki * ki * ki},
      {"10k", 10 * ki},
      {"10K", 10 * ki},
      {"10KB", 10000},
      {"5MB", 5000000},
      {"2TiB", 2 * ki * ki * ki * ki},
      {"7B", 7},
      {"", std::nullopt},
      {"MiB", std::nullopt},
      {"-1", std::nullopt},
      {"1.5MiB", std::nullopt},
      {"12 parsecs", std::nullopt},
      {"99999999999999999999", std::nullopt},
      {"20000000TiB", std::nullopt}, // overflows 64 bits
  };
  for (const auto& r : rows) {
    INFO("'" << r.text << "'");
    CHECK(parse_size(r.text) == r.bytes);
  }
}

TEST_CASE("durations are seconds or numbers with s, m, h or d", "[nodes][config]") {
  struct row {
    std::string text;
    std::optional<std::chrono::seconds> value;
  };
  auto rows = std::vector<row>{
      {"90", 90s},          {"30s", 30s},         {"15m", 15min},         {"24h", 24h},
      {"7d", 7 * 24h},      {"2 h", 2h},          {"", std::nullopt},     {"h", std::nullopt},
      {"1w", std::nullopt}, {"-5", std::nullopt}, {"1.5h", std::nullopt},
  };
  for (const auto& r : rows) {
    INFO("'" << r.text << "'");
    CHECK(parse_seconds(r.text) == r.value);
  }
}
