// Buffered, size-limited diff log (see diff_log.hpp).
#include "judges/diff_log.hpp"

namespace recodex::judges {

void diff_log::line(char sign, std::uint64_t line_number, std::string_view text) {
  if (full_)
    return;
  std::string entry;
  entry.reserve(text.size() + 24);
  entry += sign;
  entry += std::to_string(line_number);
  entry += ": ";
  entry += text;
  entry += '\n';
  if (entry.size() > limit_ - written_) {
    full_ = true;
    return;
  }
  written_ += entry.size();
  buffer_ += entry;
  if (buffer_.size() >= 64 * 1024)
    flush();
  if (written_ == limit_)
    full_ = true;
}

void diff_log::flush() {
  if (!buffer_.empty() && out_)
    out_(buffer_);
  buffer_.clear();
}

} // namespace recodex::judges
