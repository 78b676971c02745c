// The project's error vocabulary: what went wrong (a code) and where (a message naming the
// field, frame, path or errno). Plain C++ so every room can use it; it also travels in replies
// between actors (see messages/caf_error.hpp for the CAF conversion).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace recodex {

enum class errc : std::uint8_t {
  invalid_argument = 1, // hostile or malformed input: a bad id, hash, name, frame, YAML...
  not_found,            // the named object does not exist
  already_exists,       // the object exists and must not be replaced
  hash_mismatch,        // content does not hash to the claimed SHA-1
  too_large,            // a size limit was exceeded
  conflict,             // a concurrent change won; retry
  io_error,             // our environment failed (disk, permissions, ...)
  unavailable,          // a peer or service cannot be reached
  internal,             // a broken invariant or an unexpected library failure
};

// Every enumerator has a name; a unit test checks it.
std::string_view to_string(errc code);

struct error {
  errc code = errc::internal;
  std::string message;

  friend bool operator==(const error& a, const error& b) {
    return a.code == b.code && a.message == b.message;
  }
};

inline error make_error(errc code, std::string message) {
  return error{code, std::move(message)};
}

// "cannot open /x/y: No such file or directory" from an errno value.
error make_errno_error(int errno_value, std::string_view what);

std::string to_string(const error& e);

} // namespace recodex
