// The judge's log on stderr, with --log-limit: whole lines are written while they fit, and the
// first line that does not fit closes the log (a cut line would be misread). The algorithm asks
// full() to stop early, since a mismatch is already certain once anything was logged.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

namespace recodex::judges {

class diff_log {
public:
  using sink = std::function<void(std::string_view)>;
  explicit diff_log(sink out, std::uint64_t limit = std::numeric_limits<std::uint64_t>::max())
      : out_(std::move(out)), limit_(limit) {}
  ~diff_log() { flush(); }

  // "-12: text" for an expected line without a partner, '+' for an actual one.
  void line(char sign, std::uint64_t line_number, std::string_view text);
  bool full() const { return full_; }
  std::uint64_t written() const { return written_; }
  void flush();

private:
  sink out_;
  std::uint64_t limit_;
  std::uint64_t written_ = 0;
  bool full_ = false;
  std::string buffer_;
};

} // namespace recodex::judges
