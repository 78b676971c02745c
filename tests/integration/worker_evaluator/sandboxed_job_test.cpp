// A whole C job through the real sandbox (root): the spec's 5.7 example verbatim plus a second
// test, gcc in the box, the program run on two inputs, and the token judge of this build
// reached through ${JUDGES_DIR}, bound read-only into the box. T2's reference is wrong on
// purpose, so result.yml carries both verdicts.
#include "tests/integration/worker_evaluator/evaluator_fixture.hpp"
#include "tests/unit/worker_evaluation/example_job.hpp"

using namespace recodex;
using namespace recodex::worker;
using namespace recodex::worker::testing;
using strings = std::vector<std::string>;

TEST_CASE("a C submission is compiled, run on two tests and judged in the sandbox",
          "[worker][evaluator][root]") {
  if (auto reason = sandbox_skip_reason(); !reason.empty()) {
    WARN("SKIPPED: " << reason);
    return;
  }
  evaluator_fixture f;
  // 5.7's file collector and hash store: "3 4\n" and "7\n" under their SHA-1s.
  const std::string example_collector = "http://127.0.0.1:9999/exercises";
  for (const std::string content : {"3 4\n", "7\n", "40 2\n", "41\n"})
    f.transfer.serve(example_collector + "/" + storage::sha1_hex(content), content);
  const std::string t2 = test_tasks("T2", storage::sha1_hex("40 2\n"),
                                    storage::sha1_hex("41\n")); // wrong: T2's judge must fail
  f.serve_job(std::string{test::example_job} + t2, {{"main.c", sum_program}});

  auto done = f.evaluate(fake_pack, "student_demo42");

  INFO(f.uploaded()["result.yml"]);
  CHECK(done == job_done{"student_demo42", job_status::ok, ""});
  CHECK(commands(f.events) ==
        strings{"DOWNLOADED", "STARTED", "TASK build COMPLETED", "TASK build-check COMPLETED",
                "TASK fetch-in-T1 COMPLETED", "TASK run-T1 COMPLETED",
                "TASK fetch-in-T2 COMPLETED", "TASK run-T2 COMPLETED",
                "TASK fetch-ref-T1 COMPLETED", "TASK judge-T1 COMPLETED",
                "TASK fetch-ref-T2 COMPLETED", "TASK judge-T2 FAILED", "ENDED", "UPLOADED",
                "FINISHED"});
  const auto result_yml = f.uploaded()["result.yml"];
  CHECK(result_yml.rfind("job-id: student_demo42\nhw-group: group1\nresults:\n", 0) == 0);
  for (const char* task : {"build", "run-T1", "run-T2", "judge-T1"}) {
    INFO(task);
    auto entry = entry_of(result_yml, task);
    CHECK(entry.find("    status: OK\n") != std::string::npos);
    CHECK(entry.find("    sandbox_results:\n") != std::string::npos);
    CHECK(entry.find("      status: OK\n") != std::string::npos);
  }
  CHECK(entry_of(result_yml, "judge-T1").find("stdout: \"1\\n\"") != std::string::npos);
  auto judge2 = entry_of(result_yml, "judge-T2");
  CHECK(judge2.find("    status: FAILED\n") != std::string::npos);
  CHECK(judge2.find("stdout: \"0\\n\"") != std::string::npos);
  CHECK(judge2.find("      exitcode: 1\n") != std::string::npos);
  CHECK(fs::is_regular_file(f.dirs("student_demo42").source / "prog"));
  CHECK(read_text(f.dirs("student_demo42").source / "T2.out") == "42\n");
}

TEST_CASE("captured output and carboncopies keep a prefix, carboncopies stay in the job, and a "
          "program built without +x still runs",
          "[worker][evaluator][root]") {
  if (auto reason = sandbox_skip_reason(); !reason.empty()) {
    WARN("SKIPPED: " << reason);
    return;
  }
  evaluator_fixture f;
  f.config.max_output_length = 10;
  f.config.max_carboncopy_length = 6;
  const fs::path outside = f.temp / "outside.txt";
  f.serve_job(job_config_text(
      "  - task-id: chatty\n    type: execution\n    cmd:\n      bin: /bin/sh\n"
      "      args: [-c, \"yes | head -c 100000\"]\n"
      "    sandbox:\n      name: isolate\n      output: true\n"
      "      carboncopy-stdout: ${RESULT_DIR}/copy.txt\n"
      "  - task-id: escape\n    type: execution\n    cmd:\n      bin: /bin/echo\n"
      "      args: [hi]\n    sandbox:\n      name: isolate\n"
      "      carboncopy-stdout: " + outside.string() + "\n"
      "  - task-id: build\n    type: initiation\n    cmd:\n      bin: /bin/sh\n"
      "      args: [-c, \"cp /bin/true tool && chmod a-x tool\"]\n"
      "    sandbox:\n      name: isolate\n"
      "  - task-id: run\n    type: execution\n    dependencies: [build]\n    cmd:\n"
      "      bin: ./tool\n    sandbox:\n      name: isolate\n"));

  auto done = f.evaluate();

  INFO(f.uploaded()["result.yml"]);
  CHECK(done == job_done{"job1", job_status::ok, ""});
  CHECK(commands(f.events) ==
        strings{"DOWNLOADED", "STARTED", "TASK chatty COMPLETED", "TASK escape COMPLETED",
                "TASK build COMPLETED", "TASK run COMPLETED", "ENDED", "UPLOADED", "FINISHED"});
  CHECK(entry_of(f.uploaded()["result.yml"], "chatty").find("stdout: \"y\\ny\\ny\\ny\\ny\\n\"") !=
        std::string::npos);
  CHECK(f.uploaded()["copy.txt"] == "y\ny\ny\n");
  CHECK_FALSE(fs::exists(outside));
}
