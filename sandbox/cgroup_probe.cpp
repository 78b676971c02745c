// Chooses the cgroup backend from the mount table, once at start, and says what is missing.
#include "sandbox/cgroup.hpp"

#include "sandbox/host_files.hpp"

#include <sstream>
#include <vector>

namespace recodex::sandbox {

std::string_view to_string(cgroup_version v) {
  switch (v) {
    case cgroup_version::v1: return "v1";
    case cgroup_version::v2: return "v2";
  }
  return "unknown";
}

namespace {

bool has_word(std::string_view list, std::string_view word, char separator) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    auto end = list.find(separator, pos);
    if (end == std::string_view::npos)
      end = list.size();
    if (list.substr(pos, end - pos) == word)
      return true;
    pos = end + 1;
  }
  return false;
}

} // namespace

result<std::unique_ptr<cgroup_driver>> probe_cgroups(const std::string& mounts_file,
                                                     const std::string& parent) {
  RECODEX_TRY(table, detail::read_text(mounts_file));
  std::istringstream lines{table};
  std::string device, mount_point, type, options;
  cgroup_v1_roots v1;
  std::string v2_seen;
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields{line};
    if (!(fields >> device >> mount_point >> type >> options))
      continue;
    if (type == "cgroup2") {
      auto controllers = detail::read_text(mount_point + "/cgroup.controllers");
      if (!controllers)
        continue;
      std::string list = controllers.value();
      while (!list.empty() && (list.back() == '\n' || list.back() == ' '))
        list.pop_back();
      if (has_word(list, "memory", ' ') && has_word(list, "pids", ' '))
        return make_cgroup_v2_driver(mount_point, parent);
      v2_seen = mount_point + " (controllers: " + (list.empty() ? "none" : list) + ")";
    } else if (type == "cgroup") {
      if (has_word(options, "memory", ','))
        v1.memory = mount_point;
      if (has_word(options, "pids", ','))
        v1.pids = mount_point;
      if (has_word(options, "cpuacct", ','))
        v1.cpuacct = mount_point;
    }
  }
  if (!v1.memory.empty() && !v1.pids.empty() && !v1.cpuacct.empty())
    return make_cgroup_v1_driver(v1, parent);

  std::string missing;
  for (auto [name, path] : {std::pair{"memory", &v1.memory}, std::pair{"pids", &v1.pids},
                            std::pair{"cpuacct", &v1.cpuacct}})
    if (path->empty())
      missing += missing.empty() ? name : std::string{", "} + name;
  std::string message = "no usable cgroups in " + mounts_file + ": ";
  message += v2_seen.empty() ? "no cgroup2 mount with memory and pids"
                             : "cgroup2 at " + v2_seen + " lacks memory or pids";
  message += "; cgroup v1 lacks " + missing;
  return make_error(errc::unavailable, std::move(message));
}

} // namespace recodex::sandbox
