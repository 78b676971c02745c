// Extra directory rules, isolate's --dir syntax: `dst[=src][:rw|:noexec|:tmp|:maybe|:dev|:fs|:norec]`
// (options may also be joined with commas). Parsing is pure so the CLI and the worker share it.
#pragma once

#include "messages/result.hpp"

#include <string>
#include <string_view>

namespace recodex::sandbox {

struct dir_rule {
  std::string inside;  // absolute path inside the box
  std::string outside; // host path (empty for tmp); defaults to `inside`
  bool read_write = false;
  bool no_exec = false;
  bool tmp = false;      // a fresh tmpfs instead of a bind
  bool maybe = false;    // silently skip when `outside` does not exist
  bool devices = false;  // allow device nodes
  bool filesystem = false; // `outside` names a filesystem type to mount (e.g. proc)
  bool no_recursion = false; // bind only the top mount, not its submounts

  friend bool operator==(const dir_rule& a, const dir_rule& b) {
    return a.inside == b.inside && a.outside == b.outside && a.read_write == b.read_write &&
           a.no_exec == b.no_exec && a.tmp == b.tmp && a.maybe == b.maybe &&
           a.devices == b.devices && a.filesystem == b.filesystem &&
           a.no_recursion == b.no_recursion;
  }
};

// Parses one rule. Relative inside paths are taken from the box root ("etc/x" is "/etc/x").
// Rejects empty paths, "..", tmp with a source, tmp with fs, and unknown options.
result<dir_rule> parse_dir_rule(std::string_view text);

// Parses a ReCodEx bound-directories `mode` string: case-insensitive substrings rw, noexec, fs,
// maybe, dev, tmp, norec (anything else in it is ignored, as the ReCodEx worker does).
void apply_recodex_mode(dir_rule& rule, std::string_view mode);

// Back to --dir syntax, for logs and the meta file.
std::string to_string(const dir_rule& rule);

} // namespace recodex::sandbox
