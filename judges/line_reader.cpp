// The streaming tokenizer (see line_reader.hpp). Bytes are classified through a table and
// consumed in runs, so the hot loop appends whole tokens rather than single characters. The
// byte lane compares the two readers' buffers with memcmp and counts the newlines it skips.
#include "judges/line_reader.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace recodex::judges {
namespace {

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

// Length of the common prefix of p and q (n bytes each): memcmp over blocks, then the block
// that differs byte by byte.
std::size_t identical_bytes(const char* p, const char* q, std::size_t n) {
  constexpr std::size_t block = 4096;
  std::size_t i = 0;
  while (i < n) {
    std::size_t m = std::min(block, n - i);
    if (std::memcmp(p + i, q + i, m) != 0)
      break;
    i += m;
  }
  while (i < n && p[i] == q[i])
    ++i;
  return i;
}

bool holds_token(const char* line, std::size_t n, bool allow_comments) {
  if (allow_comments && n > 0 && line[0] == '#')
    return false;
  for (std::size_t i = n; i-- > 0;) // tokens usually end a line: look from its end
    if (class_of(line[i]) == token_char)
      return true;
  return false;
}

// Where a skip over p[0, n) may end: just after the '\n' of the last complete line that holds a
// token and is not a comment; 0 when there is none. Empty lines and comments after it stay
// unread, because with ignore_trailing_whitespace whether they count depends on what follows.
std::size_t end_of_last_token_line(const char* p, std::size_t n, bool allow_comments) {
  auto* nl = static_cast<const char*>(n ? ::memrchr(p, '\n', n) : nullptr);
  while (nl) {
    std::size_t line_end = static_cast<std::size_t>(nl - p);
    auto* before = static_cast<const char*>(line_end ? ::memrchr(p, '\n', line_end) : nullptr);
    std::size_t start = before ? static_cast<std::size_t>(before - p) + 1 : 0;
    if (holds_token(p + start, line_end - start, allow_comments))
      return line_end + 1;
    nl = before;
  }
  return 0;
}

} // namespace

// Eight bytes at a time: a byte equal to '\n' becomes zero after the xor, and the high bit of
// each byte of `zero` is set exactly for the zero bytes (no carries cross bytes, since
// 0x7f + 0x7f < 0x100).
std::uint64_t count_newlines(const char* p, std::size_t n) {
  constexpr std::uint64_t ones = 0x0101010101010101ull;
  constexpr std::uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
  std::uint64_t count = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    std::uint64_t x = w ^ (ones * '\n');
    std::uint64_t zero = ~(((x & low7) + low7) | x) & ~low7;
    count += ((zero >> 7) * ones) >> 56;
  }
  for (; i < n; ++i)
    count += p[i] == '\n';
  return count;
}

void segment::clear() {
  line_number = 0;
  text.clear();
  tokens.clear();
  raw.clear();
  raw_truncated = false;
  ends_line = true;
}

line_reader::line_reader(byte_source& source, reader_options options)
    : source_(source), options_(options), buffer_(std::max<std::size_t>(options.buffer_bytes, 1)),
      line_(options.first_line_number) {}

result<bool> line_reader::next(segment& out) {
  while (ready_.empty()) {
    if (input_done_)
      return false;
    if (pos_ == len_) {
      pos_ = 0;
      len_ = 0;
      if (!source_done_) {
        RECODEX_TRY(n, source_.read(buffer_.data(), buffer_.size()));
        len_ = n;
        bytes_read_ += n;
        source_done_ = n == 0;
      }
      if (len_ == 0) {
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

// -- byte lane --

bool line_reader::at_clean_line_start() const {
  return !input_done_ && at_line_start_ && !in_comment_ && !in_token_ && !cur_started_ &&
         !line_has_tokens_ && ready_.empty() && pending_empty_.empty() &&
         !options_.ignore_line_ends;
}

// Moves the unread bytes to the front of the buffer and reads behind them; false when nothing
// more comes (end of input, or the unread bytes fill the buffer: a line longer than it).
result<bool> line_reader::top_up() {
  if (source_done_)
    return false;
  if (pos_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + pos_, len_ - pos_);
    len_ -= pos_;
    pos_ = 0;
  }
  if (len_ == buffer_.size())
    return false;
  RECODEX_TRY(n, source_.read(buffer_.data() + len_, buffer_.size() - len_));
  bytes_read_ += n;
  len_ += n;
  source_done_ = n == 0;
  return n > 0;
}

result<std::uint64_t> line_reader::skip_identical_lines(line_reader& x, line_reader& y,
                                                        bool whole_lines) {
  const reader_options& o = x.options_;
  const reader_options& p = y.options_;
  bool same_options = o.ignore_empty_lines == p.ignore_empty_lines &&
                      o.allow_comments == p.allow_comments &&
                      o.ignore_line_ends == p.ignore_line_ends &&
                      o.ignore_trailing_whitespace == p.ignore_trailing_whitespace;
  auto uncut = [whole_lines](const line_reader& r) {
    return !whole_lines || std::min(r.options_.max_segment_tokens, r.options_.max_segment_bytes) >=
                               r.buffer_.size();
  };
  if (!same_options || !uncut(x) || !uncut(y) || !x.at_clean_line_start() ||
      !y.at_clean_line_start())
    return std::uint64_t{0};
  std::uint64_t skipped = 0;
  for (;;) {
    std::size_t n = std::min(x.len_ - x.pos_, y.len_ - y.pos_);
    const char* e = x.buffer_.data() + x.pos_;
    const char* a = y.buffer_.data() + y.pos_;
    std::size_t same = identical_bytes(e, a, n);
    std::size_t end = end_of_last_token_line(e, same, o.allow_comments);
    if (end > 0) {
      std::uint64_t lines = count_newlines(e, end);
      x.pos_ += end;
      y.pos_ += end;
      x.line_ += lines;
      y.line_ += lines;
      x.lines_skipped_ += lines;
      y.lines_skipped_ += lines;
      skipped += lines;
    }
    if (same < n)
      return skipped; // the next difference: tokens decide from this line on
    // One side (or both) has no unread byte that was not compared: it needs more input.
    std::size_t compared_left = n - end;
    if (x.len_ - x.pos_ == compared_left) {
      RECODEX_TRY(more, x.top_up());
      if (!more)
        return skipped;
    }
    if (y.len_ - y.pos_ == compared_left) {
      RECODEX_TRY(more, y.top_up());
      if (!more)
        return skipped;
    }
  }
}

} // namespace recodex::judges
