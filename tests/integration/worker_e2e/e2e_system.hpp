// The whole evaluation chain as real processes on loopback, for end-to-end tests and failure
// drills: our file server (temp data dir), our broker (ZeroMQ client and worker ports, the CAF
// cluster port, optionally a journal, a ROUTER in the test playing the monitor) and any number
// of our workers (tcp:// or caf://), plus what a test needs to act as the web application:
// upload task files and submissions, send `eval` (one at a time or many at once), follow
// progress, and read result.yml back from the file server. The broker and the file server can be
// killed or stopped and started again on the same ports with the same journal and data dir.
#pragma once

#include "tests/harness/child_process.hpp"
#include "tests/harness/self_signed_certificate.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/harness/zmq_peers.hpp"
#include "tests/integration/worker_e2e/report_sink.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace recodex::testing {

enum class worker_transport { zeromq, caf };

// One test of the sum exercise: its input, the reference output.
struct sum_test {
  std::string name;
  std::string input;
  std::string reference;
};

// The five tests of the end-to-end exercise: OK, wrong answer, time limit, memory limit,
// runtime error (see sum.c for the planted faults).
std::vector<sum_test> five_verdict_tests();

struct task_outcome {
  std::string status;         // OK, FAILED, SKIPPED
  std::string sandbox_status; // OK, RE, SG, TO, XX; empty for internal and skipped tasks
  int exitcode = 0;
  std::string stdout_text;
};

// result.yml, parsed: task id -> outcome, plus the order of the entries.
struct parsed_results {
  std::string job_id;
  std::string hw_group;
  std::vector<std::string> order;
  std::map<std::string, task_outcome> tasks;
};

struct e2e_options {
  bool journal = false;                // the broker journals jobs in the temp dir (restarts keep them)
  int max_request_failures = 3;        // INTERNAL_ERRORs / worker deaths a job survives
  int recovery_grace_ms = 3000;        // how long recovered running jobs wait for their worker
  bool cluster_tls = false;            // TLS on the cluster port; caf:// workers get the certificate
};

class e2e_system {
public:
  explicit e2e_system(e2e_options options = {});
  ~e2e_system();

  // kill -9 of the broker; restart_broker() starts it again on the same ports (and journal).
  void kill_broker();
  void restart_broker();
  // SIGTERM to the file server (it must exit); start_fileserver() runs it again on the same
  // port and data dir.
  void stop_fileserver();
  void start_fileserver();

  // Starts a worker with this worker-id (also its box id); extra YAML is appended to its config.
  // Returns its index for kill_worker().
  std::size_t start_worker(unsigned worker_id, worker_transport transport, const std::string& extra_yaml = {});
  // With cluster_tls: the worker joins over caf:// without TLS (it must not get in).
  std::size_t start_plain_caf_worker(unsigned worker_id);
  void kill_worker(std::size_t index);
  // Waits until the broker counts `count` registered workers.
  bool wait_for_workers(std::uint64_t count, std::chrono::milliseconds timeout);

  // Puts `content` into the file store's hash store; returns its SHA-1.
  std::string put_task_file(const std::string& content);
  // Uploads a submission of `source` (as sum.c) with a job-config.yml generated for `job_id`:
  // a build task (gcc), and fetch input / fetch reference / run / judge tasks per test; with
  // `log`, the results carry job_system_log.log. Sends `eval` and expects `ack` + `accept`.
  void submit_sum_job(const std::string& job_id, const std::string& source, const std::vector<sum_test>& tests,
                      bool log = false);
  // The uploads of submit_sum_job only; send_eval() then starts the job.
  void upload_sum_job(const std::string& job_id, const std::string& source, const std::vector<sum_test>& tests,
                      bool log = false);
  // Uploads a tiny submission for `job_id`: fetch `input_hash` (a task file) and cat it in the
  // sandbox. The `eval` is left to send_eval(), so many jobs can be sent at once.
  void upload_tiny_job(const std::string& job_id, const std::string& input_hash);
  void send_eval(const std::string& job_id);
  // Receives the broker's answers to evals already sent until `count` of them are `accept`;
  // returns the number of accepts (fewer at the timeout, or when a `reject` arrives).
  std::size_t collect_accepts(std::size_t count, std::chrono::milliseconds timeout);

  // Progress of `job_id` as the monitor receives it ("DOWNLOADED", "TASK run-T1 COMPLETED",
  // ...), up to and including the first `last`; empty-handed at the timeout.
  std::vector<std::string> follow_until(const std::string& job_id, const std::string& last,
                                        std::chrono::milliseconds timeout);
  // Waits until one progress message of `job_id` equals `wanted`.
  bool wait_for_progress(const std::string& job_id, const std::string& wanted, std::chrono::milliseconds timeout);

  // Every progress message received so far, per job, in arrival order (follow_until() and
  // wait_until_ended() both record here).
  const std::vector<std::string>& history(const std::string& job_id);
  std::size_t count_progress(const std::string& job_id, const std::string& state);
  // Waits until every job has ended at the monitor (FINISHED, or a broker's FAILED); returns the
  // jobs that have not at the timeout.
  std::vector<std::string> wait_until_ended(const std::vector<std::string>& job_ids,
                                            std::chrono::milliseconds timeout);
  // Receives monitor messages for `duration` (late duplicates show up in history()).
  void drain_progress(std::chrono::milliseconds duration);

  // The broker's status callbacks (job-status) for `job_id` so far: the web application's view,
  // where "reported exactly once" is counted.
  std::vector<status_report> reports_of(const std::string& job_id) const { return reports_.reports_of(job_id); }

  // Downloads results/<job>.zip from the file server and parses result/result.yml.
  std::optional<parsed_results> results(const std::string& job_id);
  // One file of results/<job>.zip (e.g. "result/job_system_log.log").
  std::optional<std::string> result_file(const std::string& job_id, const std::string& entry);

  std::uint16_t fileserver_port() const { return fileserver_port_; }
  // The service processes (for CPU and memory figures); -1 when not running.
  pid_t fileserver_pid() const { return fileserver_ ? fileserver_->pid() : -1; }
  pid_t broker_pid() const { return broker_ ? broker_->pid() : -1; }
  // GET of a file server path with the credentials: HTTP status and body.
  std::pair<int, std::string> get(const std::string& target);
  // The last lines each node wrote to stderr, for a failing test's message.
  std::string logs();

private:
  std::string progress_line(const std::vector<std::string>& frames) const;
  // One monitor message into history_ and backlog_; false at the timeout.
  bool receive_progress(std::chrono::milliseconds timeout);
  void start_broker();
  void send_eval_expecting_accept(const std::string& job_id);

  std::size_t launch_worker(unsigned worker_id, worker_transport transport, const std::string& extra_yaml,
                            bool with_tls);
  // The YAML of the cluster certificate for `section` ("cluster" or "cluster-tls").
  std::string tls_yaml(const std::string& section) const;

  e2e_options options_;
  temp_directory dir_{"recodex-e2e"};
  std::optional<self_signed_certificate> certificate_;
  std::unique_ptr<child_process> fileserver_;
  std::uint16_t fileserver_port_ = 0;
  monitor_router monitor_;
  report_sink reports_; // the broker's notifier posts here
  std::unique_ptr<child_process> broker_;
  std::uint16_t clients_port_ = 0;
  std::uint16_t workers_port_ = 0;
  std::uint16_t cluster_port_ = 0;
  std::unique_ptr<dealer> client_;
  std::vector<std::unique_ptr<child_process>> workers_;
  // Progress not yet consumed by follow_until(), and everything ever received.
  std::map<std::string, std::vector<std::string>> backlog_;
  std::map<std::string, std::vector<std::string>> history_;
};

} // namespace recodex::testing
