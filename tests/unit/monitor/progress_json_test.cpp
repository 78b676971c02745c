// The JSON text browsers get: exact bytes, as Python's json.dumps(sort_keys=True) writes them.
#include "actors/monitor/progress_json.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using recodex::monitor::json_string;
using recodex::monitor::progress_json;

TEST_CASE("progress messages become sorted JSON with Python's separators", "[monitor][json]") {
  struct row {
    progress in;
    std::string text;
  };
  auto r = GENERATE(values<row>({
      {{"42", "TASK", "judge-1", "COMPLETED"},
       R"({"command": "TASK", "task_id": "judge-1", "task_state": "COMPLETED"})"},
      {{"42", "FINISHED", "", ""}, R"({"command": "FINISHED"})"},
      {{"42", "DOWNLOADED", "", ""}, R"({"command": "DOWNLOADED"})"},
      {{"42", "FAILED", "", ""}, R"({"command": "FAILED"})"},
      {{"42", "TASK", "", ""}, R"({"command": "TASK", "task_id": "", "task_state": ""})"},
      {{"42", "TASK", "a\"b", "x\\y"},
       R"({"command": "TASK", "task_id": "a\"b", "task_state": "x\\y"})"},
  }));
  CHECK(progress_json(r.in) == r.text);
}

TEST_CASE("strings are escaped like json.dumps with ensure_ascii", "[monitor][json]") {
  struct row {
    std::string in;
    std::string out;
  };
  auto r = GENERATE(values<row>({
      {"", R"("")"},
      {"plain ~ text", R"("plain ~ text")"},
      {"\n\r\t\b\f", R"("\n\r\t\b\f")"},
      {std::string("\x00\x01\x1f\x7f", 4), R"("\u0000\u0001\u001f\u007f")"},
      {"\xc3\xa9", R"("\u00e9")"},                   // é
      {"\xe2\x82\xac", R"("\u20ac")"},               // €
      {"\xf0\x9f\x98\x80", R"("\ud83d\ude00")"},     // U+1F600, a surrogate pair
      {"\xff", R"("\ufffd")"},                       // not UTF-8
      {"\xc3", R"("\ufffd")"},                       // truncated sequence
      {"\xc0\xaf", R"("\ufffd\ufffd")"},             // overlong
      {"\xed\xa0\x80", R"("\ufffd\ufffd\ufffd")"},   // an encoded surrogate
      {"a\xc3(b", R"("a\ufffd(b")"},                 // bad continuation
  }));
  CHECK(json_string(r.in) == r.out);
}
