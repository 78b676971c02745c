// Sandbox limits: the worker's defaults (section 7 `limits`, also the upper bounds), a job's
// per-hw-group entries with every item optional (5.1), and the resolution of the two into the
// limits one external task runs with (5.2).
#pragma once

#include "actors/worker/evaluation/fwd.hpp"
#include "messages/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace recodex::worker {

// Bound-directory options, parsed from `mode` by case-insensitive substring (5.1); none =
// read-only.
namespace dir_mode {
inline constexpr unsigned read_only = 0;
inline constexpr unsigned rw = 1u << 0;
inline constexpr unsigned noexec = 1u << 1;
inline constexpr unsigned fs = 1u << 2;
inline constexpr unsigned maybe = 1u << 3;
inline constexpr unsigned dev = 1u << 4;
inline constexpr unsigned tmp = 1u << 5;
inline constexpr unsigned norec = 1u << 6;
} // namespace dir_mode

// The flags named by a `mode` text ("RW,noexec" -> rw|noexec); unknown words are ignored, as in
// the original.
unsigned parse_dir_mode(std::string_view text);
// "rw,noexec" (the canonical order above); "" for read-only.
std::string dir_mode_to_string(unsigned mode);

struct bound_directory {
  std::string src; // host path (already defaulted to dst when only dst was given)
  std::string dst; // sandbox path (already defaulted to src when only src was given)
  unsigned mode = dir_mode::read_only;

  friend bool operator==(const bound_directory& a, const bound_directory& b) {
    return a.src == b.src && a.dst == b.dst && a.mode == b.mode;
  }
};

using environment = std::vector<std::pair<std::string, std::string>>;

// Complete limits: the worker's defaults, and what resolution hands to the sandbox.
// Times in seconds, sizes in KiB; 0 means "no limit" where the sandbox gives it that meaning.
struct sandbox_limits {
  double time = 0;
  double wall_time = 0;
  double extra_time = 0;
  std::uint64_t stack_size = 0;
  std::uint64_t memory = 0;
  std::uint64_t extra_memory = 0;
  std::uint64_t parallel = 0;
  bool disk_quotas = false;
  std::uint64_t disk_size = 0;
  std::uint64_t disk_files = 0;
  environment environ_variables;
  std::vector<bound_directory> bound_directories;

  friend bool operator==(const sandbox_limits& a, const sandbox_limits& b);
};

// One `limits` entry of a job: whatever the job did not say stays empty.
struct limits_entry {
  std::string hw_group_id;
  std::optional<double> time;
  std::optional<double> wall_time;
  std::optional<double> extra_time;
  std::optional<std::uint64_t> stack_size;
  std::optional<std::uint64_t> memory;
  std::optional<std::uint64_t> extra_memory;
  std::optional<std::uint64_t> parallel;
  std::optional<bool> disk_quotas;
  std::optional<std::uint64_t> disk_size;
  std::optional<std::uint64_t> disk_files;
  environment environ_variables;
  std::vector<bound_directory> bound_directories;
  int line = 0; // of the entry in job-config.yml, for messages
};

// 5.2: the entry for `hwgroup` completed from `defaults`; `defaults` verbatim when the job has
// no entry for it. A given item above the default is an error (errc::too_large, "<item> item is
// bigger than default worker value"); a `tmp` bound directory with a `src` or with `fs` is an
// error (errc::invalid_argument would mark it a schema error, so it is errc::conflict). Both end
// the job with INTERNAL_ERROR (6.3).
result<sandbox_limits> resolve_limits(const std::vector<limits_entry>& job_entries,
                                      std::string_view hwgroup, const sandbox_limits& defaults);

// The worker configuration's `limits` (section 7) from its whole YAML document: the items of a
// job's limits entry (5.1) without hw-group-id, each absent one 0, false or empty. Errors are
// errc::invalid_argument, "line N: limits.time: ..." (the caller names the file). Defined
// beside the job-config parser, whose item rules it shares.
result<sandbox_limits> parse_worker_limits(std::string_view yaml_document,
                                           std::string_view key = "limits");

} // namespace recodex::worker
