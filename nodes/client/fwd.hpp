// Forward declarations of the client room's public types.
#pragma once

namespace recodex::client {

struct client_config;
struct task_test;
struct task_definition;
struct task_row;
struct test_result;
struct job_results;
struct progress_event;
class job_end_tracker;
struct task_file_entry;
struct task_version;
struct task_diff;
struct submission;
struct submitted_job;
struct demo_submission;
class client;
class broker_client;
class file_server_client;

enum class verdict;
enum class job_end;

} // namespace recodex::client
