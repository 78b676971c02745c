// demo_display (nodes/embedded/demo_command.hpp) without a system: the events of several
// submissions arrive interleaved, as run_demo's followers deliver them. Plain lines name the
// submission and keep only the milestones; on a terminal the status rows are redrawn in place
// below the plain lines (checked on the screen a tiny terminal makes of the output); a
// terminal too short for the rows gets plain lines.
#include "nodes/embedded/demo_command.hpp"

#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

using namespace recodex;
using namespace recodex::embedded;

namespace {

client::demo_submission sample(const std::string& name, const std::string& expected) {
  return {name, "solutions/" + name, "sum", expected};
}

client::submitted_job job(const std::string& id, std::size_t tasks) {
  return {id, "c-gcc-linux", 1, tasks};
}

client::progress_event event(const std::string& command, const std::string& task = {},
                             const std::string& state = {}) {
  return {command, task, state};
}

demo_outcome ended_with(const client::demo_submission& s, client::verdict shown) {
  demo_outcome o;
  o.submission = s;
  o.results.compile_failed = shown == client::verdict::compile_error;
  client::test_result t;
  t.test = "small";
  t.outcome = shown;
  o.results.tests.push_back(t);
  o.as_expected = shown_verdict(o.results) == s.expected;
  return o;
}

// Two submissions, interleaved: sum-c runs to OK; compile-error fails to compile (the worker
// reports nothing about the tasks it then never runs).
void play(demo_display& d) {
  const auto c = sample("sum-c", "OK"), ce = sample("compile-error", "CE");
  d.line("pushed task sum version 1");
  d.submitted(c, job("sum_1", 4));
  d.progress(c, event("DOWNLOADED"));
  d.submitted(ce, job("sum_2", 4));
  d.progress(c, event("STARTED"));
  d.progress(ce, event("DOWNLOADED"));
  d.progress(c, event("TASK", "compile", "COMPLETED"));
  d.progress(ce, event("STARTED"));
  d.progress(c, event("TASK", "fetch-input-small", "COMPLETED"));
  d.progress(ce, event("TASK", "compile", "FAILED"));
  d.progress(c, event("TASK", "run-small", "COMPLETED"));
  d.progress(ce, event("FINISHED"));
  d.done(ended_with(ce, client::verdict::compile_error));
  d.progress(c, event("TASK", "judge-small", "COMPLETED"));
  d.progress(c, event("ENDED"));
  d.progress(c, event("FINISHED"));
  d.done(ended_with(c, client::verdict::ok));
}

// What a terminal shows after `output`: \r, \n, ESC[nA (up), ESC[2K (clear the line) and
// ESC[J (clear to the end of the screen) are all the display uses.
std::vector<std::string> screen(const std::string& output) {
  std::vector<std::string> lines{""};
  std::size_t row = 0, col = 0;
  for (std::size_t i = 0; i < output.size(); ++i) {
    const char c = output[i];
    if (c == '\033') {
      std::smatch m;
      const std::string rest = output.substr(i);
      REQUIRE(std::regex_search(rest, m, std::regex("^\\x1b\\[(\\d*)([AJK])")));
      const std::size_t n = m[1].length() ? std::stoul(m[1].str()) : 1;
      if (m[2] == "A")
        row = row >= n ? row - n : 0;
      else if (m[2] == "K")
        lines[row].clear();
      else {
        lines.resize(row + 1);
        lines[row].resize(std::min(col, lines[row].size()));
      }
      i += m[0].length() - 1;
    } else if (c == '\r') {
      col = 0;
    } else if (c == '\n') {
      col = 0;
      if (++row == lines.size())
        lines.emplace_back();
    } else {
      auto& line = lines[row];
      if (line.size() <= col)
        line.resize(col + 1, ' ');
      line[col++] = c;
    }
  }
  if (lines.back().empty())
    lines.pop_back();
  return lines;
}

} // namespace

TEST_CASE("plain progress lines name the submission and keep only the milestones",
          "[embedded][demo]") {
  std::ostringstream out;
  demo_display d(out, false);
  play(d);
  CHECK(out.str() == "pushed task sum version 1\n"
                     "[sum-c]         submitted as job sum_1 (c-gcc-linux, 4 tasks)\n"
                     "[compile-error] submitted as job sum_2 (c-gcc-linux, 4 tasks)\n"
                     "[sum-c]         STARTED\n"
                     "[sum-c]         compile COMPLETED\n"
                     "[compile-error] STARTED\n"
                     "[compile-error] compile FAILED\n"
                     "[sum-c]         run-small COMPLETED\n"
                     "[compile-error] FINISHED: CE as expected (4 tasks: 0 completed, 1 failed, "
                     "3 not reported)\n"
                     "[sum-c]         FINISHED: OK as expected (4 tasks: 4 completed)\n");
}

TEST_CASE("a verdict other than the expected one says so", "[embedded][demo]") {
  std::ostringstream out;
  demo_display d(out, false);
  const auto tle = sample("time-limit", "TLE");
  d.submitted(tle, job("sum_3", 1));
  d.progress(tle, event("TASK", "run-small", "COMPLETED"));
  d.done(ended_with(tle, client::verdict::ok));
  CHECK_THAT(out.str(), Catch::EndsWith("[time-limit]    FINISHED: OK, NOT the expected TLE (1 "
                                        "tasks: 1 completed)\n"));
}

TEST_CASE("a retried job's tasks are counted again from the start", "[embedded][demo]") {
  std::ostringstream out;
  demo_display d(out, false);
  const auto c = sample("sum-c", "OK");
  d.submitted(c, job("sum_1", 2));
  d.progress(c, event("TASK", "compile", "COMPLETED"));
  d.progress(c, event("ABORTED"));
  d.progress(c, event("TASK", "compile", "COMPLETED"));
  d.progress(c, event("TASK", "run-small", "COMPLETED"));
  d.done(ended_with(c, client::verdict::ok));
  CHECK_THAT(out.str(), Catch::Contains("[sum-c]         ABORTED\n"));
  CHECK_THAT(out.str(), Catch::EndsWith("FINISHED: OK as expected (2 tasks: 2 completed)\n"));
}

TEST_CASE("on a terminal each submission's status row is redrawn in place below the lines",
          "[embedded][demo]") {
  std::ostringstream out;
  demo_display d(out, true, 80, 24);
  const auto c = sample("sum-c", "OK");
  d.line("pushed task sum version 1");
  d.submitted(c, job("sum_1", 4));
  d.submitted(sample("compile-error", "CE"), job("sum_2", 4));
  d.progress(c, event("TASK", "compile", "COMPLETED"));
  CHECK(screen(out.str()) ==
        std::vector<std::string>{"pushed task sum version 1",
                                 "sum-c          [#####...............]   1/4   compile COMPLETED",
                                 "compile-error  [....................]   0/4   queued"});
  d.line("a line while the rows are shown");
  CHECK(screen(out.str())[1] == "a line while the rows are shown");

  std::ostringstream whole;
  demo_display full(whole, true, 80, 24);
  play(full);
  CHECK(screen(whole.str()) ==
        std::vector<std::string>{"pushed task sum version 1",
                                 "sum-c          [####################]   4/4   OK as expected",
                                 "compile-error  [#####...............]   1/4   CE as expected"});
}

TEST_CASE("a status row never reaches the terminal's last column", "[embedded][demo]") {
  std::ostringstream out;
  demo_display d(out, true, 40, 24);
  const auto c = sample("sum-c", "OK");
  d.submitted(c, job("sum_1", 4));
  d.progress(c, event("TASK", "fetch-expected-a-rather-long-test-name", "COMPLETED"));
  const auto rows = screen(out.str());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].size() == 39);
}

TEST_CASE("a terminal too short for the status rows gets plain lines", "[embedded][demo]") {
  std::ostringstream out;
  demo_display d(out, true, 80, 2);
  const auto a = sample("a", "OK"), b = sample("b", "OK");
  d.submitted(a, job("sum_a", 1));
  d.submitted(b, job("sum_b", 1));
  d.progress(b, event("STARTED"));
  const auto text = out.str();
  CHECK_THAT(text, Catch::EndsWith("[b]             STARTED\n"));
  CHECK(text.find("[a]") == std::string::npos); // said before the switch: on its row
}
