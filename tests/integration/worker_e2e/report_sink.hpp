// The web application's side of the broker's status callbacks (spec 2.9) for end-to-end tests:
// an HTTP server on 127.0.0.1 port 0 that answers every POST with 200 and records its target
// (`<prefix>/job-status/<job>`) and body (`status=OK&...`), so a test can count how often each
// job was reported. Its own thread; the destructor stops it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace recodex::testing {

struct status_report {
  std::string target;
  std::string body;
};

class report_sink {
public:
  report_sink();
  ~report_sink();
  report_sink(const report_sink&) = delete;
  report_sink& operator=(const report_sink&) = delete;

  std::uint16_t port() const;
  std::vector<status_report> reports() const;
  // Reports whose target ends with /job-status/<job_id>.
  std::vector<status_report> reports_of(const std::string& job_id) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace recodex::testing
