// The complete example job of spec 5.7, shared by the parser and plan tests.
#pragma once

#include <string_view>

namespace recodex::worker::test {

inline constexpr std::string_view example_job = R"(submission:
  job-id: student_demo42
  file-collector: http://127.0.0.1:9999/exercises
  log: false
  hw-groups:
    - group1
tasks:
  - task-id: build
    type: initiation
    priority: 100
    fatal-failure: true
    cmd:
      bin: /usr/bin/gcc
      args: [-O2, -o, prog, main.c]
    sandbox:
      name: isolate
      output: true
      chdir: ${EVAL_DIR}
      limits:
        - hw-group-id: group1
          time: 5
          wall-time: 10
          memory: 262144
          parallel: 0
  - task-id: build-check
    type: initiation
    priority: 100
    fatal-failure: true
    dependencies: [build]
    cmd:
      bin: exists
      args: ["No executable was produced", "${SOURCE_DIR}/prog"]
  - task-id: fetch-in-T1
    priority: 42
    dependencies: [build-check]
    cmd:
      bin: fetch
      args: [869513692cefddfa47ed45643fdbb47f448e20d3, "${SOURCE_DIR}/T1.in"]
  - task-id: fetch-ref-T1
    priority: 42
    dependencies: [build-check]
    cmd:
      bin: fetch
      args: [d3964f9dad9f60363c81b688324d95b4ec7c8038, "${SOURCE_DIR}/T1.ref"]
  - task-id: run-T1
    test-id: T1
    type: execution
    priority: 90
    dependencies: [fetch-in-T1]
    cmd:
      bin: ./prog
    sandbox:
      name: isolate
      stdin: ${EVAL_DIR}/T1.in
      stdout: ${EVAL_DIR}/T1.out
      chdir: ${EVAL_DIR}
      limits:
        - hw-group-id: group1
          time: 1
          wall-time: 2
          memory: 65536
  - task-id: judge-T1
    test-id: T1
    type: evaluation
    priority: 80
    dependencies: [run-T1, fetch-ref-T1]
    cmd:
      bin: ${JUDGES_DIR}/recodex-token-judge
      args: [--log-limit, 4k, --ignore-trailing-whitespace, "${EVAL_DIR}/T1.ref", "${EVAL_DIR}/T1.out"]
    sandbox:
      name: isolate
      output: true
      chdir: ${EVAL_DIR}
)";

} // namespace recodex::worker::test
