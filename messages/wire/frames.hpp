// The ReCodEx wire unit: one ZeroMQ multipart message as a list of byte strings (the ROUTER's
// identity frame already stripped), plus the helpers every codec shares. Codecs are pure
// functions frames <-> typed messages (messages/job_messages.hpp); they never throw and say
// which frame was wrong.
#pragma once

#include "messages/job_messages.hpp"
#include "messages/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::wire {

using frames = std::vector<std::string>;

// "frame <index>: <what>", the error every codec returns for malformed input.
error frame_error(std::size_t index, std::string_view what);

// Splits `key=value` at the first '='; a frame without '=' or with an empty key is an error.
result<header> parse_header(const std::string& frame, std::size_t index);

std::string format_header(const header& h);

// Lowercase hex of arbitrary bytes (worker identities are binary).
std::string to_hex(std::string_view bytes);

// A printable rendering of a frame for logs and error texts: at most `limit` bytes, with
// non-printable bytes escaped.
std::string printable(std::string_view bytes, std::size_t limit = 64);

} // namespace recodex::wire
