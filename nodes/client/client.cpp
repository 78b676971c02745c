// The client's verbs composed from the file server, broker and monitor clients.
#include "nodes/client/client.hpp"

#include "actors/worker/environments/environment_definition.hpp"
#include "nodes/client/file_server_client.hpp"
#include "storage/sha1.hpp"
#include "storage/zip_reader.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <yaml-cpp/yaml.h>

namespace recodex::client {

namespace {

using json = nlohmann::json;

result<std::string> read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return make_errno_error(errno, "cannot read " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

result<json> parse_json(const std::string& text, const std::string& what) {
  auto out = json::parse(text, nullptr, false);
  if (out.is_discarded())
    return make_error(errc::internal, what + ": the file server's answer is not JSON");
  return out;
}

result<task_version> version_from_json(const json& j) {
  try {
    task_version v;
    v.task = j.at("task").get<std::string>();
    v.number = j.at("number").get<std::uint32_t>();
    v.time = j.at("time").get<std::int64_t>();
    v.message = j.at("message").get<std::string>();
    for (const auto& f : j.at("files"))
      v.files.push_back({f.at("name").get<std::string>(), f.at("sha1").get<std::string>(),
                         f.at("size").get<std::uint64_t>()});
    return v;
  } catch (const json::exception& e) {
    return make_error(errc::internal,
                      std::string("unexpected task version from the file server: ") + e.what());
  }
}

// The solution's files: a directory's regular, non-hidden files (sorted), or one file.
result<std::vector<std::filesystem::path>> solution_files(const std::filesystem::path& solution) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(solution, ec))
    return std::vector<std::filesystem::path>{solution};
  if (!std::filesystem::is_directory(solution, ec))
    return make_error(errc::not_found, solution.string() + " is neither a directory nor a file");
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(solution, ec))
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.')
      out.push_back(entry.path());
  if (ec)
    return make_errno_error(ec.value(), "cannot list " + solution.string());
  if (out.empty())
    return make_error(errc::invalid_argument, solution.string() + " has no source files");
  std::sort(out.begin(), out.end());
  return out;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() > suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The first of the task's environments (in its order) that has a definition and a source file
// with one of its extensions.
result<worker::environment_definition> pick_environment(const task_definition& task,
                                                        const std::vector<std::string>& sources,
                                                        const std::filesystem::path& environments) {
  RECODEX_TRY(definitions, worker::load_environments(environments));
  for (const auto& id : task.environments) {
    auto def = std::find_if(definitions.begin(), definitions.end(),
                            [&](const auto& d) { return d.id == id; });
    if (def == definitions.end())
      continue;
    for (const auto& source : sources)
      for (const auto& extension : def->extensions)
        if (ends_with(source, extension))
          return *def;
  }
  std::string allowed, names;
  for (const auto& id : task.environments)
    allowed += (allowed.empty() ? "" : ", ") + id;
  for (const auto& s : sources)
    names += (names.empty() ? "" : ", ") + s;
  return make_error(errc::invalid_argument, "task " + task.id + " allows " + allowed +
                                                " (definitions in " + environments.string() +
                                                "), none of which fits the sources " + names);
}

std::string fresh_job_id(const std::string& task) {
  std::random_device seed;
  std::mt19937_64 bits(seed());
  std::ostringstream out;
  out << task << "_" << std::hex << (bits() & 0xffffffffffffull);
  return out.str();
}

result<std::string> sha1_of(const task_version& version, const std::string& test_file) {
  const std::string name = stored_name(test_file);
  for (const auto& f : version.files)
    if (f.name == name)
      return f.sha1;
  return make_error(errc::not_found, "task " + version.task + " version " +
                                         std::to_string(version.number) + " has no file " + name);
}

} // namespace

client::client(client_config config)
    : config_(std::move(config)), definitions_(std::make_shared<definition_cache>()) {}

// -- tasks --

result<task_version> client::push_task(const std::filesystem::path& dir,
                                       const std::string& message) {
  RECODEX_TRY(task, load_task_definition(dir));
  RECODEX_TRY(task_yml, read_file(dir / task_file_name));
  file_server_client files(config_);
  std::vector<form_part> parts{{std::string(task_file_name), task_yml, true}};
  std::map<std::string, std::string> stored; // stored name -> sha1
  for (const auto& test : task.tests)
    for (const auto* path : {&test.input, &test.expected_output}) {
      if (path->empty() || stored.count(stored_name(*path)))
        continue;
      RECODEX_TRY(content, read_file(dir / *path));
      const std::string sha1 = storage::sha1_hex(content);
      RECODEX_TRY_VOID(
          files.call("PUT", "/tasks/" + sha1, std::move(content), "application/octet-stream"));
      stored[stored_name(*path)] = sha1;
      parts.push_back({"sha1:" + stored_name(*path), sha1, false});
    }
  parts.push_back({"message", message.empty() ? "pushed from " + dir.string() : message, false});
  RECODEX_TRY(reply, files.post_form("/v1/tasks/" + task.id + "/versions", parts));
  RECODEX_TRY(j, parse_json(reply, "push"));
  return version_from_json(j);
}

result<std::vector<task_version>> client::task_versions(const std::string& task) const {
  RECODEX_TRY(reply, file_server_client(config_).call("GET", "/v1/tasks/" + task + "/versions"));
  RECODEX_TRY(j, parse_json(reply, "versions"));
  std::vector<task_version> out;
  if (!j.contains("versions") || !j["versions"].is_array())
    return make_error(errc::internal, "unexpected version list from the file server");
  for (const auto& v : j["versions"]) {
    RECODEX_TRY(version, version_from_json(v));
    out.push_back(std::move(version));
  }
  return out;
}

result<task_version> client::show_task(const std::string& task, const std::string& version) const {
  RECODEX_TRY(
      reply, file_server_client(config_).call("GET", "/v1/tasks/" + task + "/versions/" + version));
  RECODEX_TRY(j, parse_json(reply, "show"));
  return version_from_json(j);
}

struct client::definition_cache {
  std::mutex mutex;
  std::map<std::pair<std::string, std::string>, std::string> texts;
};

result<std::string> client::task_definition_text(const std::string& task,
                                                 const std::string& version) const {
  const bool numbered =
      !version.empty() && version.find_first_not_of("0123456789") == std::string::npos;
  const auto key = std::make_pair(task, version);
  if (numbered) {
    std::lock_guard<std::mutex> lock(definitions_->mutex);
    if (auto it = definitions_->texts.find(key); it != definitions_->texts.end())
      return it->second;
  }
  RECODEX_TRY(text, file_server_client(config_).call("GET", "/v1/tasks/" + task + "/versions/" +
                                                                version + "/files/" +
                                                                std::string(task_file_name)));
  if (numbered) {
    std::lock_guard<std::mutex> lock(definitions_->mutex);
    definitions_->texts.emplace(key, text);
  }
  return text;
}

result<task_version> client::revert_task(const std::string& task, std::uint32_t version,
                                         const std::string& message) {
  RECODEX_TRY(reply, file_server_client(config_).call("POST",
                                                      "/v1/tasks/" + task + "/versions/" +
                                                          std::to_string(version) + "/revert",
                                                      message, "text/plain"));
  RECODEX_TRY(j, parse_json(reply, "revert"));
  return version_from_json(j);
}

result<task_diff> client::diff_task(const std::string& task, const std::string& from,
                                    const std::string& to) const {
  RECODEX_TRY(reply, file_server_client(config_).call(
                         "GET", "/v1/tasks/" + task + "/diff?from=" + from + "&to=" + to));
  RECODEX_TRY(j, parse_json(reply, "diff"));
  try {
    return task_diff{j.at("added").get<std::vector<std::string>>(),
                     j.at("removed").get<std::vector<std::string>>(),
                     j.at("changed").get<std::vector<std::string>>()};
  } catch (const json::exception& e) {
    return make_error(errc::internal,
                      std::string("unexpected diff from the file server: ") + e.what());
  }
}

// -- jobs --

result<submitted_job> client::submit(const submission& what) {
  RECODEX_TRY(files, solution_files(what.solution));
  RECODEX_TRY(version, show_task(what.task));
  RECODEX_TRY(task_yml, task_definition_text(what.task, std::to_string(version.number)));
  RECODEX_TRY(task,
              parse_task_definition(task_yml, what.task + " version " +
                                                  std::to_string(version.number) + " task.yml"));
  std::vector<std::string> sources;
  for (const auto& f : files)
    sources.push_back(f.filename().string());
  RECODEX_TRY(environment, pick_environment(task, sources, environments_dir(config_)));

  worker::job_request request;
  request.job_id = what.job_id.empty() ? fresh_job_id(task.id) : what.job_id;
  request.hw_group = task.hwgroup;
  request.file_collector = config_.fileserver + "/tasks";
  request.sources = sources;
  request.limits = task.limits;
  request.judge = task.judge;
  for (const auto& test : task.tests) {
    worker::test_case c;
    c.name = test.name;
    if (!test.input.empty()) {
      RECODEX_TRY(sha1, sha1_of(version, test.input));
      c.input = sha1;
    }
    RECODEX_TRY(sha1, sha1_of(version, test.expected_output));
    c.expected_output = sha1;
    c.limits = test.limits;
    request.tests.push_back(std::move(c));
  }
  RECODEX_TRY(job_config, worker::make_job_config(environment, request));

  std::vector<form_part> parts{{"job-config.yml", job_config, true}};
  for (const auto& f : files) {
    RECODEX_TRY(content, read_file(f));
    parts.push_back({f.filename().string(), std::move(content), true});
  }
  file_server_client server(config_);
  RECODEX_TRY_VOID(server.post_form("/submissions/" + request.job_id, parts));
  RECODEX_TRY_VOID(broker_client(config_).eval(
      request.job_id, {{"hwgroup", task.hwgroup}, {"env", environment.id}},
      {server.url("/submission_archives/" + request.job_id + ".zip"),
       server.url("/results/" + request.job_id + ".zip")}));
  return submitted_job{request.job_id, environment.id, version.number,
                       YAML::Load(job_config)["tasks"].size()};
}

result<job_end> client::follow(const std::string& job_id,
                               const std::function<void(const progress_event&)>& on_event) const {
  return follow_job(config_, job_id, on_event);
}

result<job_results> client::results(const std::string& job_id) const {
  file_server_client server(config_);
  const std::string target = "/results/" + job_id + ".zip";
  RECODEX_TRY(reply, server.request("GET", target));
  if (reply.status == 404)
    return make_error(errc::not_found, "file server at " + config_.fileserver + ": job " + job_id +
                                           " has no results (yet: is it still running?)");
  RECODEX_TRY(zip, server.call("GET", target)); // any other failure, with its message
  RECODEX_TRY(result_yml, storage::read_zip_member(zip, "result/result.yml"));
  if (!result_yml)
    return make_error(errc::invalid_argument,
                      "results of job " + job_id + " have no result/result.yml");
  RECODEX_TRY(job_config, storage::read_zip_member(zip, "result/job-config.yml"));
  return parse_job_results(*result_yml, job_config ? *job_config : std::string{});
}

// -- broker --

result<std::vector<header>> client::broker_stats() const {
  return broker_client(config_).runtime_stats();
}
result<void> client::freeze() const {
  return broker_client(config_).freeze();
}
result<void> client::unfreeze() const {
  return broker_client(config_).unfreeze();
}

// -- demo --

std::filesystem::path default_examples_dir() {
  return shipped_dir("examples", RECODEX_DEFAULT_EXAMPLES_DIR);
}

result<std::vector<std::filesystem::path>> demo_tasks(const std::filesystem::path& examples_dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(examples_dir, ec))
    if (entry.is_directory() && std::filesystem::exists(entry.path() / task_file_name))
      out.push_back(entry.path());
  if (ec)
    return make_errno_error(ec.value(), "cannot list " + examples_dir.string());
  std::sort(out.begin(), out.end());
  return out;
}

result<std::vector<demo_submission>> demo_submissions(const std::filesystem::path& examples_dir) {
  const auto index = examples_dir / "submissions.yml";
  RECODEX_TRY(text, read_file(index));
  std::vector<demo_submission> out;
  try {
    const YAML::Node doc = YAML::Load(text);
    for (const auto& entry : doc["submissions"]) {
      demo_submission s;
      s.name = entry["name"].as<std::string>();
      s.solution = examples_dir / entry["solution"].as<std::string>();
      s.task = entry["task"].as<std::string>();
      s.expected = entry["expected"].as<std::string>();
      out.push_back(std::move(s));
    }
  } catch (const YAML::Exception& e) {
    return make_error(errc::invalid_argument,
                      index.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return out;
}

} // namespace recodex::client
