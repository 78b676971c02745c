// sandbox/dir_rule.hpp: isolate's --dir syntax and ReCodEx's bound-directories modes.
#include "sandbox/dir_rule.hpp"

#include <catch2/catch.hpp>

using namespace recodex::sandbox;

namespace {

dir_rule rule(std::string inside, std::string outside) {
  dir_rule r;
  r.inside = std::move(inside);
  r.outside = std::move(outside);
  return r;
}

} // namespace

TEST_CASE("good --dir rules parse into what they say", "[sandbox][dir_rule]") {
  struct row {
    const char* text;
    dir_rule expected;
  };
  auto rw = rule("/data", "/srv/data");
  rw.read_write = true;
  auto maybe = rule("/etc/alternatives", "/etc/alternatives");
  maybe.maybe = true;
  dir_rule tmp;
  tmp.inside = "/scratch";
  tmp.tmp = true;
  auto many = rule("/x", "/y");
  many.read_write = many.no_exec = many.devices = many.no_recursion = true;
  auto fs = rule("/proc2", "proc");
  fs.filesystem = true;
  const row rows[] = {
      {"/usr/share", rule("/usr/share", "/usr/share")},
      {"/data=/srv/data:rw", rw},
      {"etc/alternatives=/etc/alternatives:maybe", maybe},
      {"etc/alternatives:maybe", maybe},
      {"/scratch:tmp", tmp},
      {"/x=/y:rw:noexec:dev:norec", many},
      {"/x=/y:rw,noexec,dev,norec", many},
      {"/proc2=proc:fs", fs},
      {"/usr/share/", rule("/usr/share", "/usr/share")},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    auto parsed = parse_dir_rule(r.text);
    REQUIRE(parsed);
    CHECK(parsed.value() == r.expected);
  }
}

TEST_CASE("bad --dir rules are rejected with a reason", "[sandbox][dir_rule]") {
  const char* rows[] = {"",        "=/x",        "/x=",          "/x:bogus",  "/x=/y:tmp",
                        "/x:tmp:fs", "/a/../b",  "/x=/a/../etc", "/",         ":rw"};
  for (const char* text : rows) {
    INFO(text);
    auto parsed = parse_dir_rule(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == recodex::errc::invalid_argument);
    CHECK(parsed.error().message.find("bad directory rule") != std::string::npos);
  }
}

TEST_CASE("ReCodEx modes are case-insensitive substrings", "[sandbox][dir_rule]") {
  auto r = rule("/a", "/a");
  apply_recodex_mode(r, "RW,NoExec");
  CHECK(r.read_write);
  CHECK(r.no_exec);
  CHECK_FALSE(r.tmp);
  apply_recodex_mode(r, "tmp maybe");
  CHECK_FALSE(r.read_write);
  CHECK(r.tmp);
  CHECK(r.maybe);
}

TEST_CASE("a rule prints back in --dir syntax", "[sandbox][dir_rule]") {
  for (const char* text : {"/usr/share", "/data=/srv/data:rw", "/scratch:tmp", "/x=/y:rw:noexec"}) {
    auto parsed = parse_dir_rule(text);
    REQUIRE(parsed);
    CHECK(to_string(parsed.value()) == text);
  }
}
