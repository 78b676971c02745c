// spdlog wiring for the nodes: one set of sinks shared by every room's logger, so a node's log
// is one stream in one order; loggers are replaced, not duplicated, when set up again.
#include "nodes/common/logging.hpp"

#include "nodes/common/config_reader.hpp"

#include <filesystem>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace recodex::nodes {

namespace {

spdlog::level::level_enum level_of(const std::string& name) {
  if (name == "warning")
    return spdlog::level::warn;
  if (name == "err")
    return spdlog::level::err;
  return spdlog::level::from_str(name);
}

} // namespace

bool is_log_level(const std::string& level) {
  for (const char* name :
       {"trace", "debug", "info", "warn", "warning", "error", "err", "critical", "off"})
    if (level == name)
      return true;
  return false;
}

void read_logging_config(config_reader& reader, logging_config& config) {
  if (auto file = reader.string("logger.file"))
    config.file = *file;
  if (auto level = reader.string("logger.level")) {
    if (is_log_level(*level))
      config.level = *level;
    else
      reader.problem("logger.level",
                     "expected one of trace, debug, info, warn, error, critical, off, got '" +
                         *level + "'");
  }
  if (auto size = reader.size("logger.max-size", 1024))
    config.max_size = *size;
  if (auto rotations = reader.integer("logger.rotations", 0, 1000))
    config.rotations = static_cast<unsigned>(*rotations);
}

result<void> setup_logging(const logging_config& config, const std::vector<std::string>& names) {
  std::vector<spdlog::sink_ptr> sinks;
  try {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    if (!config.file.empty()) {
      std::filesystem::path file(config.file);
      std::error_code ec;
      if (file.has_parent_path())
        std::filesystem::create_directories(file.parent_path(), ec);
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          config.file, static_cast<std::size_t>(config.max_size), config.rotations));
    }
  } catch (const std::exception& e) {
    return error{errc::io_error, "cannot open log file " + config.file + ": " + e.what()};
  }
  auto level = level_of(config.level);
  std::shared_ptr<spdlog::logger> first;
  for (const auto& name : names) {
    spdlog::drop(name);
    auto logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
    logger->set_level(level);
    logger->flush_on(spdlog::level::warn);
    spdlog::register_logger(logger);
    if (!first)
      first = logger;
  }
  if (first)
    spdlog::set_default_logger(first);
  spdlog::flush_every(std::chrono::seconds(2));
  return ok();
}

} // namespace recodex::nodes
