// Streaming tokenizer: turns a byte_source into line segments of whitespace-separated tokens,
// applying comments, empty lines, line ends and trailing empty lines. Memory is bounded: input is
// read in 64 KiB chunks and a line longer than the segment caps is handed out in several segments
// (`ends_line == false` on all but the last), so a 1 GiB one-line output needs about 1 MiB.
// Two readers can also skip, without tokenizing, the whole lines on which their inputs are
// byte-identical (skip_identical_lines): the judges' byte lane after a difference.
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
  std::size_t buffer_bytes = 64 * 1024;                  // one read; tests make it tiny
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

// Newlines in p[0, n), counted a word at a time (the byte lanes count the lines they skip).
std::uint64_t count_newlines(const char* p, std::size_t n);

class line_reader {
public:
  line_reader(byte_source& source, reader_options options);

  // Fills `out` with the next segment; false at the end of input.
  result<bool> next(segment& out);
  std::uint64_t bytes_read() const { return bytes_read_; }

  // -- byte lane --
  // Skips, in both readers at once, the longest run of whole lines that is byte-identical in the
  // two inputs and ends with a line that holds a token (and is not a comment); returns how many
  // physical lines were skipped. Reading those lines instead would hand out the same segments on
  // both sides, pairwise equal under every comparison option, and leave both readers in the
  // state the skip leaves them in (line numbers included), so a judge streaming equal segments
  // may call this between two pairs. It skips nothing (returns 0) unless both readers have the
  // same options, do not ignore line ends (there segments are cut by token counts, not lines),
  // have handed out every segment read and hold back no empty lines (ignore_trailing_whitespace),
  // and sit at the start of a line. With `whole_lines` (the caller rejects a line cut into
  // several segments) it also needs segment caps no smaller than the buffer: a skipped line
  // fits the buffer, so it could not have been cut. Only bytes already in, or read into, the two
  // buffers are compared: memory stays bounded.
  static result<std::uint64_t> skip_identical_lines(line_reader& expected, line_reader& actual,
                                                    bool whole_lines);
  std::uint64_t lines_skipped() const { return lines_skipped_; } // by the byte lane, in total

private:
  void scan();                 // consume buffered bytes until a segment is ready or bytes run out
  void finish_input();
  void end_line();
  void emit(bool ends_line);
  void flush_pending_empty();
  void append_raw(const char* from, std::size_t n);
  bool at_clean_line_start() const;
  result<bool> top_up();

  byte_source& source_;
  reader_options options_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  bool input_done_ = false;
  bool source_done_ = false;   // the source said end of input (a buffered tail may remain)
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
  std::uint64_t lines_skipped_ = 0;
};

} // namespace recodex::judges
