// Typed reads from a node's YAML configuration by key path ("listen.port"), collecting every
// problem with its key path and line instead of stopping at the first, and remembering which
// keys were asked for so the rest can be reported as unknown (a warning: ReCodEx configs carry
// keys we do not use). yaml-cpp stays inside config_reader.cpp.
#pragma once

#include "messages/result.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::nodes {

struct config_problem {
  std::string key; // dotted key path; empty for the document as a whole
  int line = 0;    // 1-based; 0 when the key is absent from the file
  std::string message;

  friend bool operator==(const config_problem& a, const config_problem& b) {
    return a.key == b.key && a.line == b.line && a.message == b.message;
  }
};

class config_reader {
public:
  // not_found when the file is missing, invalid_argument (with the line) for broken YAML.
  static result<config_reader> from_file(const std::filesystem::path& file);
  static result<config_reader> from_string(std::string_view yaml, std::string source = "<config>");

  config_reader(config_reader&&) noexcept;
  config_reader& operator=(config_reader&&) noexcept;
  ~config_reader();

  // Each read returns nullopt when the key is absent (or null) and records a problem when it is
  // present but not of the asked type or range.
  std::optional<std::string> string(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<bool> boolean(std::string_view key);
  // Bytes: a plain integer, or a number with a unit: B, KiB/MiB/GiB/TiB (also K/M/G/T and
  // k/m/g/t) as powers of 1024, KB/MB/GB/TB as powers of 1000. "256MiB", "256 MiB", "1g".
  std::optional<std::uint64_t> size(std::string_view key, std::uint64_t min = 0);
  // A plain integer of seconds, or a number with s, m, h or d: "90", "30s", "15m", "24h", "7d".
  std::optional<std::chrono::seconds> seconds(std::string_view key, std::int64_t min_seconds = 0);

  // Whether the key is present; marks it as known.
  bool has(std::string_view key);

  // Records a problem found by validation across keys (e.g. a username without a password).
  void problem(std::string_view key, std::string message);

  // Problems recorded so far, in the order found.
  const std::vector<config_problem>& errors() const;

  // Keys in the document that no read asked for, in document order.
  std::vector<config_problem> unknown_keys() const;

  // "<source>:<line>: <key>: <message>" (the line and key only when known).
  std::string describe(const config_problem& p) const;

  const std::string& source() const;

private:
  struct impl;
  explicit config_reader(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

// Parses a size with an optional unit, as config_reader::size() does; nullopt when malformed.
std::optional<std::uint64_t> parse_size(std::string_view text);
// Parses a duration with an optional unit, as config_reader::seconds() does.
std::optional<std::chrono::seconds> parse_seconds(std::string_view text);

} // namespace recodex::nodes
