// The small legacy judges' logic as pure streaming pieces: the `//` comment filter of
// recodex-judge-filter and the base64 replay of recodex-judge-passthrough. Both take input in
// chunks of any size and keep only a bounded amount of state.
#pragma once

#include "judges/byte_source.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace recodex::judges {

// Removes "//" to the end of a line; a line that is only whitespace and a comment disappears
// with its newline. Leading whitespace is held until the line shows what it is, up to 64 KiB
// (a longer indentation is written out and the line then keeps its newline).
class comment_filter {
public:
  void feed(std::string_view in, std::string& out);
  void finish(std::string& out);

private:
  enum class state : std::uint8_t { line_start, content, slash, comment, drop_line };
  state state_ = state::line_start;
  std::string indent_;
  bool line_printed_ = false; // something other than held indentation was written on this line
};

// Streaming base64 (RFC 4648, standard alphabet, '=' padding); whitespace other than the
// terminating newline is an error, as is a length that is not a multiple of 4.
class base64_decoder {
public:
  result<void> feed(std::string_view in, std::string& out);
  result<void> finish();

private:
  unsigned quad_[4] = {};
  int have_ = 0;
  int padding_ = 0;
  bool ended_ = false;
};

// Replays a recodex-data-only-wrapper.sh record: line 1 the exit code (0..255), line 2 base64
// stdout, line 3 base64 stderr (both optional). Returns the exit code to exit with.
result<int> replay_passthrough(byte_source& input, const std::function<void(std::string_view)>& out,
                               const std::function<void(std::string_view)>& err);

} // namespace recodex::judges
