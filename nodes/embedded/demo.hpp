// The engine of `recodex demo`: starts the embedded system in process over a temporary data
// directory, pushes the sample tasks of deploy/examples/, submits every sample submission at
// once (the slots evaluate them in parallel), follows each one's progress through the monitor
// and collects its results. What it shows goes through a demo_printer, so the verb prints and
// tests record.
#pragma once

#include "messages/result.hpp"
#include "nodes/client/client.hpp"
#include "nodes/embedded/embedded_options.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace recodex::embedded {

class embedded_system;

// The client configuration that reaches `system` (its ports, credentials, environments).
client::client_config client_config_for(const embedded_system& system);

struct demo_printer {
  // A line about what the demo does ("pushed task sum version 1", the endpoints).
  std::function<void(const std::string&)> line;
  // One progress event of a submission, as it arrives.
  std::function<void(const client::demo_submission&, const client::progress_event&)> progress;
};

struct demo_outcome {
  client::demo_submission submission;
  std::string job_id;
  client::job_results results;
  // The verdict the submission shows (the first test not OK, else OK) is the expected one.
  bool as_expected = false;
};

struct demo_options {
  embedded_options system;            // data_dir is replaced by a temporary one
  std::filesystem::path examples_dir; // empty: client::default_examples_dir()
  bool keep_data = false;             // keep the temporary data directory
};

// The outcomes in the order of deploy/examples/submissions.yml. Fails when the system cannot
// start or a task, a submission or its results cannot be handled.
result<std::vector<demo_outcome>> run_demo(demo_options options, const demo_printer& printer);

// The verdict a job shows: CE when compiling failed, else the first test not OK, else OK.
std::string shown_verdict(const client::job_results& results);

// Submissions x tests: verdict, time and memory per cell; a last column says whether the
// submission showed what it was meant to.
std::string format_demo_table(const std::vector<demo_outcome>& outcomes);

} // namespace recodex::embedded
