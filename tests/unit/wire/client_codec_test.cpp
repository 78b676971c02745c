// Client link frames (spec 1.1, 1.2): one row per good or bad input, plus round trips.
#include "messages/wire/client_codec.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::wire;

namespace {

struct bad_row {
  const char* name;
  frames in;
  const char* error_contains;
};

} // namespace

TEST_CASE("an eval as the core API sends it decodes to a job request", "[wire][client]") {
  frames in{"eval", "student_6f0c", "hwgroup=group1|group2", "env=python3", "meta.user=x=y", "",
            "http://api/archive", "http://api/result"};
  auto decoded = decode_client_message(in);
  REQUIRE(decoded);
  auto expected = job_request{"student_6f0c",
                              {{"hwgroup", "group1|group2"}, {"env", "python3"}, {"meta.user", "x=y"}},
                              {"http://api/archive", "http://api/result"}};
  CHECK(std::get<job_request>(decoded.value()) == expected);
  CHECK(encode_eval(expected) == in);
}

TEST_CASE("an eval with no headers and no payload is valid", "[wire][client]") {
  auto decoded = decode_client_message({"eval", "j", ""});
  REQUIRE(decoded);
  CHECK(std::get<job_request>(decoded.value()) == job_request{"j", {}, {}});
}

TEST_CASE("payload frames are copied verbatim, even empty and binary ones", "[wire][client]") {
  std::string binary("\0\xff\x01=", 4);
  auto decoded = decode_client_message({"eval", "j", "a=b", "", "", binary, "x=y"});
  REQUIRE(decoded);
  CHECK(std::get<job_request>(decoded.value()).payload == frames{"", binary, "x=y"});
}

TEST_CASE("admin commands decode", "[wire][client]") {
  CHECK(std::get<set_frozen>(decode_client_message({"freeze"}).value()) == set_frozen{true});
  CHECK(std::get<set_frozen>(decode_client_message({"unfreeze"}).value()) == set_frozen{false});
  CHECK(std::holds_alternative<get_runtime_stats>(decode_client_message({"get-runtime-stats"}).value()));
  // Trailing frames after an admin command are tolerated, as in the original.
  CHECK(decode_client_message({"freeze", "now"}));
}

TEST_CASE("malformed client messages are errors that name the frame", "[wire][client]") {
  auto row = GENERATE(values<bad_row>({
    {"empty message", {}, "empty message"},
    {"bare eval", {"eval"}, "frame 1: eval without a job id"},
    {"empty job id", {"eval", "", ""}, "frame 1: empty job id"},
    {"no header terminator", {"eval", "j", "hwgroup=a"}, "frame 3: missing the empty frame"},
    {"only a job id", {"eval", "j"}, "frame 2: missing the empty frame"},
    {"header without =", {"eval", "j", "hwgroup", ""}, "frame 2: header 'hwgroup' has no '='"},
    {"header with empty key", {"eval", "j", "a=b", "=x", ""}, "frame 3: header '=x' has an empty key"},
    {"unknown command", {"evaluate", "j"}, "frame 0: unknown command 'evaluate'"},
    {"empty command", {""}, "frame 0: unknown command ''"},
    {"binary command", {std::string("\x01\x02", 2)}, "unknown command '\\x01\\x02'"},
    {"case matters", {"EVAL", "j", ""}, "frame 0: unknown command 'EVAL'"},
  }));
  INFO(row.name);
  auto decoded = decode_client_message(row.in);
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == errc::invalid_argument);
  CHECK_THAT(decoded.error().message, Catch::Contains(row.error_contains));
}

TEST_CASE("is_eval recognises evals before validation", "[wire][client]") {
  CHECK(is_eval({"eval"}));
  CHECK(is_eval({"eval", "j", "no-terminator"}));
  CHECK_FALSE(is_eval({}));
  CHECK_FALSE(is_eval({"freeze"}));
}

TEST_CASE("broker replies have the ReCodEx layout", "[wire][client]") {
  CHECK(encode_ack() == frames{"ack"});
  CHECK(encode_accept() == frames{"accept"});
  CHECK(encode_reject("The broker is frozen.") == frames{"reject", "The broker is frozen."});
  CHECK(encode_eval_reply({true, ""}) == frames{"accept"});
  CHECK(encode_eval_reply({false, "no"}) == frames{"reject", "no"});
  CHECK(encode_freeze(true) == frames{"freeze"});
  CHECK(encode_freeze(false) == frames{"unfreeze"});
  CHECK(encode_stats_request() == frames{"get-runtime-stats"});
}

TEST_CASE("runtime statistics are alphabetical key/value pairs, then is-frozen", "[wire][client]") {
  runtime_stats stats{1, 2, 3, 4, 5, 6, true};
  frames expected{"evaluated-jobs", "1", "failed-jobs", "2", "idle-worker-count", "3",
                  "jobs-in-progress", "4", "queued-jobs", "5", "worker-count", "6", "is-frozen", "1"};
  CHECK(encode_runtime_stats(stats) == expected);
  CHECK(decode_runtime_stats(expected).value() == stats);
  CHECK(encode_runtime_stats({}).back() == "0");
}

TEST_CASE("malformed statistics are rejected", "[wire][client]") {
  auto good = encode_runtime_stats({1, 2, 3, 4, 5, 6, false});
  auto short_one = good;
  short_one.pop_back();
  CHECK_FALSE(decode_runtime_stats(short_one));
  auto bad_key = good;
  bad_key[2] = "failed";
  CHECK_THAT(decode_runtime_stats(bad_key).error().message, Catch::Contains("frame 2"));
  auto bad_number = good;
  bad_number[5] = "5x";
  CHECK_THAT(decode_runtime_stats(bad_number).error().message, Catch::Contains("frame 5"));
  auto bad_frozen = good;
  bad_frozen[13] = "2";
  CHECK_FALSE(decode_runtime_stats(bad_frozen));
}
