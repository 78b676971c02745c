// Progress messages as the ReCodEx monitor's JSON text (see the header for the contract).
#include "actors/monitor/progress_json.hpp"

#include "messages/wire/worker_codec.hpp"

#include <cstdint>

namespace recodex::monitor {

namespace {

void append_unicode_escape(std::string& out, std::uint32_t unit) {
  static constexpr char hex[] = "0123456789abcdef"; // Python writes lowercase hex
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4)
    out += hex[(unit >> shift) & 0xf];
}

void append_code_point(std::string& out, std::uint32_t cp) {
  if (cp >= 0x10000) {
    cp -= 0x10000;
    append_unicode_escape(out, 0xd800 + (cp >> 10));
    append_unicode_escape(out, 0xdc00 + (cp & 0x3ff));
  } else {
    append_unicode_escape(out, cp);
  }
}

// Decodes one UTF-8 sequence at text[i]; returns the code point and advances i, or returns
// U+FFFD and skips one byte for a malformed, overlong or surrogate sequence.
std::uint32_t next_code_point(std::string_view text, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  std::uint8_t lead = byte(i);
  std::size_t length = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    cp = lead & 0x1f;
    min = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    cp = lead & 0x0f;
    min = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    cp = lead & 0x07;
    min = 0x10000;
  } else {
    ++i;
    return 0xfffd;
  }
  if (i + length > text.size()) {
    ++i;
    return 0xfffd;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      ++i;
      return 0xfffd;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    ++i;
    return 0xfffd;
  }
  i += length;
  return cp;
}

} // namespace

std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<std::uint8_t>(text[i]);
    if (c >= 0x80) {
      append_code_point(out, next_code_point(text, i));
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        // Python escapes everything outside space..tilde, DEL included.
        if (c < 0x20 || c == 0x7f)
          append_unicode_escape(out, c);
        else
          out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

std::string progress_json(const progress& update) {
  // Keys in sorted order: command < task_id < task_state.
  std::string out = "{\"command\": " + json_string(update.command);
  if (wire::has_task_fields(update)) {
    out += ", \"task_id\": " + json_string(update.task_id);
    out += ", \"task_state\": " + json_string(update.task_state);
  }
  out += '}';
  return out;
}

} // namespace recodex::monitor
