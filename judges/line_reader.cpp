// The streaming tokenizer (see line_reader.hpp). Bytes are classified through a table and
// consumed in runs, so the hot loop appends whole tokens rather than single characters.
#include "judges/line_reader.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace recodex::judges {
namespace {

constexpr std::size_t chunk_size = 64 * 1024;

enum char_class : unsigned char { token_char = 0, blank = 1, newline = 2 };

constexpr std::array<unsigned char, 256> make_classes() {
  std::array<unsigned char, 256> t{};
  t[' '] = blank;
  t['\t'] = blank;
  t['\r'] = blank;
  t['\v'] = blank;
  t['\f'] = blank;
  t['\n'] = newline;
  return t;
}
constexpr auto classes = make_classes();

inline unsigned char class_of(char c) { return classes[static_cast<unsigned char>(c)]; }

} // namespace

void segment::clear() {
  line_number = 0;
  text.clear();
  tokens.clear();
  raw.clear();
  raw_truncated = false;
  ends_line = true;
}

line_reader::line_reader(byte_source& source, reader_options options)
    : source_(source), options_(options), buffer_(chunk_size), line_(options.first_line_number) {}

result<bool> line_reader::next(segment& out) {
  while (ready_.empty()) {
    if (input_done_)
      return false;
    if (pos_ == len_) {
      RECODEX_TRY(n, source_.read(buffer_.data(), buffer_.size()));
      pos_ = 0;
      len_ = n;
      bytes_read_ += n;
      if (n == 0) {
        finish_input();
        continue;
      }
    }
    scan();
  }
  out.clear();
  spare_.push_back(std::move(out));
  out = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

void line_reader::append_raw(const char* from, std::size_t n) {
  if (options_.ignore_line_ends)
    return; // the "line" is the whole file; logging it raw would be meaningless
  std::size_t room = options_.max_raw_bytes - std::min(options_.max_raw_bytes, cur_.raw.size());
  if (n > room) {
    cur_.raw_truncated = true;
    n = room;
  }
  cur_.raw.append(from, n);
}

void line_reader::scan() {
  const char* data = buffer_.data();
  while (pos_ < len_ && ready_.empty()) {
    if (at_line_start_) {
      at_line_start_ = false;
      in_comment_ = options_.allow_comments && data[pos_] == '#';
    }
    if (in_comment_) {
      const char* nl = static_cast<const char*>(std::memchr(data + pos_, '\n', len_ - pos_));
      if (!nl) {
        pos_ = len_;
        return;
      }
      pos_ = static_cast<std::size_t>(nl - data) + 1;
      in_comment_ = false;
      at_line_start_ = true;
      ++line_;
      continue;
    }
    if (!cur_started_) {
      cur_started_ = true;
      cur_.line_number = line_;
    }
    std::size_t start = pos_;
    unsigned char cls = class_of(data[pos_]);
    if (cls == token_char) {
      if (!in_token_) {
        // A new token: close the segment first if it is full.
        if (cur_.tokens.size() >= options_.max_segment_tokens ||
            cur_.text.size() >= options_.max_segment_bytes) {
          emit(false);
          cur_started_ = true;
          cur_.line_number = line_;
          return; // the segment is ready; resume at this byte later
        }
        in_token_ = true;
        line_has_tokens_ = true;
        if (cur_.tokens.empty())
          cur_.line_number = line_; // under ignore_line_ends the segment starts at its token
        cur_.tokens.push_back({static_cast<std::uint32_t>(cur_.text.size()), 0});
      }
      // Take the run of token bytes, but no more than the segment has room for.
      std::size_t room = options_.max_segment_bytes - std::min(options_.max_segment_bytes, cur_.text.size());
      std::size_t stop = start + std::min(room, len_ - start);
      while (pos_ < stop && class_of(data[pos_]) == token_char)
        ++pos_;
      std::size_t n = pos_ - start;
      // A single token larger than the segment cap is cut into pieces; both files are cut the
      // same way, so exact comparison stays exact.
      cur_.text.append(data + start, n);
      cur_.tokens.back().length += static_cast<std::uint32_t>(n);
      append_raw(data + start, n);
      if (cur_.text.size() >= options_.max_segment_bytes)
        in_token_ = false; // the rest of the token starts the next segment
    } else if (cls == blank) {
      in_token_ = false;
      while (pos_ < len_ && class_of(data[pos_]) == blank)
        ++pos_;
      std::size_t n = pos_ - start;
      // Carriage returns are part of the line end on Windows files; keep them out of the log.
      if (!(n == 1 && data[start] == '\r'))
        append_raw(data + start, n);
    } else {
      in_token_ = false;
      ++pos_;
      end_line();
      ++line_;
      at_line_start_ = true;
    }
  }
}

void line_reader::flush_pending_empty() {
  for (auto [first, count] : pending_empty_) {
    for (std::uint64_t i = 0; i < count; ++i) {
      segment s;
      if (!spare_.empty()) {
        s = std::move(spare_.back());
        spare_.pop_back();
      }
      s.clear();
      s.line_number = first + i;
      ready_.push_back(std::move(s));
    }
  }
  pending_empty_.clear();
}

void line_reader::emit(bool ends_line) {
  if (!pending_empty_.empty())
    flush_pending_empty();
  cur_.ends_line = ends_line;
  ready_.push_back(std::move(cur_));
  if (!spare_.empty()) {
    cur_ = std::move(spare_.back());
    spare_.pop_back();
  }
  cur_.clear();
  cur_started_ = false;
}

void line_reader::end_line() {
  if (options_.ignore_line_ends) {
    // Line ends are whitespace; the file's only line ends at the end of input.
    return;
  }
  if (!line_has_tokens_) {
    if (options_.ignore_empty_lines) {
      cur_.clear();
      cur_started_ = false;
    } else if (options_.ignore_trailing_whitespace) {
      if (!pending_empty_.empty() &&
          pending_empty_.back().first + pending_empty_.back().second == cur_.line_number)
        ++pending_empty_.back().second;
      else
        pending_empty_.emplace_back(cur_.line_number, 1);
      cur_.clear();
      cur_started_ = false;
    } else {
      emit(true);
    }
  } else {
    emit(true);
  }
  line_has_tokens_ = false;
}

void line_reader::finish_input() {
  input_done_ = true;
  in_token_ = false;
  // A last line without '\n' still counts; a file ending in '\n' has no extra empty line.
  if (cur_started_ && !at_line_start_ && !in_comment_) {
    if (options_.ignore_line_ends) {
      if (line_has_tokens_)
        emit(true);
    } else if (line_has_tokens_) {
      emit(true);
    } else {
      end_line();
    }
  } else if (options_.ignore_line_ends && line_has_tokens_) {
    emit(true);
  }
  pending_empty_.clear(); // trailing empty lines: dropped
}

} // namespace recodex::judges
