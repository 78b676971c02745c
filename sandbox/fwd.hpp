// Forward declarations of the sandbox room's public types, so headers can name them
// without pulling in their definitions.
#pragma once

namespace recodex::sandbox {

enum class status : unsigned char;
struct dir_rule;
struct run_options;
struct run_result;
struct box_config;
class box;

} // namespace recodex::sandbox
