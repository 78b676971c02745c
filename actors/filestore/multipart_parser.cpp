// Theory of operation: the body is "preamble DELIM part DELIM part ... DELIM-- epilogue" where
// DELIM is CRLF "--" boundary. Treating the body as if it began with CRLF lets the first
// delimiter be found like every other one. Content is scanned with memchr for CR, the only CR in
// DELIM being its first byte (boundaries cannot hold CR), so a partial match that fails can
// never overlap the start of another: the held bytes are content and the scan moves on.
#include "actors/filestore/multipart_parser.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

namespace recodex::filestore {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

// Splits a "type; a=1; b="x;y"" header value into its leading value and its parameters,
// honouring quoted strings with backslash escapes (RFC 9110 5.6.4).
struct header_parameter {
  std::string name; // lowercase
  std::string value;
};

struct parsed_header_value {
  std::string_view head;
  std::vector<header_parameter> parameters;
};

std::optional<parsed_header_value> parse_header_value(std::string_view text) {
  parsed_header_value out;
  auto semi = text.find(';');
  out.head = trim(text.substr(0, semi));
  if (semi == std::string_view::npos)
    return out;
  std::size_t at = semi + 1;
  while (at < text.size()) {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == ';'))
      ++at;
    if (at >= text.size())
      break;
    auto eq = text.find('=', at);
    if (eq == std::string_view::npos)
      return std::nullopt;
    header_parameter param;
    for (char c : trim(text.substr(at, eq - at)))
      param.name.push_back(lower(c));
    at = eq + 1;
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t'))
      ++at;
    if (at < text.size() && text[at] == '"') {
      ++at;
      bool closed = false;
      while (at < text.size()) {
        char c = text[at++];
        if (c == '\\' && at < text.size()) {
          param.value.push_back(text[at++]);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          param.value.push_back(c);
        }
      }
      if (!closed)
        return std::nullopt;
    } else {
      auto end = text.find(';', at);
      param.value =
          std::string(trim(text.substr(at, end == std::string_view::npos ? end : end - at)));
      at = end == std::string_view::npos ? text.size() : end;
    }
    out.parameters.push_back(std::move(param));
  }
  return out;
}

const header_parameter* find_parameter(const parsed_header_value& value, std::string_view name) {
  for (const auto& p : value.parameters)
    if (p.name == name)
      return &p;
  return nullptr;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

// RFC 8187 ext-value: charset'language'percent-encoded; only UTF-8 (and ASCII) are accepted.
std::optional<std::string> decode_ext_value(std::string_view text) {
  auto first = text.find('\'');
  if (first == std::string_view::npos)
    return std::nullopt;
  auto second = text.find('\'', first + 1);
  if (second == std::string_view::npos)
    return std::nullopt;
  auto charset = text.substr(0, first);
  if (!iequals(charset, "utf-8") && !iequals(charset, "us-ascii"))
    return std::nullopt;
  std::string out;
  for (std::size_t i = second + 1; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size())
      return std::nullopt;
    int high = hex_value(text[i + 1]), low = hex_value(text[i + 2]);
    if (high < 0 || low < 0)
      return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

bool is_boundary_char(char c) {
  return c >= 0x20 && c <= 0x7e && c != '"';
}

} // namespace

result<std::string> multipart_boundary(std::string_view content_type) {
  auto value = parse_header_value(content_type);
  if (!value || !iequals(value->head, "multipart/form-data"))
    return error{errc::invalid_argument, "expected Content-Type multipart/form-data, got '" +
                                             std::string(content_type) + "'"};
  const auto* boundary = find_parameter(*value, "boundary");
  if (!boundary)
    return error{errc::invalid_argument, "multipart/form-data content type without a boundary"};
  const std::string& b = boundary->value;
  if (b.empty() || b.size() > 200 || b.back() == ' ' ||
      !std::all_of(b.begin(), b.end(), is_boundary_char))
    return error{errc::invalid_argument, "malformed multipart boundary '" + b + "'"};
  return b;
}

multipart_parser::multipart_parser(std::string boundary, limits limits)
    : delimiter_("\r\n--" + boundary), limits_(limits) {}

error multipart_parser::fail(std::string message, std::size_t at) {
  state_ = state::failed;
  return error{errc::invalid_argument,
               "malformed multipart body at byte " + std::to_string(offset_ + at) + ": " + message};
}

result<bool> multipart_parser::scan_for_delimiter(std::string_view data, std::size_t& at, bool emit,
                                                  multipart_handler& handler) {
  const std::size_t size = data.size();
  while (at < size) {
    if (matched_ == 0) {
      const void* cr = std::memchr(data.data() + at, '\r', size - at);
      std::size_t next =
          cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - data.data()) : size;
      if (emit && next > at) {
        RECODEX_TRY_VOID(handler.on_part_data(data.substr(at, next - at)));
      }
      at = next;
      if (at == size)
        return false;
    }
    while (at < size && matched_ < delimiter_.size() && data[at] == delimiter_[matched_]) {
      ++at;
      ++matched_;
    }
    if (matched_ == delimiter_.size()) {
      matched_ = 0;
      return true;
    }
    if (at == size)
      return false; // a partial match waits for the next chunk
    // The held bytes were content after all; data[at] is looked at again from scratch.
    if (emit) {
      RECODEX_TRY_VOID(handler.on_part_data(std::string_view(delimiter_).substr(0, matched_)));
    }
    matched_ = 0;
  }
  return false;
}

result<void> multipart_parser::header_line(std::string_view line, std::size_t at) {
  if (line.front() == ' ' || line.front() == '\t')
    return fail("folded header lines are not supported", at);
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return fail("part header line without a name: '" + std::string(line) + "'", at);
  auto name = line.substr(0, colon);
  auto value = trim(line.substr(colon + 1));
  if (iequals(name, "content-type")) {
    current_.content_type = std::string(value);
    return ok();
  }
  if (!iequals(name, "content-disposition"))
    return ok(); // other part headers (Content-Transfer-Encoding, ...) do not matter to us
  auto parsed = parse_header_value(value);
  if (!parsed)
    return fail("malformed Content-Disposition '" + std::string(value) + "'", at);
  if (!iequals(parsed->head, "form-data"))
    return fail("Content-Disposition must be form-data, got '" + std::string(parsed->head) + "'",
                at);
  const auto* name_param = find_parameter(*parsed, "name");
  if (!name_param || name_param->value.empty())
    return fail("part " + std::to_string(parts_ + 1) + " has no field name", at);
  current_.name = name_param->value;
  if (const auto* ext = find_parameter(*parsed, "filename*")) {
    auto decoded = decode_ext_value(ext->value);
    if (!decoded)
      return fail("malformed filename* '" + ext->value + "'", at);
    current_.filename = std::move(*decoded);
  } else if (const auto* filename = find_parameter(*parsed, "filename")) {
    current_.filename = filename->value;
  }
  has_disposition_ = true;
  return ok();
}

result<void> multipart_parser::end_headers(multipart_handler& handler, std::size_t at) {
  if (!has_disposition_)
    return fail("part " + std::to_string(parts_ + 1) + " has no Content-Disposition header", at);
  if (++parts_ > limits_.max_parts)
    return fail("more than " + std::to_string(limits_.max_parts) + " parts", at);
  state_ = state::body;
  matched_ = 0;
  if (auto r = handler.on_part_begin(current_); !r) {
    state_ = state::failed;
    return r.error();
  }
  return ok();
}

result<void> multipart_parser::feed(std::string_view chunk, multipart_handler& handler) {
  if (state_ == state::failed)
    return error{errc::invalid_argument, "malformed multipart body: parser already failed"};
  if (delimiter_.find_first_of("\r\n", 2) != std::string::npos)
    return fail("the boundary contains a line break", 0);
  std::size_t at = 0;
  // A handler error leaves the parser failed as well.
  auto stop = [&](error e) {
    state_ = state::failed;
    return e;
  };
  while (at < chunk.size()) {
    switch (state_) {
    case state::preamble:
    case state::body: {
      bool in_body = state_ == state::body;
      auto found = scan_for_delimiter(chunk, at, in_body, handler);
      if (!found)
        return stop(found.error());
      if (found.value()) {
        if (in_body) {
          if (auto r = handler.on_part_end(); !r)
            return stop(r.error());
        }
        state_ = state::delimiter_tail;
      }
      break;
    }
    case state::delimiter_tail: {
      char c = chunk[at++];
      if (c == '-') {
        state_ = state::close_dash;
      } else if (c == '\r') {
        state_ = state::line_end;
      } else if (c != ' ' && c != '\t') {
        return fail("expected CRLF or \"--\" after the boundary", at - 1);
      }
      break;
    }
    case state::close_dash:
      if (chunk[at++] != '-')
        return fail("expected \"--\" after the boundary", at - 1);
      state_ = state::epilogue;
      break;
    case state::line_end:
      if (chunk[at++] != '\n')
        return fail("expected LF after CR on the boundary line", at - 1);
      state_ = state::headers;
      line_.clear();
      header_bytes_ = 0;
      current_ = part_header{};
      has_disposition_ = false;
      break;
    case state::headers: {
      auto newline = chunk.find('\n', at);
      std::size_t end = newline == std::string_view::npos ? chunk.size() : newline;
      header_bytes_ += end - at + (newline == std::string_view::npos ? 0 : 1);
      if (header_bytes_ > limits_.max_header_bytes)
        return fail(
            "part headers longer than " + std::to_string(limits_.max_header_bytes) + " bytes", at);
      line_.append(chunk.substr(at, end - at));
      at = end;
      if (newline == std::string_view::npos)
        break;
      ++at; // the LF
      std::string_view line = line_;
      if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
      if (line.empty()) {
        RECODEX_TRY_VOID(end_headers(handler, at));
      } else {
        RECODEX_TRY_VOID(header_line(line, at));
      }
      line_.clear();
      break;
    }
    case state::epilogue:
      at = chunk.size();
      break;
    case state::failed:
      return error{errc::invalid_argument, "malformed multipart body: parser already failed"};
    }
  }
  offset_ += chunk.size();
  return ok();
}

result<void> multipart_parser::finish() {
  switch (state_) {
  case state::epilogue:
    return ok();
  case state::preamble:
    return fail("no boundary found in the body", 0);
  case state::body:
    return fail("the body ended inside part '" + current_.name + "' (no closing boundary)", 0);
  case state::failed:
    return error{errc::invalid_argument, "malformed multipart body: parser already failed"};
  default:
    return fail("the body ended inside a part's headers or boundary line", 0);
  }
}

} // namespace recodex::filestore
