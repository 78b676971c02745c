// A streaming multipart/form-data parser (RFC 7578 on RFC 2046): fed the request body in
// chunks of any size, it reports each part's headers and then its body in pieces, holding back
// at most one delimiter's worth of bytes. Nothing is buffered whole, so a 100 MiB part costs no
// memory. Pure: no I/O; tested by replaying every input in chunks of 1, 2, 5, 64 and 4096 bytes.
#pragma once

#include "messages/result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace recodex::filestore {

// The headers of one part that matter to us (Content-Disposition and Content-Type).
struct part_header {
  std::string name;                    // the form field name
  std::optional<std::string> filename; // set for file parts
  std::string content_type;            // empty when absent

  friend bool operator==(const part_header& a, const part_header& b) {
    return a.name == b.name && a.filename == b.filename && a.content_type == b.content_type;
  }
};

// Receives the parse. An error returned by a callback stops the parse and is returned by
// feed() as is, so a handler can refuse a field name or a part that is too large.
class multipart_handler {
public:
  virtual ~multipart_handler() = default;
  virtual result<void> on_part_begin(const part_header& header) = 0;
  virtual result<void> on_part_data(std::string_view data) = 0;
  virtual result<void> on_part_end() = 0;
};

// The boundary parameter of a "multipart/form-data; boundary=..." content type
// (invalid_argument when the type is another or the boundary is missing or malformed).
result<std::string> multipart_boundary(std::string_view content_type);

class multipart_parser {
public:
  struct limits {
    std::size_t max_header_bytes = 16 * 1024; // one part's header block
    std::size_t max_parts = 1000;
  };

  explicit multipart_parser(std::string boundary)
      : multipart_parser(std::move(boundary), limits{}) {}
  multipart_parser(std::string boundary, limits limits);

  // Consumes all of `chunk`. Malformed input gives invalid_argument with a message that says
  // what was expected and the byte offset; the parser is then spent.
  result<void> feed(std::string_view chunk, multipart_handler& handler);

  // The body has ended: fails unless the closing delimiter was seen.
  result<void> finish();

  bool done() const { return state_ == state::epilogue; }
  std::size_t parts() const { return parts_; }

private:
  enum class state {
    preamble,       // before the first delimiter: ignored
    delimiter_tail, // after "--boundary": "--" closes, else optional blanks and CRLF
    close_dash,     // seen the first '-' of the closing "--"
    line_end,       // seen CR after the delimiter, expecting LF
    headers,        // the part's header lines up to an empty line
    body,           // part content up to the next delimiter
    epilogue,       // after the closing delimiter: ignored
    failed,
  };

  error fail(std::string message, std::size_t at);
  // Scans `data` from `at` for the delimiter; true once it is complete. `emit` says whether the
  // bytes passed over are part content (body) or not (preamble).
  result<bool> scan_for_delimiter(std::string_view data, std::size_t& at, bool emit,
                                  multipart_handler& handler);
  result<void> header_line(std::string_view line, std::size_t at);
  result<void> end_headers(multipart_handler& handler, std::size_t at);

  std::string delimiter_; // "\r\n--" + boundary
  limits limits_;
  state state_ = state::preamble;
  std::size_t matched_ = 2;      // delimiter bytes matched so far; the body starts as if after CRLF
  std::string line_;             // the header line being assembled
  std::size_t header_bytes_ = 0; // of the current part's header block
  part_header current_;
  bool has_disposition_ = false;
  std::size_t parts_ = 0;
  std::size_t offset_ = 0; // bytes consumed before the current chunk, for messages
};

} // namespace recodex::filestore
