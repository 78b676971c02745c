// Streaming tokenizer: turns a byte_source into line segments of whitespace-separated tokens,
// applying comments, empty lines, line ends and trailing empty lines. Memory is bounded: input is
// read in 64 KiB chunks and a line longer than the segment caps is handed out in several segments
// (`ends_line == false` on all but the last), so a 1 GiB one-line output needs about 1 MiB.
#pragma once

#include "judges/byte_source.hpp"

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::judges {

struct reader_options {
  bool ignore_empty_lines = false;
  bool allow_comments = false;             // a line whose first byte is '#' does not exist
  bool ignore_line_ends = false;           // the whole file is one line
  bool ignore_trailing_whitespace = false; // empty lines after the last non-empty one vanish
  std::size_t max_segment_tokens = 4096;
  std::size_t max_segment_bytes = std::size_t{1} << 20; // token bytes per segment
  std::size_t max_raw_bytes = 4096;                      // raw text kept for the diff log
  std::uint64_t first_line_number = 1;                   // when reading starts mid-file
};

// Up to max_segment_tokens tokens of one line; tokens are stored back to back in `text`.
struct segment {
  struct token_ref {
    std::uint32_t offset;
    std::uint32_t length;
  };
  std::uint64_t line_number = 0; // 1-based line of the segment's first byte
  std::string text;
  std::vector<token_ref> tokens;
  std::string raw;               // the line as written (without '\n'), capped
  bool raw_truncated = false;
  bool ends_line = true;         // false: the same line continues in the next segment

  std::size_t size() const { return tokens.size(); }
  std::string_view token(std::size_t i) const {
    return std::string_view{text}.substr(tokens[i].offset, tokens[i].length);
  }
  std::string raw_for_log() const { return raw_truncated ? raw + "..." : raw; }
  void clear();
};

class line_reader {
public:
  line_reader(byte_source& source, reader_options options);

  // Fills `out` with the next segment; false at the end of input.
  result<bool> next(segment& out);
  std::uint64_t bytes_read() const { return bytes_read_; }

private:
  void scan();                 // consume buffered bytes until a segment is ready or bytes run out
  void finish_input();
  void end_line();
  void emit(bool ends_line);
  void flush_pending_empty();
  void append_raw(const char* from, std::size_t n);

  byte_source& source_;
  reader_options options_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  bool input_done_ = false;
  std::uint64_t bytes_read_ = 0;

  // -- state of the line being scanned --
  std::uint64_t line_;           // current physical line number
  bool at_line_start_ = true;
  bool in_comment_ = false;
  bool in_token_ = false;
  bool line_has_tokens_ = false; // some token of this line (any segment) was seen
  segment cur_;
  bool cur_started_ = false;     // cur_.line_number is set

  // Empty lines held back under ignore_trailing_whitespace, as runs of consecutive numbers
  // (comment lines split runs); they are released only when a non-empty line follows.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> pending_empty_;

  std::deque<segment> ready_;
  std::vector<segment> spare_;
};

} // namespace recodex::judges
