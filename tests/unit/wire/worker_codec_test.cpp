// Worker link frames (spec 2.1, 2.2, section 11): one row per good or bad input.
#include "messages/wire/worker_codec.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::wire;

namespace {

const std::string id("\0\x80\x01\x02\x03", 5);

struct good_row {
  const char* name;
  frames in;
  worker_message expected;
};

struct bad_row {
  const char* name;
  frames in;
  const char* error_contains;
};

} // namespace

TEST_CASE("worker messages decode", "[wire][worker]") {
  auto row = GENERATE_REF(values<good_row>({
    {"init as captured from a ReCodEx worker",
     {"init", "group1", "env=c-gcc-linux", "env=python3", "threads=1", "", "description=peers_worker_1"},
     worker_info{id, "group1", {{"env", "c-gcc-linux"}, {"env", "python3"}, {"threads", "1"}},
                 "peers_worker_1", ""}},
    {"init with current_job",
     {"init", "g", "", "description=", "current_job=student_1"},
     worker_info{id, "g", {}, "", "student_1"}},
    {"init without description", {"init", "g", ""}, worker_info{id, "g", {}, "", ""}},
    {"init with unknown trailing key", {"init", "g", "", "future=1", "description=d"},
     worker_info{id, "g", {}, "d", ""}},
    {"ping", {"ping"}, worker_ping{id}},
    {"ping with extra frames", {"ping", "x"}, worker_ping{id}},
    {"progress", {"progress", "j", "STARTED"}, worker_progress{id, {"j", "STARTED", "", ""}}},
    {"task progress", {"progress", "j", "TASK", "run_py", "COMPLETED"},
     worker_progress{id, {"j", "TASK", "run_py", "COMPLETED"}}},
    {"done OK with message", {"done", "j", "OK", ""}, worker_done{id, {"j", job_status::ok, ""}}},
    {"done OK without message", {"done", "j", "OK"}, worker_done{id, {"j", job_status::ok, ""}}},
    {"done FAILED", {"done", "j", "FAILED", "bad config"},
     worker_done{id, {"j", job_status::failed, "bad config"}}},
    {"done INTERNAL_ERROR", {"done", "j", "INTERNAL_ERROR", "no archive"},
     worker_done{id, {"j", job_status::internal_error, "no archive"}}},
  }));
  INFO(row.name);
  auto decoded = decode_worker_message(id, row.in);
  REQUIRE(decoded);
  CHECK(decoded.value() == row.expected);
}

TEST_CASE("malformed worker messages are errors that name the frame", "[wire][worker]") {
  auto row = GENERATE(values<bad_row>({
    {"empty message", {}, "empty message"},
    {"bare init", {"init"}, "frame 1: init without a hwgroup"},
    {"empty hwgroup", {"init", "", ""}, "frame 1: empty hwgroup"},
    {"init without terminator", {"init", "g", "env=c"}, "frame 3: missing the empty frame"},
    {"init header without =", {"init", "g", "env", ""}, "frame 2: header 'env' has no '='"},
    {"init trailer without =", {"init", "g", "", "description"}, "frame 3: header 'description'"},
    {"bare progress", {"progress"}, "frame 1: progress needs 3 or 5 frames, got 1"},
    {"progress of 4", {"progress", "j", "TASK", "t"}, "frame 3: progress needs 3 or 5 frames, got 4"},
    {"progress of 6", {"progress", "j", "TASK", "t", "OK", "x"}, "got 6"},
    {"progress without job", {"progress", "", "STARTED"}, "frame 1: empty job id"},
    {"bare done", {"done"}, "frame 1: done needs at least 3 frames"},
    {"done without status", {"done", "j"}, "frame 2: done needs at least 3 frames"},
    {"done unknown status", {"done", "j", "ok", ""}, "frame 2: unknown status 'ok'"},
    {"done FAILED without message", {"done", "j", "FAILED"}, "frame 3: done FAILED needs exactly 4"},
    {"done INTERNAL_ERROR with 5", {"done", "j", "INTERNAL_ERROR", "m", "x"}, "frame 4: done INTERNAL_ERROR"},
    {"unknown command", {"pong"}, "frame 0: unknown command 'pong'"},
  }));
  INFO(row.name);
  auto decoded = decode_worker_message(id, row.in);
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == errc::invalid_argument);
  CHECK_THAT(decoded.error().message, Catch::Contains(row.error_contains));
}

TEST_CASE("worker messages encode to what decodes back", "[wire][worker]") {
  worker_info info{id, "group1", {{"env", "c"}, {"env", "python3"}, {"threads", "2"}}, "w", "j7"};
  auto init = encode_init(info);
  CHECK(init == frames{"init", "group1", "env=c", "env=python3", "threads=2", "", "description=w",
                       "current_job=j7"});
  CHECK(std::get<worker_info>(decode_worker_message(id, init).value()) == info);
  // description= is always sent, current_job= only when busy.
  CHECK(encode_init({id, "g", {}, "", ""}) == frames{"init", "g", "", "description="});
  CHECK(encode_ping() == frames{"ping"});
  CHECK(encode_progress({"j", "ENDED", "", ""}) == frames{"progress", "j", "ENDED"});
  CHECK(encode_progress({"j", "TASK", "t", "SKIPPED"}) == frames{"progress", "j", "TASK", "t", "SKIPPED"});
  CHECK(encode_done({"j", job_status::internal_error, "m"}) == frames{"done", "j", "INTERNAL_ERROR", "m"});
  CHECK(encode_done({"j", job_status::ok, ""}) == frames{"done", "j", "OK", ""});
}

TEST_CASE("broker to worker messages", "[wire][worker]") {
  job_assignment a{id, "student_1", {"http://a", "http://r"}};
  CHECK(encode_assignment(a) == frames{"eval", "student_1", "http://a", "http://r"});
  CHECK(std::get<job_assignment>(decode_broker_message(id, encode_assignment(a)).value()) == a);
  CHECK(encode_pong() == frames{"pong"});
  CHECK(encode_intro() == frames{"intro"});
  CHECK(std::holds_alternative<worker_pong>(decode_broker_message(id, {"pong"}).value()));
  CHECK(std::holds_alternative<worker_intro>(decode_broker_message(id, {"intro"}).value()));
  CHECK_FALSE(decode_broker_message(id, {"eval"}));
  CHECK_FALSE(decode_broker_message(id, {}));
  CHECK_FALSE(decode_broker_message(id, {"init"}));
}

TEST_CASE("job statuses have their wire names", "[wire][worker]") {
  CHECK(to_string(job_status::ok) == "OK");
  CHECK(to_string(job_status::failed) == "FAILED");
  CHECK(to_string(job_status::internal_error) == "INTERNAL_ERROR");
}

TEST_CASE("hostile sizes decode without trouble", "[wire][worker][client]") {
  frames many{"init", "g"};
  for (int i = 0; i < 10000; ++i)
    many.push_back("env=e" + std::to_string(i));
  many.emplace_back();
  auto decoded = decode_worker_message(id, many);
  REQUIRE(decoded);
  CHECK(std::get<worker_info>(decoded.value()).headers.size() == 10000);
  frames big{"done", "j", "FAILED", std::string(1 << 20, 'x')};
  CHECK(std::get<worker_done>(decode_worker_message(id, big).value()).done.message.size() == (1u << 20));
  auto unterminated = many;
  unterminated.pop_back();
  CHECK_FALSE(decode_worker_message(id, unterminated));
}
