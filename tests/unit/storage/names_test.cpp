// Names from outside: ids, submission paths and task file names.
#include "storage/names.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace recodex::storage;

TEST_CASE("ids allow letters, digits, '_', '.', '-' and nothing else", "[storage][names]") {
  CHECK(is_valid_id("student_peer4"));
  CHECK(is_valid_id("a.b-c_1"));
  CHECK_FALSE(is_valid_id(""));
  CHECK_FALSE(is_valid_id("."));
  CHECK_FALSE(is_valid_id(".."));
  CHECK_FALSE(is_valid_id("a/b"));
  CHECK_FALSE(is_valid_id("a b"));
  CHECK_FALSE(is_valid_id(std::string(129, 'a')));
  CHECK(is_valid_id(std::string(128, 'a')));
}

TEST_CASE("relative submission paths are '/'-separated plain names", "[storage][names]") {
  struct row {
    std::string path;
    bool valid;
  };
  auto r = GENERATE(values<row>({
      {"job-config.yml", true},
      {"src/main.c", true},
      {"a/b/c/d.txt", true},
      {".hidden", true},
      {"...", true},
      {"a/..b/c..", true},
      {"with space.txt", true},
      {"p\xc5\x99\xc3\xadklad.txt", true},
      {std::string(1024, 'a'), true},
      {std::string(1025, 'a'), false},
      {"", false},
      {".", false},
      {"..", false},
      {"../x", false},
      {"a/../b", false},
      {"a/..", false},
      {"./a", false},
      {"a/./b", false},
      {"a/.", false},
      {"/abs", false},
      {"/", false},
      {"a//b", false},
      {"a/", false},
      {"a\\b", false},
      {"..\\x", false},
      {"\\abs", false},
      {std::string("a\0b", 3), false},
      {std::string("\0", 1), false},
  }));
  CAPTURE(r.path);
  CHECK(is_valid_relative_path(r.path) == r.valid);
}

TEST_CASE("task file names are one printable component", "[storage][names]") {
  struct row {
    std::string name;
    bool valid;
  };
  auto r = GENERATE(values<row>({
      {"input.txt", true},
      {"test 01.in", true},
      {".config", true},
      {"...", true},
      {"v\xc3\xbdstup.txt", true}, // UTF-8 "výstup"
      {"\xe2\x82\xac.txt", true},  // U+20AC
      {"\xf0\x9f\x98\x80", true},  // U+1F600
      {std::string(255, 'n'), true},
      {std::string(256, 'n'), false},
      {"", false},
      {".", false},
      {"..", false},
      {"a/b", false},
      {"/", false},
      {"a\\b", false},
      {std::string("a\0b", 3), false},
      {"tab\there", false},
      {"new\nline", false},
      {"del\x7f", false},
      {"\xc3", false},             // truncated sequence
      {"\xc0\xaf", false},         // overlong '/'
      {"\xe0\x80\xaf", false},     // overlong '/'
      {"\xed\xa0\x80", false},     // UTF-16 surrogate
      {"\xf4\x90\x80\x80", false}, // past U+10FFFF
      {"\xff", false},
      {"\x80x", false}, // stray continuation byte
  }));
  CAPTURE(r.name);
  CHECK(is_valid_task_file_name(r.name) == r.valid);
}

TEST_CASE("ids reject every byte outside the allowed set", "[storage][names]") {
  for (int c = 0; c < 256; ++c) {
    auto ch = static_cast<char>(c);
    bool allowed = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
    std::string id = std::string{"x"} + ch + "y";
    CAPTURE(c);
    CHECK(is_valid_id(id) == allowed);
  }
  CHECK(is_valid_id("..."));
  CHECK(is_valid_id(".x"));
  CHECK_FALSE(is_valid_id("@index"));
}
