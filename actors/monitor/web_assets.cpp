// Lookup of the compiled-in page files and the mapping of request targets onto them.
#include "actors/monitor/web_assets.hpp"

#include <vector>

namespace recodex::monitor {

// Defined in the generated web_assets_data.cpp.
const std::vector<web_asset>& embedded_web_assets();

const web_asset* find_web_asset(std::string_view name) {
  for (const auto& asset : embedded_web_assets())
    if (asset.name == name)
      return &asset;
  return nullptr;
}

std::string web_asset_for_target(std::string_view target) {
  auto query = target.find_first_of("?#");
  if (query != std::string_view::npos)
    target = target.substr(0, query);
  if (target == "/" || target == "/index.html")
    return "index.html";
  constexpr std::string_view jobs = "/jobs/";
  if (target.substr(0, jobs.size()) == jobs && target.size() > jobs.size()
      && target.find('/', jobs.size()) == std::string_view::npos)
    return "index.html";
  // One file name, no directories: nothing outside web/ can be named.
  if (target.size() > 1 && target[0] == '/' && target.find('/', 1) == std::string_view::npos
      && target.find("..") == std::string_view::npos)
    return std::string(target.substr(1));
  return {};
}

} // namespace recodex::monitor
