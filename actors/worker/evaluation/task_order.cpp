// Linearisation by depth-first emission. The walk keeps its own stack rather than recursing, so
// a hostile chain of thousands of dependencies cannot exhaust the thread's stack.
#include "actors/worker/evaluation/task_order.hpp"

#include "actors/worker/evaluation/job_config.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>

namespace recodex::worker {

namespace {

enum class mark { unvisited, in_progress, emitted };

} // namespace

result<std::vector<std::size_t>> order_tasks(const std::vector<task_metadata>& tasks) {
  std::unordered_map<std::string, std::size_t> index_of;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!index_of.emplace(tasks[i].task_id, i).second)
      return error{errc::already_exists, "task-id '" + tasks[i].task_id + "' (line " +
                                             std::to_string(tasks[i].line) +
                                             ") is used by more than one task"};
  }

  // rank[i] < rank[j] when task i runs before task j among tasks that are both ready.
  std::vector<std::size_t> by_rank(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i)
    by_rank[i] = i;
  std::stable_sort(by_rank.begin(), by_rank.end(), [&](std::size_t a, std::size_t b) {
    return tasks[a].priority > tasks[b].priority;
  });
  std::vector<std::size_t> rank(tasks.size());
  for (std::size_t r = 0; r < by_rank.size(); ++r)
    rank[by_rank[r]] = r;

  std::vector<std::vector<std::size_t>> dependencies(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    for (const auto& id : tasks[i].dependencies) {
      const auto found = index_of.find(id);
      if (found == index_of.end())
        return error{errc::not_found, "task " + tasks[i].task_id + " (line " +
                                          std::to_string(tasks[i].line) +
                                          ") depends on unknown task '" + id + "'"};
      dependencies[i].push_back(found->second);
    }
    std::sort(dependencies[i].begin(), dependencies[i].end(),
              [&](std::size_t a, std::size_t b) { return rank[a] < rank[b]; });
  }

  std::vector<mark> marks(tasks.size(), mark::unvisited);
  std::vector<std::size_t> order;
  order.reserve(tasks.size());
  std::vector<std::pair<std::size_t, std::size_t>> stack; // task, next dependency to visit
  for (const auto start : by_rank) {
    if (marks[start] != mark::unvisited)
      continue;
    marks[start] = mark::in_progress;
    stack.emplace_back(start, 0);
    while (!stack.empty()) {
      auto& [task, next] = stack.back();
      if (next == dependencies[task].size()) {
        marks[task] = mark::emitted;
        order.push_back(task);
        stack.pop_back();
        continue;
      }
      const auto dependency = dependencies[task][next++];
      if (marks[dependency] == mark::emitted)
        continue;
      if (marks[dependency] == mark::in_progress) {
        std::string cycle;
        auto from = std::find_if(stack.begin(), stack.end(),
                                 [&](const auto& frame) { return frame.first == dependency; });
        for (; from != stack.end(); ++from)
          cycle += tasks[from->first].task_id + " -> ";
        cycle += tasks[dependency].task_id;
        return error{errc::conflict,
                     "cycle in task dependencies: " + cycle + " (each depends on the next)"};
      }
      marks[dependency] = mark::in_progress;
      stack.emplace_back(dependency, 0);
    }
  }
  return order;
}

} // namespace recodex::worker
