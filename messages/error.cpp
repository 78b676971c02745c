// Names for error codes and errno-based errors.
#include "messages/error.hpp"

#include <cstring>

namespace recodex {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::not_found: return "not_found";
    case errc::already_exists: return "already_exists";
    case errc::hash_mismatch: return "hash_mismatch";
    case errc::too_large: return "too_large";
    case errc::conflict: return "conflict";
    case errc::io_error: return "io_error";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal";
  }
  return "unknown";
}

error make_errno_error(int errno_value, std::string_view what) {
  std::string message{what};
  message += ": ";
  message += std::strerror(errno_value);
  return error{errc::io_error, std::move(message)};
}

std::string to_string(const error& e) {
  std::string text{to_string(e.code)};
  text += ": ";
  text += e.message;
  return text;
}

} // namespace recodex
