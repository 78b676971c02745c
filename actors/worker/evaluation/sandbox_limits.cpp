// Limit resolution (5.2) and the bound-directory mode words. Kept apart from the parser because
// the worker's defaults come from the worker's own configuration, not from the job.
#include "actors/worker/evaluation/sandbox_limits.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace recodex::worker {

namespace {

struct mode_word {
  std::string_view name;
  unsigned flag;
};

constexpr std::array<mode_word, 7> mode_words{{{"rw", dir_mode::rw},
                                               {"noexec", dir_mode::noexec},
                                               {"fs", dir_mode::fs},
                                               {"maybe", dir_mode::maybe},
                                               {"dev", dir_mode::dev},
                                               {"tmp", dir_mode::tmp},
                                               {"norec", dir_mode::norec}}};

// Takes the job's value if given (checking it against the default), else the default.
template <class T>
result<T> pick(const std::optional<T>& job_value, T default_value, std::string_view item) {
  if (!job_value)
    return default_value;
  if (*job_value > default_value)
    return error{errc::too_large, std::string(item) + " item is bigger than default worker value"};
  return *job_value;
}

} // namespace

unsigned parse_dir_mode(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  unsigned mode = dir_mode::read_only;
  for (const auto& word : mode_words)
    if (lowered.find(word.name) != std::string::npos)
      mode |= word.flag;
  return mode;
}

std::string dir_mode_to_string(unsigned mode) {
  std::string out;
  for (const auto& word : mode_words) {
    if (mode & word.flag) {
      if (!out.empty())
        out += ',';
      out += word.name;
    }
  }
  return out;
}

bool operator==(const sandbox_limits& a, const sandbox_limits& b) {
  return a.time == b.time && a.wall_time == b.wall_time && a.extra_time == b.extra_time &&
         a.stack_size == b.stack_size && a.memory == b.memory && a.extra_memory == b.extra_memory &&
         a.parallel == b.parallel && a.disk_quotas == b.disk_quotas && a.disk_size == b.disk_size &&
         a.disk_files == b.disk_files && a.environ_variables == b.environ_variables &&
         a.bound_directories == b.bound_directories;
}

result<sandbox_limits> resolve_limits(const std::vector<limits_entry>& job_entries,
                                      std::string_view hwgroup, const sandbox_limits& defaults) {
  const auto entry = std::find_if(job_entries.begin(), job_entries.end(),
                                  [&](const limits_entry& e) { return e.hw_group_id == hwgroup; });
  if (entry == job_entries.end())
    return defaults;

  sandbox_limits out;
  RECODEX_TRY_VOID(store(out.time, pick(entry->time, defaults.time, "time")));
  RECODEX_TRY_VOID(store(out.wall_time, pick(entry->wall_time, defaults.wall_time, "wall-time")));
  RECODEX_TRY_VOID(store(out.extra_time, pick(entry->extra_time, defaults.extra_time, "extra-time")));
  RECODEX_TRY_VOID(store(out.stack_size, pick(entry->stack_size, defaults.stack_size, "stack-size")));
  RECODEX_TRY_VOID(store(out.memory, pick(entry->memory, defaults.memory, "memory")));
  RECODEX_TRY_VOID(store(out.extra_memory, pick(entry->extra_memory, defaults.extra_memory, "extra-memory")));
  RECODEX_TRY_VOID(store(out.parallel, pick(entry->parallel, defaults.parallel, "parallel")));
  out.disk_quotas = entry->disk_quotas.value_or(defaults.disk_quotas);
  RECODEX_TRY_VOID(store(out.disk_size, pick(entry->disk_size, defaults.disk_size, "disk-size")));
  RECODEX_TRY_VOID(store(out.disk_files, pick(entry->disk_files, defaults.disk_files, "disk-files")));

  // The job's variables and directories first, then the worker's that the job did not name
  // (a variable by its name, a directory by its mount point inside the sandbox).
  out.environ_variables = entry->environ_variables;
  for (const auto& var : defaults.environ_variables) {
    const bool present = std::any_of(out.environ_variables.begin(), out.environ_variables.end(),
                                     [&](const auto& given) { return given.first == var.first; });
    if (!present)
      out.environ_variables.push_back(var);
  }
  out.bound_directories = entry->bound_directories;
  for (const auto& dir : defaults.bound_directories) {
    const bool present =
        std::any_of(out.bound_directories.begin(), out.bound_directories.end(),
                    [&](const bound_directory& given) { return given.dst == dir.dst; });
    if (!present)
      out.bound_directories.push_back(dir);
  }

  // Only the job's directories are checked: the worker's own were validated with its config.
  for (const auto& dir : entry->bound_directories) {
    if (!(dir.mode & dir_mode::tmp))
      continue;
    if (!dir.src.empty())
      return error{errc::conflict, "bound directory " + dir.dst +
                                       ": a tmp directory must not have a src (" + dir.src + ")"};
    if (dir.mode & dir_mode::fs)
      return error{errc::conflict,
                   "bound directory " + dir.dst + ": mode tmp cannot be combined with fs"};
  }
  return out;
}

} // namespace recodex::worker
