// Shared helpers of the frame codecs.
#include "messages/wire/frames.hpp"

namespace recodex::wire {

error frame_error(std::size_t index, std::string_view what) {
  std::string text = "frame ";
  text += std::to_string(index);
  text += ": ";
  text += what;
  return make_error(errc::invalid_argument, std::move(text));
}

result<header> parse_header(const std::string& frame, std::size_t index) {
  auto pos = frame.find('=');
  if (pos == std::string::npos)
    return frame_error(index, "header '" + printable(frame) + "' has no '='");
  if (pos == 0)
    return frame_error(index, "header '" + printable(frame) + "' has an empty key");
  return header{frame.substr(0, pos), frame.substr(pos + 1)};
}

std::string format_header(const header& h) {
  std::string out;
  out.reserve(h.key.size() + 1 + h.value.size());
  out += h.key;
  out += '=';
  out += h.value;
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

std::string printable(std::string_view bytes, std::size_t limit) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  if (bytes.size() > limit)
    out += "...";
  return out;
}

} // namespace recodex::wire
