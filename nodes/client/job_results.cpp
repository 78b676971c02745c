// result.yml (+ job-config.yml) -> per-test verdicts, and the printed table.
#include "nodes/client/job_results.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>
#include <yaml-cpp/yaml.h>

namespace recodex::client {

std::string_view to_string(verdict v) {
  switch (v) {
  case verdict::ok:
    return "OK";
  case verdict::wrong_answer:
    return "WA";
  case verdict::time_limit:
    return "TLE";
  case verdict::memory_limit:
    return "MLE";
  case verdict::runtime_error:
    return "RE";
  case verdict::compile_error:
    return "CE";
  case verdict::skipped:
    return "SKIPPED";
  case verdict::internal_error:
    return "IE";
  }
  return "?";
}

namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::string first_line(const std::string& text) {
  auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos)
    return {};
  return text.substr(start, text.find('\n', start) - start);
}

// The token judge's diff log (spec 8: "-<line>: <expected>" / "+<line>: <actual>") as one
// sentence for the table; any other log by its first line.
std::string judge_summary(const std::string& log) {
  std::istringstream lines(log);
  std::string line, expected_line, expected, actual;
  while (std::getline(lines, line)) {
    const auto colon = line.find(": ");
    if (line.size() < 2 || colon == std::string::npos)
      break;
    const std::string number = line.substr(1, colon - 1);
    if (line[0] == '-' && expected_line.empty()) {
      expected_line = number;
      expected = line.substr(colon + 2);
    } else if (line[0] == '+' && number == expected_line) {
      actual = line.substr(colon + 2);
      return "line " + number + ": expected " + expected + ", got " + actual;
    }
  }
  return first_line(log);
}

std::string scalar(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.as<std::string>() : std::string{};
}

template <class T> T number(const YAML::Node& node, const char* key) {
  T out{};
  const YAML::Node value = node[key];
  if (value && value.IsScalar())
    YAML::convert<T>::decode(value, out);
  return out;
}

task_row read_row(const YAML::Node& entry) {
  task_row row;
  row.task_id = scalar(entry, "task-id");
  row.status = scalar(entry, "status");
  row.error_message = scalar(entry, "error_message");
  if (const YAML::Node output = entry["output"]) {
    row.stdout_text = scalar(output, "stdout");
    row.stderr_text = scalar(output, "stderr");
  }
  if (const YAML::Node sandbox = entry["sandbox_results"]) {
    row.sandboxed = true;
    row.sandbox_status = scalar(sandbox, "status");
    row.sandbox_message = scalar(sandbox, "message");
    row.exitcode = number<int>(sandbox, "exitcode");
    row.time = number<double>(sandbox, "time");
    row.memory = number<std::uint64_t>(sandbox, "memory");
  }
  return row;
}

// What a task is for: the job config's type and test-id, or our generator's task names.
struct task_role {
  std::string test; // empty: not a test's task
  bool run = false, judge = false, initiation = false;
};

std::map<std::string, task_role> roles_from_job_config(const YAML::Node& config,
                                                       std::vector<std::string>& test_order) {
  std::map<std::string, task_role> roles;
  for (const auto& task : config["tasks"]) {
    task_role role;
    role.test = scalar(task, "test-id");
    std::string type = scalar(task, "type");
    std::transform(type.begin(), type.end(), type.begin(), ::tolower);
    role.run = type == "execution";
    role.judge = type == "evaluation";
    role.initiation = type == "initiation";
    if (!role.test.empty() &&
        std::find(test_order.begin(), test_order.end(), role.test) == test_order.end())
      test_order.push_back(role.test);
    roles[scalar(task, "task-id")] = role;
  }
  return roles;
}

task_role role_from_name(const std::string& id, std::vector<std::string>& test_order) {
  task_role role;
  auto take = [&](std::string_view prefix) {
    if (id.compare(0, prefix.size(), prefix) != 0)
      return false;
    role.test = id.substr(prefix.size());
    if (std::find(test_order.begin(), test_order.end(), role.test) == test_order.end())
      test_order.push_back(role.test);
    return true;
  };
  role.run = take("run-");
  role.judge = !role.run && take("judge-");
  role.initiation = id.compare(0, 7, "compile") == 0;
  return role;
}

std::string human_memory(std::uint64_t kib) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1);
  if (kib >= 1024 * 1024)
    out << kib / (1024.0 * 1024.0) << " GiB";
  else if (kib >= 1024)
    out << kib / 1024.0 << " MiB";
  else
    out << kib << " KiB";
  return out.str();
}

std::string human_score(const std::optional<double>& score) {
  if (!score)
    return "-";
  std::ostringstream out;
  out << std::setprecision(3) << *score;
  return out.str();
}

std::string pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

} // namespace

std::optional<double> judge_score(const task_row& judge) {
  std::istringstream in(judge.stdout_text);
  std::string token;
  if (!(in >> token))
    return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(token.c_str(), &end);
  if (end != token.c_str() + token.size() || !std::isfinite(value))
    return std::nullopt;
  return std::clamp(value, 0.0, 1.0);
}

verdict derive_verdict(const task_row* run, const task_row* judge, bool compile_failed) {
  if (!run || run->status == "SKIPPED")
    return compile_failed ? verdict::compile_error : verdict::skipped;
  if (run->status != "OK") {
    if (run->sandbox_status == "TO")
      return verdict::time_limit;
    if (contains(run->sandbox_message, "Memory limit"))
      return verdict::memory_limit;
    if (run->sandbox_status == "XX" || !run->sandboxed)
      return verdict::internal_error;
    return verdict::runtime_error;
  }
  if (!judge || judge->status == "SKIPPED")
    return verdict::skipped;
  if (judge->status == "OK")
    return verdict::ok;
  // The judge convention (spec 8): exit 1 = wrong, anything else = the judge itself failed.
  if (judge->sandbox_status == "RE" && judge->exitcode == 1)
    return verdict::wrong_answer;
  return verdict::internal_error;
}

bool job_results::passed() const {
  return !tests.empty() && std::all_of(tests.begin(), tests.end(), [](const test_result& t) {
    return t.outcome == verdict::ok;
  });
}

result<job_results> parse_job_results(std::string_view result_yml,
                                      std::string_view job_config_yml) {
  job_results out;
  std::vector<std::string> test_order;
  std::map<std::string, task_role> roles;
  try {
    if (!job_config_yml.empty())
      roles = roles_from_job_config(YAML::Load(std::string(job_config_yml)), test_order);
  } catch (const YAML::Exception& e) {
    return make_error(errc::invalid_argument, "result/job-config.yml: " + e.msg);
  }
  try {
    const YAML::Node doc = YAML::Load(std::string(result_yml));
    if (!doc.IsMap() || !doc["results"] || !doc["results"].IsSequence())
      return make_error(errc::invalid_argument, "result/result.yml: results: is missing");
    out.job_id = scalar(doc, "job-id");
    out.hw_group = scalar(doc, "hw-group");
    for (const auto& entry : doc["results"])
      out.tasks.push_back(read_row(entry));
  } catch (const YAML::Exception& e) {
    return make_error(errc::invalid_argument,
                      "result/result.yml:" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }

  std::map<std::string, const task_row*> runs, judges;
  for (const auto& row : out.tasks) {
    auto known = roles.find(row.task_id);
    const task_role role =
        known != roles.end() ? known->second : role_from_name(row.task_id, test_order);
    if (role.initiation && row.status == "FAILED") {
      out.compile_failed = true;
      out.compile_log += row.stdout_text + row.stderr_text;
      if (out.compile_log.empty())
        out.compile_log = row.error_message;
    }
    if (role.run)
      runs[role.test] = &row;
    if (role.judge)
      judges[role.test] = &row;
  }
  for (const auto& test : test_order) {
    test_result t;
    t.test = test;
    const task_row* run = runs.count(test) ? runs[test] : nullptr;
    const task_row* judge = judges.count(test) ? judges[test] : nullptr;
    t.outcome = derive_verdict(run, judge, out.compile_failed);
    if (run) {
      t.time = run->time;
      t.memory = run->memory;
    }
    if (t.outcome == verdict::ok || t.outcome == verdict::wrong_answer)
      t.score = judge_score(*judge);
    if (t.outcome == verdict::wrong_answer || t.outcome == verdict::internal_error)
      t.message = judge ? judge_summary(judge->stderr_text) : std::string{};
    if (run && run->status == "FAILED")
      t.message = run->sandbox_message.empty() ? run->error_message : run->sandbox_message;
    if (t.outcome == verdict::compile_error)
      t.message = "compilation failed";
    out.tests.push_back(std::move(t));
  }
  return out;
}

std::string format_results_table(const job_results& results) {
  std::vector<std::vector<std::string>> rows{{"test", "verdict", "time", "memory", "score", ""}};
  std::map<std::string, int> counts;
  std::vector<std::string> order;
  for (const auto& t : results.tests) {
    std::ostringstream time;
    time << std::fixed << std::setprecision(3) << t.time << " s";
    const bool ran = t.outcome != verdict::skipped && t.outcome != verdict::compile_error;
    rows.push_back({t.test, std::string(to_string(t.outcome)), ran ? time.str() : "-",
                    ran ? human_memory(t.memory) : "-", human_score(t.score), t.message});
    const std::string name(to_string(t.outcome));
    if (counts[name]++ == 0)
      order.push_back(name);
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  std::ostringstream out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i)
      line += pad(row[i], i + 1 < row.size() ? width[i] + 2 : 0);
    out << line.substr(0, line.find_last_not_of(' ') + 1) << "\n";
  }
  out << results.tests.size() << (results.tests.size() == 1 ? " test" : " tests");
  for (std::size_t i = 0; i < order.size(); ++i)
    out << (i == 0 ? ": " : ", ") << counts[order[i]] << " " << order[i];
  out << "\n";
  if (results.compile_failed && !results.compile_log.empty())
    out << "compiler output:\n"
        << results.compile_log << (results.compile_log.back() == '\n' ? "" : "\n");
  return out.str();
}

} // namespace recodex::client
