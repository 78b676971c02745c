// The temporary root of the units test (see unit_root.hpp): the README read as an install
// guide, its steps carried out inside the root, configs edited as it says, and ExecStart= lines
// turned into commands run the way systemd runs a unit.
#include "tests/integration/deploy_units/unit_root.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

namespace fs = std::filesystem;

namespace recodex::testing {

namespace {

// The unprivileged uid/gid standing in for `recodex` when the test runs as root.
constexpr uid_t nobody = 65534;

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos)
    return {};
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

// The cells of a Markdown table row.
std::vector<std::string> cells(const std::string& row) {
  std::vector<std::string> out;
  std::istringstream in{row};
  std::string cell;
  std::getline(in, cell, '|'); // before the first bar
  while (std::getline(in, cell, '|'))
    out.push_back(trim(cell));
  if (!out.empty() && out.back().empty())
    out.pop_back();
  return out;
}

// Every `code span` of a cell.
std::vector<std::string> code_spans(const std::string& cell) {
  std::vector<std::string> out;
  for (std::size_t open = cell.find('`'); open != std::string::npos; open = cell.find('`', open)) {
    auto close = cell.find('`', open + 1);
    if (close == std::string::npos)
      break;
    out.push_back(cell.substr(open + 1, close - open - 1));
    open = close + 1;
  }
  return out;
}

std::string read_text(const fs::path& path) {
  std::ifstream in{path};
  if (!in)
    throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void chown_to(const fs::path& path, uid_t uid, gid_t gid) {
  if (::geteuid() == 0 && ::chown(path.c_str(), uid, gid) != 0)
    throw std::runtime_error("cannot chown " + path.string());
}

// Sets a dotted key of a YAML document (creating the maps on the way).
void set_key(YAML::Node node, const std::vector<std::string>& parts, std::size_t i,
             const YAML::Node& value) {
  if (i + 1 == parts.size())
    node[parts[i]] = value;
  else
    set_key(node[parts[i]], parts, i + 1, value);
}

std::vector<std::string> dotted(const std::string& key) {
  std::vector<std::string> out;
  std::istringstream in{key};
  std::string part;
  while (std::getline(in, part, '.'))
    out.push_back(part);
  return out;
}

bool is_install_path(const std::string& s) {
  for (const char* prefix : {"/etc/", "/var/", "/run/"})
    if (s.rfind(prefix, 0) == 0)
      return true;
  return false;
}

} // namespace

std::string expand_specifiers(const std::string& text, const std::string& instance) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == 'i') {
      out += instance;
      ++i;
    } else if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == '%') {
      out += '%';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> install_guide::edits_of(const std::string& daemon,
                                                           const std::string& instance) const {
  std::map<std::string, std::string> out;
  for (const auto& e : edits) {
    if (e.daemon != daemon)
      continue;
    if (!e.per_instance) {
      out[e.key] = e.value;
      continue;
    }
    // `n` as a whole value or as a path component stands for the instance.
    std::string value;
    std::istringstream parts{e.value};
    std::string part;
    bool first = true;
    while (std::getline(parts, part, '/')) {
      value += (first ? "" : "/") + (part == "n" ? instance : part);
      first = false;
    }
    out[e.key] = value;
  }
  return out;
}

install_guide read_install_guide(const std::string& readme_text) {
  install_guide guide;
  std::istringstream lines{readme_text};
  std::string line;
  bool in_edits = false;
  while (std::getline(lines, line)) {
    auto row = cells(line);
    if (line.rfind("| `recodex-", 0) == 0 && row.size() == 4) {
      auto unit = code_spans(row[0]), binary = code_spans(row[1]), config = code_spans(row[2]),
           user = code_spans(row[3]);
      if (unit.size() == 1 && binary.size() == 1 && config.size() == 1 && user.size() == 1)
        guide.units.push_back({unit[0], binary[0], config[0], user[0]});
      continue;
    }
    if (row.size() == 3 && row[0] == "daemon" && row[1] == "key" && row[2] == "value") {
      in_edits = true;
      continue;
    }
    if (in_edits) {
      if (line.rfind('|', 0) != 0) {
        in_edits = false;
        continue;
      }
      if (row.size() != 3 || row[0].rfind("---", 0) == 0)
        continue;
      auto keys = code_spans(row[1]), values = code_spans(row[2]);
      const auto daemon = row[0].substr(0, row[0].find(' '));
      const bool per_instance = row[0].find("`n`") != std::string::npos;
      for (std::size_t i = 0; i < keys.size() && i < values.size(); ++i)
        guide.edits.push_back({daemon, keys[i], values[i], per_instance});
      continue;
    }
    std::istringstream words{line};
    std::vector<std::string> w;
    for (std::string word; words >> word;)
      w.push_back(word);
    if (w.size() >= 4 && w[0] == "sudo" && w[1] == "cp" && w[2] == "-r" &&
        w[3].rfind("deploy/", 0) == 0) {
      guide.steps.push_back({w[3], w.at(4), "", "", true});
    } else if (w.size() >= 6 && w[0] == "sudo" && w[1] == "install" && w[2] == "-m") {
      install_step step;
      step.mode = w[3];
      std::size_t next = 4;
      if (w[next] == "-g") {
        step.group = w[next + 1];
        next += 2;
      }
      if (next + 2 != w.size() || w[next].rfind("deploy/", 0) != 0 ||
          w[next].rfind("deploy/systemd/", 0) == 0)
        continue; // binaries and unit files: the test maps those itself
      step.source = w[next];
      step.destination = w[next + 1];
      guide.steps.push_back(step);
    }
  }
  if (guide.units.empty())
    throw std::runtime_error(
        "deploy/systemd/README.md: no table of units (| `recodex-...` | ... |)");
  if (guide.steps.empty())
    throw std::runtime_error(
        "deploy/systemd/README.md: no `sudo install -m MODE deploy/...` steps");
  if (guide.edits.empty())
    throw std::runtime_error(
        "deploy/systemd/README.md: no table | daemon | key | value | of config edits");
  return guide;
}

unit_root::unit_root(install_guide guide, fs::path bin_dir, fs::path source_dir)
    : guide_(std::move(guide)), bin_dir_(std::move(bin_dir)), source_dir_(std::move(source_dir)),
      service_uid_(::geteuid() == 0 ? nobody : ::geteuid()),
      service_gid_(::geteuid() == 0 ? nobody : ::getegid()) {
  // The service user must be able to walk down to its directories, as on a real /.
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read |
                                   fs::perms::others_exec);
  // The directories every Debian root has, which daemons create their own below.
  for (const char* dir : {"etc", "run", "var/lib", "var/log"})
    fs::create_directories(dir_.path() / dir);
}

fs::path unit_root::map(const std::string& path) const {
  const std::string bin = "/usr/local/bin/";
  if (path.rfind(bin, 0) == 0)
    return bin_dir_ / path.substr(bin.size());
  if (path == "/")
    return dir_.path();
  if (path.empty() || path[0] != '/')
    throw std::runtime_error("not an absolute install path: '" + path + "'");
  return dir_.path() / path.substr(1);
}

void unit_root::install() {
  for (const auto& step : guide_.steps) {
    const fs::path from = source_dir_ / step.source;
    if (step.recursive) {
      auto to = map(step.destination) / from.filename();
      fs::create_directories(to.parent_path());
      fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
      continue;
    }
    auto to = map(step.destination);
    fs::create_directories(to.parent_path()); // the README's `install -d`
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    fs::permissions(to, static_cast<fs::perms>(std::stoi(step.mode, nullptr, 8)));
    chown_to(to, 0, step.group.empty() ? 0 : service_gid_);
  }
}

void unit_root::configure(const std::string& install_path, const std::string& daemon,
                          const std::string& instance,
                          const std::map<std::string, std::string>& overrides) const {
  const auto file = map(install_path);
  YAML::Node doc = YAML::Load(read_text(file));
  for (const auto& [key, value] : guide_.edits_of(daemon, instance))
    set_key(doc, dotted(key), 0, YAML::Node{value});
  for (const auto& [key, yaml] : overrides)
    set_key(doc, dotted(key), 0, YAML::Load(yaml));
  // Every install path into the root, wherever it sits in the document.
  std::vector<YAML::Node> pending{doc};
  while (!pending.empty()) {
    YAML::Node node = pending.back();
    pending.pop_back();
    if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it)
        pending.push_back(it->second);
    } else if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i)
        pending.push_back(node[i]);
    } else if (node.IsScalar() && is_install_path(node.Scalar())) {
      node = map(node.Scalar()).string();
    }
  }
  YAML::Emitter out;
  out << doc;
  // Written in place, so the file keeps the mode and owner the install gave it.
  std::ofstream{file, std::ios::trunc} << out.c_str() << "\n";
}

std::vector<std::string> unit_root::command(const unit_file& unit,
                                            const std::string& instance) const {
  const auto service = [&](const char* key) { return unit.value("Service", key); };
  const auto user = service("User").value_or("root");
  const bool as_service_user = user != "root" && ::geteuid() == 0;
  const uid_t uid = user == "root" ? 0 : service_uid_;
  const gid_t gid = user == "root" ? 0 : service_gid_;

  // The unit's directories, as systemd creates them before the start: the leaf owned by the
  // unit's user, mode 0755 (the default *DirectoryMode=).
  for (auto [key, base] :
       {std::pair{"StateDirectory", "/var/lib/"}, std::pair{"LogsDirectory", "/var/log/"},
        std::pair{"RuntimeDirectory", "/run/"}}) {
    for (const auto& name : unit.words("Service", key)) {
      auto dir = map(base + expand_specifiers(name, instance));
      fs::create_directories(dir);
      chown_to(dir, uid, gid);
    }
  }

  // The environment systemd gives a service: a fixed PATH, the user's HOME, USER and LOGNAME
  // (a `useradd --system` user's home is /home/<user>; ProtectHome=yes makes /home a directory
  // nobody but root may enter), then Environment=, which wins.
  std::string home = "/root";
  if (user != "root") {
    home = map("/home/" + user).string();
    if (as_service_user && service("ProtectHome").value_or("no") == "yes") {
      fs::create_directories(map("/home"));
      fs::permissions(map("/home"), fs::perms::none);
    }
  }
  std::vector<std::string> environment{
      "/usr/bin/env",
      "-i",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "HOME=" + home,
      "USER=" + user,
      "LOGNAME=" + user};
  for (const auto& assignment : unit.words("Service", "Environment")) {
    auto variable = expand_specifiers(assignment, instance);
    auto equals = variable.find('=');
    if (equals != std::string::npos && is_install_path(variable.substr(equals + 1)))
      variable = variable.substr(0, equals + 1) + map(variable.substr(equals + 1)).string();
    environment.push_back(variable);
  }

  auto exec = split_command(expand_specifiers(service("ExecStart").value_or(""), instance));
  if (exec.empty())
    throw std::runtime_error("no ExecStart=");
  for (auto& arg : exec)
    if (arg.rfind("/usr/local/bin/", 0) == 0 || is_install_path(arg))
      arg = map(arg).string();

  // sh: cd to the WorkingDirectory, set the UMask, then exec (the pid stays the daemon's).
  std::vector<std::string> argv = environment;
  for (const std::string arg :
       {"/bin/sh", "-c", "cd \"$1\" && umask \"$2\" && shift 2 && exec \"$@\"", "unit"})
    argv.push_back(arg);
  argv.push_back(map(service("WorkingDirectory").value_or("/")).string());
  argv.push_back(service("UMask").value_or("0022"));
  if (as_service_user) {
    for (const char* arg : {"/usr/bin/setpriv", "--clear-groups"})
      argv.push_back(arg);
    argv.push_back("--reuid=" + std::to_string(uid));
    argv.push_back("--regid=" + std::to_string(gid));
  }
  argv.insert(argv.end(), exec.begin(), exec.end());
  return argv;
}

} // namespace recodex::testing
