#include "sandbox/launch_request.hpp"

#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace recodex::sandbox::detail {

namespace {

// One list of fields for both directions, so the encoder and decoder cannot disagree.
template <class Io, class Box, class Options>
void visit_fields(Io& io, Box& box, Options& o) {
  io(box.uid);
  io(box.gid);
  io(box.state_dir);
  io(o.box_dir);
  io(o.argv);
  io(o.time_s);
  io(o.wall_time_s);
  io(o.extra_time_s);
  io(o.memory_kib);
  io(o.stack_kib);
  io(o.fsize_kib);
  io(o.as_kib);
  io(o.open_files);
  io(o.processes);
  io(o.tmp_kib);
  io(o.stdin_path);
  io(o.stdout_path);
  io(o.stderr_path);
  io(o.stderr_to_stdout);
  io(o.chdir);
  io(o.env);
  io(o.dirs);
  io(o.share_net);
  io(o.give_back_box_dir);
}

template <class Io, class Rule>
void visit_rule(Io& io, Rule& r) {
  io(r.inside);
  io(r.outside);
  io(r.read_write);
  io(r.no_exec);
  io(r.tmp);
  io(r.maybe);
  io(r.devices);
  io(r.filesystem);
  io(r.no_recursion);
}

// Numbers in host byte order: both ends are the same executable image on the same machine.
class writer {
public:
  std::string bytes;

  template <class T>
  std::enable_if_t<std::is_arithmetic_v<T>> operator()(const T& value) {
    bytes.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void operator()(const std::string& text) {
    (*this)(static_cast<std::uint32_t>(text.size()));
    bytes += text;
  }
  void operator()(const std::optional<unsigned>& value) {
    (*this)(value.has_value());
    (*this)(value.value_or(0));
  }
  void operator()(const std::pair<std::string, std::string>& pair) {
    (*this)(pair.first);
    (*this)(pair.second);
  }
  void operator()(const dir_rule& rule) {
    visit_rule(*this, rule);
  }
  template <class T>
  void operator()(const std::vector<T>& items) {
    (*this)(static_cast<std::uint32_t>(items.size()));
    for (const auto& item : items)
      (*this)(item);
  }
};

class reader {
public:
  explicit reader(std::string_view bytes) : rest_(bytes) {
  }
  bool failed() const {
    return failed_;
  }
  bool at_end() const {
    return rest_.empty();
  }

  template <class T>
  std::enable_if_t<std::is_arithmetic_v<T>> operator()(T& value) {
    if (!take(sizeof value))
      return;
    std::memcpy(&value, taken_.data(), sizeof value);
  }
  void operator()(bool& value) {
    std::uint8_t byte = 0;
    (*this)(byte);
    failed_ = failed_ || byte > 1;
    value = byte == 1;
  }
  void operator()(std::string& text) {
    std::uint32_t size = 0;
    (*this)(size);
    if (take(size))
      text.assign(taken_);
  }
  void operator()(std::optional<unsigned>& value) {
    bool present = false;
    unsigned number = 0;
    (*this)(present);
    (*this)(number);
    value = present ? std::optional<unsigned>{number} : std::nullopt;
  }
  void operator()(std::pair<std::string, std::string>& pair) {
    (*this)(pair.first);
    (*this)(pair.second);
  }
  void operator()(dir_rule& rule) {
    visit_rule(*this, rule);
  }
  template <class T>
  void operator()(std::vector<T>& items) {
    std::uint32_t count = 0;
    (*this)(count);
    // Every item takes at least one byte: a count beyond what is left is a lie.
    if (failed_ || count > rest_.size()) {
      failed_ = true;
      return;
    }
    items.resize(count);
    for (auto& item : items)
      (*this)(item);
  }

private:
  bool take(std::size_t size) {
    if (failed_ || size > rest_.size()) {
      failed_ = true;
      return false;
    }
    taken_ = rest_.substr(0, size);
    rest_.remove_prefix(size);
    return true;
  }

  std::string_view rest_;
  std::string_view taken_;
  bool failed_ = false;
};

} // namespace

box_identity identity_of(const box& b) {
  return {b.uid(), b.gid(), b.state_dir()};
}

std::string encode_launch_request(const box_identity& box, const run_options& options) {
  writer out;
  visit_fields(out, box, options);
  return std::move(out.bytes);
}

result<launch_request> decode_launch_request(std::string_view bytes) {
  launch_request request;
  reader in{bytes};
  visit_fields(in, request.box, request.options);
  if (in.failed())
    return make_error(errc::invalid_argument, "truncated or malformed launch request");
  if (!in.at_end())
    return make_error(errc::invalid_argument, "trailing bytes after the launch request");
  return request;
}

} // namespace recodex::sandbox::detail
