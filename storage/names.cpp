// Validators for names that arrive from outside and end up as file-system paths or git tree
// entries. They are deliberately strict whitelists: anything they accept is safe to join below
// a storage directory without escaping it.
#include "storage/names.hpp"

#include <cstddef>

namespace recodex::storage {

namespace {

constexpr std::size_t max_id_size = 128;
constexpr std::size_t max_relative_path_size = 1024;
constexpr std::size_t max_task_file_name_size = 255;

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool is_dot_name(std::string_view name) {
  return name == "." || name == "..";
}

// Length of the well-formed UTF-8 sequence starting at `at`, 0 when malformed (overlong forms,
// surrogates and code points past U+10FFFF included), so a name is always valid text in JSON.
std::size_t utf8_sequence_size(std::string_view text, std::size_t at) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  std::size_t size = 0;
  unsigned char low = 0x80, high = 0xbf; // allowed range of the second byte
  if (lead < 0x80)
    return 1;
  if (lead >= 0xc2 && lead <= 0xdf) {
    size = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    size = 3;
    if (lead == 0xe0)
      low = 0xa0; // no overlong forms
    if (lead == 0xed)
      high = 0x9f; // no surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    size = 4;
    if (lead == 0xf0)
      low = 0x90;
    if (lead == 0xf4)
      high = 0x8f;
  } else {
    return 0;
  }
  if (at + size > text.size())
    return 0;
  if (byte(at + 1) < low || byte(at + 1) > high)
    return 0;
  for (std::size_t i = 2; i < size; ++i)
    if (byte(at + i) < 0x80 || byte(at + i) > 0xbf)
      return 0;
  return size;
}

// Control characters (C0 and DEL) are not printable; they would garble logs and listings.
bool is_printable_ascii(unsigned char c) {
  return c >= 0x20 && c != 0x7f;
}

} // namespace

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > max_id_size || is_dot_name(id))
    return false;
  for (char c : id)
    if (!is_id_char(c))
      return false;
  return true;
}

bool is_valid_relative_path(std::string_view path) {
  if (path.empty() || path.size() > max_relative_path_size)
    return false;
  if (path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos)
    return false;
  // Splitting on '/' also rejects a leading or trailing '/' and "a//b": each gives an empty
  // component.
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = path.find('/', start);
    auto component = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (component.empty() || is_dot_name(component))
      return false;
    if (slash == std::string_view::npos)
      return true;
    start = slash + 1;
  }
}

bool is_valid_task_file_name(std::string_view name) {
  if (name.empty() || name.size() > max_task_file_name_size || is_dot_name(name))
    return false;
  for (std::size_t at = 0; at < name.size();) {
    auto c = static_cast<unsigned char>(name[at]);
    if (c == '/' || c == '\\')
      return false;
    if (c < 0x80) {
      if (!is_printable_ascii(c))
        return false; // NUL included
      ++at;
      continue;
    }
    std::size_t size = utf8_sequence_size(name, at);
    if (size == 0)
      return false;
    at += size;
  }
  return true;
}

} // namespace recodex::storage
