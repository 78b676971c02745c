// The progress page's files (web/), compiled into the monitor by CMake (embed_web.cmake) so a
// node serves its page without knowing where web/ was installed.
#pragma once

#include <string>
#include <string_view>

namespace recodex::monitor {

struct web_asset {
  std::string_view name; // file name under web/, e.g. "index.html"
  std::string_view content_type;
  std::string_view body;
};

// The asset for a file name, or nullptr.
const web_asset* find_web_asset(std::string_view name);

// Which asset an HTTP GET target shows: "/" and "/jobs/<id>" the page, "/<file>" that file;
// the query string is ignored. Empty: none (404).
std::string web_asset_for_target(std::string_view target);

} // namespace recodex::monitor
