// client.yml -> client_config, with yaml-cpp kept here.
#include "nodes/client/client_config.hpp"

#include <fstream>
#include <sstream>
#include <yaml-cpp/yaml.h>

namespace recodex::client {

namespace {

error fail(const std::string& name, const YAML::Node& at, const std::string& key,
           const std::string& what) {
  std::string where = name;
  if (at.IsDefined() && at.Mark().line >= 0)
    where += ":" + std::to_string(at.Mark().line + 1);
  return make_error(errc::invalid_argument, where + ": " + key + ": " + what);
}

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

result<void> read_url(const std::string& name, const YAML::Node& root, const char* key,
                      std::string_view scheme, std::string& out) {
  const YAML::Node node = root[key];
  if (!node)
    return ok();
  if (!node.IsScalar() || !starts_with(node.as<std::string>(), scheme) ||
      node.as<std::string>().size() <= scheme.size())
    return fail(name, node, key, "must be a " + std::string(scheme) + "host:port address");
  out = node.as<std::string>();
  return ok();
}

result<void> read_timeout(const std::string& name, const YAML::Node& timeouts, const char* key,
                          std::chrono::milliseconds& out) {
  const YAML::Node node = timeouts[key];
  if (!node)
    return ok();
  long long ms = 0;
  if (!node.IsScalar() || !YAML::convert<long long>::decode(node, ms) || ms <= 0)
    return fail(name, node, std::string("timeouts.") + key, "must be milliseconds above 0");
  out = std::chrono::milliseconds(ms);
  return ok();
}

result<client_config> read(const std::string& name, const YAML::Node& root, client_config out) {
  if (!root.IsMap())
    return fail(name, root, "(document)", "must be a map");
  for (const auto& entry : root) {
    static const char* known[] = {"broker",  "fileserver",       "username", "password",
                                  "monitor", "environments-dir", "timeouts"};
    const auto key = entry.first.as<std::string>();
    if (std::find(std::begin(known), std::end(known), key) == std::end(known))
      return fail(name, entry.first, key, "unknown key");
  }
  RECODEX_TRY_VOID(read_url(name, root, "broker", "tcp://", out.broker));
  RECODEX_TRY_VOID(read_url(name, root, "fileserver", "http://", out.fileserver));
  RECODEX_TRY_VOID(read_url(name, root, "monitor", "ws://", out.monitor));
  for (auto [key, field] : {std::pair{"username", &out.username}, {"password", &out.password}}) {
    if (const YAML::Node node = root[key]) {
      if (!node.IsScalar())
        return fail(name, node, key, "must be a string");
      *field = node.as<std::string>();
    }
  }
  if (const YAML::Node node = root["environments-dir"]) {
    if (!node.IsScalar() || node.as<std::string>().empty())
      return fail(name, node, "environments-dir", "must be a directory");
    std::filesystem::path dir = node.as<std::string>();
    out.environments_dir =
        dir.is_absolute() ? dir : std::filesystem::path(name).parent_path() / dir;
  }
  if (const YAML::Node timeouts = root["timeouts"]) {
    if (!timeouts.IsMap())
      return fail(name, timeouts, "timeouts", "must be a map of connect, request, job");
    for (const auto& entry : timeouts) {
      const auto key = entry.first.as<std::string>();
      if (key != "connect" && key != "request" && key != "job")
        return fail(name, entry.first, "timeouts." + key, "unknown key");
    }
    RECODEX_TRY_VOID(read_timeout(name, timeouts, "connect", out.connect_timeout));
    RECODEX_TRY_VOID(read_timeout(name, timeouts, "request", out.request_timeout));
    RECODEX_TRY_VOID(read_timeout(name, timeouts, "job", out.job_timeout));
  }
  return out;
}

} // namespace

std::filesystem::path shipped_dir(const std::string& name,
                                  const std::filesystem::path& source_dir) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto exe = self.parent_path();
    for (const auto& candidate :
         {exe / name, exe / ".." / "share" / "recodex" / name, exe / ".." / "deploy" / name})
      if (std::filesystem::is_directory(candidate, ec))
        return candidate.lexically_normal();
  }
  return source_dir;
}

std::filesystem::path default_environments_dir() {
  return shipped_dir("environments", RECODEX_DEFAULT_ENVIRONMENTS_DIR);
}

std::filesystem::path environments_dir(const client_config& config) {
  return config.environments_dir.empty() ? default_environments_dir() : config.environments_dir;
}

result<client_config> parse_client_config(std::string_view yaml_text, const std::string& name,
                                          client_config base) {
  try {
    return read(name, YAML::Load(std::string(yaml_text)), std::move(base));
  } catch (const YAML::Exception& e) {
    return make_error(errc::invalid_argument,
                      name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

result<client_config> load_client_config(const std::filesystem::path& file, client_config base) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return make_errno_error(errno, "cannot read " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return parse_client_config(text.str(), file.string(), std::move(base));
}

} // namespace recodex::client
