// Forward declarations of the environments room's public types.
#pragma once

namespace recodex::worker {

enum class test_files_from;
struct environment_step;
struct environment_definition;
struct environment_probe;
struct test_case;
struct test_limits;
struct judge_choice;
struct job_request;

} // namespace recodex::worker
