// sandbox/cli_options.hpp: every recodex-sandbox option, its units and its errors.
#include "sandbox/cli_options.hpp"

#include <catch2/catch.hpp>

using namespace recodex::sandbox;

namespace {

std::optional<std::string> fake_env(const std::string& key) {
  if (key == "HOME")
    return std::string{"/home/op"};
  return std::nullopt;
}

recodex::result<cli_request> parse(std::vector<std::string> args) {
  return parse_cli(args, fake_env);
}

} // namespace

TEST_CASE("every run option lands in run_options", "[sandbox][cli]") {
  auto parsed = parse({"--box=/b", "--box-id=7", "--time=1.5", "--wall-time=3", "--extra-time=0.5",
                       "--memory=65536", "--stack=8192", "--processes=16", "--fsize=1024",
                       "--stdin=in.txt", "--stdout=out.txt", "--stderr=/box/err.txt",
                       "--stderr-to-stdout", "--chdir=/box/sub", "--dir=/data=/srv:rw",
                       "--dir=/x:tmp", "--env=A=1", "--env=HOME", "--env=UNSET",
                       "--share-net", "--meta=/tmp/meta", "--", "/usr/bin/prog", "--x", "y"});
  REQUIRE(parsed);
  const auto& r = parsed.value();
  const auto& o = r.options;
  CHECK(r.action == cli_action::run);
  CHECK(r.box_id == 7);
  CHECK(r.meta_path == "/tmp/meta");
  CHECK(o.box_dir == "/b");
  CHECK(o.time_s == 1.5);
  CHECK(o.wall_time_s == 3);
  CHECK(o.extra_time_s == 0.5);
  CHECK(o.memory_kib == 65536);
  CHECK(o.stack_kib == 8192);
  CHECK(o.processes == 16u);
  CHECK(o.fsize_kib == 1024);
  CHECK(o.stdin_path == "in.txt");
  CHECK(o.stdout_path == "out.txt");
  CHECK(o.stderr_path == "/box/err.txt");
  CHECK(o.stderr_to_stdout);
  CHECK(o.chdir == "/box/sub");
  REQUIRE(o.dirs.size() == 2);
  CHECK(o.dirs[0].outside == "/srv");
  CHECK(o.dirs[0].read_write);
  CHECK(o.dirs[1].tmp);
  using env = std::vector<std::pair<std::string, std::string>>;
  CHECK(o.env == env{{"A", "1"}, {"HOME", "/home/op"}}); // an unset inherited variable is dropped
  CHECK(o.share_net);
  CHECK(o.argv == std::vector<std::string>{"/usr/bin/prog", "--x", "y"});
}

TEST_CASE("defaults follow isolate: one process, no limits, /box", "[sandbox][cli]") {
  auto parsed = parse({"--box=/b", "--", "true"});
  REQUIRE(parsed);
  const auto& o = parsed.value().options;
  CHECK(o.processes == 1u);
  CHECK(o.time_s == 0);
  CHECK(o.memory_kib == 0);
  CHECK(o.chdir == "/box");
  CHECK(parsed.value().meta_path.empty());
}

TEST_CASE("a bare --processes or --processes=0 means no limit", "[sandbox][cli]") {
  for (const char* option : {"--processes", "--processes=0"}) {
    auto parsed = parse({"--box=/b", option, "--", "true"});
    REQUIRE(parsed);
    CHECK_FALSE(parsed.value().options.processes.has_value());
  }
}

TEST_CASE("the program may follow the options without --", "[sandbox][cli]") {
  auto parsed = parse({"--box=/b", "/bin/echo", "--not-an-option"});
  REQUIRE(parsed);
  CHECK(parsed.value().options.argv == std::vector<std::string>{"/bin/echo", "--not-an-option"});
}

TEST_CASE("the --help and --check actions need nothing else", "[sandbox][cli]") {
  auto help = parse({"--help"});
  REQUIRE(help);
  CHECK(help.value().action == cli_action::help);
  auto check = parse({"--check"});
  REQUIRE(check);
  CHECK(check.value().action == cli_action::check);
  auto text = cli_help();
  for (const char* option :
       {"--box=", "--time=", "--wall-time=", "--extra-time=", "--memory=", "--stack=",
        "--processes", "--fsize=", "--stdin=", "--stdout=", "--stderr=", "--stderr-to-stdout",
        "--chdir=", "--dir=", "--env=", "--share-net", "--meta=", "--check", "Exit status"}) {
    INFO(option);
    CHECK(text.find(option) != std::string::npos);
  }
}

TEST_CASE("bad command lines are rejected naming the option", "[sandbox][cli]") {
  struct row {
    std::vector<std::string> args;
    const char* names;
  };
  const row rows[] = {
      {{"--", "true"}, "--box"},
      {{"--box=/b"}, "no program"},
      {{"--box=/b", "--time=abc", "--", "true"}, "--time"},
      {{"--box=/b", "--time=-1", "--", "true"}, "--time"},
      {{"--box=/b", "--wall-time", "--", "true"}, "--wall-time"},
      {{"--box=/b", "--memory=12k", "--", "true"}, "--memory"},
      {{"--box=/b", "--memory=-5", "--", "true"}, "--memory"},
      {{"--box=/b", "--share-net=1", "--", "true"}, "--share-net"},
      {{"--box=/b", "--dir=/x:bogus", "--", "true"}, "bad directory rule"},
      {{"--box=/b", "--env==x", "--", "true"}, "--env"},
      {{"--box=/b", "--frobnicate", "--", "true"}, "--frobnicate"},
      {{"--box=", "--", "true"}, "--box"},
  };
  for (const auto& r : rows) {
    INFO(r.names);
    auto parsed = parse(r.args);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == recodex::errc::invalid_argument);
    CHECK(parsed.error().message.find(r.names) != std::string::npos);
  }
}
