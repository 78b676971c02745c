// result.yml writer: block mappings, two-space indentation, sequence items as "- " under their
// key, as yaml-cpp lays them out, with our own conservative quoting (see job_results.hpp).
#include "actors/worker/evaluation/job_results.hpp"

#include <array>
#include <charconv>
#include <cstdio>

namespace recodex::worker {

std::string_view to_string(task_status status) {
  switch (status) {
  case task_status::ok:
    return "OK";
  case task_status::failed:
    return "FAILED";
  case task_status::skipped:
    return "SKIPPED";
  }
  return "UNKNOWN";
}

std::string_view to_string(sandbox_status status) {
  switch (status) {
  case sandbox_status::ok:
    return "OK";
  case sandbox_status::re:
    return "RE";
  case sandbox_status::sg:
    return "SG";
  case sandbox_status::to:
    return "TO";
  case sandbox_status::xx:
    return "XX";
  }
  return "XX";
}

namespace {

bool is_plain_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '/' || c == '-';
}

// Words a YAML 1.1 reader would turn into a boolean or null.
bool is_reserved_word(std::string_view text) {
  static constexpr std::array<std::string_view, 12> words{
      "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "nan", "inf"};
  std::string lowered;
  for (char c : text)
    lowered += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (auto word : words)
    if (lowered == word)
      return true;
  return false;
}

bool can_be_plain(std::string_view text) {
  if (text.empty())
    return false;
  const auto first = static_cast<unsigned char>(text.front());
  const bool letter = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z');
  if (!letter && first != '_' && first != '/')
    return false;
  for (char c : text)
    if (!is_plain_char(static_cast<unsigned char>(c)))
      return false;
  return !is_reserved_word(text);
}

void append_hex(std::string& out, char prefix, unsigned value, int digits) {
  char buffer[12];
  std::snprintf(buffer, sizeof buffer, "\\%c%0*x", prefix, digits, value);
  out += buffer;
}

// Decodes one UTF-8 sequence at text[i]; returns the code point and its length, or length 0
// when the bytes are not well-formed UTF-8 (overlong forms and surrogates included).
std::pair<unsigned, std::size_t> decode_utf8(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned lead = byte(i);
  std::size_t length = 0;
  unsigned code = 0;
  unsigned minimum = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, code = lead & 0x1f, minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, code = lead & 0x0f, minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, code = lead & 0x07, minimum = 0x10000;
  } else {
    return {0, 0};
  }
  if (i + length > text.size())
    return {0, 0};
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80)
      return {0, 0};
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
    return {0, 0};
  return {code, length};
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
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
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        if (c < 0x20 || c == 0x7f)
          append_hex(out, 'x', c, 2);
        else
          out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    auto [code, length] = decode_utf8(text, i);
    if (length == 0) {
      out += "\\ufffd"; // one replacement per byte that is not part of well-formed UTF-8
      ++i;
      continue;
    }
    if (code <= 0xff)
      append_hex(out, 'x', code, 2);
    else if (code <= 0xffff)
      append_hex(out, 'u', code, 4);
    else
      append_hex(out, 'U', code, 8);
    i += length;
  }
  out += '"';
  return out;
}

std::string number(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc())
    return "0";
  return std::string(buffer, end);
}

class writer {
public:
  void line(int indent, std::string_view key, std::string_view value) {
    pad(indent);
    out_ += key;
    out_ += ": ";
    out_ += value;
    out_ += '\n';
  }
  void open(int indent, std::string_view key) {
    pad(indent);
    out_ += key;
    out_ += ":\n";
  }
  void item(int indent) {
    pad(indent);
    out_ += "- ";
    pending_item_ = true;
  }
  std::string take() { return std::move(out_); }

private:
  // The first key of a sequence item sits right after its "- ".
  void pad(int indent) {
    if (pending_item_) {
      pending_item_ = false;
      return;
    }
    out_.append(static_cast<std::size_t>(indent), ' ');
  }
  std::string out_;
  bool pending_item_ = false;
};

void write_sandbox(writer& w, const sandbox_results& r) {
  constexpr int in = 6;
  w.open(4, "sandbox_results");
  w.line(in, "exitcode", std::to_string(r.exitcode));
  w.line(in, "time", number(r.time));
  w.line(in, "wall-time", number(r.wall_time));
  w.line(in, "memory", std::to_string(r.memory));
  w.line(in, "max-rss", std::to_string(r.max_rss));
  w.line(in, "status", to_string(r.status));
  w.line(in, "exitsig", std::to_string(r.exitsig));
  w.line(in, "killed", r.killed ? "true" : "false");
  w.line(in, "message", yaml_scalar(r.message));
  w.line(in, "csw-voluntary", std::to_string(r.csw_voluntary));
  w.line(in, "csw-forced", std::to_string(r.csw_forced));
}

} // namespace

std::string yaml_scalar(std::string_view text) {
  return can_be_plain(text) ? std::string(text) : quoted(text);
}

std::string write_result_yml(const job_results& results) {
  writer w;
  w.line(0, "job-id", yaml_scalar(results.job_id));
  w.line(0, "hw-group", yaml_scalar(results.hw_group));
  if (results.results.empty()) {
    w.line(0, "results", "[]");
    return w.take();
  }
  w.open(0, "results");
  for (const auto& task : results.results) {
    w.item(2);
    w.line(4, "task-id", yaml_scalar(task.task_id));
    w.line(4, "status", to_string(task.status));
    if (task.status == task_status::skipped)
      continue;
    if (!task.error_message.empty())
      w.line(4, "error_message", yaml_scalar(task.error_message));
    if (task.output) {
      w.open(4, "output");
      w.line(6, "stdout", yaml_scalar(task.output->stdout_text));
      w.line(6, "stderr", yaml_scalar(task.output->stderr_text));
    }
    if (task.sandbox)
      write_sandbox(w, *task.sandbox);
  }
  return w.take();
}

} // namespace recodex::worker
