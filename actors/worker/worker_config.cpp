// Scalar keys go through config_reader (key path, line, type and range in every message). The
// three structured sections are read here from yaml-cpp nodes, because config_reader only
// walks mappings: headers (a mapping of scalars or lists), file-managers (a list of mappings)
// and limits (the job-config items, parsed by the evaluation room's own rules).
#include "actors/worker/worker_config.hpp"

#include "storage/file_io.hpp"

#include <memory>
#include <yaml-cpp/yaml.h>

namespace recodex::worker {

namespace {

using nodes::config_problem;
using nodes::config_reader;

int line_of(const YAML::Node& node) {
  const auto mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

// A top-level value of the document, or an undefined node.
YAML::Node top_level(const YAML::Node& document, const std::string& key) {
  if (!document.IsMap())
    return YAML::Node{YAML::NodeType::Undefined};
  for (auto it = document.begin(); it != document.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key)
      return it->second;
  return YAML::Node{YAML::NodeType::Undefined};
}

bool absent(const YAML::Node& node) {
  return !node.IsDefined() || node.IsNull();
}

class section_reader {
public:
  section_reader(const YAML::Node& document, std::vector<config_problem>& errors)
      : document_(document), errors_(errors) {}

  // `headers`: each value a scalar or a list of scalars, kept in document order.
  header_list headers() {
    header_list out;
    const auto node = top_level(document_, "headers");
    if (absent(node)) {
      missing("headers");
      return out;
    }
    if (!node.IsMap()) {
      wrong(node, "headers", "expected a mapping of header names to values");
      return out;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string name = it->first.IsScalar() ? it->first.Scalar() : std::string{};
      const std::string path = "headers." + name;
      if (name.empty()) {
        wrong(it->first, "headers", "a header name must be a non-empty string");
        continue;
      }
      if (it->second.IsScalar()) {
        out.push_back({name, it->second.Scalar()});
      } else if (it->second.IsSequence()) {
        for (std::size_t i = 0; i < it->second.size(); ++i) {
          if (it->second[i].IsScalar())
            out.push_back({name, it->second[i].Scalar()});
          else
            wrong(it->second[i], path + "[" + std::to_string(i) + "]", "expected a scalar value");
        }
      } else {
        wrong(it->second, path, "expected a value or a list of values");
      }
    }
    return out;
  }

  // `file-managers`: a list of {hostname, username, password}; hostname is required.
  std::vector<file_manager> file_managers() {
    std::vector<file_manager> out;
    const auto node = top_level(document_, "file-managers");
    if (absent(node)) {
      missing("file-managers");
      return out;
    }
    if (!node.IsSequence()) {
      wrong(node, "file-managers", "expected a list of {hostname, username, password}");
      return out;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      const auto entry = node[i];
      const std::string path = "file-managers[" + std::to_string(i) + "]";
      if (!entry.IsMap()) {
        wrong(entry, path, "expected a mapping with hostname, username and password");
        continue;
      }
      file_manager manager;
      bool complete = true;
      for (auto it = entry.begin(); it != entry.end(); ++it) {
        const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string{};
        std::string* field = key == "hostname"   ? &manager.hostname
                             : key == "username" ? &manager.username
                             : key == "password" ? &manager.password
                                                 : nullptr;
        if (!field) {
          warnings.push_back({path + "." + key, line_of(it->first), "unknown key (ignored)"});
          continue;
        }
        if (!it->second.IsScalar()) {
          wrong(it->second, path + "." + key, "expected a string");
          complete = false;
          continue;
        }
        *field = it->second.Scalar();
      }
      if (manager.hostname.empty()) {
        wrong(entry, path + ".hostname", "required key is missing");
        complete = false;
      }
      if (complete)
        out.push_back(std::move(manager));
    }
    return out;
  }

  std::vector<config_problem> warnings;

private:
  void missing(const std::string& key) { errors_.push_back({key, 0, "required key is missing"}); }

  void wrong(const YAML::Node& at, const std::string& key, const std::string& message) {
    errors_.push_back({key, line_of(at), message});
  }

  const YAML::Node& document_;
  std::vector<config_problem>& errors_;
};

// Records "required key is missing" when `key` is absent; a present but invalid value was
// already reported by the read.
template <class T>
std::optional<T> require(config_reader& r, std::string_view key, std::optional<T> value) {
  if (!value && !r.has(key))
    r.problem(key, "required key is missing");
  return value;
}

void read_recodex_scalars(config_reader& r, worker_config& c) {
  if (auto v = require(r, "worker-id", r.integer("worker-id", 0, 0xffffffffLL)))
    c.worker_id = static_cast<std::uint64_t>(*v);
  if (auto v = r.string("worker-description"))
    c.description = *v;
  if (auto v = require(r, "broker-uri", r.string("broker-uri"))) {
    if (v->empty())
      r.problem("broker-uri", "must not be empty");
    c.broker_uri = *v;
  }
  if (auto v = r.integer("broker-ping-interval", 1, 3600000))
    c.broker_ping_interval = std::chrono::milliseconds{*v};
  if (auto v = r.integer("max-broker-liveness", 1, 1000000))
    c.max_broker_liveness = static_cast<std::uint32_t>(*v);
  if (auto v = require(r, "hwgroup", r.string("hwgroup"))) {
    if (v->empty())
      r.problem("hwgroup", "must not be empty");
    c.hwgroup = *v;
  }
  if (auto v = r.string("working-directory"))
    c.working_directory = *v;
  if (auto v = r.string("file-cache.cache-dir"))
    c.cache_dir = *v;
  nodes::read_logging_config(r, c.logging);
  if (auto v = require(r, "max-output-length", r.size("max-output-length")))
    c.max_output_length = *v;
  if (auto v = require(r, "max-carboncopy-length", r.size("max-carboncopy-length")))
    c.max_carboncopy_length = *v;
  if (auto v = require(r, "cleanup-submission", r.boolean("cleanup-submission")))
    c.cleanup_submission = *v;
}

void read_our_scalars(config_reader& r, worker_config& c) {
  if (auto v = r.string("judges-dir")) {
    if (v->empty() || v->front() != '/')
      r.problem("judges-dir", "must be an absolute path, got '" + *v + "'");
    c.judges_dir = *v;
  }
  if (auto v = r.integer("slots", 1, 256))
    c.slots = static_cast<unsigned>(*v);
  if (auto v = r.boolean("parallel-tasks"))
    c.parallel_tasks = *v;
  if (auto v = r.integer("progress-batch-window", 0, 10000))
    c.progress_batch_window = std::chrono::milliseconds{*v};
  if (auto v = r.size("file-cache.max-size"))
    c.cache_max_size = *v;
  if (auto v = r.seconds("file-cache.max-age"))
    c.cache_max_age = *v;
  if (auto v = r.string("ca-file"))
    c.ca_file = *v;
  if (auto v = r.string("environments-dir"))
    c.environments_dir = *v;
  if (auto v = r.string("cluster-tls.certificate"))
    c.cluster_tls.certificate = *v;
  if (auto v = r.string("cluster-tls.key"))
    c.cluster_tls.key = *v;
  if (auto v = r.string("cluster-tls.ca-file"))
    c.cluster_tls.ca_file = *v;
  if (auto v = r.string("sandbox.state-dir")) {
    if (v->empty() || v->front() != '/')
      r.problem("sandbox.state-dir", "must be an absolute path, got '" + *v + "'");
    c.sandbox.state_dir = *v;
  }
  if (auto v = r.integer("sandbox.box-count", 1, 65536))
    c.sandbox.box_count = static_cast<int>(*v);
  if (auto v = r.integer("sandbox.first-uid", 1, 0x7fffffffLL - 65536))
    c.sandbox.first_uid = static_cast<int>(*v);
  if (auto v = r.string("sandbox.cgroup-parent"))
    c.sandbox.cgroup_parent = *v;
  if (static_cast<int>(c.slots) > c.sandbox.box_count)
    r.problem("slots", "each slot needs its own box, but sandbox.box-count is " +
                           std::to_string(c.sandbox.box_count));
}

// `limits`: the job-config items (5.1) through the evaluation room's parser.
void read_limits(const YAML::Node& document, std::string_view yaml, worker_config& c,
                 std::vector<config_problem>& errors) {
  if (absent(top_level(document, "limits"))) {
    errors.push_back({"limits", 0, "required key is missing"});
    return;
  }
  auto limits = parse_worker_limits(yaml, "limits");
  if (limits)
    c.limits = std::move(limits).value();
  else
    errors.push_back({"", 0, limits.error().message}); // "line N: limits.<item>: ..."
}

} // namespace

std::string worker_config_read::describe(const config_problem& p) const {
  return reader_ ? reader_->describe(p) : p.key + ": " + p.message;
}

result<worker_config_read> read_worker_config(std::string_view yaml, std::string source,
                                              std::string executable_dir) {
  RECODEX_TRY(reader, config_reader::from_string(yaml, source));
  YAML::Node document;
  try {
    document = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return error{errc::invalid_argument, source + ": not valid YAML: " + e.msg};
  }
  worker_config_read out;
  out.config.judges_dir = std::move(executable_dir);
  read_recodex_scalars(reader, out.config);
  read_our_scalars(reader, out.config);
  // The structured sections are read below; has() tells the reader they are known keys.
  for (const char* key : {"headers", "file-managers", "limits"})
    (void) reader.has(key);
  out.errors = reader.errors();
  section_reader sections{document, out.errors};
  out.config.headers = sections.headers();
  out.config.file_managers = sections.file_managers();
  read_limits(document, yaml, out.config, out.errors);
  out.warnings = reader.unknown_keys();
  out.warnings.insert(out.warnings.end(), sections.warnings.begin(), sections.warnings.end());
  out.reader_ = std::make_shared<const config_reader>(std::move(reader));
  return out;
}

result<worker_config_read> read_worker_config_file(const std::filesystem::path& file,
                                                   std::string executable_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    return error{errc::not_found, "config file " + file.string() + " does not exist"};
  std::string text;
  RECODEX_TRY_VOID(storage::read_file_chunks(file, [&](std::string_view chunk) -> result<void> {
    text.append(chunk);
    return ok();
  }));
  return read_worker_config(text, file.string(), std::move(executable_dir));
}

job_evaluator_config evaluator_config(const worker_config& config, std::string temp_dir) {
  job_evaluator_config out;
  out.worker_id = config.worker_id;
  out.hwgroup = config.hwgroup;
  std::error_code ec;
  out.working_directory = std::filesystem::absolute(config.working_directory, ec);
  if (ec)
    out.working_directory = config.working_directory;
  out.judges_dir = config.judges_dir;
  out.temp_dir = std::move(temp_dir);
  out.default_limits = config.limits;
  out.max_output_length = static_cast<std::size_t>(config.max_output_length);
  out.max_carboncopy_length = static_cast<std::size_t>(config.max_carboncopy_length);
  out.cleanup_submission = config.cleanup_submission;
  out.parallel_tasks = config.parallel_tasks;
  out.cache_max_size = config.cache_max_size;
  out.cache_max_age = config.cache_max_age;
  return out;
}

} // namespace recodex::worker
