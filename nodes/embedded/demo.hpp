// The engine of `recodex demo`: starts the embedded system in process over a temporary data
// directory, pushes the sample tasks of deploy/examples/, submits every sample submission (the
// slots evaluate them in parallel), follows all of them at once through the monitor and
// collects their results. What it shows goes through a demo_printer, so the verb prints and
// tests record.
//
// Theory of operation: the main thread submits the samples one after another; right after a
// submission's eval is accepted, a follower thread of its own opens a monitor WebSocket for
// the job (the monitor replays what the job sent before), passes each progress event to the
// printer as it arrives, and fetches the results when the job ends. Every follower is bounded
// by the job timeout; the main thread joins them all before it decides. The printer is called
// from those threads one call at a time (run_demo holds a lock around each call).
#pragma once

#include "messages/result.hpp"
#include "nodes/client/client.hpp"
#include "nodes/embedded/embedded_options.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace recodex::embedded {

class embedded_system;

// The client configuration that reaches `system` (its ports, credentials, environments).
client::client_config client_config_for(const embedded_system& system);

struct demo_outcome {
  client::demo_submission submission;
  std::string job_id;
  client::job_results results;
  // The verdict the submission shows (the first test not OK, else OK) is the expected one.
  bool as_expected = false;
};

// What the demo shows, called one at a time (from the main thread and the followers).
struct demo_printer {
  // A line about what the demo does ("pushed task sum version 1", the endpoints).
  std::function<void(const std::string&)> line;
  // A submission's eval was accepted; its progress follows.
  std::function<void(const client::demo_submission&, const client::submitted_job&)> submitted;
  // One progress event of a submission, as it arrives.
  std::function<void(const client::demo_submission&, const client::progress_event&)> progress;
  // A submission's job ended and its results are in.
  std::function<void(const demo_outcome&)> done;
};

struct demo_options {
  embedded_options system;            // data_dir is replaced by a temporary one
  std::filesystem::path examples_dir; // empty: client::default_examples_dir()
  bool keep_data = false;             // keep the temporary data directory
  // How long a job may take from its submission to its end (queueing included) before the
  // demo gives up on it.
  std::chrono::seconds job_timeout{120};
};

// The outcomes in the order of deploy/examples/submissions.yml. Fails when the system cannot
// start, a task, a submission or its results cannot be handled, or a job does not end within
// the job timeout (errc::conflict; the error names every submission that failed). After a
// failure a slot may still be in a job that outlived the stop grace: the system is then left
// running rather than destroyed (its destructor would wait for the job), and the caller must
// end the process without running destructors (std::_Exit), as `recodex serve` does.
result<std::vector<demo_outcome>> run_demo(demo_options options, const demo_printer& printer);

// The verdict a job shows: CE when compiling failed, else the first test not OK, else OK.
std::string shown_verdict(const client::job_results& results);

// Submissions x tests: verdict, time and memory per cell; a last column says whether the
// submission showed what it was meant to.
std::string format_demo_table(const std::vector<demo_outcome>& outcomes);

} // namespace recodex::embedded
