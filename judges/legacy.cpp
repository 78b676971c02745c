// Comment filter and passthrough replay (see legacy.hpp).
#include "judges/legacy.hpp"

#include <vector>

namespace recodex::judges {

void comment_filter::feed(std::string_view in, std::string& out) {
  for (char c : in) {
    switch (state_) {
      case state::line_start:
        if (c == ' ' || c == '\t' || c == '\r') {
          indent_ += c;
          if (indent_.size() > 64 * 1024) {
            out += indent_;
            indent_.clear();
            line_printed_ = true;
            state_ = state::content;
          }
        } else if (c == '/') {
          state_ = state::slash;
        } else {
          out += indent_;
          indent_.clear();
          out += c;
          line_printed_ = c != '\n';
          state_ = c == '\n' ? state::line_start : state::content;
        }
        break;
      case state::content:
        if (c == '/')
          state_ = state::slash;
        else {
          out += c;
          if (c == '\n') {
            state_ = state::line_start;
            line_printed_ = false;
          }
        }
        break;
      case state::slash:
        if (c == '/') {
          // Nothing printed on this line yet: the line is only a comment and goes entirely.
          indent_.clear();
          state_ = line_printed_ ? state::comment : state::drop_line;
        } else {
          out += indent_;
          indent_.clear();
          out += '/';
          out += c;
          line_printed_ = c != '\n';
          state_ = c == '\n' ? state::line_start : state::content;
        }
        break;
      case state::comment:
        if (c == '\n') {
          out += c;
          state_ = state::line_start;
          line_printed_ = false;
        }
        break;
      case state::drop_line:
        if (c == '\n')
          state_ = state::line_start;
        break;
    }
  }
}

void comment_filter::finish(std::string& out) {
  if (state_ == state::slash) {
    out += indent_;
    out += '/';
  } else if (state_ == state::line_start) {
    out += indent_;
  }
  line_printed_ = false;
  indent_.clear();
  state_ = state::line_start;
}

namespace {

constexpr unsigned invalid = 255;

unsigned decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return static_cast<unsigned>(c - 'A');
  if (c >= 'a' && c <= 'z') return static_cast<unsigned>(c - 'a' + 26);
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0' + 52);
  if (c == '+') return 62;
  if (c == '/') return 63;
  return invalid;
}

} // namespace

result<void> base64_decoder::feed(std::string_view in, std::string& out) {
  for (char c : in) {
    if (ended_)
      return make_error(errc::invalid_argument, "base64: data after the padding");
    if (c == '=') {
      if (have_ < 2)
        return make_error(errc::invalid_argument, "base64: misplaced '='");
      quad_[have_++] = 0;
      ++padding_;
    } else {
      unsigned v = decode_char(c);
      if (v == invalid)
        return make_error(errc::invalid_argument,
                          "base64: invalid character (code " +
                              std::to_string(static_cast<unsigned char>(c)) + ")");
      if (padding_)
        return make_error(errc::invalid_argument, "base64: data after '='");
      quad_[have_++] = v;
    }
    if (have_ == 4) {
      unsigned triple = (quad_[0] << 18) | (quad_[1] << 12) | (quad_[2] << 6) | quad_[3];
      out += static_cast<char>((triple >> 16) & 0xff);
      if (padding_ < 2)
        out += static_cast<char>((triple >> 8) & 0xff);
      if (padding_ < 1)
        out += static_cast<char>(triple & 0xff);
      have_ = 0;
      if (padding_)
        ended_ = true;
    }
  }
  return ok();
}

result<void> base64_decoder::finish() {
  if (have_ != 0)
    return make_error(errc::invalid_argument, "base64: input size is not a multiple of 4");
  return ok();
}

result<int> replay_passthrough(byte_source& input, const std::function<void(std::string_view)>& out,
                               const std::function<void(std::string_view)>& err) {
  std::vector<char> buffer(64 * 1024);
  std::string code_text;
  int line = 0; // 0 exit code, 1 stdout, 2 stderr, 3 ignored rest
  base64_decoder decoders[2];
  std::string decoded;
  bool saw_code_line = false;
  for (;;) {
    RECODEX_TRY(n, input.read(buffer.data(), buffer.size()));
    if (n == 0)
      break;
    std::string_view chunk{buffer.data(), n};
    while (!chunk.empty() && line < 3) {
      std::size_t nl = chunk.find('\n');
      std::string_view part = chunk.substr(0, nl);
      if (line == 0) {
        code_text += part;
        if (code_text.size() > 16)
          return make_error(errc::invalid_argument, "Invalid exit code value.");
      } else {
        decoded.clear();
        RECODEX_TRY_VOID(decoders[line - 1].feed(part, decoded));
        if (!decoded.empty())
          (line == 1 ? out : err)(decoded);
      }
      if (nl == std::string_view::npos)
        break;
      if (line == 0) {
        saw_code_line = true;
      } else {
        RECODEX_TRY_VOID(decoders[line - 1].finish());
      }
      ++line;
      chunk.remove_prefix(nl + 1);
    }
  }
  if (line == 0 && !code_text.empty())
    saw_code_line = true;
  if (line >= 1 && line <= 2) {
    RECODEX_TRY_VOID(decoders[line - 1].finish());
  }
  if (!saw_code_line || code_text.empty())
    return make_error(errc::invalid_argument, "No exit code value specified.");
  int code = 0;
  for (char c : code_text) {
    if (c < '0' || c > '9')
      return make_error(errc::invalid_argument, "Invalid exit code value.");
    code = code * 10 + (c - '0');
    if (code > 255)
      return make_error(errc::invalid_argument, "Invalid exit code value.");
  }
  return code;
}

} // namespace recodex::judges
