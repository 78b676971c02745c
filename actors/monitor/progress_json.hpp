// The exact text the ReCodEx monitor sends a browser for one progress message (spec 3.3): a
// JSON object of the keys present (`command`, and `task_id`, `task_state` for TASK), sorted,
// with Python's default separators `", "` and `": "` and Python's ASCII-only escaping, so the
// ReCodEx web application's code reads ours unchanged. Pure; no JSON library involved.
#pragma once

#include "messages/job_messages.hpp"

#include <string>
#include <string_view>

namespace recodex::monitor {

// `{"command": "TASK", "task_id": "judge-1", "task_state": "COMPLETED"}`
std::string progress_json(const progress& update);

// A JSON string literal as Python's json.dumps writes it (ensure_ascii): `"`, `\`, and the
// control characters escaped, everything beyond ASCII as \uXXXX (surrogate pairs above
// U+FFFF), invalid UTF-8 bytes as \ufffd.
std::string json_string(std::string_view text);

} // namespace recodex::monitor
