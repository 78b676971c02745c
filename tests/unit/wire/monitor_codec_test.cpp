// Broker -> monitor frames (spec 3.2) and the shared helpers.
#include "messages/wire/monitor_codec.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::wire;

TEST_CASE("progress reaches the monitor without the progress frame", "[wire][monitor]") {
  CHECK(encode_monitor_progress({"student_peer4", "TASK", "init_cp", "COMPLETED"})
        == frames{"student_peer4", "TASK", "init_cp", "COMPLETED"});
  CHECK(encode_monitor_progress({"j", "FINISHED", "", ""}) == frames{"j", "FINISHED"});
  CHECK(encode_monitor_progress({"j", "ABORTED", "", ""}) == frames{"j", "ABORTED"});
  CHECK(monitor_identity == "recodex-monitor");
}

TEST_CASE("a monitor decodes what the broker sends", "[wire][monitor]") {
  CHECK(decode_monitor_progress({"j", "TASK", "t", "FAILED"}).value() == progress{"j", "TASK", "t", "FAILED"});
  CHECK(decode_monitor_progress({"j", "FAILED"}).value() == progress{"j", "FAILED", "", ""});
  CHECK_THAT(decode_monitor_progress({"j"}).error().message, Catch::Contains("frame 1"));
  CHECK_THAT(decode_monitor_progress({"j", "TASK", "t"}).error().message, Catch::Contains("got 3"));
  CHECK_FALSE(decode_monitor_progress({}));
  CHECK_FALSE(decode_monitor_progress({"0", "exit", "x", "y", "z"}));
}

TEST_CASE("helpers render bytes safely", "[wire]") {
  CHECK(to_hex(std::string("\0\x80\xff", 3)) == "0080ff");
  CHECK(printable("abc") == "abc");
  CHECK(printable(std::string("a\0\\", 3)) == "a\\x00\\x5c");
  CHECK(printable(std::string(100, 'x'), 4) == "xxxx...");
  CHECK(parse_header("a=b=c", 7).value() == header{"a", "b=c"});
  CHECK(parse_header("a=", 7).value() == header{"a", ""});
  CHECK(format_header({"k", "v"}) == "k=v");
}
