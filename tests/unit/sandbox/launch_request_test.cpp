#include "sandbox/launch_request.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::sandbox;
using namespace recodex::sandbox::detail;

namespace {

// Every field set to something other than its default.
run_options unusual_options() {
  run_options o;
  o.box_dir = "/var/lib/recodex/job-7/box";
  o.argv = {"/usr/bin/gcc", "-O2", "", "main.c"};
  o.time_s = 1.5;
  o.wall_time_s = 3.25;
  o.extra_time_s = 0.5;
  o.memory_kib = 262144;
  o.stack_kib = 8192;
  o.fsize_kib = 4096;
  o.as_kib = 1u << 30;
  o.open_files = 17;
  o.processes = std::nullopt;
  o.tmp_kib = 1024;
  o.stdin_path = "in.txt";
  o.stdout_path = "out.txt";
  o.stderr_path = "err.txt";
  o.stderr_to_stdout = true;
  o.chdir = "/box/src";
  o.env = {{"PATH", "/usr/bin"}, {"EMPTY", ""}};
  dir_rule rule;
  rule.inside = "/judges";
  rule.outside = "/opt/recodex/bin";
  rule.read_write = true;
  rule.no_exec = true;
  rule.maybe = true;
  rule.devices = true;
  rule.no_recursion = true;
  dir_rule tmp;
  tmp.inside = "/scratch";
  tmp.tmp = true;
  tmp.filesystem = false;
  o.dirs = {rule, tmp};
  o.share_net = true;
  o.give_back_box_dir = false;
  return o;
}

void require_same(const run_options& a, const run_options& b) {
  CHECK(a.box_dir == b.box_dir);
  CHECK(a.argv == b.argv);
  CHECK(a.time_s == b.time_s);
  CHECK(a.wall_time_s == b.wall_time_s);
  CHECK(a.extra_time_s == b.extra_time_s);
  CHECK(a.memory_kib == b.memory_kib);
  CHECK(a.stack_kib == b.stack_kib);
  CHECK(a.fsize_kib == b.fsize_kib);
  CHECK(a.as_kib == b.as_kib);
  CHECK(a.open_files == b.open_files);
  CHECK(a.processes == b.processes);
  CHECK(a.tmp_kib == b.tmp_kib);
  CHECK(a.stdin_path == b.stdin_path);
  CHECK(a.stdout_path == b.stdout_path);
  CHECK(a.stderr_path == b.stderr_path);
  CHECK(a.stderr_to_stdout == b.stderr_to_stdout);
  CHECK(a.chdir == b.chdir);
  CHECK(a.env == b.env);
  CHECK(a.dirs == b.dirs);
  CHECK(a.share_net == b.share_net);
  CHECK(a.give_back_box_dir == b.give_back_box_dir);
}

const box_identity some_box{60003, 60003, "/run/recodex-sandbox/box-3"};

} // namespace

TEST_CASE("a launch request carries every run option and the box's identity", "[launcher]") {
  for (const run_options& options : {run_options{}, unusual_options()}) {
    auto decoded = decode_launch_request(encode_launch_request(some_box, options));
    REQUIRE(decoded);
    CHECK(decoded.value().box.uid == some_box.uid);
    CHECK(decoded.value().box.gid == some_box.gid);
    CHECK(decoded.value().box.state_dir == some_box.state_dir);
    require_same(decoded.value().options, options);
  }
  run_options limited;
  limited.processes = 4;
  auto decoded = decode_launch_request(encode_launch_request(some_box, limited));
  REQUIRE(decoded);
  CHECK(decoded.value().options.processes == std::optional<unsigned>{4});
}

TEST_CASE("every truncation of a launch request is refused", "[launcher]") {
  const std::string bytes = encode_launch_request(some_box, unusual_options());
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    auto decoded = decode_launch_request(std::string_view{bytes}.substr(0, size));
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == errc::invalid_argument);
  }
}

TEST_CASE("trailing bytes, bad booleans and lying counts are refused", "[launcher]") {
  const std::string bytes = encode_launch_request(some_box, run_options{});
  auto trailing = decode_launch_request(bytes + "x");
  REQUIRE_FALSE(trailing);
  CHECK(trailing.error().message.find("trailing") != std::string::npos);

  // The last field is give_back_box_dir, one byte: 2 is not a boolean.
  std::string bad_bool = bytes;
  bad_bool.back() = 2;
  CHECK_FALSE(decode_launch_request(bad_bool));

  // The argv count follows uid, gid, state_dir and box_dir; claim four billion entries.
  const std::size_t argv_count_at = 4 + 4 + 4 + some_box.state_dir.size() + 4;
  std::string huge_count = bytes;
  for (std::size_t i = 0; i < 4; ++i)
    huge_count[argv_count_at + i] = static_cast<char>(0xff);
  CHECK_FALSE(decode_launch_request(huge_count));
}
