// One table row per internal task; names and argument counts as 5.5 lists them.
#include "actors/worker/evaluation/internal_tasks.hpp"

#include "actors/worker/evaluation/job_config.hpp"

#include <array>
#include <string>

namespace recodex::worker {

namespace {

constexpr std::array<internal_task_rule, 10> rules{{
    {internal_task_kind::cp, 2, 2, "cp <src> <dst>"},
    {internal_task_kind::mkdir, 1, unbounded_args, "mkdir <path>..."},
    {internal_task_kind::rename, 2, 2, "rename <src> <dst>"},
    {internal_task_kind::rm, 1, unbounded_args, "rm <path>..."},
    {internal_task_kind::archivate, 2, 2, "archivate <dir> <archive>"},
    {internal_task_kind::extract, 2, 2, "extract <archive> <dest dir>"},
    {internal_task_kind::fetch, 2, 2, "fetch <name> <dest path>"},
    {internal_task_kind::truncate, 2, unbounded_args, "truncate <file> <limit KiB>"},
    {internal_task_kind::exists, 2, unbounded_args, "exists <message> <path>..."},
    {internal_task_kind::dumpdir, 3, unbounded_args,
     "dumpdir <src> <dst> <limit KiB> [exclude wildcard...]"},
}};

std::string plural_args(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " argument" : " arguments");
}

} // namespace

std::string_view to_string(internal_task_kind kind) {
  switch (kind) {
  case internal_task_kind::cp:
    return "cp";
  case internal_task_kind::mkdir:
    return "mkdir";
  case internal_task_kind::rename:
    return "rename";
  case internal_task_kind::rm:
    return "rm";
  case internal_task_kind::archivate:
    return "archivate";
  case internal_task_kind::extract:
    return "extract";
  case internal_task_kind::fetch:
    return "fetch";
  case internal_task_kind::truncate:
    return "truncate";
  case internal_task_kind::exists:
    return "exists";
  case internal_task_kind::dumpdir:
    return "dumpdir";
  }
  return "unknown";
}

std::optional<internal_task_rule> find_internal_task(std::string_view bin) {
  for (const auto& rule : rules)
    if (to_string(rule.kind) == bin)
      return rule;
  return std::nullopt;
}

result<internal_task_kind> validate_internal_task(const task_metadata& task) {
  const auto where = "task " + task.task_id + " (line " + std::to_string(task.line) + "): ";
  const auto rule = find_internal_task(task.bin);
  if (!rule)
    return error{errc::not_found, where + "unknown internal task '" + task.bin +
                                      "' (a task without a sandbox must name one of cp, mkdir, "
                                      "rename, rm, archivate, extract, fetch, truncate, exists, "
                                      "dumpdir)"};
  const auto count = task.args.size();
  if (count < rule->min_args || count > rule->max_args) {
    const auto expected = rule->min_args == rule->max_args
                              ? "exactly " + plural_args(rule->min_args)
                              : "at least " + plural_args(rule->min_args);
    return error{errc::conflict, where + std::string(task.bin) + " takes " + expected + ", got " +
                                     std::to_string(count) +
                                     " (usage: " + std::string(rule->usage) + ")"};
  }
  return rule->kind;
}

} // namespace recodex::worker
