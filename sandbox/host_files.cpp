// Whole-file helpers with errors that name the path and the errno.
#include "sandbox/host_files.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace recodex::sandbox::detail {

error errno_error(int err, std::string_view what, const std::string& path) {
  std::string message{what};
  message += ' ';
  message += path;
  message += ": ";
  message += std::strerror(err);
  return make_error(errc::io_error, std::move(message));
}

result<void> write_text(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return errno_error(errno, "cannot open", path);
  auto n = ::write(fd, text.data(), text.size());
  int err = errno;
  ::close(fd);
  if (n < 0)
    return errno_error(err, "cannot write '" + std::string{text} + "' to", path);
  return ok();
}

result<std::string> read_text(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno_error(errno, "cannot open", path);
  std::string out;
  char buffer[4096];
  for (;;) {
    auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return errno_error(err, "cannot read", path);
    }
    if (n == 0)
      break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

result<std::uint64_t> read_number(const std::string& path) {
  RECODEX_TRY(text, read_text(path));
  return std::strtoull(text.c_str(), nullptr, 10);
}

std::uint64_t keyed_value(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos)
      end = text.size();
    auto line = text.substr(pos, end - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ')
      return std::strtoull(std::string{line.substr(key.size() + 1)}.c_str(), nullptr, 10);
    pos = end + 1;
  }
  return 0;
}

result<void> make_dir(const std::string& path, unsigned mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    return errno_error(errno, "cannot create directory", path);
  return ok();
}

} // namespace recodex::sandbox::detail
