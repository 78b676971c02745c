// Header matching (spec 2.6): AND over request headers, OR over a worker's values.
#include "actors/broker/broker_core.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::broker;

namespace {

worker_info offer(std::string hwgroup, header_list headers) {
  return {"w", std::move(hwgroup), std::move(headers), "", ""};
}

struct row {
  const char* name;
  header_list request;
  bool expected;
};

} // namespace

TEST_CASE("request headers match worker headers", "[broker][core][matching]") {
  const auto w = offer("group1", {{"env", "c-gcc-linux"}, {"env", "python3"}, {"threads", "4"}});
  auto r = GENERATE(values<row>({
    {"no headers match anyone", {}, true},
    {"hwgroup equal", {{"hwgroup", "group1"}}, true},
    {"hwgroup alternatives", {{"hwgroup", "group0|group1|group2"}}, true},
    {"hwgroup last alternative", {{"hwgroup", "a|group1"}}, true},
    {"hwgroup no alternative matches", {{"hwgroup", "group0|group2"}}, false},
    {"hwgroup is not a prefix match", {{"hwgroup", "group"}}, false},
    {"hwgroup empty alternative", {{"hwgroup", "|"}}, false},
    {"one of several env values", {{"env", "python3"}}, true},
    {"the other env value", {{"env", "c-gcc-linux"}}, true},
    {"unknown env value", {{"env", "java"}}, false},
    {"AND over request headers", {{"hwgroup", "group1"}, {"env", "python3"}}, true},
    {"AND fails on one", {{"hwgroup", "group1"}, {"env", "java"}}, false},
    {"two env values both offered", {{"env", "python3"}, {"env", "c-gcc-linux"}}, true},
    {"missing key", {{"gpu", "1"}}, false},
    {"threads less", {{"threads", "2"}}, true},
    {"threads equal", {{"threads", "4"}}, true},
    {"threads more", {{"threads", "5"}}, false},
    {"threads not numeric", {{"threads", "two"}}, false},
    {"threads negative", {{"threads", "-1"}}, false},
    {"meta ignored", {{"meta.user", "x"}, {"meta.priority", "9"}}, true},
    {"meta with other headers", {{"meta.user", "x"}, {"env", "python3"}}, true},
    {"case sensitive", {{"env", "Python3"}}, false},
  }));
  INFO(r.name);
  CHECK(matches(r.request, w) == r.expected);
}

TEST_CASE("a worker's own non-numeric threads value never matches", "[broker][core][matching]") {
  CHECK_FALSE(matches({{"threads", "1"}}, offer("g", {{"threads", "many"}})));
  CHECK(matches({{"threads", "1"}}, offer("g", {{"threads", "many"}, {"threads", "2"}})));
}

TEST_CASE("worker labels are the hex identity and the description", "[broker][core]") {
  CHECK(worker_label(std::string("\0\x01\xab", 3), "") == "0001ab");
  CHECK(worker_label("A", "box 1") == "41 (box 1)");
}
