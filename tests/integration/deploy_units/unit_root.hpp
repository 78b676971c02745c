// Runs systemd units without systemd: a temporary root laid out the way
// deploy/systemd/README.md tells an operator to install the daemons (read from the README
// itself: its table of units, its install commands, its table of config edits), and each unit's
// ExecStart= turned into a command that starts the daemon as the service manager would: in its
// WorkingDirectory (default /) with its UMask and systemd's environment (PATH, the user's HOME,
// Environment=), as its User (a stand-in uid when the test is root), after creating its
// StateDirectory/LogsDirectory/RuntimeDirectory owned by that user.
// Install paths map into the root (/etc, /var, /run) or to the build tree (/usr/local/bin).
#pragma once

#include "tests/harness/temp_directory.hpp"
#include "tests/integration/deploy_units/unit_file.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace recodex::testing {

// A row of the README's table of units.
struct documented_unit {
  std::string unit;   // recodex-worker@.service
  std::string binary; // recodex-worker
  std::string config; // /etc/recodex/worker/config-%i.yml
  std::string user;   // root
};

// `sudo install -m MODE [-g GROUP] deploy/... DEST` or `sudo cp -r deploy/... DEST/`.
struct install_step {
  std::string source; // relative to the source tree
  std::string destination;
  std::string mode;  // empty for cp -r
  std::string group; // empty: root's
  bool recursive = false;
};

// A row of the README's table of config edits; `n` in a per-instance value is the instance.
struct config_edit {
  std::string daemon; // broker, monitor, fileserver, worker
  std::string key;    // dotted: file-cache.cache-dir
  std::string value;
  bool per_instance = false;
};

struct install_guide {
  std::vector<documented_unit> units;
  std::vector<install_step> steps;
  std::vector<config_edit> edits;
  // The edits for one daemon, `n` replaced by `instance` where the row is per instance.
  std::map<std::string, std::string> edits_of(const std::string& daemon,
                                              const std::string& instance) const;
};

// Reads the three parts of deploy/systemd/README.md; throws std::runtime_error naming what it
// could not find.
install_guide read_install_guide(const std::string& readme_text);

class unit_root {
public:
  unit_root(install_guide guide, std::filesystem::path bin_dir, std::filesystem::path source_dir);

  const install_guide& guide() const { return guide_; }
  // The uid and gid units with User=<not root> run as here: nobody when the test is root (the
  // `recodex` user need not exist), else the test's own.
  uid_t service_uid() const { return service_uid_; }
  gid_t service_gid() const { return service_gid_; }

  // An install path inside the root (or the build tree's bin directory).
  std::filesystem::path map(const std::string& install_path) const;

  // Carries out the README's install steps (modes and groups as written).
  void install();
  // Rewrites an installed YAML config: the README's edits for `daemon` (instance `n`), then
  // `overrides` (dotted key -> YAML value, e.g. {"clients.port", "0"}), then every absolute
  // /etc, /var or /run path in it mapped into the root.
  void configure(const std::string& install_path, const std::string& daemon,
                 const std::string& instance,
                 const std::map<std::string, std::string>& overrides) const;

  // The argv that runs the unit's ExecStart= for `instance` (%i) as the service manager would;
  // creates the unit's directories first.
  std::vector<std::string> command(const unit_file& unit, const std::string& instance) const;

private:
  install_guide guide_;
  std::filesystem::path bin_dir_, source_dir_;
  temp_directory dir_{"recodex-units"};
  uid_t service_uid_;
  gid_t service_gid_;
};

// %i -> instance, %% -> %.
std::string expand_specifiers(const std::string& text, const std::string& instance);

} // namespace recodex::testing
