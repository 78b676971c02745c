// Logging set-up shared by every node: the `logger: {file, level, max-size, rotations}` section
// of a node's YAML (the ReCodEx key names), and spdlog loggers (one per room) that write to
// stderr and, when a file is configured, to a rotating file. stdout stays free for the lines
// scripts read (such as the file server's URL).
#pragma once

#include "messages/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace recodex::nodes {

class config_reader;

struct logging_config {
  std::string file;                          // empty: stderr only
  std::string level = "info";                // trace, debug, info, warn, error, critical, off
  std::uint64_t max_size = 10 * 1024 * 1024; // bytes per file before rotating
  unsigned rotations = 3;                    // rotated files kept
};

// Reads logger.file, logger.level, logger.max-size and logger.rotations into `config`
// (problems are recorded in the reader).
void read_logging_config(config_reader& reader, logging_config& config);

// True for the level names above (and "warning", "err").
bool is_log_level(const std::string& level);

// (Re)creates the named loggers over shared sinks at the configured level and makes the first
// one the default logger. Fails when the log file cannot be opened.
result<void> setup_logging(const logging_config& config, const std::vector<std::string>& names);

} // namespace recodex::nodes
